/// How input is read: its structure decides what masking must keep intact.
public enum InputFormat: String, Sendable, CaseIterable {
    /// JSON when the first byte that is not white space is `{` or `[`, text otherwise.
    case auto
    /// Logs, prose, CSV, stack traces: values are replaced where they are.
    case text
    /// JSON or NDJSON: values masked in place, bare numbers replaced by quoted strings, and a
    /// sensitive object key by a name that keeps the object's keys distinct, so the output is
    /// still JSON that means the same.
    case json
    /// `key=value` lines (logfmt): keys are kept.
    case keyValue = "kv"
}

/// What one masking run did, without a single masked value: counts per type, positions,
/// hashes of what went in and what came out.
public struct MaskingSummary: Sendable, Equatable {
    /// Masked values per type name.
    public var counts: [String: Int] = [:]
    /// The masked findings, in input order, at most ``maxReportedFindings``.
    public var findings: [Finding] = []
    /// True when more findings were masked than ``findings`` holds.
    public var findingsTruncated = false
    /// Findings detected but left alone: below the threshold, of a type the policy leaves
    /// alone, overlapping a surer finding, or a `key=` name in key-value lines.
    public var skipped = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// SHA-256 of the input and of the output, lower-case hex (empty for a run made with
    /// `hashing: false`).
    public var inputSHA256 = ""
    public var outputSHA256 = ""
    /// HMAC-SHA256 of the input under a key derived from the pseudonym key, lower-case hex;
    /// empty without a key or hashing. What a record keeps of the input: a plain SHA-256 of a
    /// short input (an SSN, a password) is undone by trying every guess, which a keyed digest
    /// is not, for whoever lacks the key; whoever holds the key and the input can still check it.
    public var inputKeyedDigest = ""
    /// The format the input was read as.
    public var format: InputFormat = .text
    /// The policy's name and ``MaskingPolicy/digest``.
    public var policyName = ""
    public var policyDigest = ""
    /// The tags the policy removes (``MaskingPolicy/covers``).
    public var covers: [String] = []

    public static let maxReportedFindings = 10_000

    /// All masked values.
    public var total: Int { counts.values.reduce(0, +) }
}
