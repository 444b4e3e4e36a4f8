/// What replaces a detected value.
public enum MaskingOperator: Sendable, Hashable, CustomStringConvertible {
    /// `[REDACTED]`, whatever the type.
    case redact
    /// The type's placeholder: `<EMAIL>`, `<CARD_NUMBER>`.
    case placeholder
    /// Every letter and digit but the last `n` becomes `*`; separators stay
    /// (`**** **** **** 1111`). A value with `n` or fewer letters and digits is masked whole.
    case keepLast(Int)
    /// `<EMAIL:5f0c2a9e1b7d4c38>`: the first 64 bits of HMAC-SHA-256 under the pseudonym key
    /// of the type and the normalized value. The same value gives the same pseudonym in every
    /// run with the same key, so joins still work; without the key it cannot be reversed.
    case pseudonym

    public var description: String {
        switch self {
        case .redact: return "redact"
        case .placeholder: return "placeholder"
        case .keepLast(let count): return "keep_last(\(count))"
        case .pseudonym: return "pseudonym"
        }
    }

    /// The names a policy file uses.
    static let names = ["redact", "placeholder", "keep_last", "pseudonym"]

    static let redaction = Array("[REDACTED]".utf8)
}
