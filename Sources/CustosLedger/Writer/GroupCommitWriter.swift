import Dispatch
import Foundation
import LMDB
import Synchronization

/// The ledger's single writer: a dedicated thread that gathers concurrent appends into
/// one durable LMDB commit (group commit) and answers each caller once its events are on
/// disk.
///
/// Callers never touch the write transaction: they enqueue prepared events and suspend.
/// The thread takes everything queued (up to ``LedgerConfiguration/maxEventsPerCommit``),
/// writes it in one transaction, commits, and resumes the callers in order.
final class GroupCommitWriter: Sendable {
    private enum Pending {
        case append([PreparedEvent], AppendPrecondition?, CheckedContinuation<[AppendReceipt], any Error>)
        case appendStreamed(PreparedStream, CheckedContinuation<[AppendReceipt], any Error>)
        case checkpoint(CheckedContinuation<StoredCheckpoint, any Error>)

        var eventCount: Int {
            switch self {
            case .append(let events, _, _): return events.count
            case .appendStreamed(let stream, _): return stream.count
            case .checkpoint: return 0
            }
        }

        var request: BatchWriter.Request {
            switch self {
            case .append(let events, let precondition, _): return .append(events, precondition)
            case .appendStreamed(let stream, _): return .appendStreamed(stream)
            case .checkpoint: return .checkpoint
            }
        }

        func resume(with result: Result<BatchWriter.Answer, LedgerError>) {
            switch (self, result) {
            case (.append(_, _, let continuation), .success(.receipts(let receipts))),
                 (.appendStreamed(_, let continuation), .success(.receipts(let receipts))):
                continuation.resume(returning: receipts)
            case (.checkpoint(let continuation), .success(.checkpoint(let checkpoint))): continuation.resume(returning: checkpoint)
            case (_, .failure(let error)): fail(error)
            default: fail(LedgerError.corrupted("the writer answered a request with the wrong kind of result"))
            }
        }

        func fail(_ error: LedgerError) {
            switch self {
            case .append(_, _, let continuation): continuation.resume(throwing: error)
            case .appendStreamed(let stream, let continuation):
                stream.abandon()
                continuation.resume(throwing: error)
            case .checkpoint(let continuation): continuation.resume(throwing: error)
            }
        }
    }

    private struct Queue {
        var pending: [Pending] = []
        var queuedEvents = 0
        var closed = false
        var stopped: [CheckedContinuation<Void, Never>] = []
        var hasStopped = false
    }

    /// State only the writer thread uses, kept in a mutex so that the type stays `Sendable`;
    /// it is taken once per commit and never contended.
    private struct WriterState {
        var tip: BatchWriter.Tip?
        var cache = WriterCache()
    }

    private let environment: Environment
    private let batchWriter: BatchWriter
    private let configuration: LedgerConfiguration
    private let signing: BatchWriter.Signing
    /// Told what each commit added, so that readers never see a stale adjacency list.
    private let edgeCache: EdgeCache
    private let queue = Mutex(Queue())
    private let writerState = Mutex(WriterState())
    private let statistics = Mutex(WriterStatistics())
    private let wakeup = DispatchSemaphore(value: 0)
    /// Commits at least this large free their prepared events off the writer's thread.
    private static let largeCommit = 1_000

    init(environment: Environment, schema: Schema, configuration: LedgerConfiguration, signing: BatchWriter.Signing, edgeCache: EdgeCache) {
        self.environment = environment
        self.edgeCache = edgeCache
        self.batchWriter = BatchWriter(schema: schema, hasher: configuration.keyHasher)
        self.configuration = configuration
        self.signing = signing
        let thread = Thread { [self] in self.run() }
        thread.name = "custos-writer"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Queues `events` as one append and waits until they are durable. A `precondition` is
    /// checked in the write transaction, just before the events go in.
    func submit(_ events: [PreparedEvent], precondition: AppendPrecondition? = nil) async throws -> [AppendReceipt] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.append(events, precondition, continuation))
        }
    }

    /// Appends events that `stream` is still preparing; see ``PreparedStream``.
    func submit(_ stream: PreparedStream) async throws -> [AppendReceipt] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.appendStreamed(stream, continuation))
        }
    }

    /// Asks for a checkpoint of the log as it stands after everything queued before.
    func checkpoint() async throws -> StoredCheckpoint {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.checkpoint(continuation))
        }
    }

    private func enqueue(_ pending: Pending) {
        let refusal: LedgerError? = queue.withLock { queue in
            if queue.closed { return .closed }
            if queue.queuedEvents + pending.eventCount > configuration.maxQueuedEvents && queue.queuedEvents > 0 {
                return .overloaded(queuedEvents: queue.queuedEvents)
            }
            queue.pending.append(pending)
            queue.queuedEvents += pending.eventCount
            return nil
        }
        if let refusal {
            pending.fail(refusal)
        } else {
            wakeup.signal()
        }
    }

    /// Stops taking appends, writes what is queued, and ends the thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = queue.withLock { queue -> Bool in
                queue.closed = true
                if queue.hasStopped { return true }
                // Every caller of close() waits for the end, not only the last.
                queue.stopped.append(continuation)
                return false
            }
            if done { continuation.resume() } else { wakeup.signal() }
        }
    }

    /// Stops taking appends without waiting; the thread writes what is queued, then ends.
    func requestStop() {
        queue.withLock { $0.closed = true }
        wakeup.signal()
    }

    /// A snapshot of the counters.
    var currentStatistics: WriterStatistics {
        var snapshot = statistics.withLock { $0 }
        snapshot.queuedEvents = queue.withLock { $0.queuedEvents }
        return snapshot
    }

    // MARK: The writer thread

    private func run() {
        while true {
            var batch = takeBatch()
            if batch.isEmpty {
                let stop = queue.withLock { queue -> [CheckedContinuation<Void, Never>]? in
                    guard queue.closed && queue.pending.isEmpty else { return nil }
                    queue.hasStopped = true
                    defer { queue.stopped = [] }
                    return queue.stopped
                }
                if let stop {
                    for waiter in stop { waiter.resume() }
                    return
                }
                wakeup.wait()
                continue
            }
            if configuration.commitDelayMicroseconds > 0 {
                batch += lingerForMore(already: batch.reduce(0) { $0 + $1.eventCount })
            }
            commit(batch)
            if batch.reduce(0, { $0 + $1.eventCount }) >= Self.largeCommit {
                // Freeing 10,000 prepared events takes milliseconds, which the next commit
                // would wait for: whoever drops the last reference frees them, and this hands
                // the writer's to a thread that waits for nothing.
                DispatchQueue.global(qos: .utility).async { [batch] in _ = batch.count }
            }
        }
    }

    /// Takes queued appends, in order, until the commit would hold enough events.
    private func takeBatch(limit: Int? = nil) -> [Pending] {
        let limit = limit ?? configuration.maxEventsPerCommit
        return queue.withLock { queue in
            var taken = 0
            var count = 0
            for pending in queue.pending {
                if count > 0 && count + pending.eventCount > limit { break }
                count += pending.eventCount
                taken += 1
            }
            let batch = Array(queue.pending.prefix(taken))
            queue.pending.removeFirst(taken)
            queue.queuedEvents -= count
            return batch
        }
    }

    private func lingerForMore(already: Int) -> [Pending] {
        var extra: [Pending] = []
        var count = already
        let deadline = DispatchTime.now() + .microseconds(configuration.commitDelayMicroseconds)
        while count < configuration.maxEventsPerCommit {
            if wakeup.wait(timeout: deadline) == .timedOut { break }
            let more = takeBatch(limit: configuration.maxEventsPerCommit - count)
            extra += more
            count += more.reduce(0) { $0 + $1.eventCount }
        }
        return extra
    }

    private func commit(_ batch: [Pending]) {
        let started = DispatchTime.now().uptimeNanoseconds
        let startedCPU = Self.threadCPUNanoseconds()
        // Move the cache out, so that merging into it later mutates it in place, uncopied.
        var (tip, cache) = writerState.withLock { state in
            let taken = (state.tip, state.cache)
            state.cache = WriterCache()
            return taken
        }
        let outcome: Result<BatchWriter.Outcome, LedgerError>
        do {
            outcome = .success(try environment.write { txn in
                try batchWriter.write(batch.map(\.request), cachedTip: tip, cache: cache, signing: signing, now: Timestamp.now(), in: txn)
            })
        } catch let failure as StreamedAppendFailure {
            // Nothing was committed: the streamed append fails alone, the others go again.
            writerState.withLock { state in state.cache = cache }
            statistics.withLock { $0.failedAppends += 1 }
            var others = batch
            let failed = others.remove(at: failure.request)
            failed.fail(failure.error)
            if !others.isEmpty { commit(others) }
            return
        } catch {
            outcome = .failure(LedgerError.from(error, path: environment.path, mapSize: environment.mapSize))
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        let elapsedCPU = Self.threadCPUNanoseconds() &- startedCPU

        switch outcome {
        case .success(let written):
            tip = written.tip
            edgeCache.committed(from: written.startSize, to: written.tip.head.size, extended: written.learned.extendedLists)
            cache.merge(written.learned)
            writerState.withLock { state in
                state.tip = tip
                state.cache = cache
            }
            statistics.withLock { stats in
                stats.commits += 1
                stats.entriesAppended += written.appended
                stats.duplicates += written.duplicates
                stats.largestCommit = max(stats.largestCommit, written.appended)
                stats.commitNanoseconds += elapsed
                stats.commitCPUNanoseconds += elapsedCPU
                stats.failedAppends += written.results.filter { if case .failure = $0 { return true } else { return false } }.count
                stats.checkpointsSigned += written.checkpointsSigned
            }
            for (pending, result) in zip(batch, written.results) {
                pending.resume(with: result)
            }
        case .failure(let error):
            // Nothing was committed; the cached tip may be stale, the cache is still true.
            writerState.withLock { state in
                state.tip = nil
                state.cache = cache
            }
            statistics.withLock { $0.failedAppends += batch.count }
            for pending in batch { pending.fail(error) }
        }
    }

    /// The CPU time the calling thread has used, in nanoseconds (0 where the clock is missing).
    private static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return 0 }
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
