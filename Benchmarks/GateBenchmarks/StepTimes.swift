import Foundation
import Synchronization

/// Wall-clock times of the named steps of a benchmark's iterations, kept across the
/// benchmark's calls, and summarised as p50 / p99 per step.
final class StepTimes: Sendable {
    private let names: [String]
    private let milliseconds: Mutex<[[Double]]>

    init(_ names: [String]) {
        self.names = names
        milliseconds = Mutex(Array(repeating: [], count: names.count))
    }

    /// Runs `body` and keeps how long it took as step `index`.
    func time<T>(_ index: Int, _ body: () async throws -> T) async rethrows -> T {
        let started = ContinuousClock.now
        let result = try await body()
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        milliseconds.withLock { $0[index].append(ms) }
        return result
    }

    /// `name p50 / p99` for every step, over every time kept.
    func summary() -> String {
        let all = milliseconds.withLock { $0 }
        return zip(names, all).map { name, values in
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return "\(name) -" }
            func at(_ fraction: Double) -> String {
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                return String(format: "%.2f", value)
            }
            return "\(name) \(at(0.5)) / \(at(0.99))"
        }.joined(separator: ", ") + " (\(all.first?.count ?? 0) cycles)"
    }
}
