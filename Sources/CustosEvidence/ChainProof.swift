public import CustosLedger

/// The proof that ties a bundle's `events.ndjson` to its signed checkpoint
/// (`proofs/chain.json`, docs/FORMAT.md "Evidence bundles").
///
/// The period's events are consecutive entries, and every entry holds the leaf hash of the one
/// before it. So one RFC 9162 inclusion proof, of the last entry of the chain, ties every
/// entry of the chain to the checkpoint's root: change, remove, insert or reorder one and a
/// `prev` link breaks. The chain runs from the entry just before the period (`before`) to the
/// entry just after it (`after`) when they exist; their times show that the population is
/// complete at both ends.
public struct ChainProof: Sendable, Hashable {
    public static let format = "custos-chain-proof/1"

    public var origin: String
    public var treeSize: UInt64
    public var rootHash: Hash256
    /// The first event of the period, and how many there are.
    public var firstSeq: UInt64
    public var count: UInt64
    /// The canonical entry just before the period, if any.
    public var before: String?
    /// The canonical entry just after the period, if the checkpoint covers one.
    public var after: String?
    /// The last entry of the chain, its leaf hash, and its inclusion proof in the tree of
    /// `treeSize` leaves.
    public var anchorSeq: UInt64
    public var anchorLeafHash: Hash256
    public var inclusion: [Hash256]

    public var jsonValue: JSONValue {
        [
            "format": .string(Self.format),
            "origin": .string(origin),
            "treeSize": .number(Double(treeSize)),
            "rootHash": .string(rootHash.hex),
            "firstSeq": .number(Double(firstSeq)),
            "count": .number(Double(count)),
            "before": before.map(JSONValue.string) ?? .null,
            "after": after.map(JSONValue.string) ?? .null,
            "anchor": [
                "seq": .number(Double(anchorSeq)), "leafHash": .string(anchorLeafHash.hex),
                "inclusion": .array(inclusion.map { .string($0.hex) }),
            ],
        ]
    }

    public init(
        origin: String, treeSize: UInt64, rootHash: Hash256, firstSeq: UInt64, count: UInt64, before: String?, after: String?, anchorSeq: UInt64,
        anchorLeafHash: Hash256, inclusion: [Hash256]
    ) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.firstSeq = firstSeq
        self.count = count
        self.before = before
        self.after = after
        self.anchorSeq = anchorSeq
        self.anchorLeafHash = anchorLeafHash
        self.inclusion = inclusion
    }

    public init(json value: JSONValue) throws(ProofFailure) {
        func number(_ key: String, in object: JSONValue? = nil) throws(ProofFailure) -> UInt64 {
            guard let number = (object ?? value)[key]?.numberValue, number >= 0, number == number.rounded(), number < 9e15 else {
                throw ProofFailure("proofs/chain.json: \(key) must be a whole number")
            }
            return UInt64(number)
        }
        func hash(_ text: JSONValue?, _ key: String) throws(ProofFailure) -> Hash256 {
            guard let text = text?.stringValue, text.utf8.count == 64, let hash = Hash256(hex: text) else { throw ProofFailure("proofs/chain.json: \(key) must be 64 hex digits") }
            return hash
        }
        func entry(_ key: String) throws(ProofFailure) -> String? {
            switch value[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw ProofFailure("proofs/chain.json: \(key) must be an entry's text or null")
            }
        }
        guard value["format"]?.stringValue == Self.format else { throw ProofFailure("proofs/chain.json is not a \(Self.format) document") }
        guard let origin = value["origin"]?.stringValue, let anchor = value["anchor"], let hashes = anchor["inclusion"]?.arrayValue else {
            throw ProofFailure("proofs/chain.json lacks origin or anchor")
        }
        var inclusion: [Hash256] = []
        for item in hashes { inclusion.append(try hash(item, "anchor.inclusion")) }
        self.init(
            origin: origin, treeSize: try number("treeSize"), rootHash: try hash(value["rootHash"], "rootHash"), firstSeq: try number("firstSeq"),
            count: try number("count"), before: try entry("before"), after: try entry("after"), anchorSeq: try number("seq", in: anchor),
            anchorLeafHash: try hash(anchor["leafHash"], "anchor.leafHash"), inclusion: inclusion
        )
    }
}
