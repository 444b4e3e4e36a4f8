import Dispatch
import Foundation
import Synchronization

/// What `custos gate` does with SIGINT, SIGTERM and SIGHUP, so that neither the request nor
/// the command is left behind when it is interrupted (docs/CLI.md, "custos gate"):
///
/// - while it waits for a decision, the first signal cancels the wait, which withdraws the
///   request; a second one ends the process at once;
/// - while the command runs, each signal is passed on to it, and the command's exit (128 + N
///   when the signal killed it) is recorded as usual;
/// - between the two, the command is not started.
final class SignalRelay: Sendable {
    static let relayed: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private enum Phase {
        case waiting
        case running(pid_t)
        case finished
    }

    private struct State {
        var phase = Phase.waiting
        var received: Int32?
        var cancel: (@Sendable () -> Void)?
        var sources = Sources(all: [])
    }

    /// The signal sources. Dispatch objects may be used from any thread (resuming and
    /// cancelling them is thread-safe), but `DispatchSourceSignal` is not marked `Sendable`.
    private struct Sources: @unchecked Sendable {
        let all: [any DispatchSourceSignal]
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "custos-gate-signals")

    /// Takes the signals over; `cancel` ends the wait for a decision.
    func start(cancellingWaitWith cancel: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for signo in Self.relayed {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler { [weak self] in self?.received(signo) }
            source.resume()
            sources.append(source)
        }
        let kept = Sources(all: sources)
        state.withLock { state in
            state.cancel = cancel
            state.sources = kept
        }
    }

    /// Gives the signals back to their default actions.
    func stop() {
        let sources = state.withLock { state in
            defer { state.sources = Sources(all: []) }
            return state.sources
        }
        for source in sources.all { source.cancel() }
        for signo in Self.relayed { signal(signo, SIG_DFL) }
    }

    /// The first signal received, if any.
    var receivedSignal: Int32? { state.withLock { $0.received } }

    /// Tells the relay the command started. A signal that came in the instant before (after
    /// the caller checked ``receivedSignal``) is passed on to it now.
    func commandStarted(_ pid: pid_t) {
        let early = state.withLock { state in
            state.phase = .running(pid)
            return state.received
        }
        if let early { kill(pid, early) }
    }

    func commandEnded() {
        state.withLock { $0.phase = .finished }
    }

    private func received(_ signo: Int32) {
        enum Action { case forward(pid_t), cancel((@Sendable () -> Void)?), quit, note }
        let action = state.withLock { state -> Action in
            let first = state.received == nil
            if first { state.received = signo }
            switch state.phase {
            case .running(let pid): return .forward(pid)
            case .waiting: return first ? .cancel(state.cancel) : .quit
            case .finished: return .note
            }
        }
        switch action {
        case .forward(let pid): kill(pid, signo)
        case .cancel(let cancel): cancel?()
        case .quit:
            Terminal.standardError.writeLine("custos gate: interrupted again; stopping without waiting for the request to be withdrawn")
            exit(128 + signo)
        case .note: break
        }
    }
}
