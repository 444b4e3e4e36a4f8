public import LMDB

/// What went wrong in the ledger, and what to do about it.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No store exists at the path.
    case noStore(path: String)
    /// A store already exists at the path (from `create`).
    case storeExists(path: String)
    /// The store was written by a newer or different format.
    case incompatibleStore(path: String, found: String)
    /// The store was written in an older format, which is upgraded only when the store is
    /// opened for writing; this one was opened read-only.
    case needsUpgrade(path: String, found: String)
    /// The ledger was opened read-only and cannot append.
    case readOnly(path: String)
    /// Opened read-only, the store still needs its lock file writable, and it is not.
    case lockFileNotWritable(path: String)
    /// An event was refused; nothing of its batch was written.
    case invalidEvent(index: Int, EventError)
    /// A batch had more events than one append may carry.
    case batchTooLarge(count: Int, limit: Int)
    /// The same client event id was appended before with different content.
    case idempotencyConflict(clientEventID: String, seq: UInt64)
    /// The writer's queue is full; retry after a short wait.
    case overloaded(queuedEvents: Int)
    /// The ledger was closed.
    case closed
    /// No entry at the seq.
    case noSuchEntry(seq: UInt64, size: UInt64)
    /// A proof or root was asked for sizes or seqs the log cannot prove.
    case invalidProofRange(String)
    /// The origin cannot name a log.
    case invalidOrigin(String)
    /// Checkpoints cannot be signed: the reason says why and what to do.
    case noSigningKey(String)
    /// A conditional append's precondition refused it; nothing was written.
    case refused(String)
    /// A stored record is damaged.
    case corrupted(String)
    /// The disk is full; nothing of the failed batch was committed.
    case diskFull(path: String)
    /// The map reached its configured maximum size.
    case storeFull(path: String, mapSize: Int)
    /// Any other storage error.
    case storage(LMDBError)

    public var description: String {
        switch self {
        case .noStore(let path):
            return "no store at \(path): create one with `custos init --store \(path)`"
        case .storeExists(let path):
            return "a store already exists at \(path); open it instead, or pick another --store"
        case .incompatibleStore(let path, let found):
            return "the store at \(path) has format \(found), which this version of custos cannot read: upgrade custos"
        case .needsUpgrade(let path, let found):
            return "the store at \(path) has format \(found), which this version reads after upgrading it to format \(Ledger.formatVersion), and it was opened read-only: open it once for writing (for example `custos stats --store \(path)` as its owner), or work on a copy of the store folder"
        case .readOnly(let path):
            return "the store at \(path) was opened read-only: open it without --read-only, as a user who may write it, to append"
        case .lockFileNotWritable(let path):
            return "reading the store at \(path) needs write access to \(path)/lock.mdb, where readers register so that a writer never reuses the pages they read: ask the store's owner for write access to that one file (group write is enough), or read a copy of the store folder"
        case .invalidEvent(let index, let error):
            return "event \(index): \(error); nothing of this batch was written"
        case .batchTooLarge(let count, let limit):
            return "a batch of \(count) events is over the limit of \(limit): split it"
        case .idempotencyConflict(let id, let seq):
            return "client event id \"\(preview(id))\" was already used for a different event at seq \(seq): use a new id for a new event; nothing of this batch was written"
        case .overloaded(let queued):
            return "the ledger is overloaded (\(queued) events waiting to be written): retry shortly"
        case .closed:
            return "the ledger is closed"
        case .noSuchEntry(let seq, let size):
            return size == 0 ? "no entry at seq \(seq): the log is empty" : "no entry at seq \(seq): the log holds seq 0 to \(size - 1)"
        case .invalidProofRange(let reason):
            return reason
        case .invalidOrigin(let origin):
            return "the origin \"\(preview(origin))\" cannot name a log: use a non-empty name without spaces or '+', e.g. example.com/custos/prod"
        case .refused(let reason):
            return reason
        case .noSigningKey(let reason):
            return "cannot sign checkpoints: \(reason)"
        case .corrupted(let detail):
            return "the store is damaged: \(detail); run `custos verify` and restore from a backup"
        case .diskFull(let path):
            return "the disk holding \(path) is full: free space and retry; nothing of the failed batch was committed"
        case .storeFull(let path, let mapSize):
            return "the store at \(path) reached its maximum map size of \(mapSize) bytes: raise maxMapSize"
        case .storage(let error):
            return "storage error: \(error)"
        }
    }

    /// The entry stored at `seq` cannot be read back: `error` says how.
    static func unreadableEntry(at seq: UInt64, _ error: any Error) -> LedgerError {
        .corrupted("the entry at seq \(seq): \(error)")
    }

    /// Wraps any error from the storage layer in the matching ledger error.
    static func from(_ error: any Error, path: String, mapSize: Int) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let error = error as? LMDBError {
            if error.isDiskFull { return .diskFull(path: path) }
            if error == .mapFull { return .storeFull(path: path, mapSize: mapSize) }
            if error.isCorruption { return .corrupted(error.description) }
            return .storage(error)
        }
        return .corrupted("\(error)")
    }
}
