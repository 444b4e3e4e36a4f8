import ArgumentParser
import CustosLedger

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the log's checkpoint (C2SP tlog-checkpoint); with --sign, sign and store one.",
        discussion: """
            Without --sign, prints the unsigned checkpoint of the log as it stands: origin, size \
            and base64 root, one per line. With --sign, the ledger checks that the log is \
            consistent with the last checkpoint it signed, signs a new one with the store's key \
            (unless the last one already covers the log) and prints the signed note.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Flag(help: "Sign and store a checkpoint of the log as it stands.")
    var sign = false

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.open(signing: sign, readOnlyOption)
            if sign {
                let stored = try await ledger.signCheckpoint()
                await ledger.close()
                Terminal.standardOutput.write(stored.signed.text)
            } else {
                Terminal.standardOutput.write(try ledger.currentCheckpoint().text)
            }
            Terminal.standardOutput.flush()
        }
    }
}

struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints",
        abstract: "List the checkpoints the log has signed, and the key that checks them."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Option(help: "List from this tree size on.")
    var from: UInt64 = 0

    @Option(help: "At most this many.")
    var limit: Int = 1_000

    @Flag(help: "Print as NDJSON, one checkpoint per line, with the signed note.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let output = Terminal.standardOutput
            let checkpoints = try ledger.checkpoints(from: from, limit: limit)
            if json {
                for stored in checkpoints {
                    output.writeLine(stored.jsonValue.description)
                }
            } else {
                output.writeLine("key: \(ledger.verifierKey?.description ?? "none (no checkpoint.pub in the store)")")
                output.writeLine("size".leftPadded(to: 12) + "  signed at                    root")
                for stored in checkpoints {
                    output.writeLine(String(stored.size).leftPadded(to: 12) + "  " + stored.signedAt.description + "  " + stored.rootHash.hex)
                }
                if checkpoints.isEmpty { output.writeLine("(none yet: `custos checkpoint --sign` makes one)") }
            }
            output.flush()
        }
    }
}
