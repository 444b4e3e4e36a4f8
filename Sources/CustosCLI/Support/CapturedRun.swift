import Foundation

/// A child process run to its end with both outputs captured, each up to a limit.
///
/// Started with `posix_spawnp` rather than Foundation's `Process`, which on Linux learns of
/// a child's exit only when every process holding a descriptor it gave the child has closed
/// it: a command that left a background process behind would look alive until that process
/// ended.
struct CapturedRun: Sendable {
    var output: [UInt8]
    var errorOutput: [UInt8]
    /// The exit status, or 128 + the signal.
    var exitStatus: Int32
    var signal: Int32
    /// True when a stream passed the limit.
    var truncated: Bool
    /// True when the outputs were still open a while after the command exited: a process it
    /// started in the background holds them. What that process writes later is not captured.
    var leftOpen: Bool
    /// True when the command's end could not be learned (its status is then 255).
    var statusUnknown = false

    /// How long the outputs are read after the command exits, for what is still in the pipes.
    static let afterExit = Duration.seconds(1)

    /// Why a command could not be started.
    struct StartFailure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    /// Runs `arguments` (the first found on `PATH`) with `environment`, reading both outputs
    /// until they close or the command has been gone for ``afterExit``; `started` is told the
    /// child's process id, and `ended` that it exited, before its process id is released. The
    /// child gets the default action for SIGPIPE and for `defaultSignals` (the signals this
    /// process took over; others keep what it inherited) and an empty signal mask.
    static func run(
        _ arguments: [String], environment: [String: String], limit: Int, defaultSignals: [Int32] = [],
        started: @Sendable (pid_t) -> Void = { _ in }, ended: @escaping @Sendable () -> Void = {}
    ) async throws -> CapturedRun {
        // A parent that ignores SIGCHLD would have the child reaped unseen: its status lost.
        if SignalRelay.isIgnored(SIGCHLD) { _ = Glibc.signal(SIGCHLD, SIG_DFL) }
        let child = try spawn(arguments, environment: environment, defaultSignals: defaultSignals + [SIGPIPE])
        started(child.pid)
        // Read on a thread of its own, so that a chatty child never blocks on a full pipe and
        // the cooperative pool is never blocked either.
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: collect(child, limit: limit, ended: ended)) }
        }
    }

    private struct Child: Sendable {
        let pid: pid_t
        /// The read ends of the child's standard output and standard error.
        let outputs: [Int32]
    }

    private static func spawn(_ arguments: [String], environment: [String: String], defaultSignals: [Int32]) throws -> Child {
        let out = try closeOnExecPipe()
        let err: [Int32]
        do { err = try closeOnExecPipe() } catch {
            close(out[0])
            close(out[1])
            throw error
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; the originals close when the child execs.
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO)
        // Nothing else of this process reaches the command: not the store's files, not the
        // connections, not what our own parent handed us (which a background process of the
        // command would otherwise hold open).
        closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signo in defaultSignals { sigaddset(&defaults, signo) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(out[1])
        close(err[1])
        guard code == 0 else {
            close(out[0])
            close(err[0])
            throw StartFailure(code: code)
        }
        return Child(pid: pid, outputs: [out[0], err[0]])
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not import; looked up at run time.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Has the child close every descriptor from 3 up; where glibc cannot, marks this process's
    /// descriptors close-on-exec instead (listed in /proc/self/fd).
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"),
           unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0 {
            return
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let descriptor = Int32(name), descriptor > 2 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        }
    }

    /// A pipe whose ends are closed in any child that execs (only the copies made on purpose reach one).
    private static func closeOnExecPipe() throws -> [Int32] {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw StartFailure(code: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return ends
    }

    /// Reads the child's outputs until each is at its end, or until ``afterExit`` after the
    /// child exited, then reaps it.
    /// True once the child has exited, learned without reaping it (its id stays its own).
    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return errno == ECHILD }
        return info.si_signo == SIGCHLD
    }

    private static func collect(_ child: Child, limit: Int, ended: @Sendable () -> Void) -> CapturedRun {
        var bytes: [[UInt8]] = [[], []]
        var truncated = false
        var leftOpen = false
        var open = [true, true]
        var polled = child.outputs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let clock = ContinuousClock()
        var waitStatus: Int32 = 0
        var exitedAt: ContinuousClock.Instant?
        while open.contains(true) {
            if exitedAt == nil, hasExited(child.pid) {
                exitedAt = clock.now
                ended()
            }
            if let exitedAt, clock.now - exitedAt > afterExit {
                leftOpen = true
                break
            }
            for index in polled.indices {
                polled[index].fd = open[index] ? child.outputs[index] : -1  // poll skips negative descriptors
                polled[index].revents = 0
            }
            let ready = poll(&polled, nfds_t(polled.count), 50)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            for index in polled.indices where open[index] && polled[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(child.outputs[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    let room = limit - bytes[index].count
                    if count > room { truncated = true }
                    if room > 0 { bytes[index].append(contentsOf: chunk[..<min(count, room)]) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[index] = false
                }
            }
        }
        for descriptor in child.outputs { close(descriptor) }
        if exitedAt == nil {
            // The outputs closed first: wait for the end without reaping, then say so.
            var info = siginfo_t()
            while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            ended()
        }
        var reaped: pid_t = -1
        repeat { reaped = waitpid(child.pid, &waitStatus, 0) } while reaped < 0 && errno == EINTR
        guard reaped == child.pid else {
            return CapturedRun(output: bytes[0], errorOutput: bytes[1], exitStatus: 255, signal: 0, truncated: truncated, leftOpen: leftOpen, statusUnknown: true)
        }
        // The wait status as <sys/wait.h> lays it out: the low 7 bits are the signal that ended
        // the child (0 when it exited), the next byte its exit code.
        let signal = waitStatus & 0x7F
        let signaled = signal != 0 && signal != 0x7F
        let code = (waitStatus >> 8) & 0xFF
        return CapturedRun(
            output: bytes[0], errorOutput: bytes[1], exitStatus: signaled ? 128 + signal : code, signal: signaled ? signal : 0,
            truncated: truncated, leftOpen: leftOpen
        )
    }
}
