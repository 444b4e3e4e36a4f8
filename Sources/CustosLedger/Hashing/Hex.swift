import Foundation

/// Lower-case hexadecimal, as every hash in the ledger's formats is written.
public enum Hex {
    /// The lower-case hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) { return text }
        // Digests and MACs iterate a byte at a time through their storage, but hand out their
        // bytes in one piece far more cheaply (the API key check hashed every request's key).
        if let contiguous = bytes as? any ContiguousBytes { return contiguous.withUnsafeBytes { encode($0) } }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// The lower-case hex of the bytes in `buffer`.
    public static func encode(_ buffer: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: buffer.count * 2) { output in
            var index = 0
            for byte in buffer {
                output[index] = digit(byte >> 4)
                output[index + 1] = digit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    /// The lower-case hex digit of a nibble (0 to 15).
    @inline(__always)
    public static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// Appends the lower-case hex of the bytes in `buffer` to `output`, growing it once
    /// rather than once per digit (every entry's `prev` is written this way).
    public static func append(_ buffer: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: buffer.count * 2))
        output.withUnsafeMutableBufferPointer { digits in
            var index = start
            for byte in buffer {
                digits[index] = digit(byte >> 4)
                digits[index + 1] = digit(byte & 0x0F)
                index += 2
            }
        }
    }

    /// Appends the lower-case hex of `bytes` to `output`.
    public static func append(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
        if bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0), to: &output) }) != nil { return }
        Array(bytes).withUnsafeBytes { append($0, to: &output) }
    }

    /// The bytes of a hex string (either case), or nil when it is not hex of whole bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    /// The value of a lower-case hex digit; nil for anything else (upper case included).
    @inline(__always)
    static func lowercaseValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    @inline(__always)
    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
