import Foundation

/// A proof as a self-contained JSON document that can be checked offline, with no store:
/// the proof hashes, the root they lead to, and the signed checkpoints that vouch for it.
/// docs/FORMAT.md, section "Proof documents", specifies the shape.
public enum ProofDocument: Sendable, Hashable {
    case inclusion(InclusionDocument)
    case consistency(ConsistencyDocument)

    public static let inclusionType = "custos.inclusion-proof/v1"
    public static let consistencyType = "custos.consistency-proof/v1"

    /// That an entry is in the log at a tree size.
    public struct InclusionDocument: Sendable, Hashable {
        public var origin: String
        public var proof: InclusionProof
        public var leafHash: Hash256
        /// The root the proof leads to.
        public var rootHash: Hash256
        /// The entry's canonical text, so that the leaf hash can be recomputed.
        public var entry: String?
        /// The signed checkpoint at ``InclusionProof/treeSize``, when the log has one.
        public var checkpoint: String?
    }

    /// That the log at one size is a prefix of the log at a larger one.
    public struct ConsistencyDocument: Sendable, Hashable {
        public var origin: String
        public var proof: ConsistencyProof
        public var firstRoot: Hash256
        public var secondRoot: Hash256
        public var firstCheckpoint: String?
        public var secondCheckpoint: String?
    }

    // MARK: JSON

    public var jsonValue: JSONValue {
        switch self {
        case .inclusion(let document):
            var members: [String: JSONValue] = [
                "type": .string(Self.inclusionType), "origin": .string(document.origin),
                "seq": .number(Double(document.proof.leafIndex)), "treeSize": .number(Double(document.proof.treeSize)),
                "leafHash": .string(document.leafHash.hex), "rootHash": .string(document.rootHash.hex),
                "hashes": .array(document.proof.hashes.map { .string($0.hex) }),
            ]
            if let entry = document.entry { members["entry"] = .string(entry) }
            if let checkpoint = document.checkpoint { members["checkpoint"] = .string(checkpoint) }
            return .object(members)
        case .consistency(let document):
            var members: [String: JSONValue] = [
                "type": .string(Self.consistencyType), "origin": .string(document.origin),
                "firstSize": .number(Double(document.proof.firstSize)), "secondSize": .number(Double(document.proof.secondSize)),
                "firstRoot": .string(document.firstRoot.hex), "secondRoot": .string(document.secondRoot.hex),
                "hashes": .array(document.proof.hashes.map { .string($0.hex) }),
            ]
            if let checkpoint = document.firstCheckpoint { members["firstCheckpoint"] = .string(checkpoint) }
            if let checkpoint = document.secondCheckpoint { members["secondCheckpoint"] = .string(checkpoint) }
            return .object(members)
        }
    }

    /// Reads a proof document.
    public init(json text: String) throws(NoteError) {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch { throw .invalidNote("the proof is not JSON: \(error)") }
        guard case .object(let members) = value, case .string(let type)? = members["type"] else {
            throw .invalidNote("the proof has no \"type\"")
        }
        func string(_ key: String) throws(NoteError) -> String {
            guard case .string(let text)? = members[key] else { throw .invalidNote("the proof has no string \"\(key)\"") }
            return text
        }
        func number(_ key: String) throws(NoteError) -> UInt64 {
            guard case .number(let number)? = members[key], number >= 0, number == number.rounded(), number < 9_007_199_254_740_992 else {
                throw .invalidNote("the proof has no whole number \"\(key)\"")
            }
            return UInt64(number)
        }
        func hash(_ key: String) throws(NoteError) -> Hash256 {
            guard let hash = Hash256(hex: try string(key)) else { throw .invalidNote("\"\(key)\" is not 64 hex digits") }
            return hash
        }
        func hashes() throws(NoteError) -> [Hash256] {
            guard case .array(let elements)? = members["hashes"] else { throw .invalidNote("the proof has no \"hashes\" array") }
            var result: [Hash256] = []
            for element in elements {
                guard case .string(let text) = element, let hash = Hash256(hex: text) else { throw .invalidNote("a proof hash is not 64 hex digits") }
                result.append(hash)
            }
            return result
        }
        let optional = { (key: String) -> String? in members[key]?.stringValue }
        switch type {
        case Self.inclusionType:
            self = .inclusion(InclusionDocument(
                origin: try string("origin"),
                proof: InclusionProof(leafIndex: try number("seq"), treeSize: try number("treeSize"), hashes: try hashes()),
                leafHash: try hash("leafHash"), rootHash: try hash("rootHash"),
                entry: optional("entry"), checkpoint: optional("checkpoint")
            ))
        case Self.consistencyType:
            self = .consistency(ConsistencyDocument(
                origin: try string("origin"),
                proof: ConsistencyProof(firstSize: try number("firstSize"), secondSize: try number("secondSize"), hashes: try hashes()),
                firstRoot: try hash("firstRoot"), secondRoot: try hash("secondRoot"),
                firstCheckpoint: optional("firstCheckpoint"), secondCheckpoint: optional("secondCheckpoint")
            ))
        default:
            throw .invalidNote("unknown proof type \"\(type)\"")
        }
    }
}

extension ProofDocument {
    /// Checks the document offline against the log's public key. Checkpoints given here take
    /// the place of those the document carries. Returns what was established, or throws
    /// ``ProofFailure`` saying what does not hold.
    public func verify(key: NoteVerifierKey, checkpoint: String? = nil, firstCheckpoint: String? = nil) throws(ProofFailure) -> String {
        func signedCheckpoint(_ text: String?, size: UInt64, root: Hash256, origin: String, role: String) throws(ProofFailure) -> SignedCheckpoint {
            guard let text else { throw ProofFailure("no signed checkpoint for the \(role)tree (size \(size)) to anchor the root; pass one") }
            let signed: SignedCheckpoint
            do { signed = try SignedCheckpoint(parsing: text) } catch { throw ProofFailure("the \(role)checkpoint: \(error)") }
            guard signed.isSigned(by: key) else { throw ProofFailure("the \(role)checkpoint is not signed by \(key.name)+\(String(format: "%08x", key.keyID))") }
            guard signed.checkpoint.origin == origin else { throw ProofFailure("the \(role)checkpoint is for \(signed.checkpoint.origin), not \(origin)") }
            guard signed.checkpoint.size == size else { throw ProofFailure("the \(role)checkpoint is for size \(signed.checkpoint.size), the proof for \(size)") }
            guard signed.checkpoint.rootHash == root else { throw ProofFailure("the \(role)checkpoint's root \(signed.checkpoint.rootHash) is not the proof's \(root)") }
            return signed
        }
        switch self {
        case .inclusion(let document):
            if let entry = document.entry {
                let bytes = Array(entry.utf8)
                guard Hash256.leaf(bytes) == document.leafHash else { throw ProofFailure("the entry does not hash to the leaf hash") }
                guard let decoded = try? LedgerEntry(bytes: bytes), decoded.seq == document.proof.leafIndex else {
                    throw ProofFailure("the entry is not a canonical entry at seq \(document.proof.leafIndex)")
                }
            }
            guard document.proof.verify(leafHash: document.leafHash, root: document.rootHash) else {
                throw ProofFailure("the inclusion proof does not lead from the leaf to the root")
            }
            _ = try signedCheckpoint(checkpoint ?? document.checkpoint, size: document.proof.treeSize, root: document.rootHash, origin: document.origin, role: "")
            return "entry \(document.proof.leafIndex) (leaf hash \(document.leafHash)) is in \(document.origin) at size \(document.proof.treeSize), as signed"
        case .consistency(let document):
            guard document.proof.verify(firstRoot: document.firstRoot, secondRoot: document.secondRoot) else {
                throw ProofFailure("the consistency proof does not show size \(document.proof.firstSize) to be a prefix of size \(document.proof.secondSize)")
            }
            _ = try signedCheckpoint(firstCheckpoint ?? document.firstCheckpoint, size: document.proof.firstSize, root: document.firstRoot, origin: document.origin, role: "first ")
            _ = try signedCheckpoint(checkpoint ?? document.secondCheckpoint, size: document.proof.secondSize, root: document.secondRoot, origin: document.origin, role: "second ")
            return "\(document.origin) at size \(document.proof.secondSize) extends, unchanged, the log signed at size \(document.proof.firstSize)"
        }
    }
}

/// Why a proof document does not hold.
public struct ProofFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Ledger {
    /// An inclusion proof document for `seq` at `treeSize`, carrying the entry and the
    /// signed checkpoint at that size when there is one.
    public func inclusionDocument(seq: UInt64, treeSize: UInt64) throws -> ProofDocument {
        let proof = try inclusionProof(seq: seq, treeSize: treeSize)
        let entry = try withEntryBytes(at: seq) { String(decoding: $0, as: UTF8.self) }
        return .inclusion(.init(
            origin: origin, proof: proof, leafHash: Hash256.leaf(Array(entry.utf8)), rootHash: try rootHash(atSize: treeSize),
            entry: entry, checkpoint: try checkpoint(atSize: treeSize)?.signed.text
        ))
    }

    /// A consistency proof document between two sizes, with the signed checkpoints at both
    /// sizes when there are.
    public func consistencyDocument(from firstSize: UInt64, to secondSize: UInt64) throws -> ProofDocument {
        let proof = try consistencyProof(from: firstSize, to: secondSize)
        return .consistency(.init(
            origin: origin, proof: proof, firstRoot: try rootHash(atSize: firstSize), secondRoot: try rootHash(atSize: secondSize),
            firstCheckpoint: try checkpoint(atSize: firstSize)?.signed.text, secondCheckpoint: try checkpoint(atSize: secondSize)?.signed.text
        ))
    }
}
