import CustosTestSupport
import LMDB
import Testing

@testable import CustosLedger

/// Tampering applied to a real store, below the ledger, as an attacker with write access to
/// the files would: verification must fail and name the right seq, every time.
@Suite("Verification detects tampering")
struct TamperTests {
    static let size = 400

    private func makeStore() async throws -> (Ledger, TemporaryDirectory) {
        let (ledger, folder) = try makeLedger()
        let factory = EventFactory()
        _ = try await ledger.append(contentsOf: factory.transforms(Self.size / 2))
        for index in Self.size / 2..<Self.size {
            _ = try await ledger.append(factory.transform(index, clientEventID: index % 3 == 0 ? "c\(index)" : nil))
        }
        #expect(try ledger.verify().isValid)
        return (ledger, folder)
    }

    /// Replaces the postings of a key in a role by what `change` makes of them.
    private func rewritePostings(_ ledger: Ledger, _ postings: PostingIndex, key node: Key128, role: UInt8, _ change: (inout [UInt64]) -> Void) throws {
        try ledger.environment.write { txn in
            var seqs: [UInt64] = []
            try postings.forEachSeq(of: node, role: role, within: 0..<UInt64.max, newestFirst: false, in: txn) { seqs.append($0); return true }
            var closed: [[UInt8]] = []
            let prefix = PostingIndex.prefix(node, role: role).bytes
            try txn.forEach(in: postings.blocks, from: nil) { key, _ in
                if key.starts(with: prefix) { closed.append(Array(key)) }
                return true
            }
            for key in closed { try txn.delete(key, in: postings.blocks) }
            try txn.delete(prefix, in: postings.open)
            change(&seqs)
            try postings.append(key: node, role: role, seqs: seqs, in: txn)
        }
    }

    private func entryBytes(_ ledger: Ledger, _ seq: UInt64) throws -> [UInt8] {
        try ledger.withEntryBytes(at: seq) { Array($0) }
    }

    private func putEntry(_ ledger: Ledger, _ seq: UInt64, _ bytes: [UInt8]) throws {
        try ledger.environment.write { txn in try txn.put(bytes, forKey: Keys.seq(seq).bytes, in: ledger.schema.entries) }
    }

    private func expectFailure(_ ledger: Ledger, firstBad: UInt64, kind: VerificationProblem.Kind? = nil, options: VerificationOptions = VerificationOptions(), _ comment: Comment? = nil) throws {
        let report = try ledger.verify(options)
        #expect(!report.isValid, comment)
        #expect(report.firstBadSeq == firstBad, "\(report.problems.prefix(5))")
        if let kind {
            #expect(report.problems.contains { $0.kind == kind && $0.seq == firstBad }, "\(report.problems.prefix(5))")
        }
    }

    @Test("a flipped byte anywhere in any entry names that entry")
    func byteFlips() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        var generator = SplitMix64(seed: 11)
        for _ in 0..<25 {
            let seq = generator.next() % UInt64(Self.size)
            let original = try entryBytes(ledger, seq)
            var damaged = original
            let offset = Int(generator.next() % UInt64(damaged.count))
            damaged[offset] ^= UInt8(1 << (generator.next() % 8))
            try putEntry(ledger, seq, damaged)
            try expectFailure(ledger, firstBad: seq, kind: .alteredEntry, "flip at byte \(offset) of seq \(seq)")
            try putEntry(ledger, seq, original)
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("a deleted entry is named as missing")
    func deletion() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        try ledger.environment.write { txn in try txn.delete(Keys.seq(123).bytes, in: ledger.schema.entries) }
        try expectFailure(ledger, firstBad: 123, kind: .missingEntry)
    }

    @Test("swapped entries are named at the first of them")
    func swap() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        let a = try entryBytes(ledger, 50)
        let b = try entryBytes(ledger, 300)
        try putEntry(ledger, 50, b)
        try putEntry(ledger, 300, a)
        try expectFailure(ledger, firstBad: 50, kind: .misplacedEntry)
    }

    @Test("a truncated tail is named where it starts")
    func truncation() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        try ledger.environment.write { txn in
            for seq in 390..<UInt64(Self.size) { try txn.delete(Keys.seq(seq).bytes, in: ledger.schema.entries) }
        }
        try expectFailure(ledger, firstBad: 390, kind: .truncated)
    }

    @Test("a truncation that also rewrites the head is caught by a trusted anchor")
    func truncationWithHeadRewritten() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        let anchor = TrustedAnchor(seq: 395, leafHash: try ledger.leafHash(at: 395))
        let newHead = LogHead(size: 380, lastLeafHash: try ledger.leafHash(at: 379), lastTime: try ledger.entry(at: 379).time)
        try ledger.environment.write { txn in
            for seq in 380..<UInt64(Self.size) { try txn.delete(Keys.seq(seq).bytes, in: ledger.schema.entries) }
            try txn.put(newHead.encoded, forKey: MetaKey.head, in: ledger.schema.meta)
        }
        var options = VerificationOptions()
        options.anchor = anchor
        let report = try ledger.verify(options)
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.kind == .truncated })
    }

    @Test("an entry inserted beyond the head is named")
    func insertionBeyondHead() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        try putEntry(ledger, UInt64(Self.size), try entryBytes(ledger, 10))
        try expectFailure(ledger, firstBad: UInt64(Self.size), kind: .unexpectedEntry)
    }

    @Test("a head rewritten shorter, with an entry removed beyond it, is reported, not trapped on")
    func shortHeadAndAGapBeyondIt() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        let newHead = LogHead(size: 5, lastLeafHash: try ledger.leafHash(at: 4), lastTime: try ledger.entry(at: 4).time)
        try ledger.environment.write { txn in
            try txn.put(newHead.encoded, forKey: MetaKey.head, in: ledger.schema.meta)
            try txn.delete(Keys.seq(7).bytes, in: ledger.schema.entries)
        }
        for workers in [1, 2] {
            var options = VerificationOptions()
            options.parallelism = workers
            let report = try ledger.verify(options)
            #expect(!report.isValid && report.problems.contains { $0.kind == .unexpectedEntry }, "\(report.problems.prefix(3))")
        }
    }

    @Test("an entry hidden at the largest key, where no pass reaches, is still counted")
    func insertionAtTheLastKey() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        try putEntry(ledger, UInt64.max, try entryBytes(ledger, 10))
        let report = try ledger.verify()
        #expect(!report.isValid && report.problems.contains { $0.kind == .unexpectedEntry && $0.detail.contains("rows") }, "\(report.problems.prefix(3))")
    }

    @Test("an idempotency record whose content hash, leaf hash or time was changed is named by its entry")
    func idempotencyRecord() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        // Seq 201 was appended with the client event id c201 (see makeStore).
        let actor = Array(try ledger.entry(at: 201).event.actor.id.rawValue.utf8)
        let scope = actor.withUnsafeBytes { a in Array("c201".utf8).withUnsafeBytes { IdempotencyIndex.scope(actor: a, clientEventID: $0) } }
        /// Flips one bit of the stored record of c201, in place.
        func flip(at offset: Int) throws {
            try ledger.environment.write { txn in
                var found: ([UInt8], [UInt8])?
                try txn.forEach(in: ledger.schema.idempotency, from: nil) { key, value in
                    if value.count > 80, Array(value[80...]) == scope { found = (Array(key), Array(value)) }
                    return found == nil
                }
                guard var (key, value) = found else { Issue.record("no record for c201"); return }
                value[offset] ^= 0x01
                try txn.put(value, forKey: key, in: ledger.schema.idempotency)
            }
        }
        for offset in [11, 43, 79] {
            try flip(at: offset)
            try expectFailure(ledger, firstBad: 201, kind: .indexMismatch, "offset \(offset)")
            try flip(at: offset)
            #expect(try ledger.verify().isValid)
        }
    }

    @Test("an entry spliced into the middle is named where it went in")
    func insertionInTheMiddle() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        let at: UInt64 = 200
        // Shift the tail up by one and forge an entry that links correctly to its predecessor.
        var tail: [[UInt8]] = []
        for seq in at..<UInt64(Self.size) { tail.append(try entryBytes(ledger, seq)) }
        for (offset, bytes) in tail.enumerated() { try putEntry(ledger, at + 1 + UInt64(offset), bytes) }
        let forged = try Event(kind: .export, actor: .agent("intruder"), inputs: [NodeID("dataset:secrets")], outputs: [NodeID("export:s3://evil/dump")])
        let forgedBytes = LedgerEntry.encode(content: forged.canonicalContent(), prev: try ledger.leafHash(at: at - 1), seq: at, time: try ledger.entry(at: at - 1).time)
        try putEntry(ledger, at, forgedBytes)
        try expectFailure(ledger, firstBad: at)
    }

    @Test("rewriting an entry and its tree leaf still breaks the chain at that entry")
    func consistentRewrite() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        let seq: UInt64 = 77
        let original = try ledger.entry(at: seq)
        var event = original.event
        event.attributes["rows"] = .number(1)
        let rewritten = LedgerEntry.encode(content: event.canonicalContent(), prev: original.prev, seq: seq, time: original.time)
        try putEntry(ledger, seq, rewritten)
        try ledger.environment.write { txn in
            try txn.put(Hash256.leaf(rewritten).bytes, forKey: Keys.tree(end: seq, level: 0).bytes, in: ledger.schema.tree)
        }
        try expectFailure(ledger, firstBad: seq)
    }

    @Test("a removed or added index row is named by its entry")
    func indexTampering() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        // Remove the by_kind posting of seq 42 (in a closed block: 400 seqs one apart fill one).
        let kindKey = ledger.configuration.keyHasher.key("transform")
        try rewritePostings(ledger, ledger.schema.kindPostings, key: kindKey, role: 0) { $0.removeAll { $0 == 42 } }
        try expectFailure(ledger, firstBad: 42, kind: .indexMismatch)
        try rewritePostings(ledger, ledger.schema.kindPostings, key: kindKey, role: 0) { $0 = Array(0..<UInt64(Self.size)) }
        #expect(try ledger.verify().isValid)

        // Add a by_actor row that no entry implies.
        let intruder = ledger.configuration.keyHasher.key("agent:intruder")
        try rewritePostings(ledger, ledger.schema.actorPostings, key: intruder, role: 0) { $0 = [17] }
        try expectFailure(ledger, firstBad: 17, kind: .indexMismatch)
        try rewritePostings(ledger, ledger.schema.actorPostings, key: intruder, role: 0) { $0 = [] }

        // Point an edge's first seq at a later entry.
        let from = ledger.configuration.keyHasher.key("dataset:pg://crm/public.customers_3")
        let to = ledger.configuration.keyHasher.key("dataset:s3://lake/staging/customers_3")
        try ledger.environment.write { txn in
            try txn.put(Keys.seq(399).bytes, forKey: Keys.edge(from, .dataOut, relation: kindKey, other: to).bytes, in: ledger.schema.edges)
        }
        try expectFailure(ledger, firstBad: 3, kind: .indexMismatch)
        try ledger.environment.write { txn in
            try txn.put(Keys.seq(3).bytes, forKey: Keys.edge(from, .dataOut, relation: kindKey, other: to).bytes, in: ledger.schema.edges)
        }
        #expect(try ledger.verify().isValid)

        // Remove a by_node posting, then add one no entry implies, then damage a block.
        let input = ledger.configuration.keyHasher.key("dataset:pg://crm/public.orders_250")
        try rewritePostings(ledger, ledger.schema.nodePostings, key: input, role: 0) { $0.removeAll { $0 == 250 } }
        try expectFailure(ledger, firstBad: 250, kind: .indexMismatch)
        try rewritePostings(ledger, ledger.schema.nodePostings, key: input, role: 0) { $0 = [250] }
        #expect(try ledger.verify().isValid)
        try rewritePostings(ledger, ledger.schema.nodePostings, key: input, role: 0) { $0 = [250, 251] }
        try expectFailure(ledger, firstBad: 251, kind: .indexMismatch)
        try rewritePostings(ledger, ledger.schema.nodePostings, key: input, role: 0) { $0 = [250] }
        let openKey = PostingIndex.prefix(input, role: 0).bytes
        let block = try #require(try ledger.environment.read { try $0.value(forKey: openKey, in: ledger.schema.nodeOpen) })
        try ledger.environment.write { txn in try txn.put(block + [0x05], forKey: openKey, in: ledger.schema.nodeOpen) }
        let damaged = try ledger.verify()
        #expect(damaged.problems.contains { $0.kind == .indexMismatch && $0.detail.contains("by_node") && $0.detail.contains("damaged") }, "\(damaged.problems)")
        try ledger.environment.write { txn in try txn.put(block, forKey: openKey, in: ledger.schema.nodeOpen) }
        #expect(try ledger.verify().isValid)

        // Remove the inward row of an edge, then the day it was recorded: both are named
        // at the entry that implies them.
        try ledger.environment.write { txn in try txn.delete(Keys.edge(to, .dataIn, relation: kindKey, other: from).bytes, in: ledger.schema.edges) }
        try expectFailure(ledger, firstBad: 3, kind: .indexMismatch)
        try ledger.environment.write { txn in
            try txn.put(Keys.seq(3).bytes, forKey: Keys.edge(to, .dataIn, relation: kindKey, other: from).bytes, in: ledger.schema.edges)
        }
        let day = Keys.day(of: try ledger.entry(at: 3).time)
        try ledger.environment.write { txn in
            try txn.delete(Keys.edgeDay(from: from, relation: kindKey, to: to, day: day).bytes, in: ledger.schema.edgeDays)
        }
        try expectFailure(ledger, firstBad: 3, kind: .indexMismatch)
        try ledger.environment.write { txn in
            try txn.put([], forKey: Keys.edgeDay(from: from, relation: kindKey, to: to, day: day).bytes, in: ledger.schema.edgeDays)
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("verification from a trusted anchor checks only what follows, and checks the anchor")
    func anchor() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        var options = VerificationOptions()
        options.anchor = TrustedAnchor(seq: 300, leafHash: try ledger.leafHash(at: 300))
        let report = try ledger.verify(options)
        #expect(report.isValid)
        #expect(report.entriesChecked == 100)
        options.anchor = TrustedAnchor(seq: 300, leafHash: try ledger.leafHash(at: 301))
        try expectFailure(ledger, firstBad: 300, kind: .anchorMismatch, options: options)
    }

    @Test("a damaged Merkle tree node is named")
    func treeTampering() async throws {
        let (ledger, folder) = try await makeStore()
        _ = folder
        // The level-3 node covering leaves 8...15 ends at 15.
        try ledger.environment.write { txn in
            try txn.put(Hash256.sha256([1, 2, 3]).bytes, forKey: Keys.tree(end: 15, level: 3).bytes, in: ledger.schema.tree)
        }
        try expectFailure(ledger, firstBad: 15, kind: .treeMismatch)
    }
}
