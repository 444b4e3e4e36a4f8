import CustosLedger
public import Hummingbird
public import Logging
import Foundation
import NIOCore

/// The HTTP server: builds the router from ``RouteTable``, runs it, and closes the ledger on
/// shutdown after the group commit has drained.
public enum CustosServer {
    /// The router and the routes it was given.
    public static func makeRouter(state: ServerState) -> (router: Router<CustosRequestContext>, routes: [RouteSpec]) {
        let router = Router(context: CustosRequestContext.self)
        // Who is asking first, so that the log line and the metrics know it.
        router.add(middleware: AuthenticationMiddleware(state: state))
        router.add(middleware: RequestLogMiddleware(state: state))
        var routes = RouteRegistrar(router: router, state: state)
        EventRoutes.register(&routes)
        QueryRoutes.register(&routes)
        ProofRoutes.register(&routes)
        OpenLineageRoutes.register(&routes)
        AdminRoutes.register(&routes)
        GateRoutes.register(&routes)
        InboxRoutes.register(&routes)
        EvidenceRoutes.register(&routes)
        return (router, routes.registered)
    }

    /// The application, ready to run or to test.
    public static func makeApplication(
        state: ServerState, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let (router, _) = makeRouter(state: state)
        let idleTimeout = TimeAmount.nanoseconds(Int64(state.configuration.limits.idleTimeoutSeconds * 1_000_000_000))
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port), serverName: "custos"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? state.configuration.port) },
            logger: logger
        )
    }

    /// Opens the store (read-only when the configuration says so), serves until SIGINT or
    /// SIGTERM, drains the writer and closes.
    public static func run(configuration: ServerConfiguration, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var ledgerConfiguration = LedgerConfiguration()
        ledgerConfiguration.readOnly = configuration.readOnly
        let ledger = try Ledger.open(at: configuration.storePath, configuration: ledgerConfiguration)
        let state = try await ServerState(configuration: configuration, ledger: ledger, logger: logger)
        if configuration.readOnly { logger.notice("serving the store read-only: routes that would change it answer 403 read_only") }
        let application = makeApplication(state: state, logger: logger, onServerRunning: onServerRunning)
        let maintenance = Task { await GateMaintenance.run(state) }
        do {
            try await application.runService()
        } catch {
            maintenance.cancel()
            await ledger.close()
            throw error
        }
        maintenance.cancel()
        logger.info("shutting down: writing what is queued and closing the store")
        await ledger.close()
    }

    /// A logger for the server at `level` (`info` by default), to standard error.
    public static func makeLogger(level: String) -> Logger {
        var logger = Logger(label: "custos") { label, provider in ServerLogHandler(label: label, metadataProvider: provider) }
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
