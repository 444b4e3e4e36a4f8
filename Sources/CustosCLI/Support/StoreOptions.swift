import ArgumentParser
import CustosLedger
import Foundation

/// The `--store` option every command takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store folder.", discussion: "Defaults to $CUSTOS_STORE, then ./custos-data.", valueName: "path"))
    var store: String?

    /// The store path: the flag, then `CUSTOS_STORE`, then `./custos-data`.
    var path: String {
        if let store { return store }
        if let fromEnvironment = ProcessInfo.processInfo.environment["CUSTOS_STORE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return "custos-data"
    }

    /// Opens the existing store.
    func open() throws -> Ledger {
        try Ledger.open(at: path)
    }
}
