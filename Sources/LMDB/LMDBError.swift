import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reported by LMDB, one case for every `MDB_*` return code, plus operating-system errors.
///
/// Each description says what happened and what to do about it.
public enum LMDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `MDB_KEYEXIST`: the key is already present and the write asked not to overwrite it.
    case keyExists
    /// `MDB_NOTFOUND`: no such key. Most APIs of this module answer `nil` instead of throwing this.
    case notFound
    /// `MDB_PAGE_NOTFOUND`: a page the B-tree points to is missing: the file is damaged.
    case pageNotFound
    /// `MDB_CORRUPTED`: a page has the wrong type: the file is damaged.
    case corrupted
    /// `MDB_PANIC`: an earlier fatal error left the environment unusable.
    case panic
    /// `MDB_VERSION_MISMATCH`: the file was written by an incompatible LMDB version.
    case versionMismatch
    /// `MDB_INVALID`: the file is not an LMDB data file.
    case invalidFile
    /// `MDB_MAP_FULL`: the memory map is full. ``Environment/write(_:)`` grows it and retries on its own.
    case mapFull
    /// `MDB_DBS_FULL`: more named databases than the environment was opened for.
    case databasesFull
    /// `MDB_READERS_FULL`: every reader slot is taken.
    case readersFull
    /// `MDB_TLS_FULL`: too many thread-local reader slots (cannot happen with `MDB_NOTLS`).
    case threadLocalStorageFull
    /// `MDB_TXN_FULL`: the transaction has too many dirty pages.
    case transactionFull
    /// `MDB_CURSOR_FULL`: a cursor stack overflowed: the tree is too deep, or damaged.
    case cursorFull
    /// `MDB_PAGE_FULL`: a page ran out of space (an internal LMDB error).
    case pageFull
    /// `MDB_MAP_RESIZED`: another process grew the map. The wrapper adopts the new size and retries.
    case mapResized
    /// `MDB_INCOMPATIBLE`: a database was opened with flags that do not match how it was created.
    case incompatible
    /// `MDB_BAD_RSLOT`: a reader slot was misused.
    case badReaderSlot
    /// `MDB_BAD_TXN`: the transaction cannot be used any more (an earlier operation in it failed).
    case badTransaction
    /// `MDB_BAD_VALSIZE`: a key was empty or longer than the maximum key size, or a value was too large.
    case badValueSize
    /// `MDB_BAD_DBI`: the database handle is not valid (it was closed or changed).
    case badDatabase
    /// An operating-system error (`errno`), for example `ENOSPC` (disk full) or `EACCES`.
    case system(code: Int32)

    /// Maps an LMDB return code to an error. `0` (`MDB_SUCCESS`) must not be passed.
    public init(code: Int32) {
        switch code {
        case MDB_KEYEXIST: self = .keyExists
        case MDB_NOTFOUND: self = .notFound
        case MDB_PAGE_NOTFOUND: self = .pageNotFound
        case MDB_CORRUPTED: self = .corrupted
        case MDB_PANIC: self = .panic
        case MDB_VERSION_MISMATCH: self = .versionMismatch
        case MDB_INVALID: self = .invalidFile
        case MDB_MAP_FULL: self = .mapFull
        case MDB_DBS_FULL: self = .databasesFull
        case MDB_READERS_FULL: self = .readersFull
        case MDB_TLS_FULL: self = .threadLocalStorageFull
        case MDB_TXN_FULL: self = .transactionFull
        case MDB_CURSOR_FULL: self = .cursorFull
        case MDB_PAGE_FULL: self = .pageFull
        case MDB_MAP_RESIZED: self = .mapResized
        case MDB_INCOMPATIBLE: self = .incompatible
        case MDB_BAD_RSLOT: self = .badReaderSlot
        case MDB_BAD_TXN: self = .badTransaction
        case MDB_BAD_VALSIZE: self = .badValueSize
        case MDB_BAD_DBI: self = .badDatabase
        default: self = .system(code: code)
        }
    }

    /// True when the error means the data file itself is damaged.
    public var isCorruption: Bool {
        switch self {
        case .pageNotFound, .corrupted, .invalidFile, .cursorFull: return true
        default: return false
        }
    }

    /// True when the disk holding the store has no space left.
    public var isDiskFull: Bool {
        if case .system(let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }

    public var description: String {
        switch self {
        case .keyExists:
            return "the key already exists (MDB_KEYEXIST)"
        case .notFound:
            return "no such key (MDB_NOTFOUND)"
        case .pageNotFound, .corrupted:
            return "the LMDB data file is damaged (\(self == .corrupted ? "MDB_CORRUPTED" : "MDB_PAGE_NOTFOUND")): restore the store from a backup, then run `custos verify`"
        case .panic:
            return "LMDB hit a fatal error earlier and the store is unusable in this process (MDB_PANIC): restart the process; if it repeats, check the disk"
        case .versionMismatch:
            return "the store was written by an incompatible LMDB version (MDB_VERSION_MISMATCH): open it with the LMDB version that created it"
        case .invalidFile:
            return "the file is not an LMDB data file (MDB_INVALID): check the --store path"
        case .mapFull:
            return "the memory map is full (MDB_MAP_FULL): raise the map size; appends grow it automatically"
        case .databasesFull:
            return "too many named databases are open (MDB_DBS_FULL): raise maxDatabases"
        case .readersFull:
            return "every LMDB reader slot is taken (MDB_READERS_FULL): lower the number of concurrent readers, or raise maxReaders and restart every process using the store"
        case .threadLocalStorageFull:
            return "too many thread-local reader slots (MDB_TLS_FULL)"
        case .transactionFull:
            return "the transaction is too large (MDB_TXN_FULL): append in smaller batches"
        case .cursorFull:
            return "a B-tree is deeper than LMDB allows (MDB_CURSOR_FULL): the store is probably damaged; run `custos verify`"
        case .pageFull:
            return "an LMDB page overflowed (MDB_PAGE_FULL): an internal LMDB error; report it"
        case .mapResized:
            return "another process grew the memory map (MDB_MAP_RESIZED)"
        case .incompatible:
            return "a database was opened with flags that do not match how it was created (MDB_INCOMPATIBLE): the store was made by a different program"
        case .badReaderSlot:
            return "a reader slot was misused (MDB_BAD_RSLOT): an internal error; report it"
        case .badTransaction:
            return "the transaction cannot be used after an earlier error (MDB_BAD_TXN); nothing from it was committed"
        case .badValueSize:
            return "a key was empty or too long, or a value too large (MDB_BAD_VALSIZE)"
        case .badDatabase:
            return "the database handle is not valid (MDB_BAD_DBI)"
        case .system(let code):
            let text = String(cString: strerror(code))
            switch code {
            case ENOSPC, EDQUOT:
                return "the disk is full (\(text)): free space on the disk that holds the store, then retry; nothing of the failed write was committed"
            case EACCES, EPERM:
                return "permission denied (\(text)): check the owner and mode of the store folder and its files"
            case ENOENT:
                return "no such file or folder (\(text)): check the --store path, or create the store with `custos init`"
            case EAGAIN, EWOULDBLOCK:
                return "the store is locked by another process (\(text))"
            case ENOMEM:
                return "out of memory (\(text)): lower the map size or free memory"
            case EIO:
                return "an input/output error (\(text)): the disk may be failing"
            default:
                return "\(text) (errno \(code))"
            }
        }
    }
}

/// Throws the ``LMDBError`` for a non-zero LMDB return code.
@usableFromInline @inline(__always)
func check(_ code: Int32) throws(LMDBError) {
    if code != 0 { throw LMDBError(code: code) }
}
