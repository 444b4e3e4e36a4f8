import CustosTestSupport
import Testing

@testable import CustosLedger

/// The fast canonical-entry reader must accept exactly what the slow, obvious definition
/// accepts: bytes that parse as an entry and re-encode to themselves.
@Suite("Entry view: the fast canonical reader")
struct EntryViewTests {
    /// The definition: parse, decode as an entry, re-encode, compare.
    static func referenceAccepts(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONParser.parse(bytes), case .object(let members) = value,
              case .number(let version)? = members["v"], version == 1,
              case .number(let seq)? = members["seq"], seq >= 0, seq == seq.rounded(), seq < 9_007_199_254_740_992,
              case .string(let timeText)? = members["time"], let time = Timestamp(rfc3339: timeText), time.description == timeText,
              case .string(let prevText)? = members["prev"], let prev = Hash256(hex: prevText), prev.hex == prevText,
              let event = try? Event(members: members, allowAssigned: true, limits: .unbounded)
        else { return false }
        return LedgerEntry.encode(content: event.canonicalContent(), prev: prev, seq: UInt64(seq), time: time) == bytes
    }

    static func entries() throws -> [[UInt8]] {
        var events = try EventFactory.sampleLines.map { try Event(json: $0) }
        events += EventFactory().transforms(20)
        events.append(try Event(
            kind: "odd.kind-1", actor: Actor(id: "human:o\"brien\\x", onBehalfOf: "service:\u{e9}t\u{e9}"),
            inputs: [NodeID("dataset:back\\slash"), NodeID("dataset:\u{1F600}")], outputs: [],
            attributes: ["z": 1e21, "a": -0.5, "\u{e9}": [true, false, nil], "nested": ["b": "\u{1}\n", "a": 12345678901234567], "tricky": "} \" { ] \\", "long": .string(String(repeating: "abcdefgh", count: 9) + "\"")],
            clientEventID: "id \"quoted\"", clientTime: "2026-01-01T00:00:00+01:00"
        ))
        events.append(try Event(
            kind: .transform, actor: .agent("etl"), inputs: [NodeID("dataset:a")], outputs: [NodeID("dataset:b")],
            edges: [ExplicitEdge(from: NodeID("field:a#email"), to: NodeID("field:b#email_hash"), relation: .mask), ExplicitEdge(from: NodeID("field:a#id"), to: NodeID("field:b#id"))]
        ))
        events.append(try Event(kind: .classify, actor: .service("scanner"), outputs: [NodeID("dataset:a"), NodeID("field:a#email")], attributes: ["tags": ["pii", "email"]]))
        return events.enumerated().map { index, event in
            LedgerEntry.encode(content: event.canonicalContent(), prev: Hash256.sha256([UInt8(index)]), seq: UInt64(index * 977), time: Timestamp(microseconds: 1_790_000_000_000_000 + Int64(index)))
        }
    }

    @Test("valid entries are read, fields and all")
    func validEntries() throws {
        for bytes in try Self.entries() {
            #expect(Self.referenceAccepts(bytes))
            let view = try bytes.withUnsafeBytes { try EntryView($0) }
            let entry = try LedgerEntry(bytes: bytes)
            #expect(entry.bytes == bytes)
            #expect(view.seq == entry.seq)
            #expect(try view.indexPlan().nodes.count >= 1)
            #expect(bytes.withUnsafeBytes { raw in Array(UnsafeRawBufferPointer(rebasing: raw[0..<(try! EntryView(raw)).content.count])) } == entry.event.canonicalContent())
        }
    }

    @Test("index plans read from entries into one reused storage are the writer's plans")
    func indexPlansReused() throws {
        var events = try Self.entries().map { try LedgerEntry(bytes: $0).event }
        // Many nodes (a dictionary finds positions), many repeated edges (a set drops them),
        // and one escaped name among them (names are copied, not read in place).
        let many = (0..<20).map { NodeID(unchecked: "dataset:m\($0 % 17)") }
        events.append(try Event(kind: .transform, actor: .agent("wide"), inputs: many, outputs: many.reversed() + [NodeID("dataset:q\"uoted")]))
        events.append(try Event(kind: .transform, actor: .agent("wide"), inputs: [NodeID("dataset:a")] + many, outputs: many))
        func described(_ plan: IndexPlan) -> [String] {
            ["\(plan.onBehalfOf ?? -1)", "\(plan.nodeRoles.map { "\($0.node)/\($0.role)" })", "\(plan.edges.map { "\($0.from)-\($0.relation)-\($0.to)-\($0.role)" })", "\(plan.tags)", "\(plan.tagTargets)"]
        }
        var reused = EntryView.Parts()
        // Forwards and backwards, so that plans are built over larger and smaller ones.
        for event in events + events.reversed() {
            var nodes: [String] = []
            var terms: [String] = []
            let expected = IndexPlan(
                actor: event.actor.id.rawValue, onBehalfOf: event.actor.onBehalfOf?.rawValue, inputs: event.inputs.map(\.rawValue),
                outputs: event.outputs.map(\.rawValue), explicit: event.edges.map { ($0.from.rawValue, $0.to.rawValue, $0.relation?.rawValue) },
                kind: event.kind.rawValue, tags: event.classifiedTags, nodes: &nodes, terms: &terms
            )
            let bytes = LedgerEntry.encode(content: event.canonicalContent(), prev: .zero, seq: 0, time: Timestamp(microseconds: 1_790_000_000_000_000))
            try bytes.withUnsafeBytes { raw in
                let view = try EntryView(raw)
                try view.indexPlan(into: &reused)
                #expect(reused.nodes.map(\.text) == nodes)
                #expect(reused.terms.map(\.text) == terms)
                #expect(described(reused.plan) == described(expected))
                let fresh = try view.indexPlan()
                #expect(described(fresh.plan) == described(expected))
            }
        }
    }

    @Test("an entry's index plan, written out by hand: node and term order, edges, roles, tags")
    func indexPlanByHand() throws {
        let transform = try Event(
            kind: .transform, actor: Actor(id: "agent:etl", onBehalfOf: "human:ann"),
            inputs: [NodeID("dataset:a"), NodeID("dataset:b")], outputs: [NodeID("dataset:c"), NodeID("dataset:a")],
            edges: [ExplicitEdge(from: NodeID("field:a#x"), to: NodeID("field:c#y"), relation: .mask), ExplicitEdge(from: NodeID("field:b#z"), to: NodeID("field:c#y"))]
        )
        let classify = try Event(kind: .classify, actor: .service("scanner"), outputs: [NodeID("dataset:a"), NodeID("field:a#email")], attributes: ["tags": ["pii", "email"]])
        let expected: [(Event, nodes: [String], terms: [String], onBehalfOf: Int?, roles: String, edges: String, tags: [Int], targets: [Int])] = [
            (
                transform, ["agent:etl", "human:ann", "dataset:a", "dataset:b", "dataset:c", "field:a#x", "field:c#y", "field:b#z"], ["transform", "mask"], 1,
                "2/0 3/0 4/1 2/1 5/2 6/2 7/2",
                "2-0-4-data 3-0-4-data 3-0-2-data 5-1-6-data 7-0-6-data 0-0-4-actor 0-0-2-actor", [], []
            ),
            (classify, ["service:scanner", "dataset:a", "field:a#email"], ["classify", "pii", "email"], nil, "1/1 2/1", "0-0-1-actor 0-0-2-actor", [1, 2], [1, 2]),
        ]
        var reused = EntryView.Parts()
        for (event, nodes, terms, onBehalfOf, roles, edges, tags, targets) in expected + expected {
            let bytes = LedgerEntry.encode(content: event.canonicalContent(), prev: .zero, seq: 0, time: Timestamp(microseconds: 1_790_000_000_000_000))
            try bytes.withUnsafeBytes { raw in
                try EntryView(raw).indexPlan(into: &reused)
                let plan = reused.plan
                #expect(reused.nodes.map(\.text) == nodes)
                #expect(reused.terms.map(\.text) == terms)
                #expect(plan.onBehalfOf == onBehalfOf)
                #expect(plan.nodeRoles.map { "\($0.node)/\($0.role)" }.joined(separator: " ") == roles)
                #expect(plan.edges.map { "\($0.from)-\($0.relation)-\($0.to)-\($0.role)" }.joined(separator: " ") == edges)
                #expect(plan.tags == tags && plan.tagTargets == targets)
            }
        }
    }

    @Test("fields read in place, without checking, are the decoded entry's")
    func fieldsInPlace() throws {
        for bytes in try Self.entries() {
            let entry = try LedgerEntry(bytes: bytes)
            let event = entry.event
            try bytes.withUnsafeBytes { raw in
                var fields = EntryFields(view: try EntryView(raw, strict: false))
                #expect(fields.seq == entry.seq)
                #expect(fields.time == entry.time)
                #expect(fields.timeText == entry.time.description)
                #expect(fields.kind == event.kind.rawValue)
                #expect(fields.actorID == event.actor.id.rawValue)
                #expect(fields.actorType == event.actor.kind)
                #expect(fields.onBehalfOf == event.actor.onBehalfOf?.rawValue)
                #expect(fields.inputs == event.inputs.map(\.rawValue))
                #expect(fields.outputs == event.outputs.map(\.rawValue))
                #expect(fields.edgeEnds == event.edges.flatMap { [$0.from.rawValue, $0.to.rawValue] })
                #expect(fields.clientEventID == event.clientEventID)
                #expect(try fields.attributes() == event.attributes)
                #expect(try fields.entry() == entry)
            }
        }
    }

    @Test("the unchecked string and value skippers find the same ends as the checking reader")
    func skippers() throws {
        let texts = [#""""#, #""a""#, #""abcdefghijklmnop""#, #""ab\"cd""#, #""\\""#, #""\\\"""#, #""12345678\"1234567\\\\""#, #""é\u0001x""#]
        for text in texts {
            let bytes = Array((text + ",").utf8)
            try bytes.withUnsafeBytes { raw in
                var strict = CanonicalJSONValidator(raw)
                var loose = CanonicalJSONValidator(raw, strict: false)
                let expected = try strict.string()
                let found = try loose.string()
                #expect(found.range == expected.range, "\(text)")
                #expect(found.hasEscapes == expected.hasEscapes, "\(text)")
            }
        }
        let values = [#"{"a":"}","b":[1,{"c":"]\"{"}],"d":{}}"#, #"[]"#, #"[[],[{}],"[\\"]"#, #"{"k":"\\\\"}"#]
        for text in values {
            let bytes = Array((text + ",").utf8)
            try bytes.withUnsafeBytes { raw in
                var loose = CanonicalJSONValidator(raw, strict: false)
                try loose.skipValue()
                #expect(loose.position == bytes.count - 1, "\(text)")
            }
        }
        for cut in [#""abc"#, #"{"a":"b""#, #"["\"]"#] {
            let bytes = Array(cut.utf8)
            let failed = bytes.withUnsafeBytes { raw in
                var loose = CanonicalJSONValidator(raw, strict: false)
                do {
                    try loose.skipValue()
                    return false
                } catch {
                    return true
                }
            }
            #expect(failed, "\(cut)")
        }
    }

    @Test("mutated entries are refused exactly when the definition refuses them")
    func differential() throws {
        var generator = SplitMix64(seed: 2026)
        let alphabet = Array(#"{}[]",:\0123456789.eE-+ntfu"abzé"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xFF]
        var accepted = 0
        var refused = 0
        for bytes in try Self.entries() {
            for _ in 0..<600 {
                var mutated = bytes
                let position = Int(generator.next() % UInt64(mutated.count))
                switch generator.next() % 3 {
                case 0: mutated[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: mutated.remove(at: position)
                default: mutated.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                }
                let fast = (try? mutated.withUnsafeBytes { try EntryView($0) }) != nil
                let reference = Self.referenceAccepts(mutated)
                #expect(fast == reference, "\(String(decoding: mutated, as: UTF8.self))")
                if fast { accepted += 1 } else { refused += 1 }
            }
        }
        #expect(accepted > 100 && refused > 1_000)
    }
}
