import Testing

@testable import CustosLedger

@Suite("Events: decoding and validation")
struct EventTests {
    @Test("a full event decodes, with the actor normalized")
    func decodeFull() throws {
        let event = try Event(json: #"{"kind":"transform","actor":{"id":"etl-bot","type":"agent","onBehalfOf":"human:alice@example.com"},"inputs":["dataset:pg://crm/public.customers"],"outputs":["dataset:s3://lake/customers"],"attributes":{"rows":3},"clientEventId":"r1","clientTime":"2026-11-22T09:00:00+02:00"}"#)
        #expect(event.kind == .transform)
        #expect(event.actor.id.rawValue == "agent:etl-bot")
        #expect(event.actor.kind == .agent)
        #expect(event.actor.onBehalfOf?.rawValue == "human:alice@example.com")
        #expect(event.inputs.map(\.rawValue) == ["dataset:pg://crm/public.customers"])
        #expect(event.attributes["rows"] == .number(3))
        #expect(event.clientEventID == "r1")
    }

    @Test("an actor given as a string is its node id")
    func actorShorthand() throws {
        let event = try Event(json: #"{"kind":"read","actor":"human:bob@example.com","inputs":["dataset:x"]}"#)
        #expect(event.actor.kind == .human)
        #expect(event.outputs.isEmpty)
        #expect(event.attributes.isEmpty)
    }

    @Test("invalid events are refused with the field and a fix", arguments: [
        (#"{"actor":"agent:a"}"#, "kind", "is required"),
        (#"{"kind":"Transform","actor":"agent:a"}"#, "kind", "not a valid kind"),
        (#"{"kind":"read"}"#, "actor", "is required"),
        (#"{"kind":"read","actor":"bob"}"#, "actor.id", "must start with human:, agent: or service:"),
        (#"{"kind":"read","actor":{"id":"agent:a","type":"human"}}"#, "actor.type", "is a agent"),
        (#"{"kind":"read","actor":{"id":"a","type":"robot"}}"#, "actor.type", "must be"),
        (#"{"kind":"read","actor":"agent:a","inputs":["customers"]}"#, "inputs[0]", "has no type"),
        (#"{"kind":"read","actor":"agent:a","inputs":["Dataset:x"]}"#, "inputs[0]", "must be 1 to 32 characters"),
        (#"{"kind":"read","actor":"agent:a","outputs":["dataset:"]}"#, "outputs[0]", "empty name"),
        (#"{"kind":"read","actor":"agent:a","outputs":["dataset: x"]}"#, "outputs[0]", "white space"),
        (#"{"kind":"read","actor":"agent:a","inputs":"dataset:x"}"#, "inputs", "must be an array"),
        (#"{"kind":"read","actor":"agent:a","attributes":[1]}"#, "attributes", "must be a JSON object"),
        (#"{"kind":"read","actor":{"id":"agent:a","name":"x"}}"#, "actor.name", "not an actor field"),
        (#"{"kind":"read","actor":{"type":"agent"}}"#, "actor.id", "is required"),
        (#"{"kind":"read","actor":{"id":"agent:a","onBehalfOf":7}}"#, "actor.onBehalfOf", "must be a string"),
        (#"{"kind":"read","actor":"agent:a","seq":4}"#, "seq", "assigned by the ledger"),
        (#"{"kind":"read","actor":"agent:a","input":["dataset:x"]}"#, "input", "not an event field"),
        (#"{"kind":"read","actor":"agent:a","clientTime":"yesterday"}"#, "clientTime", "not an RFC 3339 time"),
        (#"{"kind":"read","actor":"agent:a","clientEventId":""}"#, "clientEventId", "must be 1 to"),
    ])
    func invalid(json: String, field: String, reason: String) {
        do {
            _ = try Event(json: json)
            Issue.record("expected \(json) to be refused")
        } catch {
            guard case .invalidEvent(let eventError) = error else {
                Issue.record("expected an invalid event, got \(error)")
                return
            }
            #expect(eventError.field == field)
            #expect(eventError.reason.contains(reason), "\(eventError.reason)")
        }
    }

    @Test("node ids: the type, the colon, the name, each boundary", arguments: [
        ("dataset:x", nil), ("a:b", nil), ("a1_-z:name with inner spaces", nil), ("dataset:\u{1F600}", nil),
        (String(repeating: "t", count: 32) + ":x", nil), ("dataset:a:b", nil), ("dataset:x\u{7E}", nil),
        ("", "is empty"), ("customers", "has no type"), (":x", "must be 1 to 32 characters"),
        (String(repeating: "t", count: 33) + ":x", "must be 1 to 32 characters"),
        (String(repeating: "t", count: 40), "has no type"), ("Dataset:x", "must be 1 to 32 characters"),
        ("1set:x", "must be 1 to 32 characters"), ("data set:x", "must be 1 to 32 characters"),
        ("data.set:x", "must be 1 to 32 characters"), ("dataset:", "empty name"), ("dataset: x", "white space"),
        ("dataset:x\t", "white space"), ("dataset:a\u{7F}b", "control character"), ("dataset:a\nb", "control character"),
        // Characters that would let one id pass for another before an approver's eyes.
        ("dataset:prod/customers\u{200B}", "U+200B"), ("human:ann\u{202E}moc.elpmaxe@", "U+202E"), ("dataset:a\u{2066}b", "U+2066"),
        ("dataset:a\u{AD}b", "U+AD"), ("dataset:a\u{85}b", "U+85"), ("dataset:a\u{FEFF}", "U+FEFF"), ("dataset:a\u{E0041}", "U+E0041"),
        ("dataset:a\u{2028}b", "U+2028"), ("dataset:caf\u{E9}", nil), ("dataset:cafe\u{301}", nil), ("dataset:\u{645}\u{200C}\u{62A}", nil),
    ] as [(String, String?)])
    func nodeIDs(id: String, refusal: String?) {
        do {
            _ = try NodeID(id)
            #expect(refusal == nil, "expected \(id) to be refused")
        } catch {
            #expect(refusal.map { error.reason.contains($0) } == true, "\(id): \(error.reason)")
        }
        var limited = EventLimits()
        limited.maxNodeIDBytes = 8
        #expect(throws: EventError.self) { try NodeID("dataset:abc", limits: limited) }
    }

    @Test("ids with invisible characters are refused when appended and still read and verify where a log has them")
    func deceptiveIDsInOlderLogs() async throws {
        let hidden = "dataset:prod/customers\u{200B}"
        let json = #"{"kind":"read","actor":{"id":"agent:a","type":"agent"},"inputs":["\#(hidden)"]}"#
        #expect(throws: EventDecodingError.self) { try Event(json: json) }
        // A log written when such ids were accepted (as by older versions) still reads and verifies.
        var permissive = EventLimits()
        permissive.allowsDeceptiveCharacters = true
        let (ledger, folder) = try makeLedger { $0.limits = permissive }
        _ = try await ledger.append(try Event(json: json, limits: permissive))
        await ledger.close()
        let reopened = try Ledger.open(at: folder.file("store"))
        #expect(try reopened.verify().isValid)
        #expect(try reopened.entry(at: 0).event.inputs.first?.rawValue == hidden)
        await reopened.close()
    }

    @Test("malformed JSON is reported as such, with its position")
    func malformed() {
        #expect(throws: EventDecodingError.self) { try Event(json: "{\"kind\":") }
        do {
            _ = try Event(json: "{\"kind\":\n  tru}")
        } catch {
            #expect(error.description.contains("line 2"))
        }
    }

    @Test("limits bound the nodes and edges of one event")
    func limits() throws {
        var limits = EventLimits()
        limits.maxNodes = 3
        let nodes = try (0..<4).map { try NodeID("dataset:d\($0)") }
        #expect(throws: EventError.self) { try Event(kind: .transform, actor: .agent("a"), inputs: nodes, limits: limits) }
        limits = EventLimits()
        limits.maxEdges = 10
        #expect(throws: EventError.self) {
            try Event(kind: .transform, actor: .agent("a"), inputs: Array(nodes.prefix(3)), outputs: Array(nodes.suffix(3)), limits: limits)
        }
    }

    @Test("a bad attribute deep inside is named by its whole path")
    func attributePaths() throws {
        func field(_ attributes: [String: JSONValue], limits: EventLimits = .standard) -> String? {
            do {
                _ = try Event(kind: .transform, actor: .agent("a"), attributes: attributes, limits: limits)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(["rows": 3, "detail": ["ok": true]]) == nil)
        #expect(field(["ratio": .number(.infinity)]) == "attributes.ratio")
        #expect(field(["runs": .array([1, .object(["ms": .number(.nan)])])]) == "attributes.runs[1].ms")
        var shallow = EventLimits()
        shallow.maxAttributeDepth = 2
        #expect(field(["a": ["b": ["c": 1]]], limits: shallow) == "attributes.a.b")
    }

    @Test("repeated inputs, outputs and explicit edges make each edge once, in first-seen order, few or many")
    func repeatedEdges() throws {
        func node(_ name: String) throws -> NodeID { try NodeID("dataset:\(name)") }
        // Few edges (the search in place): x→z twice over, once more as an explicit edge.
        let few = try Event(
            kind: .transform, actor: .agent("a"), inputs: [node("x"), node("y"), node("x")], outputs: [node("z")],
            edges: [ExplicitEdge(from: node("x"), to: node("z")), ExplicitEdge(from: node("y"), to: node("y"))]
        )
        #expect(EdgeMapping.edges(of: few).map { "\($0.from.rawValue)>\($0.to.rawValue)" } == ["dataset:x>dataset:z", "dataset:y>dataset:z", "agent:a>dataset:z"])
        // Many edges (hashed): 5 inputs, one repeated, × 4 outputs, and the actor's edges.
        let inputs = try ["a", "b", "c", "a", "d"].map(node)
        let outputs = try ["p", "q", "r", "s"].map(node)
        let many = try Event(kind: .transform, actor: .agent("a"), inputs: inputs, outputs: outputs)
        var expected: [String] = []
        for input in inputs {
            for output in outputs where !expected.contains("\(input.rawValue)>\(output.rawValue)") { expected.append("\(input.rawValue)>\(output.rawValue)") }
        }
        expected += outputs.map { "agent:a>\($0.rawValue)" }
        #expect(EdgeMapping.edges(of: many).map { "\($0.from.rawValue)>\($0.to.rawValue)" } == expected)
        #expect(expected.count == 20)
    }

    @Test("canonical content plus the assigned members is the RFC 8785 form of the whole entry")
    func contentIsCanonical() throws {
        let event = try Event(json: EventFactory_sample)
        let bytes = LedgerEntry.encode(content: event.canonicalContent(), prev: .zero, seq: 12, time: Timestamp(microseconds: 1_700_000_000_123_456))
        var object = event.jsonValue.objectValue ?? [:]
        object["prev"] = .string(Hash256.zero.hex)
        object["seq"] = 12
        object["time"] = "2023-11-14T22:13:20.123456Z"
        object["v"] = 1
        #expect(bytes == CanonicalJSON.encode(.object(object)))
        let entry = try LedgerEntry(bytes: bytes)
        #expect(entry.event == event)
        #expect(entry.seq == 12)
    }

    @Test("edges: inputs to outputs, and the actor to what it acted on")
    func edges() throws {
        let event = try Event(json: #"{"kind":"transform","actor":"agent:a","inputs":["dataset:x","dataset:y","dataset:x"],"outputs":["dataset:z"]}"#)
        let edges = EdgeMapping.edges(of: event)
        #expect(edges.count == 3)
        #expect(edges.contains(Edge(from: try NodeID("dataset:x"), relation: .transform, to: try NodeID("dataset:z"), role: .data)))
        #expect(edges.contains(Edge(from: try NodeID("agent:a"), relation: .transform, to: try NodeID("dataset:z"), role: .actor)))
        let approval = try Event(json: #"{"kind":"approve","actor":"human:b","inputs":["request:r1"]}"#)
        #expect(EdgeMapping.edges(of: approval) == [Edge(from: try NodeID("human:b"), relation: .approve, to: try NodeID("request:r1"), role: .actor)])
    }
}

let EventFactory_sample = #"{"kind":"export","actor":{"id":"agent:export-bot","onBehalfOf":"human:alice@example.com"},"inputs":["dataset:s3://lake/masked/customers"],"outputs":["export:s3://partner/q3.csv"],"attributes":{"rows":1200,"format":"csv","ratio":0.25,"tags":["pii","masked"]},"clientEventId":"export-q3","clientTime":"2026-11-22T07:41:51Z"}"#
