#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A writer-preferring reader-writer lock.
///
/// LMDB requires that `mdb_env_set_mapsize` runs while no transaction of this process is
/// active. Every transaction holds this lock shared; changing the map size holds it exclusive.
/// Transactions never span an `await`, and most are short; the longest is a large append's
/// commit (tens of milliseconds for 10,000 events), which the exclusive side and, behind it,
/// new transactions of this process wait for.
///
/// Shared acquisitions must not nest on one thread: with a writer waiting, a nested shared
/// acquisition would wait behind it forever.
@usableFromInline
final class ReadWriteLock: @unchecked Sendable {
    // @unchecked: the pthread lock is the synchronization; the pointer itself never changes
    // after init and is freed only in deinit, when no other reference exists.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    @usableFromInline
    init() {
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        // Without this, a steady stream of readers could starve a map resize forever.
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @usableFromInline
    func lockShared() { pthread_rwlock_rdlock(lock) }

    @usableFromInline
    func unlock() { pthread_rwlock_unlock(lock) }

    @inlinable
    func withShared<R>(_ body: () throws -> R) rethrows -> R {
        lockShared()
        defer { unlock() }
        return try body()
    }

    @inline(__always)
    func withExclusive<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
