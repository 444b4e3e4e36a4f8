extension Ledger {
    /// The RFC 9162 root of the log's first `size` entries (O(log n) reads).
    public func rootHash(atSize size: UInt64) throws -> Hash256 {
        try read { txn in
            try checkTreeSize(size, head: try LogHead.read(in: txn, schema: schema).size)
            return try TreeReader(tree: schema.tree).root(size: size, in: txn)
        }
    }

    /// The proof that entry `seq` is in the tree of the first `treeSize` entries (by default,
    /// the whole log as it is now).
    public func inclusionProof(seq: UInt64, treeSize: UInt64? = nil) throws -> InclusionProof {
        try read { txn in
            let head = try LogHead.read(in: txn, schema: schema).size
            let size = treeSize ?? head
            try checkTreeSize(size, head: head)
            guard seq < size else { throw LedgerError.invalidProofRange("seq \(seq) is not in a tree of \(size) entries; the tree must be larger than the seq") }
            return InclusionProof(leafIndex: seq, treeSize: size, hashes: try TreeReader(tree: schema.tree).inclusionPath(index: seq, size: size, in: txn))
        }
    }

    /// The proof that the log of `firstSize` entries is a prefix of the log of `secondSize`.
    public func consistencyProof(from firstSize: UInt64, to secondSize: UInt64) throws -> ConsistencyProof {
        guard firstSize <= secondSize else {
            throw LedgerError.invalidProofRange("a consistency proof goes from a smaller tree to a larger one; \(firstSize) > \(secondSize)")
        }
        return try read { txn in
            try checkTreeSize(secondSize, head: try LogHead.read(in: txn, schema: schema).size)
            let hashes = try TreeReader(tree: schema.tree).consistencyProof(first: firstSize, second: secondSize, in: txn)
            return ConsistencyProof(firstSize: firstSize, secondSize: secondSize, hashes: hashes)
        }
    }

    private func checkTreeSize(_ size: UInt64, head: UInt64) throws {
        guard size <= head else {
            throw LedgerError.invalidProofRange("the log holds \(head) entries; there is no tree of size \(size) yet")
        }
    }
}
