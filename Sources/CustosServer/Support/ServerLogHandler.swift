import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's log lines, to standard error, in the layout of swift-log's
/// `StreamLogHandler` (`time level label: key=value … [source] message`).
///
/// Unlike that handler, it formats metadata only when it writes a line. Hummingbird gives
/// every request a logger with its own request id, and a handler that formats on every
/// change spent several percent of the server's CPU on lines that were never written.
struct ServerLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let sink: @Sendable (String) -> Void

    /// A handler writing to standard error, or to `write` (tests).
    init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
        sink = write ?? Self.standardError
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink("\(Self.timestamp()) \(event.level) \(label):\(pairs.isEmpty ? "" : " " + pairs) [\(event.source)] \(event.message)\n")
    }

    /// The local time, as `StreamLogHandler` prints it: `2026-12-02T16:04:12+0000`.
    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            guard let start = buffer.baseAddress else { return "" }
            let count = strftime(start, 32, "%Y-%m-%dT%H:%M:%S%z", &parts)
            return String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
        }
    }

    /// One line at a time, whole, even from many threads.
    private static let standardErrorLock = Mutex(())
    private static let standardError: @Sendable (String) -> Void = { text in
        standardErrorLock.withLock { _ in
            var text = text
            text.withUTF8 { bytes in
                guard let start = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let written = write(2, start + offset, bytes.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
