import ArgumentParser
import CustosGate
import CustosLedger
import CustosMasking

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new, empty store."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("The log's name in signed checkpoints, e.g. example.com/custos/prod.", valueName: "origin"))
    var origin: String?

    func run() async throws {
        try await runReportingErrors {
            let ledger = try Ledger.create(at: storeOptions.path, origin: origin)
            let maskKeyPath = ledger.path + "/" + PseudonymKey.fileName
            _ = try PseudonymKey.load(from: maskKeyPath, createIfMissing: true)
            // The gate's token key too, so that the first gate commands never race to make it.
            _ = try GateSigningKey.load(inStore: ledger.path)
            Terminal.standardOutput.writeLine("Created an empty store at \(ledger.path) (origin \(ledger.origin)).")
            Terminal.standardOutput.writeLine("Checkpoint signing key: \(ledger.signingKeyPath) (mode 0600; keep it secret, back it up).")
            Terminal.standardOutput.writeLine("Pseudonym key for masking: \(maskKeyPath) (mode 0600; keep it secret, back it up).")
            Terminal.standardOutput.writeLine("Gate token key: \(ledger.path)/\(GateSigningKey.privateFileName) (mode 0600); its public half, for verifiers: \(GateSigningKey.publicFileName).")
            Terminal.standardOutput.writeLine("Public key for auditors: \(ledger.verifierKey?.description ?? "-") (also in \(ledger.verifierKeyPath)).")
            Terminal.standardOutput.flush()
        }
    }
}
