import LMDB

/// Brings a store written in an earlier storage format up to ``Ledger/formatVersion`` when it
/// is opened: one write transaction, so a crash leaves the old format whole.
///
/// - Format 1 kept `by_kind`, `by_actor` and `by_node` as one empty-valued row per seq (name
///   key ‖ [role] ‖ seq); format 2 keeps the same postings as ``PostingBlock``s
///   (``PostingIndex``).
/// - Formats 1 and 2 kept `by_time`, a row per entry (time ‖ seq). Format 3 drops it: the
///   log's times never go back, so a binary search over the entries finds a time range
///   (``LedgerSnapshot/seqRange(for:)``), and every commit writes one B-tree fewer.
///
/// Entries, hashes and every other database are unchanged, so checkpoints, receipts and
/// proofs stay valid.
enum FormatUpgrade {
    /// The earlier formats this version upgrades from.
    static let upgradableFormats: Set<String> = ["1", "2"]

    /// The databases of earlier formats that the current one no longer has.
    static let retiredDatabases = ["by_kind", "by_actor", "by_node", "by_time"]

    /// Runs after `schema` opened (and so created) the databases of the current format; does
    /// nothing to a new store or one already current.
    static func run(environment: Environment, schema: Schema) throws {
        let meta = schema.meta
        let formatKey = MetaKey.format
        if let format = try environment.read({ txn in try txn.value(forKey: formatKey, in: meta) }),
           upgradableFormats.contains(String(decoding: format, as: UTF8.self)) {
            // Databases are opened before the write transaction: opening one takes a
            // transaction of its own. Each index replacing a format-1 database of its name,
            // with the length of its keys.
            var conversions: [(rows: Database, keyLength: Int, into: PostingIndex)] = []
            if format == Array("1".utf8) {
                for (postings, keyLength) in [(schema.kindPostings, 24), (schema.actorPostings, 25), (schema.nodePostings, 25)] {
                    conversions.append((try environment.openDatabase(named: postings.name, create: false), keyLength, postings))
                }
            }
            let byTime = try openIfPresent("by_time", in: environment)
            // The body runs again if the map has to grow, so it only empties the old
            // databases (their handles stay valid); they are deleted below, once it committed.
            try environment.write { txn in
                // Another process may have upgraded it since.
                guard try txn.value(forKey: formatKey, in: meta) == format else { return }
                for conversion in conversions {
                    try convert(conversion.rows, keyLength: conversion.keyLength, into: conversion.into, in: txn)
                    try txn.removeAll(in: conversion.rows)
                }
                if let byTime { try txn.removeAll(in: byTime) }
                try txn.put(Array(Ledger.formatVersion.utf8), forKey: formatKey, in: meta)
            }
        }
        try removeRetiredDatabases(in: environment)
    }

    /// Deletes what is left of the databases of earlier formats (emptied by an upgrade, or
    /// left by one interrupted before this step), in a transaction of their own: LMDB closes
    /// a deleted database's handle at once, which a transaction that runs again could not
    /// survive.
    private static func removeRetiredDatabases(in environment: Environment) throws {
        var retired: [Database] = []
        for name in retiredDatabases {
            if let database = try openIfPresent(name, in: environment) { retired.append(database) }
        }
        guard !retired.isEmpty else { return }
        try environment.write { txn in
            for database in retired { try txn.removeDatabase(database) }
        }
    }

    private static func openIfPresent(_ name: String, in environment: Environment) throws -> Database? {
        do {
            return try environment.openDatabase(named: name, create: false)
        } catch LMDBError.notFound {
            return nil
        }
    }

    /// Moves the rows of a format-1 index (key (16) ‖ role (1, absent in `by_kind`) ‖ seq (8))
    /// into posting blocks. Rows come in key order: one key and role after the other, seqs
    /// ascending.
    private static func convert(_ rows: Database, keyLength: Int, into postings: PostingIndex, in txn: borrowing WriteTransaction) throws {
        var current: (key: Key128, role: UInt8)?
        var seqs: [UInt64] = []
        try txn.forEach(in: rows) { row, _ in
            guard row.count == keyLength, let key = Key128(bytes: UnsafeRawBufferPointer(rebasing: row[0..<16])) else {
                throw LedgerError.corrupted("the \(postings.name) index of the format-1 store has a key of \(row.count) bytes; cannot upgrade it")
            }
            let role = keyLength == 25 ? row[16] : 0
            if let current, current.key != key || current.role != role {
                try postings.append(key: current.key, role: current.role, seqs: seqs, in: txn)
                seqs.removeAll(keepingCapacity: true)
            }
            current = (key, role)
            seqs.append(row.loadBigEndianUInt64(at: keyLength - 8))
            return true
        }
        if let current { try postings.append(key: current.key, role: current.role, seqs: seqs, in: txn) }
    }
}
