import ArgumentParser
import CustosLedger

struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print a proof document that can be checked offline with `custos verify-proof`.",
        subcommands: [Inclusion.self, Consistency.self]
    )

    struct Inclusion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that an entry is in the log.",
            discussion: """
                By default the proof is for the size of the latest signed checkpoint that covers \
                the entry, and carries that checkpoint. --sign signs a checkpoint of the log as it \
                stands first; --size picks another size.
                """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var readOnlyOption: ReadOnlyOption

        @Argument(help: "The entry's seq.")
        var seq: UInt64

        @Option(help: "The tree size to prove against.")
        var size: UInt64?

        @Flag(help: "Sign a checkpoint of the log as it stands and prove against it.")
        var sign = false

        func run() async throws {
            try await runReportingErrors {
                let ledger = try storeOptions.open(signing: sign, readOnlyOption)
                var treeSize = size
                if sign {
                    treeSize = try await ledger.signCheckpoint().size
                    await ledger.close()
                }
                if treeSize == nil {
                    guard let latest = try ledger.latestCheckpoint(), latest.size > seq else {
                        throw CLIError.invalidInput("no signed checkpoint covers seq \(seq) yet: add --sign to sign one now, or --size N for an unsigned root")
                    }
                    treeSize = latest.size
                }
                let document = try ledger.inclusionDocument(seq: seq, treeSize: treeSize ?? 0)
                Terminal.standardOutput.writeLine(JSONOutput.pretty(document.jsonValue))
                Terminal.standardOutput.flush()
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the log at size M is a prefix of the log at size N.",
            discussion: "The document carries the signed checkpoints at both sizes when the log has them."
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var readOnlyOption: ReadOnlyOption

        @Argument(help: "The smaller tree size.")
        var first: UInt64

        @Argument(help: "The larger tree size.")
        var second: UInt64

        func run() async throws {
            try await runReportingErrors {
                let ledger = try storeOptions.openForReading(readOnlyOption)
                let document = try ledger.consistencyDocument(from: first, to: second)
                Terminal.standardOutput.writeLine(JSONOutput.pretty(document.jsonValue))
                Terminal.standardOutput.flush()
            }
        }
    }
}

struct VerifyProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Check a proof document offline, with the log's public key and no store.",
        discussion: """
            Checks the proof hashes by RFC 9162, that each root is the one in a checkpoint signed \
            by the key, and, for inclusion, that the entry hashes to the leaf. Checkpoints given \
            as options take the place of those in the document. Exits 0 when the proof holds, 1 \
            when it does not.
            """
    )

    @Argument(help: "The proof document (JSON), or - for standard input.")
    var proof: String

    @Option(help: ArgumentHelp("The log's public key: a checkpoint.pub file, or the key text NAME+ID+KEY.", valueName: "key"))
    var key: String

    @Option(help: ArgumentHelp("A signed checkpoint file for the proof's (larger) tree size.", valueName: "path"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("A signed checkpoint file for the smaller size of a consistency proof.", valueName: "path"))
    var oldCheckpoint: String?

    func run() async throws {
        var holds = false
        try await runReportingErrors {
            let verifierKey = try NoteVerifierKey(parsing: try readTextOrFile(key, mustBeFile: false))
            let document = try ProofDocument(json: try readTextOrFile(proof, mustBeFile: true))
            do {
                let statement = try document.verify(
                    key: verifierKey,
                    checkpoint: try checkpoint.map { try readTextOrFile($0, mustBeFile: true) },
                    firstCheckpoint: try oldCheckpoint.map { try readTextOrFile($0, mustBeFile: true) }
                )
                Terminal.standardOutput.writeLine("OK: \(statement).")
                holds = true
            } catch {
                Terminal.standardOutput.writeLine("FAILED: \(error).")
            }
            Terminal.standardOutput.flush()
        }
        if !holds { throw CLIExit.verificationFailed }
    }
}
