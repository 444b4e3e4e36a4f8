import ArgumentParser
import CustosLedger
import Foundation

struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the last entries as NDJSON; with -f, keep printing new ones."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Option(name: .short, help: "How many of the last entries to print first.")
    var n: UInt64 = 10

    @Flag(name: .short, help: "Follow: wait for new entries and print them as they are appended.")
    var follow = false

    @Option(help: "With -f, how often to look for new entries, in milliseconds.")
    var interval: UInt64 = 200

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let output = Terminal.standardOutput
            var next = try ledger.head().size
            next = next > n ? next - n : 0
            while true {
                let size = try ledger.head().size
                if next < size {
                    try ledger.forEachEntry(from: next) { seq, bytes in
                        guard seq < size else { return false }
                        output.write(bytes: bytes)
                        output.write("\n")
                        next = seq + 1
                        return true
                    }
                    output.flush()
                }
                guard follow else { break }
                try await Task.sleep(nanoseconds: interval * 1_000_000)
            }
        }
    }
}
