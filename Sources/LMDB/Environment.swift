import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB environment: one memory-mapped file holding any number of named databases.
///
/// - Read transactions run on any thread, many at once, and never wait for the writer
///   (`MDB_NOTLS` frees them from thread-local slots).
/// - One write transaction runs at a time. Call ``write(_:)`` from one thread only: LMDB's
///   writer lock belongs to the thread that took it.
/// - No transaction may be held across an `await`: both closures are synchronous.
/// - When a write fills the map, ``write(_:)`` grows the map and runs the closure again.
///   When another process grew it, both ``read(_:)`` and ``write(_:)`` adopt the new size.
public final class Environment: @unchecked Sendable {
    // @unchecked: `MDB_env` is safe to share between threads for everything this class
    // exposes once it is open. The map size, the only state that changes afterwards, changes
    // under `resizeLock` held exclusively, while no transaction of this process is live.
    @usableFromInline let handle: OpaquePointer
    @usableFromInline let resizeLock = ReadWriteLock()
    /// The folder (or file) the environment was opened at.
    public let path: String
    /// The options it was opened with.
    public let options: EnvironmentOptions
    /// Reader slots that belonged to dead processes and were freed at open.
    public let staleReadersCleared: Int

    /// Opens (and, unless read-only, creates) the environment at `path`.
    public init(path: String, options: EnvironmentOptions = EnvironmentOptions()) throws(LMDBError) {
        var pointer: OpaquePointer?
        try check(mdb_env_create(&pointer))
        guard let pointer else { throw LMDBError.system(code: ENOMEM) }
        do {
            try check(mdb_env_set_maxdbs(pointer, MDB_dbi(options.maxDatabases)))
            try check(mdb_env_set_maxreaders(pointer, UInt32(options.maxReaders)))
            try check(mdb_env_set_mapsize(pointer, options.mapSize))
            try check(mdb_env_open(pointer, path, options.flags, mode_t(options.fileMode)))
        } catch {
            mdb_env_close(pointer)
            throw error
        }
        var dead: Int32 = 0
        mdb_reader_check(pointer, &dead)
        self.handle = pointer
        self.path = path
        self.options = options
        self.staleReadersCleared = Int(dead)
    }

    deinit {
        mdb_env_close(handle)
    }

    // MARK: Transactions

    /// Runs `body` in a read-only snapshot of the environment.
    @inlinable
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        while true {
            let outcome: R? = try resizeLock.withShared {
                guard let txn = try beginRead() else { return nil }
                defer { endRead(txn) }
                return try body(ReadTransaction(handle: txn))
            }
            if let outcome { return outcome }
            try adoptMapSize()
        }
    }

    /// Begins a read transaction; nil when the map must be adopted first.
    @usableFromInline
    func beginRead() throws(LMDBError) -> OpaquePointer? {
        var txn: OpaquePointer?
        let code = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
        if code == MDB_MAP_RESIZED { return nil }
        try check(code)
        guard let txn else { throw LMDBError.badTransaction }
        return txn
    }

    @usableFromInline
    func endRead(_ txn: OpaquePointer) {
        mdb_txn_abort(txn)
    }

    /// Runs `body` in the write transaction and commits it when `body` returns.
    ///
    /// If `body` throws, nothing it wrote is kept. If the map fills, the transaction is
    /// aborted, the map grows, and `body` runs again: keep side effects outside the store
    /// until this function returns.
    @discardableResult
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        if options.readOnly { throw LMDBError.system(code: EACCES) }
        while true {
            let attempt: WriteAttempt<R> = try resizeLock.withShared {
                var txn: OpaquePointer?
                let code = mdb_txn_begin(handle, nil, 0, &txn)
                if code == MDB_MAP_RESIZED { return .adopt }
                try check(code)
                guard let txn else { throw LMDBError.badTransaction }
                let result: R
                do {
                    result = try body(WriteTransaction(handle: txn))
                } catch LMDBError.mapFull {
                    mdb_txn_abort(txn)
                    return .grow
                } catch {
                    mdb_txn_abort(txn)
                    throw error
                }
                let commit = mdb_txn_commit(txn)  // frees the transaction, success or not
                if commit == MDB_MAP_FULL { return .grow }
                try check(commit)
                return .done(result)
            }
            switch attempt {
            case .done(let result): return result
            case .grow: try growMap()
            case .adopt: try adoptMapSize()
            }
        }
    }

    // MARK: Map size

    /// The current size of the memory map in bytes.
    public var mapSize: Int { info.mapSize }

    /// Grows the map after `MDB_MAP_FULL`, by the policy in ``EnvironmentOptions``.
    func growMap() throws {
        try resizeLock.withExclusive {
            // Not `info`, which takes the lock shared: it is held exclusively here.
            var raw = MDB_envinfo()
            mdb_env_info(handle, &raw)
            let current = raw.me_mapsize
            guard let next = options.grownMapSize(from: current) else { throw LMDBError.mapFull }
            try check(mdb_env_set_mapsize(handle, next))
        }
    }

    /// Adopts a map size that another process set (`MDB_MAP_RESIZED`).
    @usableFromInline
    func adoptMapSize() throws {
        try resizeLock.withExclusive {
            try check(mdb_env_set_mapsize(handle, 0))
        }
    }

    /// Sets the map size; it must not be smaller than the data in use.
    public func setMapSize(_ bytes: Int) throws {
        try resizeLock.withExclusive {
            try check(mdb_env_set_mapsize(handle, bytes))
        }
    }

    // MARK: Databases

    /// Opens the named database, creating it when `create` is true and it does not exist.
    /// Pass nil for the unnamed main database.
    ///
    /// Open every database once, at start-up, before other transactions run.
    public func openDatabase(named name: String?, flags: DatabaseFlags = [], create: Bool = true) throws -> Database {
        let creating = create && !options.readOnly
        while true {
            if let database = try openDatabaseOnce(named: name, flags: flags, creating: creating) { return database }
            // Another process grew the map since this one opened it: adopt its size and retry.
            try adoptMapSize()
        }
    }

    private func openDatabaseOnce(named name: String?, flags: DatabaseFlags, creating: Bool) throws -> Database? {
        try resizeLock.withShared {
            var txn: OpaquePointer?
            let begin = mdb_txn_begin(handle, nil, creating ? 0 : UInt32(MDB_RDONLY), &txn)
            if begin == MDB_MAP_RESIZED { return nil }
            try check(begin)
            guard let txn else { throw LMDBError.badTransaction }
            var dbi = MDB_dbi()
            let code = mdb_dbi_open(txn, name, flags.rawValue | (creating ? UInt32(MDB_CREATE) : 0), &dbi)
            guard code == 0 else {
                mdb_txn_abort(txn)
                throw LMDBError(code: code)
            }
            // Committing, even a read-only transaction, keeps the handle open for everyone.
            try check(mdb_txn_commit(txn))
            return Database(dbi: dbi)
        }
    }

    // MARK: Maintenance

    /// Facts about the environment. Read under the resize lock, shared: LMDB reads them from
    /// the map, which a resize replaces. (Never call it inside a transaction's closure: the
    /// lock does not nest.)
    public var info: EnvironmentInfo {
        var raw = MDB_envinfo()
        resizeLock.withShared { _ = mdb_env_info(handle, &raw) }
        return EnvironmentInfo(
            mapSize: raw.me_mapsize,
            lastPage: raw.me_last_pgno,
            lastTransactionID: raw.me_last_txnid,
            maxReaders: Int(raw.me_maxreaders),
            readersInUse: Int(raw.me_numreaders)
        )
    }

    /// The database page size in bytes.
    public var pageSize: Int {
        var stat = MDB_stat()
        resizeLock.withShared { _ = mdb_env_stat(handle, &stat) }
        return Int(stat.ms_psize)
    }

    /// The largest key LMDB accepts, in bytes.
    public var maxKeySize: Int { Int(mdb_env_get_maxkeysize(handle)) }

    /// Frees reader slots left by processes that died; returns how many it freed.
    @discardableResult
    public func clearStaleReaders() -> Int {
        var dead: Int32 = 0
        mdb_reader_check(handle, &dead)
        return Int(dead)
    }

    /// Flushes buffers to disk; needed only with a durability weaker than `.full`.
    public func sync() throws(LMDBError) {
        try check(mdb_env_sync(handle, 1))
    }

    /// Writes a consistent copy of the environment to the folder `destination`, which must
    /// exist and be empty. Readers and the writer keep running meanwhile.
    /// `compact` leaves out free pages and renumbers the rest.
    public func copy(to destination: String, compact: Bool = false) throws(LMDBError) {
        // The copy holds a read transaction of its own: no resize may run under it.
        let code = resizeLock.withShared { mdb_env_copy2(handle, destination, compact ? UInt32(MDB_CP_COMPACT) : 0) }
        try check(code)
    }
}

/// What one try of a write transaction came to.
private enum WriteAttempt<R> {
    case done(R)
    case grow
    case adopt
}
