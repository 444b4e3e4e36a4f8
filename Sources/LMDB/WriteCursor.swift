import CLMDB

/// A cursor that stores entries, valid only inside the closure of
/// ``WriteTransaction/withWriteCursor(on:_:)`` that received it.
///
/// A put through a cursor starts from the page the cursor stands on: when the key falls
/// within that page, LMDB searches only the page instead of descending from the root. Keys
/// put in ascending order therefore cost one search within one page each, where
/// ``WriteTransaction/put(_:forKey:in:append:)`` descends the whole tree every time.
public struct WriteCursor: ~Copyable {
    @usableFromInline let handle: OpaquePointer

    @usableFromInline
    init(handle: OpaquePointer) { self.handle = handle }

    /// Stores `value` under `key`, replacing any value there, and leaves the cursor on it.
    public mutating func put(_ value: UnsafeRawBufferPointer, forKey key: UnsafeRawBufferPointer) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(handle, &k, &v, 0))
    }
}

extension WriteTransaction {
    /// Opens a cursor that stores entries in `database` for the duration of `body`.
    @inlinable
    public func withWriteCursor<R>(
        on database: Database,
        _ body: (inout WriteCursor) throws -> R
    ) throws -> R {
        let pointer = try lmdbOpenCursor(handle, database.dbi)
        defer { lmdbCloseCursor(pointer) }
        var cursor = WriteCursor(handle: pointer)
        return try body(&cursor)
    }
}
