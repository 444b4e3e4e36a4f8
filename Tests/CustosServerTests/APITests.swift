import CustosLedger
import CustosServer
import CustosTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Server API: events, queries, lineage, proofs, verification, masking, keys")
struct APITests {
    @Test("events in one, as a JSON array or as NDJSON; the actor is the authenticated identity")
    func appendEvents() async throws {
        let fixture = try await ServerFixture()
        let agent = fixture.key(.agent)
        try await fixture.application.test(.router) { client in
            let one = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent),
                body: ByteBuffer(string: #"{"kind":"transform","inputs":["dataset:a"],"outputs":["dataset:b"],"onBehalfOf":"human:dana@example.com"}"#)
            )
            #expect(one.status == .created, "\(one.text)")
            #expect(one.json?["seq"] == .number(0))
            let batch = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent),
                body: ByteBuffer(string: #"[{"kind":"read","inputs":["dataset:b"]},{"kind":"read","inputs":["dataset:a"],"actor":"agent:agent-one"}]"#)
            )
            #expect(batch.status == .created)
            #expect(batch.json?["count"] == .number(2))
            let ndjson = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent, contentType: "application/x-ndjson"),
                body: ByteBuffer(string: "{\"kind\":\"read\",\"inputs\":[\"dataset:c\"]}\n\n{\"kind\":\"read\",\"inputs\":[\"dataset:d\"],\"clientEventId\":\"x-1\"}\n")
            )
            #expect(ndjson.json?["count"] == .number(2), "\(ndjson.text)")
            // Repeating a client event id answers the first seq and writes nothing.
            let again = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent),
                body: ByteBuffer(string: #"{"kind":"read","inputs":["dataset:d"],"clientEventId":"x-1"}"#)
            )
            #expect(again.status == .ok)
            #expect(again.json?["duplicate"] == .bool(true))
            #expect(again.json?["seq"] == .number(4))
        }
        let first = try fixture.ledger.entry(at: 0)
        #expect(first.event.actor.id.rawValue == "agent:agent-one")
        #expect(first.event.actor.onBehalfOf?.rawValue == "human:dana@example.com")
        #expect(try fixture.ledger.head().size == 5)
    }

    @Test("credentials in any scheme case and with spaces or tabs around them; other schemes and empty ones are refused")
    func credentialForms() async throws {
        let fixture = try await ServerFixture()
        let agent = fixture.key(.agent)
        try await fixture.application.test(.router) { client in
            func post(_ name: HTTPField.Name, _ value: String, contentType: String = "application/json") async throws -> TestResponse {
                var headers = HTTPFields()
                headers[name] = value
                headers[.contentType] = contentType
                return try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: ByteBuffer(string: #"{"kind":"read","inputs":["dataset:a"]}"#))
            }
            let apiKey = HTTPField.Name("X-API-Key")!
            let accepted: [(HTTPField.Name, String)] = [
                (.authorization, "Bearer \(agent)"), (.authorization, "bearer \(agent)"), (.authorization, "BEARER\t\(agent)  "),
                (.authorization, "  Bearer   \(agent)"), (apiKey, agent), (apiKey, " \t\(agent) "),
            ]
            for (name, value) in accepted {
                let response = try await post(name, value)
                #expect(response.status == .created, "\(name): \(value.replacingOccurrences(of: agent, with: "KEY")) → \(response.status)")
            }
            let refused: [(HTTPField.Name, String)] = [
                (.authorization, "Basic \(agent)"), (.authorization, "Bearer"), (.authorization, "Bearer   "), (.authorization, "Bearerx \(agent)"),
                (.authorization, agent), (apiKey, "   "), (.authorization, "Bearer \(agent)x"),
            ]
            for (name, value) in refused {
                let response = try await post(name, value)
                #expect(response.status == .unauthorized, "\(name): \(value.replacingOccurrences(of: agent, with: "KEY")) → \(response.status)")
            }
            // The NDJSON content type is found in any case and with parameters.
            let ndjson = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent, contentType: "Application/X-NDJSON; charset=utf-8"),
                body: ByteBuffer(string: "{\"kind\":\"read\",\"inputs\":[\"dataset:c\"]}\n{\"kind\":\"read\",\"inputs\":[\"dataset:d\"]}\n")
            )
            #expect(ndjson.json?["count"] == .number(2), "\(ndjson.text)")
        }
        // Every accepted request wrote its event; the refused ones wrote none (only the record
        // of the refusal).
        let size = try fixture.ledger.head().size
        let reads = try (0..<size).filter { try fixture.ledger.entry(at: $0).event.kind == "read" }
        #expect(reads.count == 6 + 2)
    }

    @Test("bad events get a 4xx with a useful body and write nothing")
    func badEvents() async throws {
        let fixture = try await ServerFixture { $0.limits.maxBodyBytes = 4_096; $0.limits.maxBatchEvents = 3 }
        let agent = fixture.key(.agent)
        try await fixture.application.test(.router) { client in
            func post(_ body: String, contentType: String = "application/json") async throws -> TestResponse {
                try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: agent, contentType: contentType), body: ByteBuffer(string: body))
            }
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"kind":"read""#, .badRequest, "invalid_json"),
                (#"{"inputs":["dataset:a"]}"#, .badRequest, "invalid_event"),
                (#"{"kind":"read","inputs":"dataset:a"}"#, .badRequest, "invalid_event"),
                (#"{"kind":"read","inputs":["no type"]}"#, .badRequest, "invalid_event"),
                (#"{"kind":"read","actor":"agent:someone-else"}"#, .badRequest, "actor_mismatch"),
                (#"[{"kind":"read"},{"kind":"read","seq":4}]"#, .badRequest, "invalid_event"),
                (#"[{"kind":"read"},{"kind":"read"},{"kind":"read"},{"kind":"read"}]"#, .contentTooLarge, "too_large"),
                ("{\"kind\":\"read\"}\nnot json\n", .badRequest, "invalid_json"),
                (#"{"kind":"read","attributes":{"x":""# + String(repeating: "a", count: 5_000) + #""}}"#, .contentTooLarge, "too_large"),
                ("42", .badRequest, "invalid_event"),
            ]
            for (body, status, code) in cases {
                let response = try await post(body)
                #expect(response.status == status, "\(body.prefix(60)): \(response.status) \(response.text)")
                #expect(response.json?["error"]?["code"] == .string(code), "\(body.prefix(60)): \(response.text)")
                #expect(response.json?["error"]?["message"]?.stringValue?.isEmpty == false)
            }
            let line = try await post("{\"kind\":\"read\"}\n{\"kind\":\n", contentType: "application/x-ndjson")
            #expect(line.json?["error"]?["message"]?.stringValue?.contains("line 2") == true, "\(line.text)")
            let batch = try await post(#"[{"kind":"read"},{"kind":"Bad Kind"}]"#)
            #expect(batch.json?["error"]?["message"]?.stringValue?.hasPrefix("event 1:") == true, "\(batch.text)")
        }
        #expect(try fixture.ledger.head().size == 0)
    }

    @Test("entries read back as stored, one by one and streamed in pages")
    func readEvents() async throws {
        let fixture = try await ServerFixture()
        let factory = EventFactory()
        _ = try await fixture.ledger.append(contentsOf: factory.transforms(700))
        let auditor = fixture.key(.auditor)
        try await fixture.application.test(.router) { client in
            let one = try await client.execute(uri: "/v1/events/3", method: .get, headers: ServerFixture.headers(key: auditor))
            let stored = try fixture.ledger.entry(at: 3)
            #expect(Array(one.text.utf8.dropLast()) == stored.bytes)
            #expect(one.headers[HTTPField.Name("X-Custos-Leaf-Hash")!] == stored.leafHash.hex)
            let missing = try await client.execute(uri: "/v1/events/9999", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(missing.status == .notFound)
            #expect(missing.json?["error"]?["code"] == .string("no_such_entry"))
            let notANumber = try await client.execute(uri: "/v1/events/abc", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(notANumber.status == .badRequest)
            let page = try await client.execute(uri: "/v1/events?after=99&limit=500", method: .get, headers: ServerFixture.headers(key: auditor))
            let lines = page.text.split(separator: "\n")
            #expect(lines.count == 500)
            #expect(page.headers[HTTPField.Name("X-Custos-Next-After")!] == "599")
            #expect(try LedgerEntry(bytes: Array(lines[0].utf8)).seq == 100)
            #expect(try LedgerEntry(bytes: Array(lines[499].utf8)).seq == 599)
            let bad = try await client.execute(uri: "/v1/events?limit=0", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(bad.status == .badRequest)
        }
    }

    @Test("LQL over HTTP, positioned errors, and traces with their bounds")
    func queryAndLineage() async throws {
        let fixture = try await ServerFixture()
        for (input, output) in [("dataset:src", "dataset:mid"), ("dataset:mid", "dataset:out")] {
            _ = try await fixture.ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID(input)], outputs: [NodeID(output)]))
        }
        _ = try await fixture.ledger.append(Event(kind: .export, actor: .agent("etl"), inputs: [NodeID("dataset:out")], outputs: [NodeID("export:s3://x/out.csv")]))
        let auditor = fixture.key(.auditor)
        try await fixture.application.test(.router) { client in
            let result = try await client.execute(uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: auditor), body: ByteBuffer(string: #"{"query":"COUNT EVENTS WHERE kind = $kind","params":{"kind":"transform"}}"#))
            #expect(result.status == .ok)
            #expect(result.json?["rows"]?.arrayValue?.first?["count"] == .number(2), "\(result.text)")
            let ndjson = try await client.execute(uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: auditor), body: ByteBuffer(string: #"{"query":"FIND EXPORTS WITHOUT APPROVAL","format":"ndjson"}"#))
            #expect(ndjson.text.split(separator: "\n").count == 1)
            let invalid = try await client.execute(uri: "/v1/query", method: .post, headers: ServerFixture.headers(key: auditor), body: ByteBuffer(string: #"{"query":"TRACE UPSTRAEM FROM \"export:s3://x/out.csv\""}"#))
            #expect(invalid.status == .badRequest)
            #expect(invalid.json?["error"]?["code"] == .string("invalid_query"))
            #expect(invalid.json?["error"]?["message"]?.stringValue?.contains("1:7") == true, "\(invalid.text)")
            let trace = try await client.execute(uri: "/v1/lineage?node=export:s3://x/out.csv&depth=10", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(trace.json?["count"] == .number(3), "\(trace.text)")
            let shallow = try await client.execute(uri: "/v1/lineage?node=export:s3://x/out.csv&depth=1", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(shallow.json?["truncated"]?.stringValue?.contains("depth") == true, "\(shallow.text)")
            let asOf = try await client.execute(uri: "/v1/lineage?node=dataset:out&asOf=2", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(asOf.json?["count"] == .number(2), "\(asOf.text)")
            let unknown = try await client.execute(uri: "/v1/lineage?node=dataset:nowhere", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(unknown.status == .notFound)
            let tooDeep = try await client.execute(uri: "/v1/lineage?node=dataset:out&depth=100000", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(tooDeep.status == .badRequest)
        }
    }

    @Test("checkpoints and proofs check out offline; verification streams its progress")
    func proofsAndVerify() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.ledger.append(contentsOf: EventFactory().transforms(300))
        _ = try await fixture.ledger.signCheckpoint()
        _ = try await fixture.ledger.append(contentsOf: EventFactory().transforms(50, startingAt: 300))
        let signed = try await fixture.ledger.signCheckpoint()
        let auditor = fixture.key(.auditor)
        let key = try #require(fixture.ledger.verifierKey)
        try await fixture.application.test(.router) { client in
            let current = try await client.execute(uri: "/v1/checkpoint", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(current.json?["size"] == .number(350))
            #expect(current.json?["latestSigned"]?["size"] == .number(350))
            let list = try await client.execute(uri: "/v1/checkpoints", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(list.json?["checkpoints"]?.arrayValue?.count == 2)
            let inclusion = try await client.execute(uri: "/v1/proofs/inclusion?seq=123", method: .get, headers: ServerFixture.headers(key: auditor))
            let document = try ProofDocument(json: inclusion.text)
            _ = try document.verify(key: key)
            let consistency = try await client.execute(uri: "/v1/proofs/consistency?from=300&to=350", method: .get, headers: ServerFixture.headers(key: auditor))
            _ = try ProofDocument(json: consistency.text).verify(key: key)
            let beyond = try await client.execute(uri: "/v1/proofs/consistency?from=300&to=999", method: .get, headers: ServerFixture.headers(key: auditor))
            #expect(beyond.status == .badRequest)
            let verify = try await client.execute(uri: "/v1/verify", method: .post, headers: ServerFixture.headers(key: auditor), body: ByteBuffer(string: #"{"indexes":true}"#))
            let lines = verify.text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            #expect(lines.contains { $0["progress"] != nil })
            #expect(lines.last?["report"]?["valid"] == .bool(true), "\(verify.text)")
            #expect(lines.last?["report"]?["entriesChecked"] == .number(350))
            #expect(signed.size == 350)
        }
    }

    @Test("payloads are masked before the agent sees them, and the masking can be recorded")
    func mask() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/mask?record=true&input=dataset:tickets/raw&output=dataset:tickets/masked", method: .post,
                headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: #"{"note":"call 555-234-5678 or ana@example.com","n":4111111111111111}"#)
            )
            #expect(response.status == .ok)
            #expect(response.text == #"{"note":"call <PHONE> or <EMAIL>","n":"<CARD_NUMBER>"}"#)
            #expect(response.headers[HTTPField.Name("X-Custos-Mask-Total")!] == "3")
            #expect(response.headers[HTTPField.Name("X-Custos-Recorded-Seq")!] == "0")
        }
        let entry = try fixture.ledger.entry(at: 0)
        #expect(entry.event.kind == .mask)
        #expect(entry.event.actor.id.rawValue == "agent:agent-one")
        #expect(!String(decoding: entry.bytes, as: UTF8.self).contains("ana@"))
    }

    @Test("admins make and revoke keys over HTTP; a revoked key stops working")
    func keys() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/keys", method: .post, headers: ServerFixture.headers(key: fixture.key(.admin)),
                body: ByteBuffer(string: #"{"identity":"agent:new-bot","roles":["agent"],"description":"test"}"#)
            )
            #expect(created.status == .created, "\(created.text)")
            let key = try #require(created.json?["key"]?.stringValue)
            let id = try #require(created.json?["id"]?.stringValue)
            let list = try await client.execute(uri: "/v1/keys", method: .get, headers: ServerFixture.headers(key: fixture.key(.admin)))
            #expect(!list.text.contains(key))
            #expect(list.text.contains(id))
            let use = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: key), body: ByteBuffer(string: #"{"kind":"read"}"#))
            #expect(use.status == .created)
            let revoked = try await client.execute(uri: "/v1/keys/\(id)", method: .delete, headers: ServerFixture.headers(key: fixture.key(.admin)))
            #expect(revoked.status == .ok)
            let after = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: key), body: ByteBuffer(string: #"{"kind":"read"}"#))
            #expect(after.status == .unauthorized)
            let badRole = try await client.execute(uri: "/v1/keys", method: .post, headers: ServerFixture.headers(key: fixture.key(.admin)), body: ByteBuffer(string: #"{"identity":"agent:x","roles":["root"]}"#))
            #expect(badRole.status == .badRequest)
        }
        // The file holds hashes, never a key, and only its owner can read it.
        let path = fixture.ledger.path + "/api-keys.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in fixture.keys.values { #expect(!text.contains(key)) }
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test("health, metrics and the document need no key; metrics count what happened")
    func system() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            _ = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: #"[{"kind":"read"},{"kind":"read"}]"#))
            _ = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: nil), body: ByteBuffer(string: #"{"kind":"read"}"#))
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.json?["status"] == .string("ok"))
            _ = try await client.execute(uri: "/healthz", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("custos_events_appended_total 3"), "\(metrics.text)")
            #expect(metrics.text.contains(#"custos_http_requests_total{route="/v1/events",method="POST",status="201"} 1"#))
            #expect(metrics.text.contains(#"custos_http_requests_total{route="/healthz",method="GET",status="200"} 2"#), "\(metrics.text)")
            #expect(metrics.text.contains(#"custos_access_denied_total{status="401"} 1"#))
            #expect(metrics.text.contains("custos_append_batch_events_bucket"))
        }
        let guarded = try await ServerFixture { $0.metricsNeedKey = true }
        try await guarded.application.test(.router) { client in
            let without = try await client.execute(uri: "/metrics", method: .get)
            #expect(without.status == .unauthorized)
            let with = try await client.execute(uri: "/metrics", method: .get, headers: ServerFixture.headers(key: guarded.key(.auditor)))
            #expect(with.status == .ok)
        }
    }
}
