/// Base64 with the URL and file name safe alphabet and no padding (RFC 4648, section 5), as
/// gate tokens and JWT segments are written.
public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The unpadded base64url text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: (bytes.count * 4 + 2) / 3) { output in
            var written = 0
            func emit(_ group: UInt32, characters: Int) {
                for index in 0..<characters {
                    output[written] = alphabet[Int((group >> (18 - 6 * UInt32(index))) & 0x3F)]
                    written += 1
                }
            }
            var index = 0
            while index + 3 <= bytes.count {
                emit(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]), characters: 4)
                index += 3
            }
            switch bytes.count - index {
            case 1: emit(UInt32(bytes[index]) << 16, characters: 2)
            case 2: emit(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8, characters: 3)
            default: break
            }
            return written
        }
    }

    /// The bytes of the canonical unpadded base64url text in `text`; nil for anything else.
    /// Canonical: no padding, no character of the standard alphabet, and zero bits in the
    /// last character's unused part, so that some bytes have exactly one text.
    public static func decode(_ text: Substring) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0, lenient: false) }
    }

    /// Decodes base64url characters. `lenient` also takes the standard alphabet's `+` and `/`
    /// and ignores a trailing partial character (as a scanner that only looks inside wants);
    /// decoding stops after `limit` bytes.
    public static func decode(_ characters: UnsafeBufferPointer<UInt8>, lenient: Bool, limit: Int = .max) -> [UInt8]? {
        guard lenient || characters.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(limit, characters.count * 3 / 4 + 1))
        var pending: UInt32 = 0
        var pendingBits = 0
        for character in characters {
            guard let value = value(of: character, lenient: lenient) else { return nil }
            pending = pending << 6 | value
            pendingBits += 6
            if pendingBits >= 8 {
                pendingBits -= 8
                bytes.append(UInt8(truncatingIfNeeded: pending >> UInt32(pendingBits)))
                if bytes.count >= limit { return bytes }
                pending &= (1 << UInt32(pendingBits)) - 1
            }
        }
        // What is left are the last character's unused bits, which encode nothing.
        return lenient || pending == 0 ? bytes : nil
    }

    @inline(__always)
    private static func value(of character: UInt8, lenient: Bool) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "-"): return 62
        case UInt8(ascii: "_"): return 63
        case UInt8(ascii: "+") where lenient: return 62
        case UInt8(ascii: "/") where lenient: return 63
        default: return nil
        }
    }
}
