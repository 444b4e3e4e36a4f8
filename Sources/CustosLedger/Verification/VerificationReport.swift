/// One thing verification found wrong.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of damage it is.
    public enum Kind: String, Sendable, Hashable {
        /// The stored bytes are not a valid, canonical entry.
        case malformedEntry = "malformed-entry"
        /// The entry's hash differs from the leaf hash the Merkle tree recorded for it.
        case alteredEntry = "altered-entry"
        /// The entry's `prev` does not match the hash of the entry before it.
        case brokenChain = "broken-chain"
        /// An entry is stored under a seq other than its own (reordered or swapped).
        case misplacedEntry = "misplaced-entry"
        /// An entry is missing from the middle of the log (removed).
        case missingEntry = "missing-entry"
        /// An entry lies beyond the head of the log (inserted).
        case unexpectedEntry = "unexpected-entry"
        /// The log ends before the head says it does (truncated).
        case truncated
        /// An entry's time is earlier than the entry before it.
        case timeWentBackwards = "time-went-backwards"
        /// The head record disagrees with the entries.
        case headMismatch = "head-mismatch"
        /// A Merkle tree node is missing or disagrees with its children.
        case treeMismatch = "tree-mismatch"
        /// An index lacks a row the entries imply, or has one they do not.
        case indexMismatch = "index-mismatch"
        /// The entry does not match the trusted hash verification started from.
        case anchorMismatch = "anchor-mismatch"
        /// A signed checkpoint does not match the log.
        case checkpointMismatch = "checkpoint-mismatch"
    }

    /// The seq the problem is at, when it is at one.
    public let seq: UInt64?
    public let kind: Kind
    /// What exactly is wrong.
    public let detail: String

    public init(seq: UInt64?, kind: Kind, detail: String) {
        self.seq = seq
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        if let seq { return "seq \(seq): \(kind.rawValue): \(detail)" }
        return "\(kind.rawValue): \(detail)"
    }
}

/// What verification found.
public struct VerificationReport: Sendable {
    /// Entries the head records.
    public var headSize: UInt64 = 0
    /// Entries whose bytes, hash and chain link were checked.
    public var entriesChecked: UInt64 = 0
    /// Where checking started (0, or the trusted anchor's seq).
    public var startSeq: UInt64 = 0
    /// Whether the indexes were checked too.
    public var checkedIndexes = false
    /// The problems found, in seq order, at most ``maxProblemsKept``.
    public var problems: [VerificationProblem] = []
    /// All problems found, including those not kept.
    public var problemCount = 0
    /// Stored checkpoints checked against the key and the tree.
    public var checkpointsChecked = 0
    /// The Merkle root over the stored leaf hashes, when the tree is intact.
    public var treeRoot: Hash256?
    /// Wall time, in seconds.
    public var seconds: Double = 0

    public static let maxProblemsKept = 1_000

    public init() {}

    /// True when nothing is wrong.
    public var isValid: Bool { problemCount == 0 }

    /// The lowest seq at which the log is no longer what was appended.
    public var firstBadSeq: UInt64? {
        problems.compactMap(\.seq).min()
    }

    mutating func record(_ problem: VerificationProblem) {
        problemCount += 1
        if problems.count < Self.maxProblemsKept { problems.append(problem) }
    }
}

/// Where verification starts when the earlier log is trusted: the entry at `seq` must have
/// this leaf hash (from a receipt, a checkpoint, or an earlier verification).
public struct TrustedAnchor: Sendable, Hashable {
    public let seq: UInt64
    public let leafHash: Hash256

    public init(seq: UInt64, leafHash: Hash256) {
        self.seq = seq
        self.leafHash = leafHash
    }

    /// Parses `SEQ:HASH`, as the CLI takes it.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = UInt64(parts[0]), let hash = Hash256(hex: parts[1]) else { return nil }
        self.init(seq: seq, leafHash: hash)
    }
}

extension VerificationReport {
    /// The report as JSON, for `custos verify --json` and `POST /v1/verify`.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "valid": .bool(isValid),
            "headSize": .number(Double(headSize)),
            "entriesChecked": .number(Double(entriesChecked)),
            "startSeq": .number(Double(startSeq)),
            "indexesChecked": .bool(checkedIndexes),
            "problemCount": .number(Double(problemCount)),
            "checkpointsChecked": .number(Double(checkpointsChecked)),
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "problems": .array(problems.map { problem in
                var fields: [String: JSONValue] = ["kind": .string(problem.kind.rawValue), "detail": .string(problem.detail)]
                if let seq = problem.seq { fields["seq"] = .number(Double(seq)) }
                return .object(fields)
            }),
        ]
        if let first = firstBadSeq { members["firstBadSeq"] = .number(Double(first)) }
        if let root = treeRoot { members["treeRoot"] = .string(root.hex) }
        return .object(members)
    }
}
