import CustosGate
import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite("Server: serving a store read-only")
struct ReadOnlyServerTests {
    /// A store filled by a writing server (events, a pending request and one that lapses after
    /// a second), closed, then opened read-only behind a read-only server.
    final class Served: Sendable {
        let writing: ServerFixture
        let policy = TemporaryDirectory("custos-read-only-policy")
        let state: ServerState
        let pending: NodeID
        let lapsed: NodeID
        let dataFile: String

        init() async throws {
            let policyPath = policy.file("gate.yaml")
            try """
                version: 1
                rules:
                  - name: quick
                    action: export
                    resource: ["dataset:quick"]
                    decision: require_approval
                    wait: 1s
                  - name: exports
                    action: export
                    decision: require_approval
                """.write(toFile: policyPath, atomically: true, encoding: .utf8)
            writing = try await ServerFixture { $0.gatePolicyPath = policyPath }
            let etl = try Actor.agent("etl")
            _ = try await writing.ledger.append(contentsOf: [
                try Event(kind: .transform, actor: etl, inputs: [NodeID("dataset:a")], outputs: [NodeID("dataset:b")]),
                try Event(kind: .read, actor: etl, inputs: [NodeID("dataset:b")]),
            ])
            let bot = try Actor.agent("agent-one")
            pending = try await writing.state.gate.request(.export(resource: NodeID("dataset:b")), by: bot, justification: "monthly report").id
            lapsed = try await writing.state.gate.request(.export(resource: NodeID("dataset:quick")), by: bot, justification: "soon").id
            _ = try await writing.ledger.signCheckpoint()
            await writing.ledger.close()
            // Past the quick rule's wait: the second request has lapsed, unrecorded.
            try await Task.sleep(for: .milliseconds(1_100))

            var ledgerConfiguration = LedgerConfiguration()
            ledgerConfiguration.readOnly = true
            let ledger = try Ledger.open(at: writing.ledger.path, configuration: ledgerConfiguration)
            var configuration = ServerConfiguration()
            configuration.storePath = ledger.path
            configuration.port = 0
            configuration.readOnly = true
            configuration.gatePolicyPath = policyPath
            var logger = Logger(label: "custos-test")
            logger.logLevel = .warning
            state = try await ServerState(configuration: configuration, ledger: ledger, logger: logger)
            dataFile = ledger.path + "/data.mdb"
        }

        var application: some ApplicationProtocol {
            var logger = Logger(label: "custos-test")
            logger.logLevel = .warning
            return CustosServer.makeApplication(state: state, logger: logger)
        }
    }

    @Test("reads, queries, lineage, proofs, verification and approvals are served; every route that would change the store answers 403 read_only; nothing is written")
    func servesWithoutWriting() async throws {
        let served = try await Served()
        let before = try Data(contentsOf: URL(fileURLWithPath: served.dataFile))
        let size = try served.state.ledger.head().size
        #expect(served.state.readOnly)
        let auditor = served.writing.key(.auditor)
        let everyRole = served.writing.allRoles
        try await served.application.test(.live) { client in
            func get(_ uri: String, key: String? = auditor) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: ServerFixture.headers(key: key))
            }
            func post(_ uri: String, _ body: String, key: String = auditor) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: ServerFixture.headers(key: key), body: ByteBuffer(string: body))
            }
            let health = try await get("/healthz", key: nil)
            #expect(health.json?["readOnly"] == .bool(true))
            #expect(health.json?["entries"] == .number(Double(size)))

            #expect(try await get("/v1/events/0").json?["seq"] == .number(0))
            let counted = try await post("/v1/query", #"{"query":"COUNT EVENTS WHERE kind = $kind","params":{"kind":"transform"}}"#)
            #expect(counted.status == .ok, "\(counted.text)")
            #expect(counted.text.contains("1"), "\(counted.text)")
            let lineage = try await get("/v1/lineage?node=dataset:b&direction=upstream")
            #expect(lineage.status == .ok, "\(lineage.text)")
            #expect(lineage.text.contains("dataset:a"))
            #expect(try await get("/v1/checkpoints").status == .ok)
            #expect(try await get("/v1/proofs/inclusion?seq=1&size=\(size)").status == .ok)
            let verified = try await post("/v1/verify", "{}")
            #expect(verified.text.contains(#""valid":true"#), "\(verified.text)")

            // The gate's state as recorded, and a lapse shown (not recorded) as an expiry.
            #expect(try await get("/v1/approvals/\(served.pending.rawValue)").json?["status"] == .string("pending"))
            let waited = try await get("/v1/approvals/\(served.lapsed.rawValue)/wait?timeout=0")
            #expect(waited.status == .ok, "\(waited.text)")
            #expect(waited.json?["status"] == .string("expired"), "\(waited.text)")
            let open = try await get("/v1/approvals?status=pending")
            #expect(open.json?["count"] == .number(1), "\(open.text)")
            let checked = try await post("/v1/tokens/verify", #"{"token":"not-a-token"}"#)
            #expect(checked.json?["valid"] == .bool(false))

            // Unauthenticated: refused as anywhere, and only logged.
            #expect(try await get("/v1/events/0", key: nil).status == .unauthorized)
            #expect(try await get("/v1/keys", key: auditor).status == .forbidden)

            for spec in RouteTable.all where spec.changesStore {
                let uri = spec.path.replacingOccurrences(of: "{id}", with: spec.path.hasPrefix("/v1/keys") ? "k-1" : served.pending.rawValue)
                let answer = try await client.execute(
                    uri: uri, method: spec.method, headers: ServerFixture.headers(key: everyRole), body: ByteBuffer(string: #"{"reason":"r"}"#)
                )
                #expect(answer.status == .forbidden, "\(spec): \(answer.text)")
                #expect(answer.json?["error"]?["code"] == .string("read_only"), "\(spec): \(answer.text)")
            }
        }
        #expect(try served.state.ledger.head().size == size)
        #expect(try Data(contentsOf: URL(fileURLWithPath: served.dataFile)) == before)
        #expect(try APIKeyStore(storePath: served.state.ledger.path).list().count == Role.allCases.count + 1)
        await served.state.ledger.close()
    }

    @Test("the routes that change the store are exactly the writing methods, but for those that only read, and the token route")
    func changesStoreMarks() {
        // POSTs that compute and answer without recording anything.
        let reading: Set<String> = ["POST /v1/query", "POST /v1/verify", "POST /v1/evidence", "POST /v1/tokens/verify"]
        for spec in RouteTable.all {
            let expected = (spec.method != .get && !reading.contains(spec.description)) || spec.description == "GET /v1/approvals/{id}/token"
            #expect(spec.changesStore == expected, "\(spec)")
        }
    }

    @Test("the OpenAPI document says which routes change the store, and names read_only under their 403")
    func documented() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let document = try await client.execute(uri: "/openapi.json", method: .get).json
            for spec in RouteTable.all {
                let operation = document?["paths"]?[spec.path]?[spec.method.rawValue.lowercased()]
                #expect(operation?["x-custos-changes-store"] == .bool(spec.changesStore), "\(spec)")
                let forbidden = operation?["responses"]?["403"]?["description"]?.stringValue ?? ""
                #expect(forbidden.contains("read_only") == spec.changesStore, "\(spec): \(forbidden)")
            }
        }
    }
}
