/// Checks, without building any value, that bytes are exactly the RFC 8785 canonical form of
/// some JSON value: what ``CanonicalJSON/encode(_:)`` would write for the value they denote.
///
/// It is the fast path of verification: a stored entry is canonical or it was altered.
struct CanonicalJSONValidator {
    /// Why bytes are not canonical, and where.
    struct Failure: Error, Equatable {
        var reason: String
        var offset: Int
    }

    let bytes: UnsafeRawBufferPointer
    var position: Int
    let maxDepth: Int
    /// False to only find where values end, trusting that they are canonical: for reading
    /// entries back, where verification is not the point. Still never reads out of bounds.
    let strict: Bool

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0, maxDepth: Int = 64, strict: Bool = true) {
        self.bytes = bytes
        self.position = position
        self.maxDepth = maxDepth
        self.strict = strict
    }

    /// Checks one value starting at ``position`` and moves past it.
    mutating func value(depth: Int = 0) throws(Failure) {
        guard position < bytes.count else { throw fail("the value is cut short") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("unexpected byte")
        }
    }

    private mutating func object(depth: Int) throws(Failure) {
        guard depth <= maxDepth else { throw fail("nesting too deep") }
        position += 1
        if peek(UInt8(ascii: "}")) {
            position += 1
            return
        }
        var previousKey: StringRef?
        while true {
            guard peek(UInt8(ascii: "\"")) else { throw fail("expected a member name") }
            let key = try string()
            if strict, let previousKey, !precedes(previousKey, key) {
                throw fail("member names are not in canonical order", at: key.range.lowerBound)
            }
            previousKey = key
            guard peek(UInt8(ascii: ":")) else { throw fail("expected ':'") }
            position += 1
            try value(depth: depth)
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "}")) {
                position += 1
                return
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) {
        guard depth <= maxDepth else { throw fail("nesting too deep") }
        position += 1
        if peek(UInt8(ascii: "]")) {
            position += 1
            return
        }
        while true {
            try value(depth: depth)
            if peek(UInt8(ascii: ",")) {
                position += 1
            } else if peek(UInt8(ascii: "]")) {
                position += 1
                return
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    /// A canonical string's contents: where they are, and whether they hold escapes.
    struct StringRef {
        var range: Range<Int>
        var hasEscapes: Bool
    }

    /// Checks a canonical string and moves past it: valid UTF-8, exactly the escapes
    /// ECMAScript writes, nothing else escaped.
    mutating func string() throws(Failure) -> StringRef {
        guard peek(UInt8(ascii: "\"")) else { throw fail("expected a string") }
        position += 1
        let start = position
        var hasEscapes = false
        var asciiOnly = true
        if !strict {
            guard let end = Self.stringEnd(bytes, from: start, hasEscapes: &hasEscapes) else {
                throw fail("a string is cut short", at: start)
            }
            position = end + 1
            return StringRef(range: start..<end, hasEscapes: hasEscapes)
        }
        let base = bytes.baseAddress
        while position < bytes.count {
            // Eight bytes at a time while they are plain printable ASCII, neither a quote nor
            // a backslash: most of every id and name. Anything else is read byte by byte.
            if let base, position + 8 <= bytes.count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                if Self.isPlainASCII(word) {
                    position += 8
                    continue
                }
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let range = start..<position
                position += 1
                if strict && !asciiOnly && String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                    throw fail("a string is not valid UTF-8", at: start)
                }
                return StringRef(range: range, hasEscapes: hasEscapes)
            case UInt8(ascii: "\\"):
                hasEscapes = true
                guard position + 1 < bytes.count else { throw fail("a string is cut short") }
                switch bytes[position + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 2
                case UInt8(ascii: "u"):
                    // Only control characters without a short escape are written as \u00xx.
                    guard position + 5 < bytes.count, bytes[position + 2] == UInt8(ascii: "0"), bytes[position + 3] == UInt8(ascii: "0"),
                          let high = lowerHex(bytes[position + 4]), let low = lowerHex(bytes[position + 5]), high <= 1
                    else { throw fail("a \\u escape that canonical JSON does not write") }
                    let code = high << 4 | low
                    guard ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else { throw fail("a \\u escape where canonical JSON writes a short escape") }
                    position += 6
                default:
                    throw fail("an escape that canonical JSON does not write")
                }
            case 0..<0x20:
                throw fail("an unescaped control character")
            default:
                if byte >= 0x80 { asciiOnly = false }
                position += 1
            }
        }
        throw fail("a string is cut short", at: start)
    }

    /// Where the string whose contents start at `start` ends (its closing quote), checking
    /// nothing else. Reads eight bytes at a time while none of them is a quote or a backslash
    /// (most strings), then byte by byte. Nil when no closing quote comes before the end.
    static func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, hasEscapes: inout Bool) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = start
        while i < n {
            if i + 8 <= n {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if !Self.hasByte(word, 0x22) && !Self.hasByte(word, 0x5C) {
                    i += 8
                    continue
                }
            }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == UInt8(ascii: "\"") { return i }
            if byte == UInt8(ascii: "\\") {
                // An escape is a backslash and the byte after it (`\uXXXX` holds no quote or
                // backslash after that).
                hasEscapes = true
                i += 2
            } else {
                i += 1
            }
        }
        return nil
    }

    /// True when none of the eight bytes of `word` has its high bit set, is below 0x20, or
    /// is a quote or a backslash.
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else { return false }
        // With every high bit clear, a byte below 0x20 borrows into its own high bit.
        let control = (word &- 0x2020_2020_2020_2020) & ~word & high
        return control == 0 && !hasByte(word, 0x22) && !hasByte(word, 0x5C)
    }

    /// True when one of the eight bytes of `word` is `byte` (the classic SWAR zero-byte test).
    @inline(__always)
    private static func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }

    /// Moves past one value without checking it, only finding where it ends (for reads that
    /// trust the bytes, `strict == false`). Never reads out of bounds.
    mutating func skipValue() throws(Failure) {
        guard position < bytes.count else { throw fail("the value is cut short") }
        let first = bytes[position]
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return try value() }
        var depth = 0
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                var escapes = false
                guard let end = Self.stringEnd(bytes, from: position + 1, hasEscapes: &escapes) else { throw fail("a string is cut short") }
                position = end + 1
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    position += 1
                    return
                }
            default:
                break
            }
            position += 1
        }
        throw fail("the value is cut short")
    }

    private mutating func number() throws(Failure) {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        var isPlainInteger = true
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): position += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "E"):
                isPlainInteger = false
                position += 1
            default:
                return try checkNumber(start..<position, isPlainInteger: isPlainInteger)
            }
        }
        try checkNumber(start..<position, isPlainInteger: isPlainInteger)
    }

    private func checkNumber(_ range: Range<Int>, isPlainInteger: Bool) throws(Failure) {
        guard strict else { return }
        let literal = UnsafeRawBufferPointer(rebasing: bytes[range])
        let negative = literal.first == UInt8(ascii: "-")
        let digits = negative ? literal.count - 1 : literal.count
        guard digits > 0 else { throw fail("a malformed number", at: range.lowerBound) }
        // Fast path: short integers are canonical unless they have a leading zero or are -0.
        if isPlainInteger && digits <= 15 {
            let first = literal[negative ? 1 : 0]
            if first == UInt8(ascii: "0") && (digits > 1 || negative) { throw fail("a number that is not canonical", at: range.lowerBound) }
            return
        }
        let text = String(decoding: literal, as: UTF8.self)
        guard let value = Double(text), value.isFinite, ECMAScriptNumber.format(value) == text else {
            throw fail("a number that is not canonical", at: range.lowerBound)
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              UnsafeRawBufferPointer(start: word.utf8Start, count: count).elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
        else { throw fail("unexpected byte") }
        position += count
    }

    @inline(__always)
    func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private func lowerHex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    /// True when string `a` sorts strictly before string `b` in RFC 8785 order.
    func precedes(_ a: StringRef, _ b: StringRef) -> Bool {
        if !a.hasEscapes && !b.hasEscapes {
            let left = UnsafeRawBufferPointer(rebasing: bytes[a.range])
            let right = UnsafeRawBufferPointer(rebasing: bytes[b.range])
            if left.allSatisfy({ $0 < 0x80 }) && right.allSatisfy({ $0 < 0x80 }) {
                return left.lexicographicallyPrecedes(right)
            }
        }
        return CanonicalJSON.precedesInUTF16(decode(a), decode(b))
    }

    /// The text a canonical string denotes.
    func decode(_ string: StringRef) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[string.range])
        guard string.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                output.append(byte)
                index += 1
                continue
            }
            switch raw[index + 1] {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                // Validated: \u00xx with lower-case hex.
                let high = raw[index + 4], low = raw[index + 5]
                let value = { (d: UInt8) -> UInt8 in d <= UInt8(ascii: "9") ? d - UInt8(ascii: "0") : d - UInt8(ascii: "a") + 10 }
                output.append(value(high) << 4 | value(low))
                index += 6
                continue
            default: output.append(raw[index + 1])
            }
            index += 2
        }
        return String(decoding: output, as: UTF8.self)
    }

    func fail(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(reason: reason, offset: offset ?? position)
    }
}
