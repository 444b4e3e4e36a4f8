/// The id of a node in the lineage graph, written `type:name`.
///
/// Examples: `dataset:pg://crm/public.customers`, `field:pg://crm/public.customers#email`,
/// `agent:etl-bot`, `human:alice@example.com`, `request:7f3a…`, `export:s3://partner/q3.csv`.
///
/// The type is 1 to 32 characters of `a-z`, `0-9`, `_` and `-`, starting with a letter.
/// The name is everything after the first colon: at least one character, no control
/// characters, no leading or trailing white space.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The whole id, `type:name`.
    public let rawValue: String

    /// Validates `rawValue` as a node id.
    public init(_ rawValue: String, limits: EventLimits = .standard) throws(EventError) {
        try NodeID.validate(rawValue, limits: limits)
        self.rawValue = rawValue
    }

    /// Builds `type:name`, validating both parts.
    public init(type: String, name: String, limits: EventLimits = .standard) throws(EventError) {
        try self.init(type + ":" + name, limits: limits)
    }

    init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    /// The part before the first colon, e.g. `dataset`.
    public var type: Substring {
        rawValue[..<(rawValue.firstIndex(of: ":") ?? rawValue.endIndex)]
    }

    /// The part after the first colon.
    public var name: Substring {
        guard let colon = rawValue.firstIndex(of: ":") else { return "" }
        return rawValue[rawValue.index(after: colon)...]
    }

    public var description: String { rawValue }

    // Ids are equal, hashed and ordered by their UTF-8 bytes, as the store interns and
    // verifies them: Swift's `String` would take two spellings of one accented name
    // ("é" and "e" + U+0301) for one id, where the store has two nodes.

    public static func == (lhs: NodeID, rhs: NodeID) -> Bool {
        var left = lhs.rawValue
        var right = rhs.rawValue
        return left.withUTF8 { a in right.withUTF8 { b in a.count == b.count && a.elementsEqual(b) } }
    }

    public func hash(into hasher: inout Hasher) {
        var text = rawValue
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }

    static func validate(_ raw: String, limits: EventLimits) throws(EventError) {
        let utf8 = raw.utf8
        guard !utf8.isEmpty else { throw EventError(field: "", reason: "a node id is empty; write it as type:name, e.g. dataset:pg://crm/public.customers") }
        guard utf8.count <= limits.maxNodeIDBytes else {
            throw EventError(field: "", reason: "the node id is \(utf8.count) bytes long; the limit is \(limits.maxNodeIDBytes)")
        }
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw EventError(field: "", reason: "the node id \"\(preview(raw))\" has no type; write it as type:name, e.g. dataset:\(preview(raw))")
        }
        let typeBytes = utf8[..<colon]
        guard !typeBytes.isEmpty, typeBytes.count <= 32,
              let first = typeBytes.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"),
              typeBytes.allSatisfy(isTypeByte)
        else {
            throw EventError(field: "", reason: "the node type \"\(preview(String(decoding: typeBytes, as: UTF8.self)))\" must be 1 to 32 characters of a-z, 0-9, _ and -, starting with a letter (in \"\(preview(raw))\")")
        }
        let nameBytes = utf8[utf8.index(after: colon)...]
        guard let firstName = nameBytes.first, let lastName = nameBytes.last else {
            throw EventError(field: "", reason: "the node id \"\(preview(raw))\" has an empty name after the colon")
        }
        if isSpace(firstName) || isSpace(lastName) {
            throw EventError(field: "", reason: "the node name in \"\(preview(raw))\" starts or ends with white space; trim it")
        }
        if nameBytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw EventError(field: "", reason: "the node id \"\(preview(raw))\" contains a control character")
        }
    }

    private static func isTypeByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}

/// At most 80 characters of `text`, for error messages.
func preview(_ text: String) -> String {
    let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    return cleaned.count > 80 ? String(cleaned.prefix(77)) + "..." : cleaned
}
