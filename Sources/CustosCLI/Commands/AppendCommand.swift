import ArgumentParser
import CustosLedger
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append events: one given as an argument, or NDJSON from a file or standard input.",
        discussion: """
            Prints one receipt per event, {"duplicate":…,"hash":…,"seq":…,"time":…}, each only \
            after the event is durable. NDJSON input is appended in batches; every batch is atomic. \
            At the first invalid line, the valid events before it are appended, the error names \
            the line, and the command exits with 65.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("One event as JSON. Without it, events are read as NDJSON.", valueName: "event"))
    var event: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Read NDJSON events from this file ('-' for standard input).", valueName: "path"))
    var file: String?

    @Option(help: "Events per atomic batch.")
    var batchSize: Int = 1_000

    @Option(help: "Batches in flight at once.")
    var concurrency: Int = 2

    @Flag(name: .shortAndLong, help: "Do not print receipts.")
    var quiet = false

    func validate() throws {
        guard batchSize >= 1 && batchSize <= 100_000 else { throw ValidationError("--batch-size must be between 1 and 100000") }
        guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be between 1 and 64") }
        if event != nil && file != nil { throw ValidationError("give an event as an argument or --file, not both") }
    }

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.open()
            defer { Terminal.standardOutput.flush() }
            if let event {
                let parsed: Event
                do { parsed = try Event(json: event) } catch { throw CLIError.invalidInput("\(error)") }
                let receipt = try await ledger.append(parsed)
                if !quiet { Terminal.standardOutput.writeLine(JSONOutput.receipt(receipt)) }
                await ledger.close()
                return
            }
            try await appendStream(to: ledger)
            await ledger.close()
        }
    }

    private func appendStream(to ledger: Ledger) async throws {
        var descriptor = STDIN_FILENO
        var totalBytes: UInt64?
        if let file, file != "-" {
            descriptor = Foundation.open(file, O_RDONLY)
            guard descriptor >= 0 else { throw CLIError.invalidInput("cannot open \(file): \(String(cString: strerror(errno)))") }
            var info = stat()
            if fstat(descriptor, &info) == 0 { totalBytes = UInt64(info.st_size) }
        } else if isatty(STDIN_FILENO) == 1 {
            throw ValidationError("give an event as an argument, --file PATH, or NDJSON on standard input")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }

        var reader = LineReader(descriptor: descriptor)
        let progress = ProgressBar(label: "appending")
        let output = Terminal.standardOutput
        let started = Date()
        var inFlight: [(firstLine: Int, task: Task<[AppendReceipt], any Error>)] = []
        var appended = 0
        var duplicates = 0
        var failure: (any Error)?

        func settle(_ pending: (firstLine: Int, task: Task<[AppendReceipt], any Error>)) async {
            do {
                let receipts = try await pending.task.value
                for receipt in receipts {
                    if receipt.isDuplicate { duplicates += 1 } else { appended += 1 }
                    if !quiet { output.writeLine(JSONOutput.receipt(receipt)) }
                }
                output.flush()
            } catch {
                if failure == nil { failure = CLIError.batchFailed(firstLine: pending.firstLine, underlying: error) }
            }
        }

        reading: while failure == nil {
            var batch: [Event] = []
            batch.reserveCapacity(batchSize)
            var firstLine = 0
            var invalid: (any Error)?
            while batch.count < batchSize {
                guard let line = try reader.next() else { break }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                if firstLine == 0 { firstLine = reader.lineNumber }
                do {
                    batch.append(try line.withUnsafeBytes { try Event(json: $0) })
                } catch {
                    invalid = CLIError.invalidLine(line: reader.lineNumber, reason: "\(error)")
                    break
                }
            }
            if !batch.isEmpty {
                let events = batch
                inFlight.append((firstLine, Task { try await ledger.append(contentsOf: events) }))
            }
            if !inFlight.isEmpty && (inFlight.count >= concurrency || invalid != nil || batch.count < batchSize) {
                await settle(inFlight.removeFirst())
            }
            progress.update(done: totalBytes == nil ? UInt64(appended + duplicates) : reader.bytesRead, total: totalBytes, unit: totalBytes == nil ? "events" : "bytes")
            if let invalid {
                failure = failure ?? invalid
                break reading
            }
            if batch.count < batchSize && inFlight.isEmpty { break }
        }
        while !inFlight.isEmpty { await settle(inFlight.removeFirst()) }
        progress.finish()
        output.flush()

        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Double(appended) / seconds : 0
        Terminal.standardError.writeLine("Appended \(appended) events (\(duplicates) duplicates skipped) in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", rate))/s).")
        if let failure { throw failure }
    }
}

/// Errors of the command-line layer.
enum CLIError: Error, CustomStringConvertible {
    case invalidInput(String)
    case invalidLine(line: Int, reason: String)
    case batchFailed(firstLine: Int, underlying: any Error)

    var description: String {
        switch self {
        case .invalidInput(let reason): return reason
        case .invalidLine(let line, let reason): return "line \(line): \(reason); the valid events before it were appended"
        case .batchFailed(let line, let underlying): return "the batch starting at line \(line) was not appended: \(underlying)"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .invalidInput, .invalidLine: return CLIExit.invalidInput
        case .batchFailed(_, let underlying):
            if let ledgerError = underlying as? LedgerError, case .overloaded = ledgerError { return CLIExit.overloaded }
            if underlying is LedgerError {
                switch underlying as? LedgerError {
                case .invalidEvent?, .idempotencyConflict?, .batchTooLarge?: return CLIExit.invalidInput
                default: return CLIExit.storage
                }
            }
            return CLIExit.storage
        }
    }
}
