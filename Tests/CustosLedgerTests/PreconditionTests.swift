import CustosTestSupport
import Dispatch
import Foundation
@testable import LMDB
import Synchronization
import Testing

@testable import CustosLedger

@Suite("Ledger: conditional appends")
struct PreconditionTests {
    let factory = EventFactory()

    /// Events that all read `customers_0` on behalf of the same person.
    func event(_ index: Int) -> Event { factory.transform(index * 500) }

    /// The writer holds index rows back to write them sorted at the end of a commit; a
    /// precondition must still see the rows of every append made before it in the commit,
    /// a large streamed append's included.
    @Test("a precondition sees the index rows of appends earlier in the same commit")
    func preconditionSeesEarlierRowsOfItsCommit() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // Hold the writer inside a first commit (a precondition runs in the write
        // transaction) until everything else is queued: the rest then shares one commit.
        let release = DispatchSemaphore(value: 0)
        let blocking = Atomic<Bool>(false)
        let blocker = Task {
            try await ledger.append(contentsOf: (0..<10).map(event)) { _ in
                blocking.store(true, ordering: .relaxed)
                release.wait()
                return nil
            }
        }
        // Queue the others only once the writer is inside the blocker's commit, or they
        // could be taken into it.
        try #require(try await eventually { blocking.load(ordering: .relaxed) })
        let streamed = Task { try await ledger.append(contentsOf: (10..<5_010).map(event)) }
        let queued = try await eventually { ledger.writerStatistics.queuedEvents >= 5_000 }
        if !queued { release.signal() }
        try #require(queued)
        let tasks = 64
        let conditional = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<tasks {
                    group.addTask {
                        _ = try await ledger.append(contentsOf: [event(10_000 + index)]) { snapshot in
                            try Self.indexCountsMatch(snapshot)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let queuedAll = try await eventually { ledger.writerStatistics.queuedEvents >= 5_000 + tasks }
        if !queuedAll { release.signal() }
        try #require(queuedAll)
        release.signal()
        _ = try await blocker.value
        #expect(try await streamed.value.count == 5_000)
        try await conditional.value
        #expect(try ledger.head().size == UInt64(5_010 + tasks))
        // The blocker's commit, then one for everything queued behind it.
        #expect(ledger.writerStatistics.commits == 2)
        #expect(try ledger.verify().isValid)
    }

    /// Nil when the kind, on-behalf-of and input-node indexes each hold one row per entry.
    static func indexCountsMatch(_ snapshot: borrowing LedgerSnapshot) throws -> String? {
        let size = snapshot.head.size
        guard let kind = try snapshot.termKey("transform"),
              let principal = try snapshot.nodeKey(NodeID("human:data-eng@example.com")),
              let input = try snapshot.nodeKey(NodeID("dataset:pg://crm/public.customers_0"))
        else { return "the kind, the principal or the input is not interned at size \(size)" }
        var counts: [UInt64] = [0, 0, 0]
        try snapshot.forEachSeq(in: .kind(kind), within: 0..<size) { _ in counts[0] += 1; return true }
        try snapshot.forEachSeq(in: .onBehalfOf(principal), within: 0..<size) { _ in counts[1] += 1; return true }
        try snapshot.forEachSeq(in: .node(input, .input), within: 0..<size) { _ in counts[2] += 1; return true }
        guard counts.allSatisfy({ $0 == size }) else {
            return "at size \(size) the kind, on-behalf-of and input indexes hold \(counts) rows"
        }
        return nil
    }

    /// The keys of the held rows in the order they would be written, which empties `rows`.
    private func drainedKeys(_ rows: inout PendingIndexRows) -> [[UInt8]] {
        let prefix = rows.prefix
        var keys: [[UInt8]] = []
        rows.drain { group, seqs in
            for seq in seqs { keys.append(PendingIndexRows.key(prefix, group, seq: seq).bytes) }
        }
        return keys
    }

    @Test("held rows become the keys the indexes are read with, for every key shape")
    func heldRowKeys() {
        let node = Key128(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        let tag = Key128(high: 0xFFEE_DDCC_BBAA_9988, low: 0x7766_5544_3322_1100)
        let seq: UInt64 = 0x0000_0001_0203_0405
        var kinds = PendingIndexRows(prefix: .key)
        kinds.add(node, seq: seq)
        #expect(drainedKeys(&kinds) == [Keys.kind(node, seq: seq).bytes])
        var nodes = PendingIndexRows(prefix: .keyAndByte)
        nodes.add(node, 2, seq: seq)
        #expect(drainedKeys(&nodes) == [Keys.node(node, role: 2, seq: seq).bytes])
        #expect(Keys.node(node, role: 2, seq: seq).bytes == Keys.actor(node, role: 2, seq: seq).bytes)
        var tags = PendingIndexRows(prefix: .twoKeys)
        tags.add(node, tag, seq: seq)
        #expect(drainedKeys(&tags) == [Keys.tag(node, tag, seq: seq).bytes])
        #expect(tags.isEmpty)
    }

    @Test("held rows come out in the order of their keys' bytes, every row once, however many prefixes")
    func heldRowOrder() {
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<700).map { _ in Key128(high: generator.next(), low: generator.next()) }
        for shape in [PendingIndexRows.Prefix.key, .keyAndByte, .twoKeys] {
            var rows = PendingIndexRows(prefix: shape)
            // Twice over the same rows: draining must leave them ready for the next commit.
            for _ in 0..<2 {
                var expected: [[UInt8]] = []
                for seq in UInt64(0)..<5_000 {
                    let key = keys[Int.random(in: 0..<keys.count)]
                    let other = keys[Int(seq % 7)]
                    switch shape {
                    case .key:
                        rows.add(key, seq: seq)
                        expected.append(Keys.kind(key, seq: seq).bytes)
                    case .keyAndByte:
                        let role = UInt8(seq % 3)
                        rows.add(key, role, seq: seq)
                        expected.append(Keys.node(key, role: role, seq: seq).bytes)
                    case .twoKeys:
                        rows.add(key, other, seq: seq)
                        expected.append(Keys.tag(key, other, seq: seq).bytes)
                    }
                }
                // A seq out of order still lands where its key sorts.
                rows.add(keys[0], keys[1], 3, shape: shape, into: &expected)
                let drained = drainedKeys(&rows)
                #expect(drained.count == expected.count)
                #expect(drained == expected.sorted { $0.lexicographicallyPrecedes($1) }, "\(shape)")
                #expect(rows.isEmpty)
            }
        }
    }
}

extension PendingIndexRows {
    /// Adds a row of any shape from two keys and a seq, and the key it stands for to `expected`.
    fileprivate mutating func add(_ first: Key128, _ second: Key128, _ seq: UInt64, shape: Prefix, into expected: inout [[UInt8]]) {
        switch shape {
        case .key:
            add(first, seq: seq)
            expected.append(Keys.kind(first, seq: seq).bytes)
        case .keyAndByte:
            add(first, 1, seq: seq)
            expected.append(Keys.node(first, role: 1, seq: seq).bytes)
        case .twoKeys:
            add(first, second, seq: seq)
            expected.append(Keys.tag(first, second, seq: seq).bytes)
        }
    }
}
