import Crypto
import AsyncHTTPClient
import CustosGate
import CustosLedger
import CustosTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import CustosServer

@Suite("Server: the approval gate over HTTP")
struct GateAPITests {
    func json(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: value.description) }

    /// `POST /v1/approvals` as `key`: an export of the orders dataset, with `payload` if any.
    func askExport(_ client: some TestClientProtocol, key: String, payload: String? = nil) async throws -> TestResponse {
        var body: [String: JSONValue] = ["action": "export", "resource": "dataset:s3://lake/orders", "justification": "quarterly numbers"]
        if let payload { body["payload"] = .string(payload) }
        return try await client.execute(uri: "/v1/approvals", method: .post, headers: ServerFixture.headers(key: key), body: json(.object(body)))
    }

    @Test("ask → long-poll → approve → token → redeem once → outcome, with the payload masked throughout")
    func lifecycle() async throws {
        let fixture = try await ServerFixture()
        let agent = fixture.key(.agent)
        let approver = fixture.key(.approver)
        try await fixture.application.test(.router) { client in
            let asked = try await askExport(client, key: agent, payload: "recipient: jane.doe@example.com")
            #expect(asked.status == .created, "\(asked.text)")
            let id = try #require(asked.json?["id"]?.stringValue)
            #expect(asked.json?["status"] == "pending" && asked.headers[.location] == "/v1/approvals/\(id)")
            #expect(asked.json?["payload"]?.stringValue?.contains("jane.doe") == false)
            #expect(asked.json?["requester"] == "agent:agent-one")

            // The agent waits while the approver decides.
            async let waited = client.execute(uri: "/v1/approvals/\(id)/wait?timeout=20s", method: .get, headers: ServerFixture.headers(key: agent))
            try await Task.sleep(for: .milliseconds(100))
            let pending = try await client.execute(uri: "/v1/approvals?status=pending", method: .get, headers: ServerFixture.headers(key: approver))
            #expect(pending.json?["count"] == 1)
            let approved = try await client.execute(uri: "/v1/approvals/\(id)/approve", method: .post, headers: ServerFixture.headers(key: approver), body: json(["reason": "fine"]))
            #expect(approved.status == .ok && approved.json?["status"] == "approved", "\(approved.text)")
            let woke = try await waited
            #expect(woke.json?["status"] == "approved", "\(woke.text)")

            // Only the requester side gets the token.
            let stolen = try await client.execute(uri: "/v1/approvals/\(id)/token", method: .get, headers: ServerFixture.headers(key: fixture.allRoles))
            #expect(stolen.status == .forbidden && stolen.json?["error"]?["code"] == "not_allowed")
            let issued = try await client.execute(uri: "/v1/approvals/\(id)/token", method: .get, headers: ServerFixture.headers(key: agent))
            let token = try #require(issued.json?["token"]?.stringValue)

            let verified = try await client.execute(uri: "/v1/tokens/verify", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: json(["token": .string(token), "resource": "dataset:s3://lake/orders"]))
            #expect(verified.json?["valid"] == true, "\(verified.text)")
            let wrongScope = try await client.execute(uri: "/v1/tokens/redeem", method: .post, headers: ServerFixture.headers(key: agent), body: json(["token": .string(token), "action": "export", "resource": "dataset:s3://lake/other"]))
            #expect(wrongScope.status == .forbidden && wrongScope.json?["error"]?["code"] == "invalid_token")
            let redeemed = try await client.execute(uri: "/v1/tokens/redeem", method: .post, headers: ServerFixture.headers(key: agent), body: json(["token": .string(token), "action": "export", "resource": "dataset:s3://lake/orders"]))
            #expect(redeemed.status == .ok && redeemed.json?["request"]?["status"] == "executed", "\(redeemed.text)")
            let replayed = try await client.execute(uri: "/v1/tokens/redeem", method: .post, headers: ServerFixture.headers(key: agent), body: json(["token": .string(token)]))
            #expect(replayed.status == .forbidden && replayed.json?["error"]?["message"]?.stringValue?.contains("single use") == true, "\(replayed.text)")
            let spent = try await client.execute(uri: "/v1/tokens/verify", method: .post, headers: ServerFixture.headers(key: agent), body: json(["token": .string(token)]))
            #expect(spent.json?["valid"] == false)

            let outcome = try await client.execute(uri: "/v1/approvals/\(id)/outcome", method: .post, headers: ServerFixture.headers(key: agent), body: json([
                "succeeded": true, "exitStatus": 0, "output": "sent to jane.doe@example.com",
            ]))
            #expect(outcome.status == .ok, "\(outcome.text)")
            #expect(outcome.json?["output"]?.stringValue?.contains("jane.doe") == false)
            #expect(outcome.json?["request"]?["outcome"]?["attributes"]?["exitStatus"] == 0)

            let key = try await client.execute(uri: "/v1/tokens/key", method: .get)
            let verifier = try GateVerifierKey(parsing: key.text)
            _ = try GateToken(parsing: token, verifier: verifier)
        }
        // Every step is on the ledger, and the raw payload nowhere.
        var kinds: [String] = []
        try fixture.ledger.forEachEntry { _, bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("jane.doe@example.com"))
            let entry = try LedgerEntry(bytes: bytes)
            kinds.append(entry.event.kind.rawValue)
            return true
        }
        #expect(kinds == ["request", "approve", "gate.redeem_refused", "execute", "gate.redeem_refused", "gate.outcome"])
    }

    @Test("over HTTP too, cancelling an agent's waiting task withdraws its request: the revocation is not cancelled with it")
    func remoteCancellation() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            let agent = RemoteGate(server: try #require(URL(string: "http://127.0.0.1:\(port)")), apiKey: fixture.key(.agent))
            let task = Task {
                try await agent.perform(.export(resource: NodeID("dataset:x")), justification: "j", timeout: .seconds(60)) { _ in "" }
            }
            try await waitUntil { try !fixture.state.gate.requests(status: .pending).isEmpty }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            #expect(try fixture.state.gate.requests().first?.status == .revoked)
        }
    }

    @Test("a long poll that meets a gateway's 502 tries again, and the agent still gets its approval")
    func waitSurvivesAGatewayError() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.live) { client in
            let upstream = "http://127.0.0.1:\(try #require(client.port))"
            // A gateway in front of the server that fails the first long poll, and passes
            // everything else through.
            let failures = Mutex(0)
            let router = Router()
            let forward: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                if request.uri.path.hasSuffix("/wait"), failures.withLock({ count in count += 1; return count == 1 }) {
                    return Response(status: .badGateway)
                }
                var outgoing = HTTPClientRequest(url: upstream + request.uri.description)
                outgoing.method = .RAW(value: request.method.rawValue)
                for field in request.headers where field.name == .authorization || field.name == .contentType {
                    outgoing.headers.add(name: field.name.rawName, value: field.value)
                }
                outgoing.body = .bytes(try await request.body.collect(upTo: 1 << 20))
                let answer = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(60))
                let body = try await answer.body.collect(upTo: 1 << 20)
                return Response(status: HTTPResponse.Status(code: Int(answer.status.code)), headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
            }
            router.get("**", use: forward)
            router.post("**", use: forward)
            let gateway = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await gateway.test(.live) { gatewayClient in
                let gatewayPort = try #require(gatewayClient.port)
                let url = try #require(URL(string: "http://127.0.0.1:\(gatewayPort)"))
                let agent = RemoteGate(server: url, apiKey: fixture.key(.agent))
                let performing = Task {
                    try await agent.perform(.export(resource: NodeID("dataset:x")), justification: "j", timeout: .seconds(60)) { _ in "done" }
                }
                try await waitUntil { try !fixture.state.gate.requests(status: .pending).isEmpty }
                try await waitUntil { failures.withLock { $0 } >= 2 }
                let id = try #require(try fixture.state.gate.requests(status: .pending).first?.id)
                _ = try await fixture.state.gate.approve(id, by: try Actor.human("approver-one@example.com"))
                let outcome = try await performing.value
                #expect(outcome.output == "done" && outcome.request.status == .executed)
                #expect(failures.withLock { $0 } >= 2, "the first poll failed, and another followed it")
            }
        }
    }

    @Test("a long poll with token=true answers the approval and its token in one round trip, only to the requester")
    func waitWithToken() async throws {
        let fixture = try await ServerFixture()
        let agent = fixture.key(.agent)
        let approver = fixture.key(.approver)
        try await fixture.application.test(.router) { client in
            let id = try #require(try await askExport(client, key: agent).json?["id"]?.stringValue)
            // Refused before any waiting to whoever would not be given the token.
            let other = try await client.execute(uri: "/v1/approvals/\(id)/wait?timeout=20s&token=true", method: .get, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(other.status == .forbidden && other.json?["error"]?["code"] == "not_allowed", "\(other.text)")
            // Whom the request is for, without the agent role, gets no token either (as from …/token).
            let onBehalf = try await client.execute(uri: "/v1/approvals", method: .post, headers: ServerFixture.headers(key: agent), body: json([
                "action": "export", "resource": "dataset:s3://lake/orders", "justification": "for the approver", "onBehalfOf": "human:approver-one@example.com",
            ]))
            let forApprover = try #require(onBehalf.json?["id"]?.stringValue, "\(onBehalf.text)")
            let approverAsks = try await client.execute(uri: "/v1/approvals/\(forApprover)/wait?timeout=20s&token=true", method: .get, headers: ServerFixture.headers(key: approver))
            #expect(approverAsks.status == .forbidden && approverAsks.json?["error"]?["message"]?.stringValue?.contains("agent role") == true, "\(approverAsks.text)")
            let malformed = try await client.execute(uri: "/v1/approvals/\(id)/wait?timeout=1s&token=yes", method: .get, headers: ServerFixture.headers(key: agent))
            #expect(malformed.status == .badRequest && malformed.json?["error"]?["code"] == "invalid_parameter", "\(malformed.text)")
            // Still pending at the timeout: no token.
            let early = try await client.execute(uri: "/v1/approvals/\(id)/wait?timeout=0.05s&token=true", method: .get, headers: ServerFixture.headers(key: agent))
            #expect(early.status == .ok && early.json?["status"] == "pending" && early.json?["token"] == nil, "\(early.text)")

            async let waited = client.execute(uri: "/v1/approvals/\(id)/wait?timeout=20s&token=true", method: .get, headers: ServerFixture.headers(key: agent))
            try await Task.sleep(for: .milliseconds(100))
            let approved = try await client.execute(uri: "/v1/approvals/\(id)/approve", method: .post, headers: ServerFixture.headers(key: approver))
            #expect(approved.json?["status"] == "approved" && approved.json?["token"] == nil, "\(approved.text)")
            let woke = try await waited
            #expect(woke.json?["status"] == "approved", "\(woke.text)")
            let token = try #require(woke.json?["token"]?["token"]?.stringValue, "\(woke.text)")
            #expect(woke.json?["token"]?["claims"]?["req"]?.stringValue == id)
            let verifier = try GateVerifierKey(parsing: try await client.execute(uri: "/v1/tokens/key", method: .get).text)
            _ = try GateToken(parsing: token, verifier: verifier)
            // Without the flag the answer is the request alone, as before.
            let plain = try await client.execute(uri: "/v1/approvals/\(id)/wait?timeout=1s", method: .get, headers: ServerFixture.headers(key: agent))
            #expect(plain.json?["status"] == "approved" && plain.json?["token"] == nil)
            let redeemed = try await client.execute(uri: "/v1/tokens/redeem", method: .post, headers: ServerFixture.headers(key: agent), body: json(["token": .string(token), "action": "export", "resource": "dataset:s3://lake/orders"]))
            #expect(redeemed.status == .ok && redeemed.json?["request"]?["status"] == "executed", "\(redeemed.text)")
        }
    }

    @Test("an approver cannot approve its own request: 403, and the attempt is recorded")
    func selfApproval() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let both = fixture.allRoles  // human:root@example.com, agent and approver at once
            let asked = try await client.execute(uri: "/v1/approvals", method: .post, headers: ServerFixture.headers(key: both), body: json([
                "action": "escalate", "resource": "role:prod-admin", "justification": "incident 42",
            ]))
            let id = try #require(asked.json?["id"]?.stringValue)
            let own = try await client.execute(uri: "/v1/approvals/\(id)/approve", method: .post, headers: ServerFixture.headers(key: both))
            #expect(own.status == .forbidden && own.json?["error"]?["code"] == "not_allowed", "\(own.text)")
            let shown = try await client.execute(uri: "/v1/approvals/\(id)", method: .get, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(shown.json?["status"] == "pending")
            #expect(shown.json?["refusals"]?.arrayValue?.count == 1)
            // Deciding twice on a decided request is a conflict.
            _ = try await client.execute(uri: "/v1/approvals/\(id)/deny", method: .post, headers: ServerFixture.headers(key: fixture.key(.approver)), body: json(["reason": "no"]))
            let late = try await client.execute(uri: "/v1/approvals/\(id)/approve", method: .post, headers: ServerFixture.headers(key: fixture.key(.approver)))
            #expect(late.status == .conflict)
        }
    }

    @Test("agents see only their own requests; decisions cannot be forged through /v1/events")
    func isolation() async throws {
        let fixture = try await ServerFixture()
        let other = try APIKeyStore(storePath: fixture.ledger.path).create(identity: NodeID("agent:other-bot"), roles: [.agent]).key
        try await fixture.application.test(.router) { client in
            let asked = try await client.execute(uri: "/v1/approvals", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: json([
                "action": "export", "resource": "dataset:x", "justification": "j",
            ]))
            let id = try #require(asked.json?["id"]?.stringValue)
            let peek = try await client.execute(uri: "/v1/approvals/\(id)", method: .get, headers: ServerFixture.headers(key: other))
            #expect(peek.status == .notFound)
            let list = try await client.execute(uri: "/v1/approvals", method: .get, headers: ServerFixture.headers(key: other))
            #expect(list.json?["count"] == 0)
            let forged = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: other), body: json([
                "kind": "approve", "inputs": [.string(id)],
            ]))
            #expect(forged.status == .forbidden && forged.json?["error"]?["code"] == "gate_event", "\(forged.text)")
            let fakeRequest = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: other), body: json([
                "kind": "request", "inputs": ["dataset:x"], "outputs": ["request:forged"], "attributes": ["action": "export", "eligibleApprovers": ["human:pal@example.com"]],
            ]))
            #expect(fakeRequest.status == .forbidden)
            let bad = try await client.execute(uri: "/v1/approvals", method: .post, headers: ServerFixture.headers(key: other), body: json(["action": "export", "resource": "dataset:x"]))
            #expect(bad.status == .badRequest)
        }
    }

    @Test("the server reads a changed policy file; an invalid one is refused and the old one stays")
    func policyReload() async throws {
        let folder = TemporaryDirectory("custos-policy")
        let path = folder.file("gate.yaml")
        try "version: 1\nrules:\n  - action: export\n    decision: deny\n    reason: frozen\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fixture = try await ServerFixture { $0.gatePolicyPath = path }
        let gate = fixture.state.gate
        let maintenance = Task { await GateMaintenance.run(fixture.state, interval: .milliseconds(50)) }
        defer { maintenance.cancel() }
        let agent = try Actor.agent("bot")
        #expect(try await gate.request(.export(resource: NodeID("dataset:x")), by: agent, justification: "j").status == .denied)
        try "version: 1\nrules:\n  - action: export\n    decision: allow\n".write(toFile: path, atomically: true, encoding: .utf8)
        try await waitUntil { gate.policy.rules.first?.decision == .allow }
        try "version: 1\nrules:\n  - action: export\n    decision: alow\n".write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(300))
        #expect(gate.policy.rules.first?.decision == .allow)
        #expect(try await gate.request(.export(resource: NodeID("dataset:x")), by: agent, justification: "j").status == .approved)
    }

    @Test("the policy is reloaded when what it reads changes: through a swapped symbolic link (a ConfigMap mount), and when its masking file changes")
    func policyReloadByContent() async throws {
        let folder = TemporaryDirectory("custos-policy-link")
        let fileManager = FileManager.default
        for (version, decision) in [("v1", "deny"), ("v2", "allow")] {
            try fileManager.createDirectory(atPath: folder.file(version), withIntermediateDirectories: true)
            try "version: 1\nmasking: masking.yaml\nrules:\n  - action: export\n    decision: \(decision)\n".write(toFile: folder.file("\(version)/gate.yaml"), atomically: true, encoding: .utf8)
            try "version: 1\n".write(toFile: folder.file("\(version)/masking.yaml"), atomically: true, encoding: .utf8)
        }
        try fileManager.createSymbolicLink(atPath: folder.file("data"), withDestinationPath: "v1")
        try fileManager.createSymbolicLink(atPath: folder.file("gate.yaml"), withDestinationPath: "data/gate.yaml")
        try fileManager.createSymbolicLink(atPath: folder.file("masking.yaml"), withDestinationPath: "data/masking.yaml")
        let fixture = try await ServerFixture { $0.gatePolicyPath = folder.file("gate.yaml") }
        let gate = fixture.state.gate
        #expect(gate.policy.rules.first?.decision == .deny)
        let maintenance = Task { await GateMaintenance.run(fixture.state, interval: .milliseconds(50)) }
        defer { maintenance.cancel() }
        // Swap the directory link as Kubernetes does: gate.yaml itself, a link, never changes.
        try fileManager.createSymbolicLink(atPath: folder.file("data.new"), withDestinationPath: "v2")
        #expect(rename(folder.file("data.new"), folder.file("data")) == 0)
        try await waitUntil { gate.policy.rules.first?.decision == .allow }
        // The masking file alone changes: the policy is read again with it.
        let before = gate.policy.sourceDigest
        try "version: 1\ndefault: placeholder\n".write(toFile: folder.file("v2/masking.yaml"), atomically: true, encoding: .utf8)
        try await waitUntil { gate.policy.sourceDigest != before }
    }

    @Test("webhooks: Slack and Teams JSON, HMAC-signed, retried with backoff, never blocking the gate")
    func webhooks() async throws {
        let secret = "s3cret-for-tests"
        let received = Mutex<[(path: String, signature: String?, timestamp: String?, body: String)]>([])
        let failuresLeft = Mutex(2)
        let router = Router()
        router.post("/hook/{format}") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let fail = failuresLeft.withLock { left -> Bool in
                if left > 0 { left -= 1; return true }
                return false
            }
            if fail { return Response(status: .internalServerError) }
            received.withLock {
                $0.append((request.uri.path, request.headers[HTTPField.Name("X-Custos-Signature")!], request.headers[HTTPField.Name("X-Custos-Timestamp")!], String(buffer: body)))
            }
            return Response(status: .ok)
        }
        try await withReceiver(router) { port in
            let fixture = try await ServerFixture()
            let logger = Self.quietLogger
            let notifier = WebhookNotifier(
                targets: [
                    WebhookTarget(url: URL(string: "http://127.0.0.1:\(port)/hook/slack")!, format: .slack, secret: Array(secret.utf8)),
                    WebhookTarget(url: URL(string: "http://127.0.0.1:\(port)/hook/teams")!, format: .teams, secret: Array(secret.utf8)),
                ],
                inboxURL: "http://custos.example/inbox", logger: logger, firstBackoff: .milliseconds(20)
            )
            let asked = try await fixture.state.gate.request(.export(resource: NodeID("dataset:x")), by: Actor.agent("bot"), justification: "ship it", payload: "to ann@example.com")
            let clock = ContinuousClock()
            let started = clock.now
            await notifier.announce(asked)
            #expect(clock.now - started < .milliseconds(50), "announcing must not wait for delivery")
            // The receiver keeps a message before its answer reaches the notifier: wait for both.
            try await waitUntil { received.withLock { $0.count } == 2 && notifier.counts.delivered == 2 }
            for message in received.withLock({ $0 }) {
                let timestamp = try #require(message.timestamp)
                let expected = HMAC<SHA256>.authenticationCode(for: Array((timestamp + "." + message.body).utf8), using: SymmetricKey(data: Array(secret.utf8)))
                #expect(message.signature == "sha256=" + Hex.encode(expected))
                #expect(!message.body.contains("ann@example.com"))
                let value = try JSONParser.parse(message.body)
                if message.path.hasSuffix("slack") {
                    #expect(value["text"]?.stringValue == "Approval needed: export on dataset:x")
                    #expect(value["blocks"]?.arrayValue?.count == 3)
                } else {
                    #expect(value["@type"] == "MessageCard" && value["sections"]?.arrayValue?.first?["facts"] != nil)
                    #expect(value["potentialAction"]?.arrayValue?.first?["targets"]?.arrayValue?.first?["uri"]?.stringValue == "http://custos.example/inbox#\(asked.id)")
                }
            }
        }
    }

    @Test("a webhook that never answers is given up after its retries, and the gate goes on")
    func deadWebhook() async throws {
        let notifier = WebhookNotifier(targets: [WebhookTarget(url: URL(string: "http://127.0.0.1:9/nothing")!, format: .slack)], inboxURL: "x", logger: Self.quietLogger, maxAttempts: 3, firstBackoff: .milliseconds(10), attemptTimeout: .milliseconds(300))
        let fixture = try await ServerFixture()
        let asked = try await fixture.state.gate.request(.export(resource: NodeID("dataset:x")), by: Actor.agent("bot"), justification: "j")
        await notifier.announce(asked)
        try await waitUntil { notifier.counts.failed == 1 }
        #expect(notifier.counts.delivered == 0)
    }
}

extension GateAPITests {
    @Test("webhooks: a dead receiver delays no other; 4xx and redirects are not retried or followed; 429 is retried; messages fit Slack and Teams")
    func webhookDeliveryRules() async throws {
        let hits = Mutex<[String]>([])
        let busyLeft = Mutex(1)
        let router = Router()
        router.post("/ok") { _, _ in hits.withLock { $0.append("ok") }; return Response(status: .ok) }
        router.post("/missing") { _, _ in hits.withLock { $0.append("missing") }; return Response(status: .notFound) }
        router.post("/moved") { _, _ in
            hits.withLock { $0.append("moved") }
            var headers = HTTPFields()
            headers[.location] = "/landing"
            return Response(status: .found, headers: headers)
        }
        router.get("/landing") { _, _ in hits.withLock { $0.append("landing") }; return Response(status: .ok) }
        router.post("/landing") { _, _ in hits.withLock { $0.append("landing") }; return Response(status: .ok) }
        router.post("/busy") { _, _ in
            let busy = busyLeft.withLock { left -> Bool in
                defer { left -= 1 }
                return left > 0
            }
            hits.withLock { $0.append(busy ? "busy" : "busy-ok") }
            var headers = HTTPFields()
            headers[HTTPField.Name("Retry-After")!] = "0"
            return busy ? Response(status: .tooManyRequests, headers: headers) : Response(status: .ok)
        }
        try await withReceiver(router) { port in
            let fixture = try await ServerFixture()
            let logger = Self.quietLogger
            func url(_ path: String) throws -> URL { try #require(URL(string: "http://127.0.0.1:\(port)\(path)")) }
            let asked = try await fixture.state.gate.request(.export(resource: NodeID("dataset:x")), by: Actor.agent("bot"), justification: "j")

            // A dead receiver first in line, a live one after it.
            let both = WebhookNotifier(
                targets: [WebhookTarget(url: URL(string: "http://127.0.0.1:9/dead")!, format: .slack), WebhookTarget(url: try url("/ok"), format: .slack)],
                inboxURL: "x", logger: logger, maxAttempts: 3, firstBackoff: .milliseconds(10), attemptTimeout: .milliseconds(300)
            )
            for _ in 0..<3 { await both.announce(asked) }
            try await waitUntil { hits.withLock { $0.filter { $0 == "ok" }.count } == 3 }
            // One queue for both would have put each live message behind the dead one's three tries.
            #expect(both.counts.failed < 3, "the live receiver waited for the dead one")
            try await waitUntil { both.counts.failed == 3 && both.counts.delivered == 3 }

            let others = WebhookNotifier(
                targets: [WebhookTarget(url: try url("/missing"), format: .slack), WebhookTarget(url: try url("/moved"), format: .teams), WebhookTarget(url: try url("/busy"), format: .slack)],
                inboxURL: "x", logger: logger, maxAttempts: 4, firstBackoff: .milliseconds(10)
            )
            await others.announce(asked)
            try await waitUntil { others.counts.failed == 2 && others.counts.delivered == 1 }
            let seen = hits.withLock { $0 }
            #expect(seen.filter { $0 == "missing" }.count == 1, "a 404 is not retried: \(seen)")
            #expect(seen.filter { $0 == "moved" }.count == 1 && !seen.contains("landing"), "a redirect is not followed: \(seen)")
            #expect(seen.contains("busy") && seen.contains("busy-ok"), "a 429 is retried: \(seen)")
        }

        // Long free text is cut to what the receivers accept.
        let fixture = try await ServerFixture()
        let long = try await fixture.state.gate.request(
            .export(resource: NodeID("dataset:y")), by: Actor.agent("bot"), justification: String(repeating: "why ", count: 1_000), payload: String(repeating: "data ", count: 50_000)
        )
        let slack = try JSONParser.parse(WebhookNotifier.body(for: long, format: .slack, inboxURL: "x"))
        let section = try #require(slack["blocks"]?.arrayValue?[1]["text"]?["text"]?.stringValue)
        #expect(section.count <= 3_000, "\(section.count)")
        #expect(WebhookNotifier.body(for: long, format: .teams, inboxURL: "x").count <= 28_000)
        #expect(WebhookNotifier.outcome(status: 503, retryAfter: "2") == .retry("HTTP 503", after: .seconds(2)))
        #expect(WebhookNotifier.outcome(status: 410, retryAfter: nil) == .refused("HTTP 410"))
    }
}

extension GateAPITests {
    /// A logger that says nothing below critical.
    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with `router` serving on a loopback port: a webhook receiver.
    func withReceiver(_ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in try await body(try #require(client.port)) }
    }
}

/// Polls `condition` until it holds, for at most a minute: the whole suite runs in parallel on
/// two cores, and a background task may wait its turn for seconds.
func waitUntil(_ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the condition did not hold within a minute")
}
