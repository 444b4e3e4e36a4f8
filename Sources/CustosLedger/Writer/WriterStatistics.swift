/// Counters kept by the group-commit writer, for monitoring.
public struct WriterStatistics: Sendable, Equatable {
    /// Durable commits made.
    public var commits: Int = 0
    /// Entries appended.
    public var entriesAppended: Int = 0
    /// Events answered as duplicates of earlier client event ids.
    public var duplicates: Int = 0
    /// Appends refused by the writer (conflicts, storage errors).
    public var failedAppends: Int = 0
    /// Checkpoints signed, on request or by policy.
    public var checkpointsSigned: Int = 0
    /// The most entries in one commit.
    public var largestCommit: Int = 0
    /// Total time spent in commits, in nanoseconds.
    public var commitNanoseconds: UInt64 = 0
    /// The CPU time of the writer's thread in those commits, in nanoseconds. The rest of
    /// ``commitNanoseconds`` is waiting: for the disk to flush, or for a large append's
    /// events to be prepared.
    public var commitCPUNanoseconds: UInt64 = 0
    /// Events waiting for the writer now.
    public var queuedEvents: Int = 0

    public init() {}
}
