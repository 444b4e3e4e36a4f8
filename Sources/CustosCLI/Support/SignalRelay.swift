import Dispatch
import Foundation
import Synchronization

/// What `custos gate` does with SIGINT, SIGTERM and SIGHUP, so that neither the request nor
/// the command is left behind when it is interrupted (docs/CLI.md, "custos gate"):
///
/// - while it waits for a decision, the first signal cancels the wait, which withdraws the
///   request; a second one ends the process at once;
/// - while the command runs, a signal is passed on to it, and the command's exit (128 + N
///   when the signal killed it) is recorded as usual. SIGINT and SIGHUP are not passed on
///   when custos runs in the foreground of a terminal: the terminal sent them to the command
///   too (it is in the same process group), and a second Ctrl-C makes many programs quit
///   without cleaning up;
/// - after the command ended, while its outcome is recorded, a second signal ends the process.
///
/// A signal ignored when custos started (`nohup`, a script's background job) stays ignored,
/// in custos and in the command.
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
        var taken: [Int32] = []
    }

    /// The signal sources. Dispatch objects may be used from any thread (resuming and
    /// cancelling them is thread-safe), but `DispatchSourceSignal` is not marked `Sendable`.
    private struct Sources: @unchecked Sendable {
        let all: [any DispatchSourceSignal]
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "custos-gate-signals")

    /// True when `signo`'s action is to be ignored.
    static func isIgnored(_ signo: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signo, nil, &current) == 0 else { return false }
        // SIG_IGN is the handler value 1.
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == 1
    }

    /// Takes over the signals that are not ignored; `cancel` ends the wait for a decision.
    func start(cancellingWaitWith cancel: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        var taken: [Int32] = []
        for signo in Self.relayed where !Self.isIgnored(signo) {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler { [weak self] in self?.received(signo) }
            source.resume()
            sources.append(source)
            taken.append(signo)
        }
        let kept = Sources(all: sources)
        state.withLock { state in
            state.cancel = cancel
            state.sources = kept
            state.taken = taken
        }
    }

    /// Gives the signals back to their default actions.
    func stop() {
        let (sources, taken) = state.withLock { state in
            defer {
                state.sources = Sources(all: [])
                state.taken = []
            }
            return (state.sources, state.taken)
        }
        for source in sources.all { source.cancel() }
        for signo in taken { signal(signo, SIG_DFL) }
    }

    /// The signals the command gets with their default action: those this process took over
    /// (an ignored one stays ignored in the command too).
    var commandDefaults: [Int32] { state.withLock { $0.taken } }

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

    /// Tells the relay the command ended, before its process id is released: no signal may be
    /// sent to it afterwards, when the id may belong to another process.
    func commandEnded() {
        state.withLock { $0.phase = .finished }
    }

    private func received(_ signo: Int32) {
        enum Action { case forward(pid_t), cancel((@Sendable () -> Void)?), quit, ignore }
        let action = state.withLock { state -> Action in
            let first = state.received == nil
            if first { state.received = signo }
            switch state.phase {
            case .running(let pid): return Self.terminalSentItToo(signo) ? .ignore : .forward(pid)
            case .waiting: return first ? .cancel(state.cancel) : .quit
            case .finished: return first ? .ignore : .quit
            }
        }
        switch action {
        case .forward(let pid): kill(pid, signo)
        case .cancel(let cancel): cancel?()
        case .quit:
            Terminal.standardError.writeLine("custos gate: interrupted again; stopping now")
            exit(128 + signo)
        case .ignore: break
        }
    }

    /// True for SIGINT and SIGHUP when this process is in the foreground of its terminal: the
    /// terminal sends them to the whole foreground process group, the command included.
    private static func terminalSentItToo(_ signo: Int32) -> Bool {
        guard signo == SIGINT || signo == SIGHUP else { return false }
        for descriptor in [STDIN_FILENO, STDERR_FILENO, STDOUT_FILENO] where isatty(descriptor) != 0 {
            return tcgetpgrp(descriptor) == getpgrp()
        }
        return false
    }
}
