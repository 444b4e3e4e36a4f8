import CLMDB

/// Reading operations shared by ``ReadTransaction`` and ``WriteTransaction``.
///
/// Transactions are non-copyable and handed to closures as `borrowing` parameters, so they
/// cannot be stored or outlive the closure. Values are handed out the same way, as buffers
/// inside a closure: they point straight into the memory map (no copy) and are valid only
/// within that closure. Copy what must outlive it.
public protocol TransactionReading: ~Copyable {
    /// The `MDB_txn` handle. Valid only while the transaction is.
    var handle: OpaquePointer { get }
}

// The primitives are not inlinable (they call C); the generic closure-taking wrappers are,
// so that callers' closures specialize and inline.

@usableFromInline
func lmdbGet(_ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
    var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
    var v = MDB_val()
    let code = mdb_get(txn, dbi, &k, &v)
    if code == MDB_NOTFOUND { return nil }
    try check(code)
    return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
}

@usableFromInline
func lmdbOpenCursor(_ txn: OpaquePointer, _ dbi: UInt32) throws(LMDBError) -> OpaquePointer {
    var pointer: OpaquePointer?
    try check(mdb_cursor_open(txn, dbi, &pointer))
    guard let pointer else { throw LMDBError.badTransaction }
    return pointer
}

@usableFromInline
func lmdbCloseCursor(_ cursor: OpaquePointer) {
    mdb_cursor_close(cursor)
}

/// `existing` is nil when the value was stored, else the value already under the key.
@usableFromInline
func lmdbPut(
    _ txn: OpaquePointer, _ dbi: UInt32,
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: UInt32
) throws(LMDBError) -> UnsafeRawBufferPointer? {
    var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
    var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
    let code = mdb_put(txn, dbi, &k, &v, flags)
    if code == MDB_KEYEXIST && flags & UInt32(MDB_NOOVERWRITE) != 0 {
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }
    try check(code)
    return nil
}

@usableFromInline
func lmdbReserve(
    _ txn: OpaquePointer, _ dbi: UInt32,
    _ key: UnsafeRawBufferPointer, count: Int, append: Bool
) throws(LMDBError) -> UnsafeMutableRawBufferPointer {
    var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
    var v = MDB_val(mv_size: count, mv_data: nil)
    var flags = UInt32(MDB_RESERVE)
    if append { flags |= UInt32(MDB_APPEND) }
    try check(mdb_put(txn, dbi, &k, &v, flags))
    return UnsafeMutableRawBufferPointer(start: v.mv_data, count: count)
}

func lmdbDelete(_ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
    var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
    let code = mdb_del(txn, dbi, &k, nil)
    if code == MDB_NOTFOUND { return false }
    try check(code)
    return true
}

@usableFromInline let lmdbNoOverwrite = UInt32(MDB_NOOVERWRITE)
@usableFromInline let lmdbAppend = UInt32(MDB_APPEND)

extension TransactionReading where Self: ~Copyable {
    /// Calls `body` with the value stored under `key`, or returns nil when there is none.
    @inlinable
    public func withValue<R>(
        forKey key: UnsafeRawBufferPointer,
        in database: Database,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let value = try lmdbGet(handle, database.dbi, key) else { return nil }
        return try body(value)
    }

    /// Calls `body` with the value stored under `key`, or returns nil when there is none.
    @inlinable
    public func withValue<R>(
        forKey key: [UInt8],
        in database: Database,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try key.withUnsafeBytes { try withValue(forKey: $0, in: database, body) }
    }

    /// A copy of the value stored under `key`, or nil.
    @inlinable
    public func value(forKey key: [UInt8], in database: Database) throws -> [UInt8]? {
        try withValue(forKey: key, in: database) { Array($0) }
    }

    /// True when `key` is present.
    @inlinable
    public func contains(_ key: UnsafeRawBufferPointer, in database: Database) throws -> Bool {
        try lmdbGet(handle, database.dbi, key) != nil
    }

    /// Opens a cursor over `database` for the duration of `body`.
    @inlinable
    public func withCursor<R>(
        on database: Database,
        _ body: (inout Cursor) throws -> R
    ) throws -> R {
        let pointer = try lmdbOpenCursor(handle, database.dbi)
        defer { lmdbCloseCursor(pointer) }
        var cursor = Cursor(handle: pointer)
        return try body(&cursor)
    }

    /// Visits the entries of `database` in key order, starting at the first key at least
    /// `start` (or at the first key), until `body` returns false.
    @inlinable
    public func forEach(
        in database: Database,
        from start: UnsafeRawBufferPointer? = nil,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(on: database) { cursor in
            var found = try start.map { try cursor.seek(atLeast: $0) } ?? cursor.first()
            while found {
                guard try body(cursor.key, cursor.value) else { return }
                found = try cursor.next()
            }
        }
    }

    /// The shape of `database`'s B-tree as seen by this transaction.
    public func statistics(of database: Database) throws(LMDBError) -> DatabaseStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(handle, database.dbi, &stat))
        return DatabaseStatistics(stat)
    }

    /// The id of this transaction: the id of the last commit it sees, for a read transaction.
    public var id: Int { Int(mdb_txn_id(handle)) }
}

/// A read-only snapshot of the environment. Never blocks, and is never blocked by, the writer.
public struct ReadTransaction: ~Copyable, TransactionReading {
    public let handle: OpaquePointer

    @usableFromInline
    init(handle: OpaquePointer) { self.handle = handle }
}

/// The one write transaction of the environment. Its changes become visible, and durable,
/// when the closure that received it returns without throwing.
public struct WriteTransaction: ~Copyable, TransactionReading {
    public let handle: OpaquePointer

    @usableFromInline
    init(handle: OpaquePointer) { self.handle = handle }

    /// Stores `value` under `key`, replacing any value there.
    ///
    /// `append: true` promises that `key` sorts after every key in the database; LMDB then
    /// skips the search and fills pages completely. A key out of order fails with
    /// ``LMDBError/keyExists``.
    @inlinable
    public func put(
        _ value: UnsafeRawBufferPointer,
        forKey key: UnsafeRawBufferPointer,
        in database: Database,
        append: Bool = false
    ) throws(LMDBError) {
        _ = try lmdbPut(handle, database.dbi, key, value, flags: append ? lmdbAppend : 0)
    }

    /// Stores `value` under `key`, replacing any value there.
    @inlinable
    public func put(_ value: [UInt8], forKey key: [UInt8], in database: Database, append: Bool = false) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in try put(v, forKey: k, in: database, append: append) }
        }
    }

    /// Stores `value` under `key` unless the key is present. Returns nil when it stored the
    /// value; otherwise leaves the database unchanged and returns `existing` applied to the
    /// value already there. One B-tree search either way.
    @inlinable
    public func insert<R>(
        _ value: UnsafeRawBufferPointer,
        forKey key: UnsafeRawBufferPointer,
        in database: Database,
        existing: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let present = try lmdbPut(handle, database.dbi, key, value, flags: lmdbNoOverwrite) else { return nil }
        return try existing(present)
    }

    /// Reserves `count` bytes under `key` and lets `fill` write them in place, which saves
    /// a copy of large values. `fill` must write every byte.
    @inlinable
    public func put(
        reserving count: Int,
        forKey key: UnsafeRawBufferPointer,
        in database: Database,
        append: Bool = false,
        fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        try fill(try lmdbReserve(handle, database.dbi, key, count: count, append: append))
    }

    /// Removes `key`. Returns false when it was not present.
    @discardableResult
    public func delete(_ key: UnsafeRawBufferPointer, in database: Database) throws(LMDBError) -> Bool {
        try lmdbDelete(handle, database.dbi, key)
    }

    /// Removes `key`. Returns false when it was not present.
    @discardableResult
    public func delete(_ key: [UInt8], in database: Database) throws -> Bool {
        let txn = handle
        return try key.withUnsafeBytes { try lmdbDelete(txn, database.dbi, $0) }
    }

    /// Removes every entry of `database`, keeping the database itself.
    public func removeAll(in database: Database) throws(LMDBError) {
        try check(mdb_drop(handle, database.dbi, 0))
    }
}

extension WriteTransaction {
    /// Deletes `database` and its entries from the environment. LMDB closes its handle at
    /// once, even if the transaction is later aborted: it must not be used again, not even by
    /// a transaction that runs again after the map grew. A body that may run twice empties the
    /// database with ``removeAll(in:)`` instead, and deletes it in a transaction of its own.
    public func removeDatabase(_ database: Database) throws(LMDBError) {
        try check(mdb_drop(handle, database.dbi, 1))
    }
}
