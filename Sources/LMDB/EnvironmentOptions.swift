#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How an ``Environment`` is opened.
public struct EnvironmentOptions: Sendable {
    /// How commits reach the disk.
    public enum Durability: Sendable {
        /// Every commit is flushed to disk before it returns (the default, and the only mode
        /// under which an acknowledged write survives a crash of the machine).
        case full
        /// The data is flushed at commit, the meta page is not: a crash of the machine may undo
        /// the last commit, never damage the file. A crash of the process loses nothing.
        case noMetaSync
        /// Nothing is flushed (`MDB_NOSYNC`): for tests and benchmark baselines only.
        case none
    }

    /// The initial size of the memory map in bytes. It only reserves address space; the file
    /// grows as data is written. Writes that fill the map grow it (see ``maxMapSize``).
    public var mapSize: Int = 1 << 30
    /// The largest the map may grow to automatically.
    public var maxMapSize: Int = 1 << 40
    /// How many named databases may be opened.
    public var maxDatabases: Int = 32
    /// How many read transactions may be live at once, across every process using the files.
    public var maxReaders: Int = 510
    /// Permissions for the data and lock files when they are created.
    public var fileMode: UInt32 = 0o600
    /// When true, `path` is a folder holding `data.mdb` and `lock.mdb`; otherwise it is the
    /// data file itself and the lock file is `path-lock`.
    public var pathIsDirectory: Bool = true
    /// Opens the environment read-only: no write transaction can be started.
    public var readOnly: Bool = false
    /// How commits reach the disk.
    public var durability: Durability = .full
    /// Whether the operating system may read ahead; turn off for random access over large stores.
    public var readAhead: Bool = true

    public init() {}

    var flags: UInt32 {
        var flags: UInt32 = 0x20_0000  // MDB_NOTLS: read transactions are not tied to threads.
        if !pathIsDirectory { flags |= 0x4000 }  // MDB_NOSUBDIR
        if readOnly { flags |= 0x2_0000 }  // MDB_RDONLY
        switch durability {
        case .full: break
        case .noMetaSync: flags |= 0x4_0000  // MDB_NOMETASYNC
        case .none: flags |= 0x1_0000  // MDB_NOSYNC
        }
        if !readAhead { flags |= 0x80_0000 }  // MDB_NORDAHEAD
        return flags
    }

    /// The next map size after `current` filled up: doubles up to 8 GiB, then grows by 8 GiB.
    func grownMapSize(from current: Int) -> Int? {
        guard current < maxMapSize else { return nil }
        let step = 8 << 30
        let next = current < step ? current * 2 : current + step
        return min(next, maxMapSize)
    }
}
