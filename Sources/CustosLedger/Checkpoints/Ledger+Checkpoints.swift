import LMDB

extension Ledger {
    /// The checkpoint of the log as it stands, unsigned.
    public func currentCheckpoint() throws -> Checkpoint {
        try read { txn in
            let head = try LogHead.read(in: txn, schema: schema)
            let frontier = try MerkleFrontier.load(size: head.size, tree: schema.tree, in: txn)
            return Checkpoint(origin: origin, size: head.size, rootHash: frontier.root)
        }
    }

    /// Signs and stores a checkpoint of the log after every append queued before this call,
    /// unless the last checkpoint already covers it (then that one is returned). The ledger
    /// first checks that the log is consistent with the last checkpoint it signed, and
    /// refuses to sign if not.
    public func signCheckpoint() async throws -> StoredCheckpoint {
        try await writer().checkpoint()
    }

    /// The stored checkpoints with sizes from `size` on, oldest first, at most `limit`.
    public func checkpoints(from size: UInt64 = 0, limit: Int = .max) throws -> [StoredCheckpoint] {
        var result: [StoredCheckpoint] = []
        guard limit > 0 else { return result }
        try read { txn in
            try Keys.seq(size).withUnsafeBytes { start in
                try txn.forEach(in: schema.checkpoints, from: start) { _, value in
                    do { result.append(try StoredCheckpoint(encoded: value)) } catch { throw LedgerError.corrupted("a stored checkpoint: \(error)") }
                    return result.count < limit
                }
            }
        }
        return result
    }

    /// The last checkpoint signed, if any.
    public func latestCheckpoint() throws -> StoredCheckpoint? {
        try read { txn in try StoredCheckpoint.latest(in: txn, schema: schema) }
    }

    /// The checkpoint signed at exactly `size`, if any.
    public func checkpoint(atSize size: UInt64) throws -> StoredCheckpoint? {
        try checkpoints(from: size, limit: 1).first { $0.size == size }
    }
}
