import ArgumentParser
import CustosLedger

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
            if let origin {
                guard !origin.isEmpty, !origin.contains("\n"), origin.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value != 0x7F || $0 == " " }) else {
                    throw ValidationError("--origin must be one line of printable text, e.g. example.com/custos/prod")
                }
            }
            let ledger = try Ledger.create(at: storeOptions.path, origin: origin)
            Terminal.standardOutput.writeLine("Created an empty store at \(ledger.path) (origin \(ledger.origin)).")
            Terminal.standardOutput.flush()
        }
    }
}
