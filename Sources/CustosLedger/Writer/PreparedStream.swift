import Dispatch
import Foundation
import Synchronization

/// The events of one large append, prepared chunk by chunk on a thread of their own while
/// the writer stores the chunks before them.
///
/// Preparing 10,000 events (validation, canonical encoding, key hashes) takes longer than a
/// tenth of their commit; prepared all at once, the writer would wait for all of it. Streamed,
/// the writer starts when the first chunk is ready and the rest is prepared on another core
/// meanwhile, faster than the writer stores it.
///
/// The append stays all or nothing: when a chunk fails to prepare, the writer abandons the
/// whole transaction (``StreamedAppendFailure``) and commits the other appends without it,
/// which runs their preconditions a second time.
/// Chunks stay available once prepared, so a transaction that runs again (after the map
/// grew) reads them again without waiting.
final class PreparedStream: Sendable {
    /// Events in all.
    let count: Int
    let chunkSize: Int
    private let chunks: Mutex<[Result<[PreparedEvent], LedgerError>?]>
    /// One per chunk, signalled once when it is prepared (or failed).
    private let prepared: [DispatchSemaphore]
    /// Set when nobody will ask for the chunks any more.
    private let abandoned = Atomic<Bool>(false)

    /// Starts preparing `count` events in chunks of `chunkSize`, in order; `prepare` turns a
    /// range of event indexes into prepared events or the error of the first bad one.
    init(count: Int, chunkSize: Int, prepare: @escaping @Sendable (Range<Int>) throws(LedgerError) -> [PreparedEvent]) {
        self.count = count
        self.chunkSize = max(1, chunkSize)
        let chunkCount = (count + self.chunkSize - 1) / self.chunkSize
        chunks = Mutex(Array(repeating: nil, count: chunkCount))
        prepared = (0..<chunkCount).map { _ in DispatchSemaphore(value: 0) }
        // A thread of its own, neither a task nor a dispatch queue: the writer waits for this
        // work inside its transaction, holding the lock that map resizes and, behind them, new
        // transactions of this process wait for. A thread that depends on no shared pool
        // always finishes, whatever the other threads are blocked on.
        let thread = Thread { [self] in
            for index in 0..<chunkCount {
                if abandoned.load(ordering: .relaxed) { return }
                let range = index * self.chunkSize..<min(count, (index + 1) * self.chunkSize)
                let result: Result<[PreparedEvent], LedgerError>
                do throws(LedgerError) {
                    result = .success(try prepare(range))
                } catch {
                    result = .failure(error)
                }
                chunks.withLock { $0[index] = result }
                prepared[index].signal()
                if case .failure = result {
                    // Later chunks are never asked for: the writer stops at the first failure.
                    return
                }
            }
        }
        thread.name = "custos-prepare"
        thread.start()
    }

    var chunkCount: Int { prepared.count }

    /// The chunk at `index`, waiting until it is prepared.
    func chunk(_ index: Int) -> Result<[PreparedEvent], LedgerError> {
        if let ready = chunks.withLock({ $0[index] }) { return ready }
        prepared[index].wait()
        return chunks.withLock { $0[index] } ?? .failure(.corrupted("a prepared chunk signalled ready but is missing"))
    }

    /// Stops preparing after the chunk in progress: the append was refused or failed.
    func abandon() {
        abandoned.store(true, ordering: .relaxed)
    }
}

/// Thrown out of a write transaction when a streamed append's events failed to prepare: the
/// transaction is abandoned, the append fails with `error`, and the other requests of the
/// commit are written again without it.
struct StreamedAppendFailure: Error {
    /// The failed append's position among the commit's requests.
    var request: Int
    var error: LedgerError
}
