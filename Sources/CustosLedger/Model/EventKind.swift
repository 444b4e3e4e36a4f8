/// What an event records. The vocabulary is open: any name of 1 to 64 characters of
/// `a-z`, `0-9`, `_`, `.` and `-`, starting with a letter. The core kinds have constants.
public struct EventKind: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    /// Validates `rawValue` as a kind.
    public init(_ rawValue: String) throws(EventError) {
        try rawValue.withUTF8Bytes { (utf8) throws(EventError) in try EventKind.validate(utf8: utf8) }
        self.rawValue = rawValue
    }

    /// Checks UTF-8 bytes as a kind, without making a `String`.
    static func validate(utf8: UnsafeRawBufferPointer) throws(EventError) {
        guard let first = utf8.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"),
              utf8.count <= 64, utf8.allSatisfy(EventKind.isKindByte)
        else {
            let text = String(decoding: utf8, as: UTF8.self)
            throw EventError(field: "kind", reason: "\"\(preview(text))\" is not a valid kind: use 1 to 64 characters of a-z, 0-9, _, . and -, starting with a letter (core kinds: \(EventKind.core.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// A kind already checked (read from a stored entry).
    init(trusted rawValue: String) {
        self.rawValue = rawValue
    }

    /// For literals in code; a literal that is not a valid kind stops the program, as a
    /// programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("\(error)") }
    }

    public var description: String { rawValue }

    public static func < (lhs: EventKind, rhs: EventKind) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isKindByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    /// Data was read.
    public static let read: EventKind = "read"
    /// Outputs were derived from inputs.
    public static let transform: EventKind = "transform"
    /// A masked node was derived from a raw one; attributes carry counts per entity type.
    public static let mask: EventKind = "mask"
    /// Nodes were tagged with sensitivity labels (pii, phi, pci, secret, …).
    public static let classify: EventKind = "classify"
    /// An actor asked for approval of an action.
    public static let request: EventKind = "request"
    /// A human approved a request.
    public static let approve: EventKind = "approve"
    /// A human denied a request.
    public static let deny: EventKind = "deny"
    /// A request expired unanswered.
    public static let expire: EventKind = "expire"
    /// An approval or token was revoked.
    public static let revoke: EventKind = "revoke"
    /// An approved action ran (its token was redeemed).
    public static let execute: EventKind = "execute"
    /// Data left for a destination.
    public static let export: EventKind = "export"
    /// Privileges were raised.
    public static let escalate: EventKind = "escalate"
    /// Infrastructure was changed.
    public static let infraChange: EventKind = "infra_change"

    /// The core vocabulary.
    public static let core: [EventKind] = [
        .read, .transform, .mask, .classify, .request, .approve, .deny, .expire, .revoke, .execute, .export,
        .escalate, .infraChange,
    ]
}
