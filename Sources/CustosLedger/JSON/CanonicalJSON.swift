/// The JSON Canonicalization Scheme of RFC 8785 (JCS).
///
/// The canonical form has no white space, object members sorted by their names compared as
/// UTF-16 code units, strings with the minimal escapes of ECMAScript's `JSON.stringify`, and
/// numbers in ECMAScript's shortest round-trip form. Any JCS implementation, in any
/// language, produces the same bytes for the same value.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        append(value, to: &output)
        return output
    }

    /// Appends the canonical bytes of `value` to `output`.
    public static func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): appendNumber(number, to: &output)
        case .string(let string): appendString(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            appendObject(members, to: &output)
        }
    }

    /// Appends an object with its members in canonical order.
    public static func appendObject(_ members: [String: JSONValue], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        // Every event's attributes come through here: the members are ordered by sorting
        // their positions on the stack, rather than by copying them into a new array.
        withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: members.count) { order in
            var count = 0
            for index in members.indices {
                order.initializeElement(at: count, to: index)
                count += 1
            }
            defer { order.deinitialize() }
            func precedes(_ a: Dictionary<String, JSONValue>.Index, _ b: Dictionary<String, JSONValue>.Index) -> Bool {
                precedesInUTF16(members[a].key, members[b].key)
            }
            if count <= 16 {
                // An insertion sort beats the general one on the few members events have.
                for next in 1..<max(count, 1) {
                    var slot = next
                    while slot > 0 && precedes(order[slot], order[slot - 1]) {
                        order.swapAt(slot, slot - 1)
                        slot -= 1
                    }
                }
            } else {
                var positions = order  // the same memory: sorting is a mutating method
                positions.sort(by: precedes)
            }
            for position in 0..<count {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                let member = members[order[position]]
                appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                append(member.value, to: &output)
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Member names in RFC 8785 order: by UTF-16 code units.
    public static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted(by: precedesInUTF16)
    }

    /// True when `a` sorts before `b` by UTF-16 code units, as RFC 8785 requires.
    public static func precedesInUTF16(_ a: String, _ b: String) -> Bool {
        // UTF-8 byte order equals code point order, which equals UTF-16 order except that
        // code points above U+FFFF (surrogates in UTF-16) sort before U+E000...U+FFFF.
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                if x == y { continue }
                if x < 0x80 && y < 0x80 { return x < y }
                return a.utf16.lexicographicallyPrecedes(b.utf16)
            }
        }
    }

    /// Appends `string` quoted, with ECMAScript's minimal escapes.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                output.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
                case 0x08: output.append(UInt8(ascii: "b"))
                case 0x09: output.append(UInt8(ascii: "t"))
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0C: output.append(UInt8(ascii: "f"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                default:
                    output.append(contentsOf: "u00".utf8)
                    output.append(Hex.digit(byte >> 4))
                    output.append(Hex.digit(byte & 0xF))
                }
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `number` as ECMAScript's `Number.prototype.toString` writes it.
    /// Precondition: `number` is finite (the parser and the event model reject the rest).
    public static func appendNumber(_ number: Double, to output: inout [UInt8]) {
        ECMAScriptNumber.append(number, to: &output)
    }
}
