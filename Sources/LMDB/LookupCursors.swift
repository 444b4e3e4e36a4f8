import CLMDB

/// Cursors kept open from one lookup to the next, so that a run of lookups that each land
/// near the one before starts from the page already found instead of descending from the
/// root. Valid only inside the closure of ``TransactionReading/withLookupCursors(slots:_:)``.
///
/// The caller gives every lookup a slot (any integer; it is reduced to the slots there
/// are), per database. Lookups in one slot should move forward through one region of the
/// tree, such as the rows of one node in seq order: when a key falls within the page where
/// the slot's cursor stands, LMDB searches only that page. A slot shared by unrelated runs
/// costs a full search, never a wrong answer.
public struct LookupCursors: ~Copyable {
    private let transaction: OpaquePointer
    private let slotMask: Int
    /// Per database in use: its handle and its slots' cursors, opened on first use.
    private var tables: [(dbi: UInt32, cursors: [OpaquePointer?])] = []

    @usableFromInline
    init(transaction: OpaquePointer, slots: Int) {
        self.transaction = transaction
        var count = 1
        while count < max(1, slots) { count <<= 1 }
        slotMask = count - 1
    }

    deinit {
        for table in tables {
            for case let cursor? in table.cursors { lmdbCloseCursor(cursor) }
        }
    }

    /// True when `key` is present in `database`.
    public mutating func contains(_ key: UnsafeRawBufferPointer, in database: Database, slot: Int) throws(LMDBError) -> Bool {
        let cursor = try cursor(for: database, slot: slot & slotMask)
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let code = mdb_cursor_get(cursor, &k, &v, MDB_SET)
        if code == MDB_NOTFOUND { return false }
        try check(code)
        return true
    }

    private mutating func cursor(for database: Database, slot: Int) throws(LMDBError) -> OpaquePointer {
        var table = tables.firstIndex { $0.dbi == database.dbi } ?? -1
        if table < 0 {
            tables.append((database.dbi, Array(repeating: nil, count: slotMask + 1)))
            table = tables.count - 1
        }
        if let cursor = tables[table].cursors[slot] { return cursor }
        let cursor = try lmdbOpenCursor(transaction, database.dbi)
        tables[table].cursors[slot] = cursor
        return cursor
    }
}

extension TransactionReading where Self: ~Copyable {
    /// Calls `body` with cursors that keep their place between lookups (``LookupCursors``),
    /// `slots` of them per database, and closes them when it returns.
    @inlinable
    public func withLookupCursors<R>(slots: Int, _ body: (inout LookupCursors) throws -> R) rethrows -> R {
        var cursors = LookupCursors(transaction: handle, slots: slots)
        return try body(&cursors)
    }
}
