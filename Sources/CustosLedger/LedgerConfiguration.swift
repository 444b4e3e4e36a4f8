public import LMDB

/// How a ``Ledger`` stores and batches.
public struct LedgerConfiguration: Sendable {
    /// Initial memory-map size in bytes; the map grows automatically when it fills.
    public var mapSize: Int = 1 << 30
    /// The largest the map may grow to.
    public var maxMapSize: Int = 1 << 40
    /// LMDB reader slots (concurrent read transactions across all processes).
    public var maxReaders: Int = 510
    /// How commits reach the disk. Only `.full` keeps acknowledged events through a power loss.
    public var durability: EnvironmentOptions.Durability = .full
    /// Group commit: the writer stops adding appends to a commit once it holds this many
    /// events. One append is never split across commits.
    public var maxEventsPerCommit: Int = 10_000
    /// The most events one `append(contentsOf:)` may carry.
    public var maxEventsPerAppend: Int = 100_000
    /// Group commit: how long the writer waits for more appends before committing a commit
    /// that is not full, in microseconds. Zero commits at once; appends that arrive while a
    /// commit is in flight still share the next one.
    public var commitDelayMicroseconds: Int = 0
    /// Appends beyond this many queued events fail with ``LedgerError/overloaded(queuedEvents:)``.
    public var maxQueuedEvents: Int = 1_000_000
    /// When checkpoints are signed without being asked for.
    public var checkpointPolicy = CheckpointPolicy()
    /// Bounds on each event.
    public var limits: EventLimits = .standard
    /// Lineage edges kept in memory for traversals (about 40 bytes each); 0 turns the cache
    /// off, so that every traversal reads the edge index.
    public var edgeCacheCapacity: Int = 1_000_000
    /// Opens the store for reading only (LMDB's `MDB_RDONLY`): nothing is ever written to its
    /// data file, appends fail with ``LedgerError/readOnly(path:)``, and a store in an older
    /// format is refused instead of upgraded. Readers still register in `lock.mdb`, so that a
    /// writer in another process never reuses pages under them: the lock file must be
    /// writable, unless the store is on a read-only file system (then nothing can write it,
    /// and LMDB reads without the lock).
    public var readOnly: Bool = false
    /// Interned-key hashing; tests replace it to force collisions.
    var keyHasher: KeyHasher = .xxh3

    public init() {}

    var environmentOptions: EnvironmentOptions {
        var options = EnvironmentOptions()
        options.mapSize = mapSize
        options.maxMapSize = maxMapSize
        options.maxReaders = maxReaders
        options.durability = durability
        options.readOnly = readOnly
        options.maxDatabases = 32
        return options
    }
}
