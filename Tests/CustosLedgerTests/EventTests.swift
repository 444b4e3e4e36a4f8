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
