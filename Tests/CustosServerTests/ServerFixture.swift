import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
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

extension ServerFixture {
    /// A server that trusts a local identity provider (issuer https://idp.example.com/,
    /// audience custos, one Ed25519 key `idp-1` in a JWKS file), with the signer of its
    /// tokens, and the folder holding the JWKS file.
    static func trustingAnIssuer(
        _ configure: @escaping (inout JWTAuthenticator.Settings) -> Void = { _ in }
    ) async throws -> (ServerFixture, JWTKeyCollection, TemporaryDirectory) {
        let signingKey = try EdDSA.PrivateKey()
        let x = signingKey.publicKey.rawRepresentation.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let folder = TemporaryDirectory("custos-jwks")
        let jwksPath = folder.file("jwks.json")
        try #"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"idp-1","x":"\#(x)"}]}"#.write(toFile: jwksPath, atomically: true, encoding: .utf8)
        let fixture = try await ServerFixture { configuration in
            var settings = JWTAuthenticator.Settings(issuer: "https://idp.example.com/", audience: "custos", jwksPath: jwksPath)
            settings.identityType = "human"
            configure(&settings)
            configuration.jwt = settings
        }
        let signer = JWTKeyCollection()
        await signer.add(eddsa: signingKey, kid: "idp-1")
        return (fixture, signer, folder)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSONValue? { try? JSONParser.parse(String(buffer: body)) }
}

extension ByteBuffer {
    init(text: String) { self.init(string: text) }
}
