import ArgumentParser
import CustosLedger

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the entry at a seq, exactly as stored and hashed.",
        discussion: """
            Prints the entry's canonical bytes followed by a newline. The leaf hash is \
            SHA-256 of a zero byte followed by those bytes (without the newline).
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Argument(help: "The entry's seq.")
    var seq: UInt64

    @Flag(help: "Print the entry's leaf hash instead of its bytes.")
    var hash = false

    @Flag(help: "Indent the JSON for reading (the bytes then differ from the stored ones).")
    var pretty = false

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let output = Terminal.standardOutput
            if hash {
                output.writeLine(try ledger.leafHash(at: seq).hex)
            } else if pretty {
                let entry = try ledger.entry(at: seq)
                let value = try JSONParser.parse(entry.bytes)
                output.writeLine(JSONOutput.pretty(value))
            } else {
                try ledger.withEntryBytes(at: seq) { output.write(bytes: $0) }
                output.write("\n")
            }
            output.flush()
        }
    }
}
