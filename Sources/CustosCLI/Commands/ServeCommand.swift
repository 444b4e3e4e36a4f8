import ArgumentParser
import CustosLedger
import CustosMasking
import CustosServer
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (docs/API.md).",
        discussion: """
            Settings come from --config FILE (YAML or JSON), then CUSTOS_STORE, CUSTOS_READ_ONLY, \
            CUSTOS_HOST, CUSTOS_PORT and CUSTOS_LOG_LEVEL, then these flags. SIGINT or SIGTERM stops \
            the server after the requests in flight, writes what is queued and closes the store. \
            With --read-only, the store must exist and is never written: reads, queries, proofs and \
            verification work, and routes that would change it answer 403 read_only.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The store folder (created when missing, unless --read-only).", valueName: "path"))
    var store: String?

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(help: ArgumentHelp("A config file (YAML or JSON).", valueName: "path"))
    var config: String?

    @Flag(help: "On an empty store, fill in the demonstration scenario first (see custos demo).")
    var demo = false

    @Flag(name: .customLong("read-only"), help: "Serve the store without writing it (it must exist).")
    var readOnly = false

    func run() async throws {
        try await runReportingErrors {
            var settings = try (config ?? ProcessInfo.processInfo.environment["CUSTOS_CONFIG"]).map { try ServerConfiguration.load(contentsOf: $0) } ?? ServerConfiguration()
            try settings.applyEnvironment()
            if let store { settings.storePath = store }
            if let host { settings.host = host }
            if let port {
                guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
                settings.port = port
            }
            if readOnly { settings.readOnly = true }
            if settings.readOnly && demo { throw ValidationError("--demo fills the store, so it cannot go with --read-only") }
            if !settings.readOnly && !FileManager.default.fileExists(atPath: settings.storePath + "/data.mdb") {
                let ledger = try Ledger.create(at: settings.storePath)
                _ = try PseudonymKey.load(from: ledger.path + "/" + PseudonymKey.fileName, createIfMissing: true)
                await ledger.close()
                Terminal.standardError.writeLine("custos: created an empty store at \(settings.storePath)")
            }
            if demo { try await DemoCommand.fill(storePath: settings.storePath, quietIfFilled: true) }
            let logger = CustosServer.makeLogger(level: settings.logLevel)
            let host = settings.host
            let storePath = settings.storePath
            let readOnly = settings.readOnly
            try await CustosServer.run(configuration: settings, logger: logger) { port in
                Terminal.standardError.writeLine("custos: listening on http://\(host):\(port) (store \(storePath)\(readOnly ? ", read-only" : "")); Ctrl-C to stop")
            }
        }
    }
}
