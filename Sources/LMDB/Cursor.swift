import CLMDB

/// A position in a database's key order, valid only inside the closure that received it.
///
/// Every move answers whether the cursor now stands on an entry. ``key`` and ``value``
/// point into the memory map and are valid until the next move.
public struct Cursor: ~Copyable {
    @usableFromInline let handle: OpaquePointer
    /// The key of the current entry.
    public private(set) var key = UnsafeRawBufferPointer(start: nil, count: 0)
    /// The value of the current entry.
    public private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)

    @usableFromInline
    init(handle: OpaquePointer) { self.handle = handle }

    private mutating func move(_ operation: MDB_cursor_op, to target: UnsafeRawBufferPointer? = nil) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: target?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: target?.baseAddress))
        var v = MDB_val()
        let code = mdb_cursor_get(handle, &k, &v, operation)
        if code == MDB_NOTFOUND { return false }
        try check(code)
        key = UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)
        value = UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        return true
    }

    /// Moves to the first entry.
    public mutating func first() throws(LMDBError) -> Bool { try move(MDB_FIRST) }

    /// Moves to the last entry.
    public mutating func last() throws(LMDBError) -> Bool { try move(MDB_LAST) }

    /// Moves to the next entry.
    public mutating func next() throws(LMDBError) -> Bool { try move(MDB_NEXT) }

    /// Moves to the previous entry.
    public mutating func previous() throws(LMDBError) -> Bool { try move(MDB_PREV) }

    /// Moves to the first entry whose key is at least `key`.
    public mutating func seek(atLeast key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        try move(MDB_SET_RANGE, to: key)
    }

    /// Moves to the entry whose key is exactly `key`.
    public mutating func seek(exactly key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        try move(MDB_SET_KEY, to: key)
    }

    /// Moves to the last entry whose key is at most `key`.
    public mutating func seek(atMost key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        if try seek(atLeast: key) {
            if self.key.elementsEqual(key) { return true }
            return try previous()
        }
        return try last()
    }
}
