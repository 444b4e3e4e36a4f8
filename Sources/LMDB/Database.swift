import CLMDB

/// A handle to a named database (a B-tree) inside an ``Environment``.
///
/// Handles are plain integers, valid for the life of the environment and shared by every
/// transaction once the transaction that opened them has committed.
public struct Database: Sendable, Hashable {
    @usableFromInline let dbi: UInt32

    init(dbi: UInt32) { self.dbi = dbi }
}

/// How a named database orders and stores its keys.
public struct DatabaseFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Keys are compared as native-endian unsigned integers (`MDB_INTEGERKEY`).
    public static let integerKey = DatabaseFlags(rawValue: UInt32(MDB_INTEGERKEY))
    /// A key may hold several sorted values (`MDB_DUPSORT`).
    public static let duplicateSort = DatabaseFlags(rawValue: UInt32(MDB_DUPSORT))
    /// With ``duplicateSort``: every value has the same size (`MDB_DUPFIXED`).
    public static let duplicateFixed = DatabaseFlags(rawValue: UInt32(MDB_DUPFIXED))
}

/// The shape of one database's B-tree, from `mdb_stat`.
public struct DatabaseStatistics: Sendable, Equatable {
    public var pageSize: Int
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    public var overflowPages: Int
    public var entries: Int

    /// Bytes of pages the database occupies.
    public var bytes: Int { (branchPages + leafPages + overflowPages) * pageSize }

    init(_ stat: MDB_stat) {
        pageSize = Int(stat.ms_psize)
        depth = Int(stat.ms_depth)
        branchPages = Int(stat.ms_branch_pages)
        leafPages = Int(stat.ms_leaf_pages)
        overflowPages = Int(stat.ms_overflow_pages)
        entries = Int(stat.ms_entries)
    }
}

/// Facts about an environment, from `mdb_env_info`.
public struct EnvironmentInfo: Sendable, Equatable {
    /// Current size of the memory map in bytes.
    public var mapSize: Int
    /// Number of the last page used; `(lastPage + 1) * pageSize` bytes of the map are in use.
    public var lastPage: Int
    /// The id of the last committed write transaction.
    public var lastTransactionID: Int
    /// Reader slots in the lock table.
    public var maxReaders: Int
    /// Reader slots in use.
    public var readersInUse: Int
}
