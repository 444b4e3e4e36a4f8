import NIOCore

/// Writes JSON straight into bytes, members in the order given: for the answers of busy routes,
/// where building a `JSONValue` and writing it canonically (keys sorted by UTF-16 code units)
/// would cost more than the work the answer reports.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1_024) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")) }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")) }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A member name; the value follows.
    mutating func key(_ name: StaticString) {
        // `,"name":` composed in scratch space (on the stack for any key a route uses) and
        // appended at once: keys are most of the calls.
        let count = name.utf8CodeUnitCount
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 4) { scratch in
            var length = 0
            if needsComma {
                scratch[0] = UInt8(ascii: ",")
                length = 1
            }
            scratch[length] = UInt8(ascii: "\"")
            _ = UnsafeMutableBufferPointer(rebasing: scratch[(length + 1)..<(length + 1 + count)])
                .update(fromContentsOf: UnsafeBufferPointer(start: name.utf8Start, count: count))
            length += 1 + count
            scratch[length] = UInt8(ascii: "\"")
            scratch[length + 1] = UInt8(ascii: ":")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<length + 2]))
        }
        needsComma = false
    }

    mutating func string(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { utf8 in
            bytes.reserveCapacity(bytes.count + utf8.count + 2)
            bytes.append(UInt8(ascii: "\""))
            // Node ids and names rarely need escapes: copy runs of plain bytes whole.
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            bytes.append(UInt8(ascii: "\""))
        }
        needsComma = true
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let digits: StaticString = "0123456789abcdef"
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(digits.utf8Start[Int(byte >> 4)])
            bytes.append(digits.utf8Start[Int(byte & 0xF)])
        }
    }

    mutating func integer(_ value: some BinaryInteger) {
        separate()
        // Digits composed backwards on the stack (at most 39 for 128 bits, plus a sign).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { scratch in
            var position = scratch.count
            var rest = value.magnitude
            repeat {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest != 0 && position > 1
            if value < 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[position...]))
        }
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// A string whose characters never need escaping (hex digits, an RFC 3339 time), written
    /// by `body` straight into the output.
    mutating func plainString(_ body: (inout [UInt8]) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        body(&bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Any value, through its own (canonical) writer.
    mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    var buffer: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(0x0A))
        return buffer
    }
}
