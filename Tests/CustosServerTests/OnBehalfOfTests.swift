import CustosGate
import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import Testing

/// Claims as an identity provider signs them, with whom the holder acts for.
private struct OwnedClaims: JWTPayload {
    var iss = "https://idp.example.com/"
    var aud = ["custos"]
    var sub: String
    var exp = Date().timeIntervalSince1970 + 300
    var roles = ["agent"]
    var owner: String?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Server: credentials that act on someone's behalf")
struct OnBehalfOfTests {
    @Test("a key made on behalf of its owner names the owner on every event and request, a body cannot change it, and the owner cannot approve")
    func keyWithAnOwner() async throws {
        let fixture = try await ServerFixture()
        let store = APIKeyStore(storePath: fixture.ledger.path)
        let alice = try NodeID("human:alice@example.com")
        let bot = try store.create(identity: NodeID("agent:report-bot"), roles: [.agent], onBehalfOf: alice).key
        let aliceKey = try store.create(identity: alice, roles: [.approver]).key
        #expect(try store.list().first { $0.identity.rawValue == "agent:report-bot" }?.onBehalfOf == alice)
        #expect(throws: APIKeyStore.Failure.self) { _ = try store.create(identity: alice, roles: [.agent], onBehalfOf: alice) }

        try await fixture.application.test(.router) { client in
            func post(_ uri: String, _ body: String, key: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: ServerFixture.headers(key: key), body: ByteBuffer(string: body))
            }
            #expect(try await post("/v1/events", #"{"kind":"read","inputs":["dataset:a"]}"#, key: bot).status == .created)
            #expect(try await post("/v1/events", #"[{"kind":"read","inputs":["dataset:b"],"onBehalfOf":"human:alice@example.com"}]"#, key: bot).status == .created)
            let other = try await post("/v1/events", #"{"kind":"read","inputs":["dataset:c"],"onBehalfOf":"human:bob@example.com"}"#, key: bot)
            #expect(other.status == .badRequest && other.json?["error"]?["code"] == .string("actor_mismatch"), "\(other.text)")
            let actorObject = try await post("/v1/events", #"{"kind":"read","inputs":["dataset:c"],"actor":{"id":"agent:report-bot","onBehalfOf":"human:bob@example.com"}}"#, key: bot)
            #expect(actorObject.status == .badRequest, "\(actorObject.text)")

            let asked = try await post("/v1/approvals", #"{"action":"export","resource":"dataset:a","justification":"weekly"}"#, key: bot)
            #expect(asked.status == .created, "\(asked.text)")
            #expect(asked.json?["onBehalfOf"] == .string(alice.rawValue), "\(asked.text)")
            // The key vouches for whom the bot acts; an agent whose key names nobody only claims it.
            #expect(asked.json?["onBehalfOfSource"] == .string("credentials"), "\(asked.text)")
            let claimed = try await post("/v1/approvals", #"{"action":"export","resource":"dataset:a","justification":"weekly","onBehalfOf":"human:bob@example.com"}"#, key: fixture.key(.agent))
            #expect(claimed.json?["onBehalfOf"] == .string("human:bob@example.com") && claimed.json?["onBehalfOfSource"] == .string("request"), "\(claimed.text)")
            let alone = try await post("/v1/approvals", #"{"action":"export","resource":"dataset:a","justification":"weekly"}"#, key: fixture.key(.agent))
            #expect(alone.status == .created && alone.json?["onBehalfOfSource"] == nil, "\(alone.text)")
            // As a remote agent reads it back.
            let remote = try ApprovalRequest(json: try #require(claimed.json))
            #expect(remote.onBehalfOfSource == .request)
            #expect(try ApprovalRequest(json: try #require(asked.json)).onBehalfOfSource == .credentials)
            let id = try #require(asked.json?["id"]?.stringValue)
            let approved = try await post("/v1/approvals/\(id)/approve", "{}", key: aliceKey)
            #expect(approved.status == .forbidden, "\(approved.text)")
            #expect(try await post("/v1/approvals", #"{"action":"export","resource":"dataset:a","justification":"weekly","onBehalfOf":"human:bob@example.com"}"#, key: bot).status == .badRequest)

            let whoami = try await client.execute(uri: "/v1/whoami", method: .get, headers: ServerFixture.headers(key: bot))
            #expect(whoami.json?["onBehalfOf"] == .string(alice.rawValue))
        }
        let entries = try fixture.ledger.entries(from: 0, limit: 10).filter { $0.event.kind == .read }
        #expect(entries.count == 2 && entries.allSatisfy { $0.event.actor.onBehalfOf == alice })
    }

    @Test("a JWT names whom its holder acts for in the configured claim; one that names its own subject is refused")
    func jwtWithAnOwner() async throws {
        let (fixture, signer, folder) = try await ServerFixture.trustingAnIssuer { $0.onBehalfOfClaim = "owner" }
        _ = folder
        let owned = try await signer.sign(OwnedClaims(sub: "agent:nightly", owner: "human:carol@example.com"), kid: "idp-1")
        let selfOwned = try await signer.sign(OwnedClaims(sub: "agent:nightly", owner: "agent:nightly"), kid: "idp-1")
        let hidden = try await signer.sign(OwnedClaims(sub: "agent:\u{301}nightly"), kid: "idp-1")
        try await fixture.application.test(.router) { client in
            func post(_ key: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: key), body: ByteBuffer(string: #"{"kind":"read","inputs":["dataset:a"]}"#))
            }
            let (ownedStatus, selfOwnedStatus, hiddenStatus) = (try await post(owned).status, try await post(selfOwned).status, try await post(hidden).status)
            #expect(ownedStatus == .created)
            #expect(selfOwnedStatus == .unauthorized)
            // A combining mark after the colon does not turn an agent into a human.
            #expect(hiddenStatus == .created)
        }
        let entries = try fixture.ledger.entries(from: 0, limit: 10).filter { $0.event.kind == .read }
        #expect(entries.first?.event.actor.onBehalfOf?.rawValue == "human:carol@example.com")
        #expect(entries.count == 2 && entries[1].event.actor.kind == .agent, "\(entries.map(\.event.actor.id))")
    }
}
