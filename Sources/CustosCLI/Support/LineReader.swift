import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads lines from a file descriptor in large blocks.
struct LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    /// Bytes consumed so far, for progress.
    private(set) var bytesRead: UInt64 = 0
    /// The number of the last line returned, from 1.
    private(set) var lineNumber = 0
    /// The longest line accepted; longer lines are an error, not a memory hazard.
    let maxLineBytes: Int

    init(descriptor: Int32, maxLineBytes: Int = 16 << 20) {
        self.descriptor = descriptor
        self.maxLineBytes = maxLineBytes
    }

    enum Failure: Error, CustomStringConvertible {
        case lineTooLong(line: Int, limit: Int)
        case readFailed(String)

        var description: String {
            switch self {
            case .lineTooLong(let line, let limit): return "line \(line) is longer than \(limit) bytes"
            case .readFailed(let reason): return "reading input failed: \(reason)"
            }
        }
    }

    /// The next line without its newline (and without a trailing carriage return), or nil
    /// at the end of input.
    mutating func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            if buffer.count - start > maxLineBytes { throw Failure.lineTooLong(line: lineNumber + 1, limit: maxLineBytes) }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let chunk = 1 << 16
            let oldCount = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let got = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress.map { $0 + oldCount }, chunk)
            }
            if got < 0 {
                buffer.removeLast(chunk)
                if errno == EINTR { continue }
                throw Failure.readFailed(String(cString: strerror(errno)))
            }
            buffer.removeLast(chunk - got)
            bytesRead += UInt64(got)
            if got == 0 { atEnd = true }
        }
    }
}
