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

    /// The part before the first colon, e.g. `dataset`. The colon is found by its byte, as
    /// validation finds it: a combining mark after it does not hide it (as it would from
    /// `firstIndex(of: ":")` or `hasPrefix("request:")`, which compare whole characters).
    public var type: Substring {
        guard let colon = rawValue.utf8.firstIndex(of: UInt8(ascii: ":")) else { return rawValue[...] }
        return Substring(rawValue.unicodeScalars[..<colon])
    }

    /// The part after the first colon.
    public var name: Substring {
        guard let colon = rawValue.utf8.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        return Substring(rawValue.unicodeScalars[rawValue.utf8.index(after: colon)...])
    }

    /// True when the type is `type`, compared byte for byte.
    public func hasType(_ type: String) -> Bool {
        self.type.utf8.elementsEqual(type.utf8)
    }

    /// The id as identities compare: lower-cased, since `human:Ann@Example.com` and
    /// `human:ann@example.com` are one person (an API key may spell it one way, an identity
    /// provider the other). Who may approve, and who already has, is decided on this form, so
    /// that one person with two spellings never counts twice.
    public var identityKey: String { rawValue.lowercased() }

    /// True when `other` names the same identity (``identityKey``).
    public func isSameIdentity(as other: NodeID?) -> Bool {
        guard let other else { return false }
        return rawValue == other.rawValue || identityKey == other.identityKey
    }

    /// True when `text` (an id as a policy or a request lists it) names the same identity.
    public func isSameIdentity(as text: String) -> Bool {
        rawValue == text || identityKey == text.lowercased()
    }

    public var description: String { rawValue }

    // Ids are equal, hashed and ordered by their UTF-8 bytes, as the store interns and
    // verifies them: Swift's `String` would take two spellings of one accented name
    // ("é" and "e" + U+0301) for one id, where the store has two nodes.

    public static func == (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.rawValue.hasSameUTF8(as: rhs.rawValue)
    }

    public func hash(into hasher: inout Hasher) {
        var text = rawValue
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8) }

    static func validate(_ raw: String, limits: EventLimits) throws(EventError) {
        try raw.withUTF8Bytes { (utf8) throws(EventError) in try validate(utf8: utf8, limits: limits) }
    }

    /// Checks UTF-8 bytes as a node id; what ``init(_:limits:)`` checks, without making a
    /// `String` (verification checks every id of every entry this way).
    static func validate(utf8: UnsafeRawBufferPointer, limits: EventLimits) throws(EventError) {
        func text() -> String { preview(String(decoding: utf8, as: UTF8.self)) }
        guard !utf8.isEmpty else { throw EventError(field: "", reason: "a node id is empty; write it as type:name, e.g. dataset:pg://crm/public.customers") }
        guard utf8.count <= limits.maxNodeIDBytes else {
            throw EventError(field: "", reason: "the node id is \(utf8.count) bytes long; the limit is \(limits.maxNodeIDBytes)")
        }
        // The type: a letter, then letters, digits, '_' and '-', up to the colon.
        var colon = 0
        while colon < utf8.count, colon <= 32, isTypeByte(utf8[colon]) { colon += 1 }
        guard colon < utf8.count, utf8[colon] == UInt8(ascii: ":") else {
            if !utf8.contains(UInt8(ascii: ":")) {
                throw EventError(field: "", reason: "the node id \"\(text())\" has no type; write it as type:name, e.g. dataset:\(text())")
            }
            throw typeError(utf8)
        }
        guard colon > 0, colon <= 32, utf8[0] >= UInt8(ascii: "a") && utf8[0] <= UInt8(ascii: "z") else { throw typeError(utf8) }
        guard colon + 1 < utf8.count else {
            throw EventError(field: "", reason: "the node id \"\(text())\" has an empty name after the colon")
        }
        if isSpace(utf8[colon + 1]) || isSpace(utf8[utf8.count - 1]) {
            throw EventError(field: "", reason: "the node name in \"\(text())\" starts or ends with white space; trim it")
        }
        var control = false
        var ascii = true
        for index in colon + 1..<utf8.count {
            let byte = utf8[index]
            control = control || byte < 0x20 || byte == 0x7F
            ascii = ascii && byte < 0x80
        }
        if control {
            throw EventError(field: "", reason: "the node id \"\(text())\" contains a control character")
        }
        if !ascii && !limits.allowsDeceptiveCharacters {
            for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars where isDeceptive(scalar) {
                throw EventError(
                    field: "",
                    reason: "the node id \"\(text())\" contains U+\(String(scalar.value, radix: 16, uppercase: true)), an invisible or text-direction character that would let it pass for another id; remove it"
                )
            }
        }
    }

    /// True for characters that change how an id looks without being seen: C1 controls, the
    /// soft hyphen, bidirectional controls (the "Trojan Source" characters), zero-width
    /// spaces and joiners' invisible relatives, line and paragraph separators, the byte-order
    /// mark, interlinear annotations and tag characters. The zero-width joiner and non-joiner
    /// (U+200C, U+200D) stay allowed: some scripts need them.
    public static func isDeceptive(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0xAD, 0x61C, 0x180E, 0x200B, 0x200E, 0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF,
             0xFFF9...0xFFFB, 0xE0000...0xE007F:
            return true
        default:
            return false
        }
    }

    private static func typeError(_ utf8: UnsafeRawBufferPointer) -> EventError {
        let colon = utf8.firstIndex(of: UInt8(ascii: ":")) ?? utf8.count
        let type = preview(String(decoding: UnsafeRawBufferPointer(rebasing: utf8[..<colon]), as: UTF8.self))
        return EventError(field: "", reason: "the node type \"\(type)\" must be 1 to 32 characters of a-z, 0-9, _ and -, starting with a letter (in \"\(preview(String(decoding: utf8, as: UTF8.self)))\")")
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
