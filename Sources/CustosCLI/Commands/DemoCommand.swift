import ArgumentParser
import CustosLedger
import CustosMasking
import CustosServer
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill an empty store with a realistic scenario: PII sources, masking, marts, approvals, and a few violations.",
        discussion: "Then try: custos query 'FIND EXPORTS WITHOUT APPROVAL', custos query 'FIND EXECUTIONS AFTER DENIAL, EXPIRY OR REVOCATION', custos trace export:s3://partner-bucket/q3-revenue.csv"
    )

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await runReportingErrors {
            if !FileManager.default.fileExists(atPath: storeOptions.path + "/data.mdb") {
                let ledger = try Ledger.create(at: storeOptions.path)
                _ = try PseudonymKey.load(from: ledger.path + "/" + PseudonymKey.fileName, createIfMissing: true)
                await ledger.close()
            }
            try await Self.fill(storePath: storeOptions.path, quietIfFilled: false)
        }
    }

    /// Appends the scenario to an empty store; refuses (or, when asked, says nothing) otherwise.
    static func fill(storePath: String, quietIfFilled: Bool) async throws {
        let ledger = try Ledger.open(at: storePath)
        guard try ledger.head().size == 0 else {
            await ledger.close()
            if quietIfFilled { return }
            throw CLIError.invalidInput("the store at \(storePath) is not empty: the demonstration goes into a new store (custos demo --store demo-data)")
        }
        let receipts = try await ledger.append(contentsOf: try DemoScenario.events())
        _ = try await ledger.signCheckpoint()
        await ledger.close()
        Terminal.standardError.writeLine("custos: the demonstration scenario is in \(storePath): \(receipts.count) events, a signed checkpoint")
    }
}
