import ArgumentParser
import CustosLedger

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print entries as NDJSON, exactly as stored and hashed, for offline checking.",
        discussion: """
            Each line is one entry's canonical bytes. docs/FORMAT.md says how to check them \
            without custos; docs/tools/verify_chain.py does it in Python.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Option(help: "The first seq to print.")
    var from: UInt64 = 0

    @Option(help: "The last seq to print (default: the last entry).")
    var to: UInt64?

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let output = Terminal.standardOutput
            let size = try ledger.head().size
            let last = min(to ?? UInt64.max, size == 0 ? 0 : size - 1)
            let progress = ProgressBar(label: "exporting")
            if size > 0 && from <= last {
                try ledger.forEachEntry(from: from) { seq, bytes in
                    guard seq <= last else { return false }
                    output.write(bytes: bytes)
                    output.write("\n")
                    if seq % 4096 == 0 { progress.update(done: seq - from, total: last - from + 1) }
                    return true
                }
            }
            progress.finish()
            output.flush()
        }
    }
}
