import CustosTestSupport
import Testing

@testable import CustosLedger

@Suite("Interned keys survive hash collisions")
struct InterningTests {
    /// A hash so weak that most names collide: only 4 keys per seed.
    static let weak = KeyHasher { bytes, seed in
        Key128(high: seed, low: UInt64(bytes.reduce(0) { $0 &+ UInt64($1) } % 4))
    }

    @Test("colliding node ids, kinds and client ids still give exact answers")
    func collisions() async throws {
        let (ledger, folder) = try makeLedger { $0.keyHasher = Self.weak }
        _ = folder
        var events: [Event] = []
        for index in 0..<30 {
            events.append(try Event(
                kind: EventKind("kind-\(index % 5)"), actor: .agent("bot-\(index % 3)"),
                inputs: [NodeID("dataset:source-\(index)")], outputs: [NodeID("dataset:target-\(index)")],
                clientEventID: "id-\(index)"
            ))
        }
        let receipts = try await ledger.append(contentsOf: events)
        #expect(receipts.map(\.seq) == Array(0..<30))
        for index in 0..<30 {
            let edges = try ledger.edges(of: NodeID("dataset:source-\(index)"), .outgoing)
            #expect(edges.map(\.other.rawValue) == ["dataset:target-\(index)"])
            #expect(edges.first?.relation.rawValue == "kind-\(index % 5)")
        }
        // Duplicates are found through the probe chain.
        let again = try await ledger.append(contentsOf: events)
        let allDuplicates = again.allSatisfy { $0.isDuplicate }
        #expect(allDuplicates)
        #expect(again.map(\.seq) == Array(0..<30))
        #expect(try ledger.verify().isValid)
    }
}
