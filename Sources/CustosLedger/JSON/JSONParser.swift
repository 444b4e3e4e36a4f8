/// A strict, fast JSON parser (RFC 8259) that produces ``JSONValue``s.
///
/// It accepts exactly what I-JSON (RFC 7493) allows, so that every value it returns has one
/// canonical form: no duplicate object keys, no invalid UTF-8 or lone surrogates, no
/// numbers outside the range of a double, and no integers too large to be held exactly.
public struct JSONParser {
    /// Limits that keep hostile input from exhausting the stack or memory.
    public struct Limits: Sendable {
        /// Deepest nesting of arrays and objects.
        public var maxDepth: Int = 64
        /// Most values (each scalar, array and object counts one) in one document. A value
        /// takes 24 bytes or more in memory, against 2 bytes of input for `0,`: without a bound,
        /// an 8 MiB body of `[0,0,…]` would take about 100 MB to hold.
        public var maxValues: Int = 1_000_000
        public init() {}
    }

    /// Parses one JSON value from `bytes`; anything but white space after it is an error.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }

    /// Parses one JSON value from `bytes`.
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(JSONParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBytes { try parse($0, limits: limits) }
        } catch let error as JSONParseError {
            throw error
        } catch {
            throw JSONParseError(reason: "\(error)", offset: 0, line: 1, column: 1)
        }
    }

    /// Parses one JSON value from `text`.
    public static func parse(_ text: String, limits: Limits = Limits()) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    // Internal, not private: `SubmittedEvent` reads events through the same parser.
    let bytes: UnsafeRawBufferPointer
    let limits: Limits
    var position = 0
    private var values = 0

    init(bytes: UnsafeRawBufferPointer, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
        values += 1
        guard values <= limits.maxValues else { throw error("more than \(limits.maxValues) values in one document; send fewer at a time") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error("nesting deeper than \(limits.maxDepth) levels") }
        position += 1  // {
        // No room reserved ahead: `{}` then costs nothing, and a body of many small objects
        // (`[{},{},…]`) takes memory in proportion to what it holds, not six members' room each.
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a quoted member name, found \(describeCurrent())") }
            let keyStart = position
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after the member name \"\(key)\", found \(describeCurrent())") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if members.updateValue(value, forKey: key) != nil {
                throw error("duplicate member name \"\(key)\"", at: keyStart)
            }
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}' after an object member, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error("nesting deeper than \(limits.maxDepth) levels") }
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' after an array element, found \(describeCurrent())")
            }
        }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1  // opening quote
        let contentStart = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                return try makeString(content, at: contentStart)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character 0x\(hexByte(byte)) in a string; escape it") }
            position += 1
        }
        guard position < bytes.count else { throw error("unterminated string", at: start) }
        // Slow path: decode escapes into a byte buffer.
        var buffer = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = buffer.withUnsafeBytes({ String(validating: $0, as: UTF8.self) }) else {
                    throw error("a string is not valid UTF-8", at: contentStart)
                }
                return string
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case 0..<0x20:
                throw error("control character 0x\(hexByte(byte)) in a string; escape it")
            default:
                buffer.append(byte)
                position += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    private func makeString(_ content: UnsafeRawBufferPointer, at offset: Int) throws(JSONParseError) -> String {
        // ASCII needs no validation, and most of an audit log is ASCII.
        if content.allSatisfy({ $0 < 0x80 }) { return String(decoding: content, as: UTF8.self) }
        guard let string = String(validating: content, as: UTF8.self) else {
            throw error("a string is not valid UTF-8", at: offset)
        }
        return string
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1  // backslash
        guard position < bytes.count else { throw error("unterminated escape sequence", at: escapeStart) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4(at: escapeStart))
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone high surrogate \\u\(String(scalar, radix: 16, uppercase: true)); I-JSON forbids it", at: escapeStart)
                }
                position += 2
                let low = UInt32(try parseHex4(at: escapeStart))
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("high surrogate not followed by a low surrogate", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("lone low surrogate \\u\(String(scalar, radix: 16, uppercase: true)); I-JSON forbids it", at: escapeStart)
            }
            guard let unicode = Unicode.Scalar(scalar), let encoded = UTF8.encode(unicode) else {
                throw error("invalid Unicode escape", at: escapeStart)
            }
            buffer.append(contentsOf: encoded)
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'", at: escapeStart)
        }
    }

    private mutating func parseHex4(at escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape", at: escapeStart) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = Hex.value(bytes[position]) else { throw error("invalid hex digit in a \\u escape", at: escapeStart) }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var isInteger = true
        if peek(UInt8(ascii: "-")) { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error("a '-' must be followed by a digit", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw error("numbers must not have leading zeros", at: start) }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if peek(UInt8(ascii: ".")) {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("a '.' in a number must be followed by a digit", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("an exponent must have digits", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let literal = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        // Fast path: short integers are exact.
        if isInteger && literal.count <= 16 {
            var value: Int64 = 0
            var negative = false
            for byte in literal {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
            }
            if value <= 1 << 53 { return Double(negative ? -value : value) }
        }
        let text = String(decoding: literal, as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("the number \(text) is outside the range of a double", at: start)
        }
        // A large integer is accepted only if storing it as a double keeps its digits: the
        // canonical form then writes back the very same text. Otherwise digits would change
        // silently, which an audit log must not do.
        if isInteger && abs(value) > 9_007_199_254_740_992 && ECMAScriptNumber.format(value) != text {
            throw error("the integer \(text) is too large to be held exactly (more than 2^53); send it as a string", at: start)
        }
        return value
    }

    // MARK: Helpers

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = position
        guard position + count <= bytes.count else { throw error("unexpected \(describeCurrent()), expected a value") }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: count)
        for i in 0..<count where bytes[position + i] != expected[i] {
            throw error("unexpected \(describeCurrent()), expected a value", at: start)
        }
        position += count
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of input" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hexByte(byte))"
    }

    private func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    private func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONParseError(reason: reason, offset: offset, line: line, column: offset - lineStart + 1)
    }
}
