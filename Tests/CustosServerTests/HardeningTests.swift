import CustosLedger
@testable import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Server: inputs at the edges of their types get a 4xx, never a crash")
struct HardeningTests {
    @Test("GET /v1/events with after at Int.max is refused; one below is an empty page")
    func listingAfterTheLargestSeq() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let refused = try await client.execute(uri: "/v1/events?after=9223372036854775807", method: .get, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(refused.status == .badRequest, "\(refused.text)")
            #expect(refused.json?["error"]?["hint"]?.stringValue?.contains("openapi") == true, "\(refused.text)")
            let empty = try await client.execute(uri: "/v1/events?after=9223372036854775806", method: .get, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(empty.status == .ok && empty.text.isEmpty, "\(empty.text)")
        }
    }

    @Test("LQL numbers and times past what an integer holds: 400 invalid_query, or an empty answer")
    func queryNumbersAtTheEdges() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID("dataset:a")], outputs: [NodeID("dataset:b")]))
        try await fixture.application.test(.router) { client in
            func query(_ text: String, _ parameters: [String: String] = [:]) async throws -> TestResponse {
                let body = JSONValue.object(["query": .string(text), "params": .object(parameters.mapValues { .string($0) })])
                return try await client.execute(uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: ByteBuffer(string: body.description))
            }
            for refused in [
                "EVENTS SINCE -200000000d", "EVENTS SINCE -9223372036854775807w", "EVENTS AS OF CHECKPOINT 100000000000000000000",
                "EVENTS AS OF SEQ 100000000000000000000", "EVENTS AS OF SEQ -1",
            ] {
                let answer = try await query(refused)
                #expect(answer.status == .badRequest, "\(refused): \(answer.text)")
                #expect(answer.json?["error"]?["code"] == .string("invalid_query"), "\(refused): \(answer.text)")
            }
            #expect(try await query("EVENTS AS OF CHECKPOINT $n", ["n": "nan"]).status == .badRequest)
            for empty in ["EVENTS WHERE kind = 100000000000000000000", "EVENTS WHERE seq = $s"] {
                let answer = try await query(empty, ["s": "nan"])
                #expect(answer.status == .ok && answer.json?["count"] == .number(0), "\(empty): \(answer.text)")
            }
            #expect(try await query("EVENTS WHERE seq != $s", ["s": "nan"]).json?["count"] == .number(1))
            #expect(try await query("EVENTS WHERE seq < $s", ["s": "inf"]).json?["count"] == .number(1))
            let deep = try await query(#"TRACE UPSTREAM FROM "dataset:b" DEPTH 1000000000"#)
            #expect(deep.status == .ok && deep.text.contains("dataset:a"), "\(deep.text)")
            // Two groupings of one name once made two columns of one name, and the answer trapped.
            let twice = try await query("COUNT EVENTS BY kind, kind")
            #expect(twice.status == .badRequest && twice.text.contains("grouped by already"), "\(twice.text)")
            #expect(try await query("COUNT EVENTS BY kind").status == .ok, "the server is still up")
            // A query is a line, not a document: a long one is refused before it is read.
            let long = try await query("EVENTS WHERE kind = " + String(repeating: "a", count: 70_000))
            #expect(long.status == .contentTooLarge, "\(long.status)")
        }
    }

    @Test("COUNT returns no more groups than maxQueryRows, and says the counts are cut")
    func countGroupsAreCapped() async throws {
        let fixture = try await ServerFixture { $0.limits.maxQueryRows = 3 }
        _ = try await fixture.ledger.append(contentsOf: (0..<10).map { index in
            try Event(kind: .read, actor: .agent("etl"), inputs: [NodeID("dataset:a")], attributes: ["id": .number(Double(index))])
        })
        try await fixture.application.test(.router) { client in
            let body = #"{"query":"COUNT EVENTS BY attributes.id"}"#
            let answer = try await client.execute(uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: ByteBuffer(string: body))
            #expect(answer.status == .ok, "\(answer.text)")
            #expect(answer.json?["rows"]?.arrayValue?.count == 3, "\(answer.text)")
            #expect(answer.json?["truncated"]?.stringValue?.contains("more than 3 groups") == true, "\(answer.text)")
            let few = try await client.execute(
                uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: ByteBuffer(string: #"{"query":"COUNT EVENTS BY kind"}"#)
            )
            #expect(few.json?["truncated"] == .bool(false), "\(few.text)")
        }
    }

    @Test("EVENTS rows stop at maxQueryBytes of entries, and the answer says it was cut")
    func eventRowsAreBoundedInBytes() async throws {
        let fixture = try await ServerFixture { $0.limits.maxQueryBytes = 1 << 20 }
        let filler = String(repeating: "x", count: 100_000)
        _ = try await fixture.ledger.append(contentsOf: (0..<20).map { _ in
            try Event(kind: .read, actor: .agent("etl"), inputs: [NodeID("dataset:a")], attributes: ["note": .string(filler)])
        })
        try await fixture.application.test(.router) { client in
            let answer = try await client.execute(
                uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: ByteBuffer(string: #"{"query":"EVENTS LIMIT 100"}"#)
            )
            #expect(answer.status == .ok)
            let rows = answer.json?["rows"]?.arrayValue?.count ?? 0
            #expect(rows >= 9 && rows <= 10, "\(rows) rows")
            #expect(answer.json?["truncated"]?.stringValue?.contains("1 MiB") == true, "\(answer.json?["truncated"] ?? .null)")
        }
    }

    @Test("at most two verifications run at once; a third is told to retry, and a slot frees when one ends")
    func verificationsAreLimited() async throws {
        let fixture = try await ServerFixture()
        #expect(fixture.state.startVerification() && fixture.state.startVerification())
        try await fixture.application.test(.router) { client in
            let busy = try await client.execute(uri: "/v1/verify", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(busy.status == .serviceUnavailable, "\(busy.text)")
            #expect(busy.headers[.retryAfter] == "5")
            fixture.state.endVerification()
            let ran = try await client.execute(uri: "/v1/verify", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)))
            #expect(ran.status == .ok && ran.text.contains(#""valid":true"#), "\(ran.text)")
        }
        // The run above gave its slot back: one is free again besides the one still taken.
        try await waitUntil { fixture.state.startVerification() }
        fixture.state.endVerification()
        fixture.state.endVerification()
    }

    @Test("the OpenAPI document gives every POST its 413 and 415, and POST /v1/events its 200 for a repeated client event id")
    func bodyErrorsDocumented() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let document = try await client.execute(uri: "/openapi.json", method: .get).json
            for spec in RouteTable.all where spec.method == .post {
                let responses = document?["paths"]?[spec.path]?["post"]?["responses"]
                #expect(responses?["413"] != nil && responses?["415"] != nil, "\(spec)")
            }
            #expect(document?["paths"]?["/v1/events"]?["post"]?["responses"]?["200"]?["description"]?.stringValue?.contains("duplicate") == true)
        }
    }

    @Test("a gate event whose request: node hides its colon behind a combining mark is refused, and nothing is written")
    func forgedRequestNode() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let forged = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)),
                body: ByteBuffer(string: #"{"kind":"request","inputs":["dataset:x"],"outputs":["request:\u0301x"],"attributes":{"action":"export","requiredApprovals":1e300}}"#)
            )
            #expect(forged.status == .forbidden, "\(forged.text)")
            #expect(forged.json?["error"]?["code"] == .string("gate_event"), "\(forged.text)")
        }
        #expect(try fixture.ledger.head().size == 0)
    }
}
