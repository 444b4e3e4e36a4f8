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

    /// Opens the existing store for a command that only reads it: read-only when asked, and
    /// also when this user may not write the store (an auditor with read access), so that
    /// reading never needs more than reading does.
    func openForReading(_ option: ReadOnlyOption) throws -> Ledger {
        var configuration = LedgerConfiguration()
        configuration.readOnly = option.readOnly
        do {
            return try Ledger.open(at: path, configuration: configuration)
        } catch LedgerError.storage(.system(let code)) where !option.readOnly && (code == EACCES || code == EPERM || code == EROFS) {
            configuration.readOnly = true
            let ledger = try Ledger.open(at: path, configuration: configuration)
            Terminal.standardError.writeLine("custos: note: this user may not write the store at \(path): reading it read-only")
            return ledger
        }
    }

    /// Opens the store for a command that writes only with `--sign` (a checkpoint): for
    /// writing then, else as ``openForReading(_:)`` does.
    func open(signing: Bool, _ option: ReadOnlyOption) throws -> Ledger {
        if signing && option.readOnly { throw ValidationError("--sign stores a checkpoint in the store: it cannot go with --read-only") }
        return try signing ? open() : openForReading(option)
    }
}

/// The `--read-only` flag of the commands that only read the store.
struct ReadOnlyOption: ParsableArguments {
    @Flag(
        name: .customLong("read-only"),
        help: ArgumentHelp(
            "Open the store read-only: its data file is never written.",
            discussion: "Only lock.mdb, where readers register, must be writable. A store in an older format is refused instead of upgraded."
        )
    )
    var readOnly = false
}
