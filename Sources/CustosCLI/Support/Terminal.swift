import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor. Writes go out in large blocks, which matters when
/// printing a receipt per event.
final class Terminal: @unchecked Sendable {
    // @unchecked: each instance is used from one task at a time (the command's), and the
    // two shared instances are only written from the main command flow.
    static let standardOutput = Terminal(descriptor: STDOUT_FILENO)
    static let standardError = Terminal(descriptor: STDERR_FILENO, buffered: false)

    let descriptor: Int32
    let isTerminal: Bool
    private let buffered: Bool
    private var buffer: [UInt8] = []

    init(descriptor: Int32, buffered: Bool = true) {
        self.descriptor = descriptor
        self.isTerminal = isatty(descriptor) == 1
        self.buffered = buffered
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if !buffered || buffer.count >= 1 << 16 { flush() }
    }

    func write(bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if !buffered || buffer.count >= 1 << 16 { flush() }
    }

    func writeLine(_ text: String) {
        write(text + "\n")
    }

    func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                break  // a closed pipe: drop the output, as `head` expects
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
