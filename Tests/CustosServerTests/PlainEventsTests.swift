import CustosLedger
import NIOCore
import Testing

@testable import CustosServer

/// `POST /v1/events` reads bodies of the plain shape straight from their bytes
/// (`SubmittedEvent`) and every other body through the general parser. The fast reader must
/// never change an answer: on every body it reads, it must give exactly the events the
/// general way gives, and give up on every body the general way refuses.
@Suite("Plain event bodies read without a JSON tree")
struct PlainEventsTests {
    // A valid id, by construction.
    static let principal = Principal(identity: try! NodeID("agent:etl-bot"), roles: [.agent], method: .apiKey)
    static let limits = EventLimits.standard

    static let events = [
        #"{"kind":"transform","inputs":["dataset:a"],"outputs":["dataset:b"],"attributes":{"rows":12,"job":"nightly"}}"#,
        #"{ "actor" : "agent:etl-bot", "kind" : "read", "inputs" : [ "dataset:pg://crm/public.customers" ] }"#,
        #"{"kind":"mask","actor":{"id":"agent:etl-bot","onBehalfOf":"human:ann@example.com","type":"agent"},"inputs":["dataset:a"],"outputs":["dataset:a_masked"],"attributes":{"counts":{"email":3,"phone":[1,2.5,-0.0,1e3]},"ok":true,"none":null}}"#,
        #"{"kind":"export","actor":{},"onBehalfOf":"human:bob","outputs":["export:s3://x/y.csv"],"clientEventId":"e-\"1\"","clientTime":"2026-01-01T00:00:00+01:00"}"#,
        #"{"kind":"transform","actor":{"onBehalfOf":"service:airflow"},"inputs":["dataset:a","dataset:a"],"outputs":[],"edges":[{"from":"field:a#x","to":"field:b#y","relation":"mask"},{"to":"field:b#z","from":"field:a#z"}],"attributes":{}}"#,
        #"{"kind":"re\u0061d","inputs":["dataset:caf\u00e9 \ud83d\ude00"],"attributes":{"note":"tab\there","\u00e9":"x"}}"#,
        #"{"kind":"classify","outputs":["dataset:a","field:a#email"],"attributes":{"tags":["pii","email"]},"edges":[]}"#,
    ]

    /// Bodies of every shape the fast reader reads: one object, arrays, NDJSON.
    static func bodies() -> [(body: String, contentType: String?)] {
        var bodies: [(String, String?)] = []
        for event in events {
            bodies.append((event, "application/json"))
            bodies.append(("\n  " + event + " \r\n", nil))
        }
        bodies.append(("[" + events.joined(separator: ",") + "]", "application/json"))
        bodies.append((" [ " + events.joined(separator: " ,\n ") + " ] ", nil))
        bodies.append((events.joined(separator: "\n") + "\n", "application/x-ndjson"))
        bodies.append(("\n" + events.joined(separator: "\r\n \t\n") + "\n\n", "application/jsonl"))
        return bodies
    }

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("bodies of the plain shape read to exactly the events the general parser gives")
    func sameEvents() throws {
        for (body, contentType) in Self.bodies() {
            let fast = EventRoutes.plainEvents(in: Self.buffer(body), contentType: contentType, principal: Self.principal, limits: Self.limits, maxEvents: 10_000)
            let slow = try EventRoutes.parsedEvents(in: Self.buffer(body), contentType: contentType, principal: Self.principal, limits: Self.limits, maxEvents: 10_000)
            #expect(fast != nil, "the fast reader gave up on \(body)")
            #expect(fast?.events == slow.events, "\(body)")
            #expect(fast?.single == slow.single)
        }
    }

    @Test("damaged bodies: whatever the fast reader reads, the general parser reads the same; whatever it refuses, the fast reader gives up on")
    func damagedBodies() throws {
        var generator = SystemRandomNumberGenerator()
        let replacements = Array(#"{}[]",:\ 0123456789aeklnrstuxAE-+.e"#.utf8) + [0x0A, 0x00, 0xC3, 0xFF]
        var accepted = 0
        var refused = 0
        for (body, contentType) in Self.bodies() {
            let original = Array(body.utf8)
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(replacements.randomElement(using: &generator) ?? 0x20, at: at)
                    case 2:
                        let end = min(bytes.count, at + Int.random(in: 1...12, using: &generator))
                        bytes.insert(contentsOf: bytes[at..<end], at: at)
                    default: bytes[at] = replacements.randomElement(using: &generator) ?? 0x20
                    }
                }
                var damaged = ByteBuffer()
                damaged.writeBytes(bytes)
                let fast = EventRoutes.plainEvents(in: damaged, contentType: contentType, principal: Self.principal, limits: Self.limits, maxEvents: 10_000)
                let slow = try? EventRoutes.parsedEvents(in: damaged, contentType: contentType, principal: Self.principal, limits: Self.limits, maxEvents: 10_000)
                if let fast {
                    accepted += 1
                    #expect(slow != nil, "the fast reader read what the general parser refuses: \(String(decoding: bytes, as: UTF8.self))")
                    #expect(fast.events == slow?.events && fast.single == slow?.single, "\(String(decoding: bytes, as: UTF8.self))")
                } else if slow == nil {
                    refused += 1
                }
            }
        }
        // Both kinds of damage must have been met, or this test checks nothing.
        #expect(accepted > 100 && refused > 1_000, "accepted \(accepted), refused \(refused)")
    }

    @Test("what the fast reader leaves to the general parser gets the general answer")
    func leftToTheParser() throws {
        // An actor object with a member the server ignores, and a batch over the limit.
        let extra = #"{"kind":"read","actor":{"id":"agent:etl-bot","team":"data"},"inputs":["dataset:a"]}"#
        #expect(EventRoutes.plainEvents(in: Self.buffer(extra), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 10) == nil)
        let read = try EventRoutes.events(in: Self.buffer(extra), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 10)
        #expect(read.events.count == 1 && read.events[0].actor.id.rawValue == "agent:etl-bot" && read.single)
        let three = "[" + Array(repeating: Self.events[0], count: 3).joined(separator: ",") + "]"
        #expect(EventRoutes.plainEvents(in: Self.buffer(three), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 2) == nil)
        #expect(throws: APIError.self) { try EventRoutes.events(in: Self.buffer(three), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 2) }
        // Another identity as the actor, and an approval trail's kind about a request node.
        for body in [#"{"kind":"read","actor":"agent:someone-else"}"#, #"{"kind":"approve","inputs":["request:r-1"]}"#] {
            #expect(EventRoutes.plainEvents(in: Self.buffer(body), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 10) == nil)
            #expect(throws: APIError.self) { try EventRoutes.events(in: Self.buffer(body), contentType: nil, principal: Self.principal, limits: Self.limits, maxEvents: 10) }
        }
    }
}
