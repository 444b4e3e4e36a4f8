public import Foundation

/// The `custos` executable built beside the tests.
public enum CustosBinary {
    public static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["CUSTOS_BIN"] { return explicit }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On macOS the tests run inside an .xctest bundle; on Linux beside the products.
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("custos").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("custos").path
    }
}

/// The outcome of a finished command.
public struct CommandResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
    /// True when the process ended by a signal rather than by exiting.
    public var wasSignaled: Bool

    public init(status: Int32, standardOutput: String, standardError: String, wasSignaled: Bool) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.wasSignaled = wasSignaled
    }
}

/// A running child process with piped standard input, output and error.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `output` and `error` are only touched under `lock`; the rest is set once.
    public let process = Process()
    private let input = Pipe()
    private let outputPipe = Pipe()
    private let errorPipe = Pipe()
    private let lock = NSLock()
    private var output = Data()
    private var error = Data()
    private let readers = DispatchGroup()

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        // Writing to a child that was killed must fail with EPIPE, not kill the test runner.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: CustosBinary.path)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "CUSTOS_STORE")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardInput = input
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        try process.run()
        drain(outputPipe.fileHandleForReading) { self.output.append($0) }
        drain(errorPipe.fileHandleForReading) { self.error.append($0) }
    }

    private func drain(_ handle: FileHandle, into append: @escaping @Sendable (Data) -> Void) {
        readers.enter()
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.lock.lock()
                append(chunk)
                self.lock.unlock()
            }
            self.readers.leave()
        }.start()
    }

    /// Writes to the child's standard input; false once the child has gone.
    @discardableResult
    public func write(_ data: Data) -> Bool {
        let descriptor = input.fileHandleForWriting.fileDescriptor
        var offset = 0
        while offset < data.count {
            let written = data[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    public func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// What the child has printed so far.
    public var outputSoFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    /// What the child has printed to standard error so far.
    public var errorSoFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: error, as: UTF8.self)
    }

    public func kill(_ signal: Int32 = SIGKILL) {
        Foundation.kill(process.processIdentifier, signal)
    }

    /// Waits for the child to end and returns what it printed.
    public func wait() -> CommandResult {
        process.waitUntilExit()
        readers.wait()
        lock.lock()
        defer { lock.unlock() }
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: error, as: UTF8.self),
            wasSignaled: process.terminationReason == .uncaughtSignal
        )
    }
}

/// Runs `custos` with `arguments`, feeding `input`, and waits for it.
@discardableResult
public func runCustos(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
    let child = try ChildProcess(arguments, environment: environment)
    if let input { child.write(Data(input.utf8)) }
    child.closeInput()
    return child.wait()
}

/// Runs any program to its end, standard output and standard error together.
public func runProgram(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
