import CustosLedger

/// JSON shapes the CLI prints.
enum JSONOutput {
    /// `{"duplicate":false,"hash":"…","seq":0,"time":"…"}`.
    static func receipt(_ receipt: AppendReceipt) -> String {
        JSONValue.object([
            "seq": .number(Double(receipt.seq)),
            "hash": .string(receipt.leafHash.hex),
            "time": .string(receipt.time.description),
            "duplicate": .bool(receipt.isDuplicate),
        ]).description
    }

    /// Indented JSON for people, members sorted.
    static func pretty(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .array(let elements) where !elements.isEmpty:
            return "[\n" + elements.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members) where !members.isEmpty:
            let lines = CanonicalJSON.sortedKeys(members).map { key in
                inner + JSONValue.string(key).description + ": " + pretty(members[key] ?? .null, indent: inner)
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return value.description
        }
    }
}
