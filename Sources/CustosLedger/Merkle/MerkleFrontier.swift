import LMDB

/// The right edge of an RFC 9162 Merkle tree: the roots of its perfect subtrees, largest
/// first, one for each bit set in the tree size. Appending a leaf merges equal-sized
/// subtrees, which completes exactly the interior nodes that the tree database stores.
struct MerkleFrontier: Sendable, Equatable {
    struct Subtree: Sendable, Equatable {
        var level: UInt8
        var hash: Hash256
    }

    /// A node completed by an append, to be stored at `(end, level)`.
    struct CompletedNode {
        var level: UInt8
        var hash: Hash256
    }

    private(set) var size: UInt64 = 0
    private(set) var subtrees: [Subtree] = []

    init() {}

    /// Appends a leaf and reports every node it completes (the leaf itself first); they all
    /// end at leaf index `size - 1` after the append.
    mutating func append(leaf: Hash256, _ completed: (CompletedNode) throws -> Void) rethrows {
        var hash = leaf
        var level: UInt8 = 0
        try completed(CompletedNode(level: 0, hash: leaf))
        while let last = subtrees.last, last.level == level {
            subtrees.removeLast()
            hash = Hash256.node(last.hash, hash)
            level += 1
            try completed(CompletedNode(level: level, hash: hash))
        }
        subtrees.append(Subtree(level: level, hash: hash))
        size += 1
    }

    /// Appends a leaf and stores every node it completes in `tree`, keyed by (the new leaf's
    /// index, level): keys that only grow, so the puts append.
    mutating func append(leaf: Hash256, storingIn tree: Database, txn: borrowing WriteTransaction) throws {
        let end = size
        try append(leaf: leaf) { node in
            try Keys.tree(end: end, level: node.level).withUnsafeBytes { key in
                try node.hash.withUnsafeBytes { value in try txn.put(value, forKey: key, in: tree, append: true) }
            }
        }
    }

    /// The root hash of the tree (RFC 9162 MTH); the hash of the empty string when empty.
    var root: Hash256 {
        guard var hash = subtrees.last?.hash else { return Hash256.sha256([]) }
        for subtree in subtrees.dropLast().reversed() {
            hash = Hash256.node(subtree.hash, hash)
        }
        return hash
    }

    /// Rebuilds the frontier of a tree of `size` leaves from the stored nodes.
    static func load(size: UInt64, tree: Database, in txn: borrowing some TransactionReading & ~Copyable) throws -> MerkleFrontier {
        var frontier = MerkleFrontier()
        var start: UInt64 = 0
        var level = 63
        while level >= 0 {
            let width: UInt64 = 1 << UInt64(level)
            if size & width != 0 {
                let end = start + width - 1
                let key = Keys.tree(end: end, level: UInt8(level))
                let hash = try key.withUnsafeBytes { k in
                    try txn.withValue(forKey: k, in: tree) { Hash256(bytes: $0) }
                }
                guard let stored = hash, let stored else {
                    throw LedgerError.corrupted("the Merkle tree node at level \(level) ending at leaf \(end) is missing")
                }
                frontier.subtrees.append(Subtree(level: UInt8(level), hash: stored))
                start += width
            }
            level -= 1
        }
        frontier.size = size
        return frontier
    }
}
