import LMDB

/// Brings a store written in an earlier storage format up to ``Ledger/formatVersion`` when it
/// is opened: one write transaction, so a crash leaves the old format whole.
///
/// Format 1 kept `by_node` as one row per seq (node key ‖ role ‖ seq → empty); format 2 keeps
/// the same postings as ``PostingBlock``s (``NodePostings``). Entries, hashes and every other
/// index are unchanged, so checkpoints and receipts stay valid.
enum FormatUpgrade {
    static func run(environment: Environment) throws {
        let meta: Database
        do {
            meta = try environment.openDatabase(named: "meta", create: false)
        } catch LMDBError.notFound {
            return  // a new store
        }
        guard try storedFormat(in: environment, meta: meta) == "1" else { return }
        let rows = try environment.openDatabase(named: "by_node", create: false)
        let postings = NodePostings(
            blocks: try environment.openDatabase(named: "by_node_blocks"),
            open: try environment.openDatabase(named: "by_node_open")
        )
        try environment.write { txn in
            // Another process may have upgraded it since.
            guard try txn.value(forKey: MetaKey.format, in: meta) == Array("1".utf8) else { return }
            // Rows come in key order: one node and role after the other, seqs ascending.
            var node: Key128?
            var role: UInt8 = 0
            var seqs: [UInt64] = []
            try txn.forEach(in: rows) { key, _ in
                guard key.count == 25, let rowNode = Key128(bytes: UnsafeRawBufferPointer(rebasing: key[0..<16])) else {
                    throw LedgerError.corrupted("the by_node index of the format-1 store has a key of \(key.count) bytes; cannot upgrade it")
                }
                if rowNode != node || key[16] != role {
                    if let node { try postings.append(node: node, role: role, seqs: seqs, in: txn) }
                    seqs.removeAll(keepingCapacity: true)
                    node = rowNode
                    role = key[16]
                }
                seqs.append(key.loadBigEndianUInt64(at: 17))
                return true
            }
            if let node { try postings.append(node: node, role: role, seqs: seqs, in: txn) }
            try txn.removeDatabase(rows)
            try txn.put(Array(Ledger.formatVersion.utf8), forKey: MetaKey.format, in: meta)
        }
    }

    private static func storedFormat(in environment: Environment, meta: Database) throws -> String? {
        try environment.read { txn in
            try txn.value(forKey: MetaKey.format, in: meta).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
