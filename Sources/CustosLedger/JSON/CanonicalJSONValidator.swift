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
            // Only where the string ends: skip escaped bytes, check nothing else.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return StringRef(range: start..<position - 1, hasEscapes: hasEscapes)
                }
                if byte == UInt8(ascii: "\\") {
                    hasEscapes = true
                    position += 1
                }
                position += 1
            }
            throw fail("a string is cut short", at: start)
        }
        while position < bytes.count {
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
