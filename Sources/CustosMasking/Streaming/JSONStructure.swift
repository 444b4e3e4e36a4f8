/// Follows the structure of JSON (or NDJSON) as it streams past, byte by byte, so that the
/// masker knows whether a finding sits in an object key (given a name that keeps the keys
/// distinct), in a string value (masked in place) or in a bare number (masked as a quoted
/// string, so that the output stays JSON). Past its depth limit, keys read as values: they
/// are still masked, as values are (and may then repeat).
///
/// It never fails: on input that is not JSON it simply tracks nonsense, and masking still
/// happens; only the key and quoting decisions lose their meaning.
struct JSONStructure: Sendable {
    enum Place: Equatable {
        case key
        case stringValue
        case bare
    }

    private var inString = false
    private var escaped = false
    private var stringIsKey = false
    /// True when the next string in the current object is a key.
    private var expectingKey = false
    /// The open containers, innermost last: true for an object. Deeper than the bound, the
    /// tracker counts levels only.
    private var containers: [Bool] = []
    private var overflow = 0
    private static let maxDepth = 512

    var place: Place {
        inString ? (stringIsKey ? .key : .stringValue) : .bare
    }

    private var inObject: Bool { overflow == 0 && (containers.last ?? false) }

    mutating func advance(over bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    expectingKey = false
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                stringIsKey = inObject && expectingKey
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if containers.count < Self.maxDepth { containers.append(byte == UInt8(ascii: "{")) } else { overflow += 1 }
                expectingKey = byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if overflow > 0 { overflow -= 1 } else if !containers.isEmpty { containers.removeLast() }
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = inObject
            case UInt8(ascii: ":"):
                expectingKey = false
            default:
                break
            }
            index += 1
        }
    }
}
