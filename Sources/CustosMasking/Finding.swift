/// One detected value: what it is, where it is, who found it and how sure it is.
///
/// A finding never holds the value itself, only its byte range in the input, so that reports
/// and ledger events built from findings cannot leak what was masked.
public struct Finding: Sendable, Hashable {
    public let type: EntityType
    /// Byte offsets in the whole input (not in a chunk), end exclusive.
    public let range: Range<Int>
    /// The detector that found it, e.g. `luhn`, `email`, `keyword`.
    public let detector: String
    /// From 0 to 1: checksums and exact formats near 1, context-only guesses lower.
    public let confidence: Double

    public init(type: EntityType, range: Range<Int>, detector: String, confidence: Double) {
        self.type = type
        self.range = range
        self.detector = detector
        self.confidence = confidence
    }

    /// True when `self` should win over `other` for the same start: surer, then longer.
    func outranks(_ other: Finding) -> Bool {
        if confidence != other.confidence { return confidence > other.confidence }
        return range.count > other.range.count
    }
}
