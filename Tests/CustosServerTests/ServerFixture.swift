import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A server on a real store in a temporary folder, with one API key per role.
final class ServerFixture: Sendable {
    let folder = TemporaryDirectory("custos-server")
    let ledger: Ledger
    let state: ServerState
    /// Role → key text.
    let keys: [Role: String]
    /// A key with every role.
    let allRoles: String

    init(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var ledgerConfiguration = LedgerConfiguration()
        ledgerConfiguration.checkpointPolicy = .manual
        ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/server", configuration: ledgerConfiguration)
        var configuration = ServerConfiguration()
        configuration.storePath = ledger.path
        configuration.port = 0
        configure(&configuration)
        let store = APIKeyStore(storePath: ledger.path)
        var keys: [Role: String] = [:]
        for role in Role.allCases {
            keys[role] = try store.create(identity: NodeID("\(role == .agent ? "agent" : "human"):\(role.rawValue)-one\(role == .agent ? "" : "@example.com")"), roles: [role]).key
        }
        self.keys = keys
        allRoles = try store.create(identity: NodeID("human:root@example.com"), roles: Set(Role.allCases)).key
        var logger = Logger(label: "custos-test")
        logger.logLevel = .warning
        state = try await ServerState(configuration: configuration, ledger: ledger, logger: logger)
    }

    var application: some ApplicationProtocol {
        var logger = Logger(label: "custos-test")
        logger.logLevel = .warning
        return CustosServer.makeApplication(state: state, logger: logger)
    }

    func key(_ role: Role) -> String { keys[role] ?? "" }

    static func headers(key: String?, contentType: String? = "application/json") -> HTTPFields {
        var fields = HTTPFields()
        if let key { fields[.authorization] = "Bearer " + key }
        if let contentType { fields[.contentType] = contentType }
        return fields
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSONValue? { try? JSONParser.parse(String(buffer: body)) }
}

extension ByteBuffer {
    init(text: String) { self.init(string: text) }
}
