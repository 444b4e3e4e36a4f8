import CustosTestSupport
import LMDB
import Testing

@testable import CustosLedger

@Suite("Posting indexes: by_node, by_actor, by_kind in blocks")
struct PostingIndexTests {
    @Test("a block keeps ascending seqs with gaps of any size, and refuses damaged bytes")
    func blockRoundTrip() throws {
        let seqs: [UInt64] = [5, 6, 133, 261, 1 << 20, (1 << 20) + 1, 1 << 40, UInt64.max - 1]
        var block = PostingBlock(first: seqs[0])
        for seq in seqs.dropFirst() {
            #expect(block.hasRoom(for: seq))
            block.append(seq)
        }
        #expect(block.first == 5)
        #expect(block.last == UInt64.max - 1)
        #expect(block.count == seqs.count)
        var decoded: [UInt64] = []
        try block.bytes.withUnsafeBytes { try PostingBlock.decode($0, into: &decoded) }
        #expect(decoded == seqs)

        // Every way the stored bytes can be wrong is an error, not a crash or a wrong answer.
        let damaged: [[UInt8]] = [
            Array(block.bytes.prefix(12)),  // shorter than the header
            block.bytes + [0x01],  // a seq more than the count
            Array(block.bytes.dropLast()),  // the last gap cut short
            Array(block.bytes.prefix(PostingBlock.headerSize)),  // no gaps for a count of 8
            Array(block.bytes.prefix(PostingBlock.headerSize)) + [0x00] + Array(block.bytes.dropFirst(PostingBlock.headerSize + 1)),  // a zero gap
        ]
        for bytes in damaged {
            #expect(throws: (any Error).self, "\(bytes)") {
                var seqs: [UInt64] = []
                try bytes.withUnsafeBytes { try PostingBlock.decode($0, into: &seqs) }
            }
        }
    }

    @Test("a block fills to its capacity and no further")
    func capacity() {
        var block = PostingBlock(first: 0)
        var seq: UInt64 = 0
        while block.hasRoom(for: seq + 300) {
            seq += 300
            block.append(seq)
        }
        #expect(block.bytes.count <= PostingBlock.capacity)
        #expect(block.bytes.count > PostingBlock.capacity - 2)  // gaps of 300 take two bytes
        #expect(block.count == (PostingBlock.capacity - PostingBlock.headerSize) / 2 + 1)
    }

    /// A store where one node is the input of every event, so that its postings fill several
    /// blocks, and another node is an output every third event.
    private func makeStore(events: Int) async throws -> (Ledger, TemporaryDirectory) {
        let (ledger, folder) = try makeLedger()
        var batch: [Event] = []
        for index in 0..<events {
            batch.append(try Event(kind: .transform, actor: .agent("loader"), inputs: [NodeID("dataset:hot")], outputs: [NodeID("dataset:out-\(index % 3)")]))
            if batch.count == 700 || index == events - 1 {
                _ = try await ledger.append(contentsOf: batch)
                batch.removeAll()
            }
        }
        return (ledger, folder)
    }

    private func seqs(_ ledger: Ledger, _ node: String, _ role: NodeRole, _ range: Range<UInt64>, newestFirst: Bool, limit: Int = .max) throws -> [UInt64] {
        try ledger.withSnapshot { snapshot in
            let key = try #require(try snapshot.nodeKey(NodeID(node)))
            var found: [UInt64] = []
            try snapshot.forEachSeq(in: .node(key, role), within: range, newestFirst: newestFirst) { seq in
                found.append(seq)
                return found.count < limit
            }
            return found
        }
    }

    private func seqs(_ ledger: Ledger, kind: String) throws -> [UInt64] {
        try ledger.withSnapshot { snapshot in
            let key = try #require(try snapshot.termKey(kind))
            var found: [UInt64] = []
            try snapshot.forEachSeq(in: .kind(key), within: 0..<UInt64.max) { found.append($0); return true }
            return found
        }
    }

    private func seqs(_ ledger: Ledger, actor: String) throws -> [UInt64] {
        try ledger.withSnapshot { snapshot in
            let key = try #require(try snapshot.nodeKey(NodeID(actor)))
            var found: [UInt64] = []
            try snapshot.forEachSeq(in: .actor(key), within: 0..<UInt64.max, newestFirst: true) { found.append($0); return true }
            return found.reversed()
        }
    }

    @Test("reads across closed and open blocks give every seq in range, both ways, and stop when asked")
    func readsAcrossBlocks() async throws {
        let (ledger, folder) = try await makeStore(events: 3_000)
        _ = folder
        // 3,000 postings with gaps of one byte: at least two closed blocks and an open one.
        let closed = try ledger.environment.read { try $0.statistics(of: ledger.schema.nodeBlocks).entries }
        #expect(closed >= 2)

        let all = Array(UInt64(0)..<3_000)
        #expect(try seqs(ledger, "dataset:hot", .input, 0..<UInt64.max, newestFirst: false) == all)
        #expect(try seqs(ledger, "dataset:hot", .input, 0..<UInt64.max, newestFirst: true) == all.reversed())
        for range in [UInt64(0)..<1, 990..<2_010, 1_000..<1_001, 2_990..<3_000, 2_999..<5_000, 3_000..<9_000, 17..<17] {
            let expected = all.filter { range.contains($0) }
            #expect(try seqs(ledger, "dataset:hot", .input, range, newestFirst: false) == expected, "\(range)")
            #expect(try seqs(ledger, "dataset:hot", .input, range, newestFirst: true) == expected.reversed(), "\(range)")
        }
        #expect(try seqs(ledger, "dataset:hot", .input, 500..<3_000, newestFirst: false, limit: 5) == [500, 501, 502, 503, 504])
        #expect(try seqs(ledger, "dataset:hot", .input, 0..<2_500, newestFirst: true, limit: 3) == [2_499, 2_498, 2_497])
        #expect(try seqs(ledger, "dataset:out-1", .output, 0..<UInt64.max, newestFirst: false) == all.filter { $0 % 3 == 1 })
        #expect(try seqs(ledger, "dataset:hot", .output, 0..<UInt64.max, newestFirst: false).isEmpty)
        #expect(try ledger.verify().isValid)
    }

    @Test("a format-1 store, one row per posting in by_kind, by_actor and by_node and a by_time index, is upgraded when opened and reads the same")
    func upgradeFromFormatOne() async throws {
        let (ledger, folder) = try await makeStore(events: 2_500)
        let path = folder.file("store")
        let before = try seqs(ledger, "dataset:hot", .input, 0..<UInt64.max, newestFirst: false)
        let outputs = try seqs(ledger, "dataset:out-2", .output, 0..<UInt64.max, newestFirst: true)
        let kinds = try seqs(ledger, kind: "transform")
        #expect(kinds == Array(0..<2_500))
        // Rewrite the store as format 1 wrote it: one row per posting, key (16) ‖ role (1,
        // absent in by_kind) ‖ seq (8), and a time index.
        try ledger.writeFormatTwoTimeIndex()
        let indexes = [ledger.schema.kindPostings, ledger.schema.actorPostings, ledger.schema.nodePostings]
        // Opened before the write transaction: opening one takes a transaction of its own.
        let oldDatabases = try indexes.map { try ledger.environment.openDatabase(named: $0.name) }
        try ledger.environment.write { txn throws in
            for (postings, rows) in zip(indexes, oldDatabases) {
                var count = 0
                try postings.forEachPosting(in: txn) { key, role, seq in
                    let row = postings.name == "by_kind" ? Keys.kind(key, seq: seq) : Keys.node(key, role: role, seq: seq)
                    try txn.put([], forKey: row.bytes, in: rows)
                    count += 1
                    return true
                }
                #expect(count == (postings.name == "by_node" ? 5_000 : 2_500))
                try txn.removeAll(in: postings.blocks)
                try txn.removeAll(in: postings.open)
            }
            try txn.put(Array("1".utf8), forKey: MetaKey.format, in: ledger.schema.meta)
        }
        let names = try await ledger.upgradeInChild(path: path)
        try ledger.environment.read { txn throws in
            #expect(try txn.value(forKey: MetaKey.format, in: ledger.schema.meta) == Array("3".utf8))
            #expect(try txn.statistics(of: ledger.schema.nodeOpen).entries == 4)
            #expect(try txn.value(forKey: Array("by_time".utf8), in: names) == nil)
            // The old databases are gone from the store's list of named databases.
            for name in ["by_kind", "by_actor", "by_node"] {
                #expect(try txn.value(forKey: Array(name.utf8), in: names) == nil)
                #expect(try txn.value(forKey: Array((name + "_open").utf8), in: names) != nil)
            }
        }
        #expect(try seqs(ledger, "dataset:hot", .input, 0..<UInt64.max, newestFirst: false) == before)
        #expect(try seqs(ledger, "dataset:out-2", .output, 0..<UInt64.max, newestFirst: true) == outputs)
        #expect(try seqs(ledger, kind: "transform") == kinds)
        #expect(try seqs(ledger, actor: "agent:loader") == kinds)
        #expect(try ledger.verify().isValid)
    }
}
