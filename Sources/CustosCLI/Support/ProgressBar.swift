import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal,
/// so that scripts and logs stay quiet.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: `lock` guards every mutable property; updates may come from worker threads.
    private let label: String
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    init(label: String, enabled: Bool = Terminal.standardError.isTerminal) {
        self.label = label
        self.enabled = enabled
    }

    /// Redraws at most ten times a second. `total` nil draws a count without a bar.
    func update(done: UInt64, total: UInt64?, unit: String = "entries") {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done >= (total ?? .max) else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += String(format: "%3.0f%% ", fraction * 100)
            line += "\(done)/\(total) \(unit)"
        } else {
            line += "\(done) \(unit)"
        }
        line += String(format: "  %.0f/s ", rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
