import ArgumentParser
import CustosLedger
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the store for tampering and damage.",
        discussion: """
            Recomputes every entry's hash and chain link, checks the Merkle tree and (unless \
            --no-indexes) every index, and names the first bad seq. Exits 0 when the store is \
            intact, 1 when it is not.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Option(help: ArgumentHelp("Trust the log up to this entry and check from it on: SEQ:LEAF_HASH, e.g. from a receipt.", valueName: "seq:hash"))
    var from: String?

    @Flag(help: "Skip the index checks (faster).")
    var noIndexes = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Threads that check entries.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        var intact = true
        try await runReportingErrors {
            var options = VerificationOptions()
            if let from {
                guard let anchor = TrustedAnchor(parsing: from) else {
                    throw ValidationError("--from must be SEQ:HASH, e.g. 41:3f2a… (64 hex digits)")
                }
                options.anchor = anchor
            }
            options.checkIndexes = !noIndexes
            options.parallelism = max(1, threads)
            let progress = ProgressBar(label: "verifying")
            options.progress = { done, total in progress.update(done: done, total: total) }
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let report = try ledger.verify(options)
            progress.finish()
            intact = report.isValid
            json ? printJSON(report) : printText(report)
        }
        if !intact { throw CLIExit.verificationFailed }
    }

    private func printText(_ report: VerificationReport) {
        let output = Terminal.standardOutput
        let rate = report.seconds > 0 ? Double(report.entriesChecked) / report.seconds : 0
        if report.isValid {
            let range = report.headSize == 0 ? "the log is empty" : "seq \(report.startSeq) to \(report.headSize - 1)"
            output.writeLine("OK: \(report.entriesChecked) entries verified (\(range)), \(report.checkedIndexes ? "indexes checked" : "indexes not checked"), in \(String(format: "%.2f", report.seconds)) s (\(String(format: "%.0f", rate)) entries/s).")
            if let root = report.treeRoot { output.writeLine("Merkle root at size \(report.headSize): \(root.hex)") }
            output.writeLine("Signed checkpoints checked: \(report.checkpointsChecked).")
        } else {
            for problem in report.problems { output.writeLine(problem.description) }
            if report.problemCount > report.problems.count {
                output.writeLine("… and \(report.problemCount - report.problems.count) more problems")
            }
            let first = report.firstBadSeq.map { "first bad seq \($0)" } ?? "no single seq to blame"
            output.writeLine("FAILED: \(report.problemCount) problem(s), \(first). Entries from there on cannot be trusted; restore from a backup or a replica.")
        }
        output.flush()
    }

    private func printJSON(_ report: VerificationReport) {
        Terminal.standardOutput.writeLine(report.jsonValue.description)
        Terminal.standardOutput.flush()
    }
}
