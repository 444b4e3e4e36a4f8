import CustosLedger
import Synchronization

/// Wakes whoever waits on a request when an event about it lands: at once for this
/// process's own appends, and within a poll interval for appends by other processes on the
/// same store (the poller reads only the gate's kinds from the index, since the last size).
final class GateWatcher: Sendable {
    /// One waiter's wake-up: fired once, by an event, its deadline or its cancellation.
    final class Signal: Sendable {
        private struct State {
            var fired = false
            var continuation: CheckedContinuation<Void, Never>?
        }

        private let state = Mutex(State())

        func fire() {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.fired = true
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume()
        }

        func wait() async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.fired { return true }
                        state.continuation = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                fire()
            }
        }
    }

    /// A registration: made before the state is read, so that no event is missed between the
    /// read and the wait.
    struct Ticket: Sendable {
        let request: NodeID
        let number: UInt64
        let signal: Signal
    }

    private struct State {
        var waiters: [NodeID: [UInt64: Signal]] = [:]
        var count = 0
        var next: UInt64 = 0
        var polling = false
        var seenSize: UInt64 = 0
    }

    let ledger: Ledger
    let pollInterval: Duration
    private let state = Mutex(State())
    private static let watchedKinds: [EventKind] = [.approve, .deny, .expire, .revoke, .execute, GateKind.outcome, GateKind.redeemRefused]

    init(ledger: Ledger, pollInterval: Duration = .milliseconds(25)) {
        self.ledger = ledger
        self.pollInterval = pollInterval
    }

    /// How many waiters there are now.
    var waiterCount: Int { state.withLock { $0.count } }

    func register(_ request: NodeID) -> Ticket {
        let signal = Signal()
        let (number, startPoller) = state.withLock { state -> (UInt64, Bool) in
            state.next += 1
            state.waiters[request, default: [:]][state.next] = signal
            state.count += 1
            let start = !state.polling
            if start {
                state.polling = true
                state.seenSize = (try? ledger.head().size) ?? 0
            }
            return (state.next, start)
        }
        if startPoller { Task.detached { [self] in await poll() } }
        return Ticket(request: request, number: number, signal: signal)
    }

    func unregister(_ ticket: Ticket) {
        state.withLock { state in
            if state.waiters[ticket.request]?.removeValue(forKey: ticket.number) != nil { state.count -= 1 }
            if state.waiters[ticket.request]?.isEmpty == true { state.waiters[ticket.request] = nil }
        }
    }

    /// Waits until the ticket's request changes, `timeout` passes, or the task is cancelled.
    func wait(_ ticket: Ticket, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await ticket.signal.wait() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Wakes the waiters of `request`.
    func notify(_ request: NodeID) {
        let signals = state.withLock { $0.waiters[request].map { Array($0.values) } ?? [] }
        for signal in signals { signal.fire() }
    }

    private func poll() async {
        while true {
            try? await Task.sleep(for: pollInterval)
            let (stop, seen) = state.withLock { state -> (Bool, UInt64) in
                if state.count == 0 { state.polling = false }
                return (state.count == 0, state.seenSize)
            }
            if stop { return }
            guard let size = try? ledger.head().size, size > seen else { continue }
            var touched = Set<NodeID>()
            try? ledger.withSnapshot { snapshot in
                for kind in Self.watchedKinds {
                    guard let key = try snapshot.termKey(kind.rawValue) else { continue }
                    try snapshot.forEachSeq(in: .kind(key), within: seen..<size) { seq in
                        for input in try snapshot.entry(at: seq).event.inputs where input.hasType("request") { touched.insert(input) }
                        return true
                    }
                }
            }
            state.withLock { $0.seenSize = size }
            for request in touched { notify(request) }
        }
    }
}
