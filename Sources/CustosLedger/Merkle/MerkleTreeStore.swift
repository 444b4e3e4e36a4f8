import Foundation
import LMDB

/// An RFC 9162 Merkle tree on its own, in an LMDB folder: leaves in, roots and proofs out,
/// stored exactly as the ledger stores its tree. For tools, tests and benchmarks that need
/// a large tree without a log behind it.
public final class MerkleTreeStore: Sendable {
    private let environment: Environment
    private let tree: Database
    private let meta: Database
    private static let sizeKey = Array("size".utf8)

    /// Opens (creating if needed) a tree store in the folder `path`.
    public init(path: String, mapSize: Int = 1 << 32) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var options = EnvironmentOptions()
        options.mapSize = mapSize
        environment = try Environment(path: path, options: options)
        tree = try environment.openDatabase(named: "tree")
        meta = try environment.openDatabase(named: "meta")
    }

    /// How many leaves the tree has.
    public func size() throws -> UInt64 {
        try environment.read { txn in try Self.readSize(txn, meta) }
    }

    private static func readSize(_ txn: borrowing some TransactionReading & ~Copyable, _ meta: Database) throws -> UInt64 {
        try txn.withValue(forKey: sizeKey, in: meta) { $0.count == 8 ? $0.loadBigEndianUInt64(at: 0) : 0 } ?? 0
    }

    /// Appends leaf hashes in one durable commit.
    public func append(_ leaves: [Hash256]) throws {
        try environment.write { txn in
            let size = try Self.readSize(txn, meta)
            var frontier = try MerkleFrontier.load(size: size, tree: tree, in: txn)
            for leaf in leaves {
                try frontier.append(leaf: leaf, storingIn: tree, txn: txn)
            }
            try txn.put(Keys.seq(frontier.size).bytes, forKey: Self.sizeKey, in: meta)
        }
    }

    /// The root of the first `size` leaves.
    public func root(size: UInt64) throws -> Hash256 {
        try environment.read { txn in
            guard size <= (try Self.readSize(txn, meta)) else { throw LedgerError.invalidProofRange("the tree is smaller than \(size)") }
            return try TreeReader(tree: tree).root(size: size, in: txn)
        }
    }

    /// The audit path of leaf `index` in the tree of `size` leaves.
    public func inclusionProof(index: UInt64, size: UInt64) throws -> InclusionProof {
        try environment.read { txn in
            guard index < size, size <= (try Self.readSize(txn, meta)) else { throw LedgerError.invalidProofRange("no leaf \(index) in a tree of \(size)") }
            return InclusionProof(leafIndex: index, treeSize: size, hashes: try TreeReader(tree: tree).inclusionPath(index: index, size: size, in: txn))
        }
    }

    /// The consistency proof from `first` leaves to `second`.
    public func consistencyProof(first: UInt64, second: UInt64) throws -> ConsistencyProof {
        try environment.read { txn in
            guard first <= second, second <= (try Self.readSize(txn, meta)) else { throw LedgerError.invalidProofRange("no consistency proof from \(first) to \(second)") }
            return ConsistencyProof(firstSize: first, secondSize: second, hashes: try TreeReader(tree: tree).consistencyProof(first: first, second: second, in: txn))
        }
    }
}
