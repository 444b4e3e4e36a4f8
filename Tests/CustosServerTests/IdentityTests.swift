import CompressNIO
import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import Testing

/// Claims as an identity provider signs them.
private struct IssuedClaims: JWTPayload {
    var iss: String
    var aud: [String]
    var sub: String
    var exp: Double
    var nbf: Double?
    var roles: [String]
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Server identity (JWT) and OpenLineage")
struct IdentityTests {
    @Test("a JWT from the configured issuer and audience, unexpired, maps to its identity and roles")
    func jwt() async throws {
        let (fixture, signer, _) = try await ServerFixture.trustingAnIssuer()
        let now = Date().timeIntervalSince1970
        func token(iss: String = "https://idp.example.com/", aud: String = "custos", exp: Double = now + 300, nbf: Double? = nil, roles: [String] = ["agent"]) async throws -> String {
            try await signer.sign(IssuedClaims(iss: iss, aud: [aud], sub: "ann@example.com", exp: exp, nbf: nbf, roles: roles), kid: "idp-1")
        }
        let good = try await token()
        let cases: [(String, HTTPResponse.Status)] = [
            (good, .created),
            (try await token(iss: "https://evil.example.com/"), .unauthorized),
            (try await token(aud: "someone-else"), .unauthorized),
            (try await token(exp: now - 3_600), .unauthorized),
            (try await token(nbf: now + 3_600), .unauthorized),
            (try await token(roles: ["auditor"]), .forbidden),
            (try await token(roles: ["superuser"]), .unauthorized),
            (String(good.dropLast(4)) + "AAAA", .unauthorized),
        ]
        try await fixture.application.test(.router) { client in
            for (index, (credential, status)) in cases.enumerated() {
                let response = try await client.execute(
                    uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: credential), body: ByteBuffer(string: #"{"kind":"read","inputs":["dataset:a"]}"#)
                )
                #expect(response.status == status, "case \(index): \(response.text)")
            }
        }
        let entry = try fixture.ledger.entry(at: 0)
        #expect(entry.event.actor.id.rawValue == "human:ann@example.com")
    }

    @Test("OpenLineage RunEvents, gzipped as the Python client sends them, become lineage; the graph comes back in Marquez's shape")
    func openLineage() async throws {
        let fixture = try await ServerFixture()
        let runEvent = #"""
            {"eventType":"COMPLETE","eventTime":"2026-11-30T10:00:00.000Z","producer":"https://github.com/OpenLineage/OpenLineage/tree/1.24.0/client/python",
             "schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run":{"runId":"0194a1c2-7b3e-7f00-8000-000000000001"},"job":{"namespace":"airflow","name":"orders_daily"},
             "inputs":[{"namespace":"postgres://db:5432","name":"shop.public.orders"}],
             "outputs":[{"namespace":"s3://lake","name":"marts/orders_daily"}]}
            """#
        var gzipped = ByteBuffer(string: runEvent)
        let compressed = try gzipped.compress(with: .gzip())
        var gzipHeaders = ServerFixture.headers(key: fixture.key(.agent))
        gzipHeaders[.contentEncoding] = "gzip"
        let headers = gzipHeaders
        try await fixture.application.test(.router) { client in
            // The run starts before it completes, as emitters send it: the START records the
            // job's edges first, the COMPLETE its own input → output edge later.
            let start = runEvent.replacingOccurrences(of: "\"COMPLETE\"", with: "\"START\"").replacingOccurrences(of: "10:00:00.000Z", with: "09:59:00.000Z")
            let started = try await client.execute(uri: "/api/v1/lineage", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: start))
            #expect(started.status == .created, "\(started.text)")
            let posted = try await client.execute(uri: "/api/v1/lineage", method: .post, headers: headers, body: compressed)
            #expect(posted.status == .created, "\(posted.text)")
            // The same event again is recorded once.
            let again = try await client.execute(uri: "/api/v1/lineage", method: .post, headers: headers, body: compressed)
            #expect(again.json?["duplicate"] == .bool(true))
            let batch = try await client.execute(
                uri: "/api/v1/lineage/batch", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)),
                body: ByteBuffer(string: #"{"events":[{"eventType":"COMPLETE","eventTime":"2026-11-30T11:00:00Z","producer":"x","run":{"runId":"0194a1c2-7b3e-7f00-8000-000000000002"},"job":{"namespace":"airflow","name":"export_orders"},"inputs":[{"namespace":"s3://lake","name":"marts/orders_daily"}],"outputs":[{"namespace":"s3://partner","name":"orders.csv"}]}]}"#)
            )
            #expect(batch.status == .created, "\(batch.text)")
            #expect(batch.json?["count"] == .number(1))
            let bad = try await client.execute(uri: "/api/v1/lineage", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: #"{"eventType":"COMPLETE"}"#))
            #expect(bad.status == .badRequest)
            var corrupt = ServerFixture.headers(key: fixture.key(.agent))
            corrupt[.contentEncoding] = "gzip"
            let notGzip = try await client.execute(uri: "/api/v1/lineage", method: .post, headers: corrupt, body: ByteBuffer(string: runEvent))
            #expect(notGzip.json?["error"]?["code"] == .string("bad_gzip"))

            // custos's own event, with no job: its edge stays in the Marquez view.
            let native = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)),
                body: ByteBuffer(string: #"{"kind":"export","inputs":["dataset:s3://partner:orders.csv"],"outputs":["export:sftp://partner.example:drop/orders.csv"]}"#)
            )
            #expect(native.status == .created, "\(native.text)")
            // A copy custos recorded itself between two datasets a job also links: it stays.
            let copy = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)),
                body: ByteBuffer(string: #"{"kind":"copy","inputs":["dataset:s3://lake:marts/orders_daily"],"outputs":["dataset:s3://partner:orders.csv"]}"#)
            )
            #expect(copy.status == .created, "\(copy.text)")
            let graph = try await client.execute(uri: "/api/v1/lineage?nodeId=dataset:s3://lake:marts/orders_daily&depth=5", method: .get, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(graph.status == .ok, "\(graph.text)")
            let nodes = graph.json?["graph"]?.arrayValue ?? []
            let ids = Set(nodes.compactMap { $0["id"]?.stringValue })
            #expect(ids.contains("job:airflow:orders_daily"))
            #expect(ids.contains("dataset:postgres://db:5432:shop.public.orders"))
            #expect(ids.contains("dataset:s3://partner:orders.csv"))
            let job = nodes.first { $0["id"] == .string("job:airflow:orders_daily") }
            #expect(job?["type"] == .string("JOB"))
            #expect(job?["inEdges"]?.arrayValue?.contains { $0["origin"] == .string("dataset:postgres://db:5432:shop.public.orders") } == true, "\(String(describing: job))")
            #expect(job?["outEdges"]?.arrayValue?.contains { $0["destination"] == .string("dataset:s3://lake:marts/orders_daily") } == true)
            // Only datasets and jobs, and each run's data flows through its job, as Marquez draws it:
            // no RUN node, no direct edge from the input to the output beside the job's.
            #expect(Set(nodes.compactMap { $0["type"]?.stringValue }) == ["DATASET", "JOB"], "\(graph.text)")
            #expect(!ids.contains { $0.hasPrefix("run:") })
            let sourceOut = nodes.first { $0["id"] == .string("dataset:postgres://db:5432:shop.public.orders") }?["outEdges"]?.arrayValue ?? []
            #expect(sourceOut.compactMap { $0["destination"]?.stringValue } == ["job:airflow:orders_daily"], "\(sourceOut)")
            let partner = nodes.first { $0["id"] == .string("dataset:s3://partner:orders.csv") }
            #expect(
                partner?["inEdges"]?.arrayValue?.compactMap { $0["origin"]?.stringValue }.sorted() == ["dataset:s3://lake:marts/orders_daily", "job:airflow:export_orders"],
                "\(String(describing: partner))"
            )
            let export = nodes.first { $0["id"] == .string("export:sftp://partner.example:drop/orders.csv") }
            #expect(export?["type"] == .string("DATASET"))
            #expect(export?["inEdges"]?.arrayValue?.compactMap { $0["origin"]?.stringValue } == ["dataset:s3://partner:orders.csv"], "\(String(describing: export))")
            // Namespaces with a scheme and a port split as Marquez splits them.
            let source = nodes.first { $0["id"] == .string("dataset:postgres://db:5432:shop.public.orders") }
            #expect(source?["data"]?["namespace"] == .string("postgres://db:5432") && source?["data"]?["name"] == .string("shop.public.orders"), "\(String(describing: source))")
            #expect(source?["data"]?["id"]?["namespace"] == .string("postgres://db:5432"))
        }
        let entry = try fixture.ledger.entry(at: 0)
        #expect(entry.event.actor.id.rawValue == "agent:agent-one")
    }

    @Test("a refused event of an OpenLineage batch is named by its place in the batch sent, though wide column lineage made more entries before it")
    func batchErrorsNameTheSentEvent() async throws {
        let fixture = try await ServerFixture()
        let fields = (0..<300).map { column in
            #""c\#(column)": {"inputFields": [{"namespace": "pg", "name": "a", "field": "x\#(column)"}, {"namespace": "pg", "name": "b", "field": "y\#(column)"}]}"#
        }.joined(separator: ",")
        let wide = #"{"eventType":"COMPLETE","eventTime":"2026-11-22T06:41:51Z","producer":"p","run":{"runId":"r-wide"},"job":{"namespace":"n","name":"j"},"inputs":[{"namespace":"pg","name":"a"},{"namespace":"pg","name":"b"}],"outputs":[{"namespace":"pg","name":"out","facets":{"columnLineage":{"fields":{\#(fields)}}}}]}"#
        // Too big for one entry, though well within the body limit.
        let bulky = #"{"eventType":"COMPLETE","eventTime":"2026-11-22T07:00:00Z","producer":"\#(String(repeating: "p", count: 300_000))","run":{"runId":"r-bulky"},"job":{"namespace":"n","name":"k"},"inputs":[],"outputs":[{"namespace":"pg","name":"other"}]}"#
        try await fixture.application.test(.router) { client in
            let answer = try await client.execute(
                uri: "/api/v1/lineage/batch", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: "[\(wide),\(bulky)]")
            )
            #expect(answer.status == .badRequest, "\(answer.text)")
            #expect(answer.json?["error"]?["message"]?.stringValue?.hasPrefix("event 1:") == true, "\(answer.text)")
        }
        #expect(try fixture.ledger.head().size == 0)
    }
}
