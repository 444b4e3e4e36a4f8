import Dispatch
import Foundation
import LMDB
import Synchronization

/// How ``Ledger/verify(_:)`` checks a store.
public struct VerificationOptions: Sendable {
    /// Trust the log up to this entry and check from it on; nil checks from seq 0.
    public var anchor: TrustedAnchor?
    /// Also check that every index agrees with the entries.
    public var checkIndexes = true
    /// How many threads check entries at once.
    public var parallelism = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Called now and then with (entries checked, entries to check), from any thread.
    public var progress: (@Sendable (UInt64, UInt64) -> Void)?
    /// Asked now and then, from any thread; true stops the check with `CancellationError`
    /// (a server's client went away: nobody waits for the answer).
    public var isCancelled: (@Sendable () -> Bool)?

    public init() {}
}

extension Ledger {
    /// Checks the store for tampering and damage, as of one consistent snapshot: the log as it
    /// stood when the check began, even while a server keeps appending.
    ///
    /// It recomputes every entry's hash and chain link, checks that entries are canonical,
    /// in seq order, with no gaps, none beyond the head and none missing at the end, that
    /// times never go backwards, that the Merkle tree's leaves are the entries' hashes and its
    /// interior nodes their parents, and (unless turned off) that every index row is implied
    /// by an entry and every entry has its rows. Problems name the first bad seq.
    ///
    /// Rewriting the entries *and* the tree, indexes and head consistently is detectable
    /// only against something kept outside the store: a trusted anchor, or signed checkpoints.
    public func verify(_ options: VerificationOptions = VerificationOptions()) throws -> VerificationReport {
        let started = DispatchTime.now().uptimeNanoseconds
        // The parallel checks each read in their own transaction; they see one log only if no
        // commit lands while they run. When one does (a server appending meanwhile), check one
        // snapshot in one transaction on one core instead: never a problem that is only a
        // writer's progress.
        var options = options
        if let progress = options.progress {
            // The second pass starts its count again: never show progress going back.
            let shown = ProgressFloor()
            options.progress = { done, total in progress(min(shown.raise(to: done), total), total) }
        }
        var report = try verifyInParallel(options) ?? read { txn in try verifySnapshot(options, in: txn) }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return report
    }

    /// The report's starting point for a log whose head is `head`.
    private func newReport(head: LogHead, options: VerificationOptions) -> VerificationReport {
        var report = VerificationReport()
        report.headSize = head.size
        report.checkedIndexes = options.checkIndexes
        report.startSeq = options.anchor?.seq ?? 0
        if let anchor = options.anchor, anchor.seq >= head.size {
            report.record(VerificationProblem(seq: anchor.seq, kind: .truncated, detail: "the trusted entry \(anchor.seq) is beyond the head (\(head.size) entries): the log was truncated"))
        }
        return report
    }

    /// Every check on the threads of ``VerificationOptions/parallelism``, each in its own read
    /// transaction; nil when a transaction saw another head than the first (a commit landed).
    private func verifyInParallel(_ options: VerificationOptions) throws -> VerificationReport? {
        let head = try self.head()
        var report = newReport(head: head, options: options)
        let start = options.anchor?.seq ?? 0
        let workers = max(1, min(options.parallelism, Int((head.size - min(start, head.size)) / 10_000) + 1))
        let span = head.size > start ? head.size - start : 0
        let chunk = (span + UInt64(workers) - 1) / UInt64(max(workers, 1))
        let results = Mutex<[Int: ChunkResult]>([:])
        let treeResult = Mutex<TreeCheckResult?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        let moved = Atomic<Bool>(false)
        let checked = Atomic<UInt64>(0)

        DispatchQueue.concurrentPerform(iterations: workers + 1) { index in
            do {
                try read { txn in
                    guard try LogHead.read(in: txn, schema: schema) == head else {
                        moved.store(true, ordering: .relaxed)
                        return
                    }
                    if index == workers {
                        let result = try checkTree(headSize: head.size, abandon: moved, isCancelled: options.isCancelled, in: txn)
                        treeResult.withLock { $0 = result }
                        return
                    }
                    let lower = start + UInt64(index) * chunk
                    let upper = index == workers - 1 ? UInt64.max : min(start + UInt64(index + 1) * chunk, head.size)
                    let result = try checkEntries(
                        lower..<max(lower, upper), headSize: head.size, options: options,
                        counter: checked, total: span, reportsProgress: index == 0, abandon: moved, in: txn
                    )
                    results.withLock { $0[index] = result }
                }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        if moved.load(ordering: .relaxed) { return nil }

        let chunks = results.withLock { dictionary in (0..<workers).compactMap { dictionary[$0] } }
        let tree = treeResult.withLock { $0 } ?? TreeCheckResult()
        let merged: Bool = try read { txn in
            guard try LogHead.read(in: txn, schema: schema) == head else { return false }
            merge(chunks, tree: tree, head: head, start: start, options: options, into: &report, in: txn)
            return true
        }
        guard merged else { return nil }
        options.progress?(span, span)
        return report
    }

    /// Every check, one after the other, in the snapshot `txn` holds.
    private func verifySnapshot(_ options: VerificationOptions, in txn: borrowing ReadTransaction) throws -> VerificationReport {
        let head = try LogHead.read(in: txn, schema: schema)
        var report = newReport(head: head, options: options)
        let start = options.anchor?.seq ?? 0
        let span = head.size > start ? head.size - start : 0
        let checked = Atomic<UInt64>(0)
        let never = Atomic<Bool>(false)
        let entries = try checkEntries(
            start..<UInt64.max, headSize: head.size, options: options,
            counter: checked, total: span, reportsProgress: true, abandon: never, in: txn
        )
        let tree = try checkTree(headSize: head.size, abandon: never, isCancelled: options.isCancelled, in: txn)
        merge([entries], tree: tree, head: head, start: start, options: options, into: &report, in: txn)
        options.progress?(span, span)
        return report
    }

    // MARK: Entries

    struct IndexCounts {
        var byKind = 0
        var byActor = 0
        var byNode = 0
        var tags = 0
        var tagged = 0
        var edgeDays = Set<Key128>()
        var edgeFirsts = 0
        var idempotency = 0
        var nodes = Set<Key128>()
        var terms = Set<Key128>()

        mutating func add(_ other: IndexCounts) {
            byKind += other.byKind
            byActor += other.byActor
            byNode += other.byNode
            tags += other.tags
            tagged += other.tagged
            edgeDays.formUnion(other.edgeDays)
            edgeFirsts += other.edgeFirsts
            idempotency += other.idempotency
            nodes.formUnion(other.nodes)
            terms.formUnion(other.terms)
        }
    }

    struct ChunkResult {
        var problems: [VerificationProblem] = []
        /// Seqs k whose `prev` does not match the hash of entry k - 1.
        var linkBreaks: [UInt64] = []
        /// Seqs whose hash differs from the tree's leaf.
        var leafMismatches = Set<UInt64>()
        var missing: [Range<UInt64>] = []
        var entriesChecked: UInt64 = 0
        var lastLeaf: (seq: UInt64, hash: Hash256, time: Timestamp?)?
        var counts = IndexCounts()
    }

    private func checkEntries(
        _ range: Range<UInt64>, headSize: UInt64, options: VerificationOptions,
        counter: borrowing Atomic<UInt64>, total: UInt64, reportsProgress: Bool,
        abandon: borrowing Atomic<Bool>, in txn: borrowing ReadTransaction
    ) throws -> ChunkResult {
        var result = ChunkResult()
        let nodeInterner = Interner(database: schema.nodes, hasher: configuration.keyHasher)
        let termInterner = Interner(database: schema.terms, hasher: configuration.keyHasher)
        var keyCache = VerifierKeyCache()
        var checkedEdges = CheckedEdges()
        var scratch = IndexCheckScratch()
        let anchor = options.anchor
        // The entry before the range links the first entry of the range.
        var previousLeaf: Hash256?
        var previousTime: Timestamp?
        if range.lowerBound > 0 && range.lowerBound != anchor?.seq {
            try Keys.seq(range.lowerBound - 1).withUnsafeBytes { key in
                try txn.withValue(forKey: key, in: schema.entries) { bytes in
                    previousLeaf = Hash256.leaf(bytes)
                    previousTime = try? EntryView(bytes).time
                }
            }
        }
        var expected = range.lowerBound
        var sinceProgress: UInt64 = 0
        // The rows each entry implies are looked up through cursors that stay on their page
        // (tags, tagged) or through the blocks last decoded per key (the posting
        // indexes), so the rows of consecutive entries are found next to the ones before.
        var postingLookups = PostingLookups(schema: schema)
        try txn.withLookupCursors(slots: 4096) { lookups in
            try txn.withCursor(on: schema.entries) { cursor in
                var found = try Keys.seq(range.lowerBound).withUnsafeBytes { try cursor.seek(atLeast: $0) }
                while found {
                    guard cursor.key.count == 8 else {
                        result.problems.append(VerificationProblem(seq: nil, kind: .unexpectedEntry, detail: "the entries database has a key of \(cursor.key.count) bytes"))
                        found = try cursor.next()
                        continue
                    }
                    let seq = cursor.key.loadBigEndianUInt64(at: 0)
                    if seq >= range.upperBound { break }
                    if seq > expected {
                        // An entry beyond the head may have moved `expected` past it already.
                        if expected < min(seq, headSize) { result.missing.append(expected..<min(seq, headSize)) }
                        previousLeaf = nil
                        previousTime = nil
                    }
                    expected = seq + 1
                    if seq >= headSize {
                        result.problems.append(VerificationProblem(seq: seq, kind: .unexpectedEntry, detail: "an entry is stored beyond the head of the log (\(headSize) entries): it was inserted"))
                        found = try cursor.next()
                        continue
                    }
                    let bytes = cursor.value
                    let leaf = Hash256.leaf(bytes)
                    result.entriesChecked += 1
                    if let anchor, anchor.seq == seq, anchor.leafHash != leaf {
                        result.problems.append(VerificationProblem(seq: seq, kind: .anchorMismatch, detail: "the entry's leaf hash \(leaf) is not the trusted \(anchor.leafHash)"))
                    }
                    let treeLeaf = try Keys.tree(end: seq, level: 0).withUnsafeBytes { key in
                        try txn.withValue(forKey: key, in: schema.tree) { Hash256(bytes: $0) }
                    }
                    if let treeLeaf, let treeLeaf, treeLeaf != leaf {
                        result.leafMismatches.insert(seq)
                        result.problems.append(VerificationProblem(seq: seq, kind: .alteredEntry, detail: "the entry hashes to \(leaf), but the Merkle tree recorded \(treeLeaf) when it was appended"))
                    }
                    let entry: EntryView
                    do {
                        entry = try EntryView(bytes)
                    } catch {
                        result.problems.append(VerificationProblem(seq: seq, kind: .malformedEntry, detail: "\(error)"))
                        previousLeaf = leaf
                        previousTime = nil
                        found = try cursor.next()
                        continue
                    }
                    if entry.seq != seq {
                        result.problems.append(VerificationProblem(seq: seq, kind: .misplacedEntry, detail: "the entry stored at seq \(seq) says it is seq \(entry.seq): entries were reordered"))
                    }
                    let prev = entry.prev
                    if seq == 0 && prev != .zero {
                        result.problems.append(VerificationProblem(seq: 0, kind: .brokenChain, detail: "the first entry's prev is not all zeros"))
                    }
                    if seq != anchor?.seq, let previousLeaf, prev != previousLeaf {
                        result.linkBreaks.append(seq)
                    }
                    if let previousTime, entry.time < previousTime {
                        result.problems.append(VerificationProblem(seq: seq, kind: .timeWentBackwards, detail: "the entry's time \(entry.time) is earlier than \(previousTime), the time of the entry before it"))
                    }
                    if options.checkIndexes {
                        try checkIndexRows(of: entry, seq: seq, leaf: leaf, nodeInterner: nodeInterner, termInterner: termInterner, keyCache: &keyCache, checkedEdges: &checkedEdges, scratch: &scratch, lookups: &lookups, postingLookups: &postingLookups, result: &result, in: txn)
                    }
                    result.lastLeaf = (seq, leaf, entry.time)
                    previousLeaf = leaf
                    previousTime = entry.time
                    sinceProgress += 1
                    if sinceProgress == 4096 {
                        let done = counter.add(sinceProgress, ordering: .relaxed).newValue
                        sinceProgress = 0
                        if reportsProgress { options.progress?(min(done, total), total) }
                        if options.isCancelled?() == true { throw CancellationError() }
                        // Another check saw a commit land: this pass will be thrown away.
                        if abandon.load(ordering: .relaxed) { break }
                    }
                    found = try cursor.next()
                }
            }
        }
        counter.add(sinceProgress, ordering: .relaxed)
        let end = min(range.upperBound, headSize)
        if expected < end { result.missing.append(expected..<end) }
        return result
    }

    private func checkIndexRows(
        of entry: EntryView, seq: UInt64, leaf: Hash256,
        nodeInterner: Interner, termInterner: Interner, keyCache: inout VerifierKeyCache, checkedEdges: inout CheckedEdges,
        scratch: inout IndexCheckScratch, lookups: inout LookupCursors, postingLookups: inout PostingLookups,
        result: inout ChunkResult, in txn: borrowing ReadTransaction
    ) throws {
        func missing(_ index: String, _ what: String) {
            result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the \(index) index lacks \(what)"))
        }
        /// Looks `key` up through the cursor of the insertion point `near` names.
        func exists(_ key: KeyBuffer, in database: Database, near: UInt64) throws -> Bool {
            try key.withUnsafeBytes { try lookups.contains($0, in: database, slot: Int(truncatingIfNeeded: near)) }
        }
        func exists(_ key: KeyBuffer, in database: Database) throws -> Bool {
            try key.withUnsafeBytes { try txn.contains($0, in: database) }
        }
        /// The stored key of a name, and whether this pass met the name for the first time
        /// (or again after the cache started over): only then does it join the distinct counts.
        func key(of name: EntryView.Name, interner: Interner) throws -> (key: Key128, isNew: Bool)? {
            let first = configuration.keyHasher.key(name.utf8, 0)
            if let known = keyCache.key(first: first, name: name.utf8) { return (known, false) }
            guard let key = try interner.lookup(bytes: name.utf8, in: txn) else { return nil }
            keyCache.add(first: first, name: name.utf8, key: key)
            return (key, true)
        }
        func text(_ name: EntryView.Name) -> String { name.text }
        /// Whether a posting index holds this entry's seq for `key` in `role`; records the problem when not.
        func posting(_ lookup: inout PostingLookup, _ key: Key128, role: UInt8, _ what: @autoclosure () -> String) throws -> Bool {
            do {
                if try lookup.contains(seq, key: key, role: role, in: txn) { return true }
                missing(lookup.postings.name, what())
            } catch let malformed as PostingBlock.Malformed {
                result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the \(lookup.postings.name) index is damaged where it should hold \(what()): \(malformed)"))
            }
            return false
        }

        // The names point into the entry and into copies the scratch's parts own, which stay
        // until the next entry's are built.
        try entry.indexPlan(into: &scratch.parts)
        let (plan, nodes, terms) = (scratch.parts.plan, scratch.parts.nodes, scratch.parts.terms)
        var termKeys = scratch.takeTermKeys()
        var nodeKeys = scratch.takeNodeKeys()
        defer { scratch.keep(termKeys: termKeys, nodeKeys: nodeKeys) }
        for term in terms {
            guard let (termKey, isNew) = try key(of: term, interner: termInterner) else {
                missing("terms", "the term \"\(text(term))\"")
                return
            }
            termKeys.append(termKey)
            if isNew { result.counts.terms.insert(termKey) }
        }
        if try posting(&postingLookups.kind, termKeys[0], role: 0, "the entry's posting") { result.counts.byKind += 1 }

        for node in nodes {
            guard let (nodeKey, isNew) = try key(of: node, interner: nodeInterner) else {
                missing("nodes", "the node \(text(node))")
                return
            }
            nodeKeys.append(nodeKey)
            if isNew { result.counts.nodes.insert(nodeKey) }
        }
        if try posting(&postingLookups.actor, nodeKeys[0], role: 0, "the actor's posting") { result.counts.byActor += 1 }
        if let onBehalfOf = plan.onBehalfOf {
            if try posting(&postingLookups.actor, nodeKeys[onBehalfOf], role: 1, "the on-behalf-of posting") { result.counts.byActor += 1 }
        }
        for row in plan.nodeRoles {
            if try posting(&postingLookups.node, nodeKeys[row.node], role: row.role, "the posting of \(text(nodes[row.node]))") { result.counts.byNode += 1 }
        }
        for tag in plan.tags {
            for target in plan.tagTargets {
                if try exists(Keys.tag(nodeKeys[target], termKeys[tag], seq: seq), in: schema.tags, near: nodeKeys[target].low ^ termKeys[tag].low) { result.counts.tags += 1 } else { missing("tags", "the tag \(text(terms[tag])) of \(text(nodes[target]))") }
                if try exists(Keys.tag(termKeys[tag], nodeKeys[target], seq: seq), in: schema.tagged, near: termKeys[tag].low ^ nodeKeys[target].low) { result.counts.tagged += 1 } else { missing("tagged", "the tag \(text(terms[tag])) of \(text(nodes[target]))") }
            }
        }

        let day = Keys.day(of: entry.time)
        for edge in plan.edges {
            let from = nodeKeys[edge.from]
            let to = nodeKeys[edge.to]
            let relation = termKeys[edge.relation]
            func description() -> String { "the edge \(text(nodes[edge.from])) —\(text(terms[edge.relation]))→ \(text(nodes[edge.to]))" }
            let (outward, inward): (EdgeDirection, EdgeDirection) = edge.role == .data ? (.dataOut, .dataIn) : (.actorOut, .actorIn)
            // An edge checked at an earlier seq of this pass has its rows, and their first
            // seq is at most that seq: nothing more to learn from them here.
            /// Checks one of the edge's two rows: present, and first seen no later than here.
            func checkRow(_ node: Key128, _ direction: EdgeDirection, _ other: Key128) throws {
                let firstSeq = try Keys.edge(node, direction, relation: relation, other: other).withUnsafeBytes { k in
                    try txn.withValue(forKey: k, in: schema.edges) { $0.count == 8 ? $0.loadBigEndianUInt64(at: 0) : UInt64.max }
                }
                guard let firstSeq else {
                    missing("edges", description())
                    return
                }
                if firstSeq == seq {
                    result.counts.edgeFirsts += 1
                } else if firstSeq > seq {
                    result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the edges index says \(description()) first appeared at seq \(firstSeq == .max ? "?" : String(firstSeq)), after this entry"))
                }
            }
            if checkedEdges.insert(WriterCache.EdgeRow(node: from, direction: outward.rawValue, relation: relation, other: to)) {
                try checkRow(from, outward, to)
                try checkRow(to, inward, from)
            }
            if edge.role == .data && checkedEdges.insert(WriterCache.EdgeDay(from: from, relation: relation, to: to, day: day)) {
                let row = Keys.edgeDay(from: from, relation: relation, to: to, day: day)
                if try exists(row, in: schema.edgeDays) {
                    _ = row.withUnsafeBytes { result.counts.edgeDays.insert(Key128(hashing: $0)) }
                } else {
                    missing("edge_days", "the day of \(description())")
                }
            }
        }

        if let clientEventID = entry.clientEventID {
            let scope = entry.withUTF8(entry.actorID) { actor in
                entry.withUTF8(clientEventID) { IdempotencyIndex.scope(actor: actor, clientEventID: $0) }
            }
            let record = try IdempotencyIndex(database: schema.idempotency, hasher: configuration.keyHasher).find(scope: scope, in: txn)
            if let record, record.receipt.seq == seq {
                // What a retry is answered with, and what decides duplicate or conflict, must be this entry's.
                let content = (try? entry.event())?.canonicalContent()
                if record.receipt.leafHash != leaf || record.receipt.time != entry.time {
                    result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the idempotency index's receipt for this entry has another leaf hash or time"))
                } else if let content, record.contentHash != Hash256.sha256(content) {
                    result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the idempotency index holds another content hash for this entry's client event id"))
                } else {
                    result.counts.idempotency += 1
                }
            } else if let record {
                result.problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the idempotency index maps this entry's client event id to seq \(record.receipt.seq)"))
            } else {
                missing("idempotency", "the entry's client event id")
            }
        }
    }

    // MARK: The Merkle tree

    struct TreeCheckResult {
        var problems: [VerificationProblem] = []
        var leaves: UInt64 = 0
        var root: Hash256?
    }

    /// Replays the appends over the stored leaves and compares every stored interior node.
    private func checkTree(
        headSize: UInt64, abandon: borrowing Atomic<Bool>, isCancelled: (@Sendable () -> Bool)?, in txn: borrowing ReadTransaction
    ) throws -> TreeCheckResult {
        var result = TreeCheckResult()
        var rows = 0
        var frontier = MerkleFrontier()
        var expected: [(level: UInt8, hash: Hash256)] = []  // nodes the last leaf completed, still to see
        var expectedEnd: UInt64 = 0
        var bad = false
        try txn.forEach(in: schema.tree) { key, value in
            if abandon.load(ordering: .relaxed) { return false }
            rows += 1
            if rows & 0xFFFF == 0, isCancelled?() == true { throw CancellationError() }
            guard key.count == 9, let hash = Hash256(bytes: value) else {
                result.problems.append(VerificationProblem(seq: nil, kind: .treeMismatch, detail: "the tree database has a malformed row"))
                bad = true
                return true
            }
            let end = key.loadBigEndianUInt64(at: 0)
            let level = key[8]
            if level == 0 {
                if let missing = expected.first {
                    result.problems.append(VerificationProblem(seq: expectedEnd, kind: .treeMismatch, detail: "the Merkle tree node at level \(missing.level) ending at seq \(expectedEnd) is missing"))
                    bad = true
                }
                guard end == frontier.size else {
                    result.problems.append(VerificationProblem(seq: min(end, frontier.size), kind: .treeMismatch, detail: "the Merkle tree's leaves jump from seq \(Int64(frontier.size) - 1) to \(end)"))
                    bad = true
                    return false
                }
                expected = []
                frontier.append(leaf: hash) { node in
                    if node.level > 0 { expected.append((node.level, node.hash)) }
                }
                expectedEnd = end
                result.leaves += 1
            } else {
                guard end == expectedEnd, let next = expected.first, next.level == level else {
                    result.problems.append(VerificationProblem(seq: end, kind: .treeMismatch, detail: "the Merkle tree has an unexpected node at level \(level) ending at seq \(end)"))
                    bad = true
                    return true
                }
                expected.removeFirst()
                if next.hash != hash {
                    result.problems.append(VerificationProblem(seq: end, kind: .treeMismatch, detail: "the Merkle tree node at level \(level) ending at seq \(end) does not match the hash of its children"))
                    bad = true
                }
            }
            return true
        }
        if let missing = expected.first {
            result.problems.append(VerificationProblem(seq: expectedEnd, kind: .treeMismatch, detail: "the Merkle tree node at level \(missing.level) ending at seq \(expectedEnd) is missing"))
            bad = true
        }
        if frontier.size != headSize {
            result.problems.append(VerificationProblem(seq: min(frontier.size, headSize), kind: .treeMismatch, detail: "the Merkle tree has \(frontier.size) leaves but the head records \(headSize) entries"))
            bad = true
        }
        if !bad { result.root = frontier.root }
        return result
    }

    // MARK: Putting it together

    private func merge(
        _ chunks: [ChunkResult], tree: TreeCheckResult, head: LogHead, start: UInt64, options: VerificationOptions,
        into report: inout VerificationReport, in txn: borrowing ReadTransaction
    ) {
        var problems: [VerificationProblem] = []
        var leafMismatches = Set<UInt64>()
        var linkBreaks = Set<UInt64>()
        var missing: [Range<UInt64>] = []
        var counts = IndexCounts()
        var last: (seq: UInt64, hash: Hash256, time: Timestamp?)?
        for chunk in chunks {
            problems += chunk.problems
            leafMismatches.formUnion(chunk.leafMismatches)
            linkBreaks.formUnion(chunk.linkBreaks)
            missing += chunk.missing
            counts.add(chunk.counts)
            report.entriesChecked += chunk.entriesChecked
            if let candidate = chunk.lastLeaf, candidate.seq >= (last?.seq ?? 0) { last = candidate }
        }
        problems += tree.problems
        report.treeRoot = tree.root
        problems += checkCheckpoints(headSize: head.size, report: &report, in: txn)

        // Entries the passes never reach (a key of 8 0xFF bytes, say) still count here: more
        // rows than the head and the inserted ones already reported means one was hidden.
        let inserted = problems.count(where: { $0.kind == .unexpectedEntry })
        if let stored = try? txn.statistics(of: schema.entries).entries, stored > Int(clamping: head.size) + inserted {
            problems.append(VerificationProblem(
                seq: nil, kind: .unexpectedEntry,
                detail: "the entries database holds \(stored) rows, but the head records \(head.size) entries and \(inserted) more were reported: entries were inserted"
            ))
        }

        // A broken link k-1 → k means entry k-1 was altered (its hash changed) or entry k's
        // prev was. The tree's leaf tells which when it is intact; otherwise an altered entry
        // k also breaks the link k → k+1.
        for seq in linkBreaks.sorted() {
            if leafMismatches.contains(seq - 1) { continue }
            let culprit = linkBreaks.contains(seq + 1) || leafMismatches.contains(seq) ? seq : seq - 1
            problems.append(VerificationProblem(seq: culprit, kind: .brokenChain, detail: "the chain breaks between seq \(seq - 1) and \(seq): entry \(seq)'s prev is not the hash of entry \(seq - 1)"))
        }

        // Merge adjacent missing ranges; a range that reaches the head is a truncation.
        let merged = missing.sorted { $0.lowerBound < $1.lowerBound }.reduce(into: [Range<UInt64>]()) { ranges, range in
            if let lastRange = ranges.last, lastRange.upperBound >= range.lowerBound {
                ranges[ranges.count - 1] = lastRange.lowerBound..<max(lastRange.upperBound, range.upperBound)
            } else if !range.isEmpty {
                ranges.append(range)
            }
        }
        for range in merged {
            if range.upperBound >= head.size {
                problems.append(VerificationProblem(seq: range.lowerBound, kind: .truncated, detail: "the head records \(head.size) entries, but entries from seq \(range.lowerBound) on are missing: the log was truncated"))
            } else {
                problems.append(VerificationProblem(seq: range.lowerBound, kind: .missingEntry, detail: range.count == 1 ? "the entry is missing: it was removed" : "entries \(range.lowerBound) to \(range.upperBound - 1) are missing: they were removed"))
            }
        }

        if let last, last.seq == head.size - 1, head.size > 0 {
            if last.hash != head.lastLeafHash {
                problems.append(VerificationProblem(seq: last.seq, kind: .headMismatch, detail: "the head records the last leaf hash \(head.lastLeafHash), but the last entry hashes to \(last.hash)"))
            }
            if let time = last.time, time != head.lastTime {
                problems.append(VerificationProblem(seq: last.seq, kind: .headMismatch, detail: "the head records the last time \(head.lastTime), but the last entry's time is \(time)"))
            }
        }

        // Rows the entries do not imply: compare counts over a full, otherwise clean pass.
        if options.checkIndexes && start == 0 && problems.isEmpty {
            problems += findExtraIndexRows(counts: counts, headSize: head.size, in: txn)
        }

        for problem in problems.sorted(by: { ($0.seq ?? .max, $0.kind.rawValue) < ($1.seq ?? .max, $1.kind.rawValue) }) {
            report.record(problem)
        }
    }

    /// Every stored checkpoint must be signed by the store's key and match the tree.
    private func checkCheckpoints(headSize: UInt64, report: inout VerificationReport, in txn: borrowing ReadTransaction) -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        let reader = TreeReader(tree: schema.tree)
        do {
            try txn.forEach(in: schema.checkpoints) { key, value in
                report.checkpointsChecked += 1
                let label = key.count == 8 ? "the checkpoint at size \(key.loadBigEndianUInt64(at: 0))" : "a checkpoint"
                let stored: StoredCheckpoint
                do {
                    stored = try StoredCheckpoint(encoded: value)
                } catch {
                    problems.append(VerificationProblem(seq: nil, kind: .checkpointMismatch, detail: "\(label) is malformed: \(error)"))
                    return true
                }
                if key.count != 8 || key.loadBigEndianUInt64(at: 0) != stored.size || stored.signed.checkpoint.origin != origin {
                    problems.append(VerificationProblem(seq: nil, kind: .checkpointMismatch, detail: "\(label) is for size \(stored.size) of \(stored.signed.checkpoint.origin), not this log at that size"))
                }
                if let verifierKey, !stored.signed.isSigned(by: verifierKey) {
                    problems.append(VerificationProblem(seq: nil, kind: .checkpointMismatch, detail: "\(label) is not signed by \(verifierKey.name)+\(String(format: "%08x", verifierKey.keyID))"))
                }
                guard stored.size <= headSize else {
                    problems.append(VerificationProblem(seq: headSize, kind: .truncated, detail: "\(label) was signed when the log held \(stored.size) entries, but it holds \(headSize): the log was truncated"))
                    return true
                }
                let root = try? reader.root(size: stored.size, in: txn)
                if root != stored.rootHash {
                    problems.append(VerificationProblem(seq: nil, kind: .checkpointMismatch, detail: "the first \(stored.size) entries do not hash to the root signed in \(label): entries before seq \(stored.size) were rewritten"))
                }
                return true
            }
        } catch {
            problems.append(VerificationProblem(seq: nil, kind: .checkpointMismatch, detail: "the checkpoints could not be read: \(error)"))
        }
        return problems
    }

    /// Where an index keeps what it holds: one row per entry it implies, or posting blocks.
    enum IndexStore {
        case rows(Database)
        case postings(PostingIndex)
    }

    private func findExtraIndexRows(counts: IndexCounts, headSize: UInt64, in txn: borrowing ReadTransaction) -> [VerificationProblem] {
        var problems: [VerificationProblem] = []
        do {
            let expected: [(String, IndexStore, Int)] = [
                ("by_kind", .postings(schema.kindPostings), counts.byKind),
                ("by_actor", .postings(schema.actorPostings), counts.byActor), ("edges", .rows(schema.edges), counts.edgeFirsts),
                ("by_node", .postings(schema.nodePostings), counts.byNode), ("tags", .rows(schema.tags), counts.tags), ("tagged", .rows(schema.tagged), counts.tagged),
                ("edge_days", .rows(schema.edgeDays), counts.edgeDays.count),
                ("idempotency", .rows(schema.idempotency), counts.idempotency), ("nodes", .rows(schema.nodes), counts.nodes.count),
                ("terms", .rows(schema.terms), counts.terms.count),
            ]
            for (name, store, count) in expected {
                let found: Int
                switch store {
                case .rows(let database):
                    found = try txn.statistics(of: database).entries
                case .postings(let postings):
                    do {
                        found = try postingCount(of: postings, in: txn)
                    } catch let malformed as PostingBlock.Malformed {
                        problems.append(VerificationProblem(seq: nil, kind: .indexMismatch, detail: "the \(name) index is damaged: \(malformed)"))
                        continue
                    }
                }
                guard found != count else { continue }
                let seq = try firstSeqOfExtraRow(in: name, store: store, headSize: headSize, txn: txn)
                problems.append(VerificationProblem(seq: seq, kind: .indexMismatch, detail: "the \(name) index has \(found) rows, but the entries imply \(count)\(seq.map { ": the row for seq \($0) is not implied by its entry" } ?? "")"))
            }
        } catch {
            problems.append(VerificationProblem(seq: nil, kind: .indexMismatch, detail: "the indexes could not be read: \(error)"))
        }
        return problems
    }

    /// The seq an extra row claims, for the indexes whose rows name one; nil otherwise.
    private func firstSeqOfExtraRow(in name: String, store: IndexStore, headSize: UInt64, txn: borrowing ReadTransaction) throws -> UInt64? {
        var culprit: UInt64?
        var implied: [UInt64: [String: Set<[UInt8]>]] = [:]
        let database: Database
        switch store {
        case .rows(let rows):
            database = rows
        case .postings(let postings):
            try postings.forEachPosting(in: txn) { key, role, seq in
                // The row format 1 stored for this posting, as the entry implies it.
                let row = switch name {
                case "by_kind": role == 0 ? Keys.kind(key, seq: seq) : Keys.node(key, role: role, seq: seq)
                case "by_actor": Keys.actor(key, role: role, seq: seq)
                default: Keys.node(key, role: role, seq: seq)
                }
                let implies = try row.withUnsafeBytes {
                    try isImplied($0, seq: seq, in: name, headSize: headSize, implied: &implied, txn: txn)
                }
                if !implies { culprit = seq }
                return implies
            }
            return culprit
        }
        try txn.forEach(in: database) { key, value in
            let seq: UInt64
            switch name {
            case "tags", "tagged": seq = key.count == 40 ? key.loadBigEndianUInt64(at: 32) : .max
            case "edges": seq = value.count == 8 ? value.loadBigEndianUInt64(at: 0) : .max
            case "idempotency": seq = IdempotencyRecord(encoded: value)?.receipt.seq ?? .max
            default: return false  // rows that name no seq
            }
            let implies = try isImplied(key, seq: seq, in: name, headSize: headSize, implied: &implied, txn: txn)
            if !implies { culprit = seq }
            return implies
        }
        return culprit
    }

    /// Whether the entry at `seq` implies the row `key` of index `name`; `implied` caches the
    /// rows of the entries seen.
    private func isImplied(
        _ key: UnsafeRawBufferPointer, seq: UInt64, in name: String, headSize: UInt64,
        implied: inout [UInt64: [String: Set<[UInt8]>]], txn: borrowing ReadTransaction
    ) throws -> Bool {
        guard seq < headSize else { return false }
        if implied[seq] == nil {
            if implied.count > 10_000 { implied.removeAll() }
            implied[seq] = try impliedRows(of: seq, in: txn)
        }
        return implied[seq]?[name]?.contains(Array(key)) == true
    }

    /// How many postings a posting index holds; checks every block on the way.
    private func postingCount(of postings: PostingIndex, in txn: borrowing ReadTransaction) throws -> Int {
        var count = 0
        try postings.forEachPosting(in: txn) { _, _, _ in
            count += 1
            return true
        }
        return count
    }

    /// The index rows the entry at `seq` implies, by index name, with the keys the store
    /// uses for its names; empty when the entry cannot be read.
    private func impliedRows(of seq: UInt64, in txn: borrowing ReadTransaction) throws -> [String: Set<[UInt8]>] {
        let nodeInterner = Interner(database: schema.nodes, hasher: configuration.keyHasher)
        let termInterner = Interner(database: schema.terms, hasher: configuration.keyHasher)
        let found = try Keys.seq(seq).withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: schema.entries) { bytes -> (EntryView.Parts, [UInt8]?)? in
                guard let view = try? EntryView(bytes), let parts = try? view.indexPlan() else { return nil }
                let scope = view.clientEventID.map { id in
                    view.withUTF8(view.actorID) { actor in view.withUTF8(id) { IdempotencyIndex.scope(actor: actor, clientEventID: $0) } }
                }
                return (parts, scope)
            }
        }
        guard let found, let (parts, scope) = found else { return [:] }
        // The names point into the entry's bytes, which stay valid for the whole read
        // transaction, or into copies the parts own.
        defer { withExtendedLifetime(parts) {} }
        let plan = parts.plan
        var nodeKeys: [Key128] = []
        for node in parts.nodes {
            guard let key = try nodeInterner.lookup(bytes: node.utf8, in: txn) else { return [:] }
            nodeKeys.append(key)
        }
        var termKeys: [Key128] = []
        for term in parts.terms {
            guard let key = try termInterner.lookup(bytes: term.utf8, in: txn) else { return [:] }
            termKeys.append(key)
        }
        var rows: [String: Set<[UInt8]>] = [:]
        rows["by_kind"] = [Keys.kind(termKeys[0], seq: seq).bytes]
        rows["by_actor"] = Set([Keys.actor(nodeKeys[0], role: 0, seq: seq).bytes] + (plan.onBehalfOf.map { [Keys.actor(nodeKeys[$0], role: 1, seq: seq).bytes] } ?? []))
        rows["by_node"] = Set(plan.nodeRoles.map { Keys.node(nodeKeys[$0.node], role: $0.role, seq: seq).bytes })
        rows["tags"] = Set(plan.tags.flatMap { tag in plan.tagTargets.map { Keys.tag(nodeKeys[$0], termKeys[tag], seq: seq).bytes } })
        rows["tagged"] = Set(plan.tags.flatMap { tag in plan.tagTargets.map { Keys.tag(termKeys[tag], nodeKeys[$0], seq: seq).bytes } })
        rows["edges"] = Set(plan.edges.flatMap { edge -> [[UInt8]] in
            let (outward, inward): (EdgeDirection, EdgeDirection) = edge.role == .data ? (.dataOut, .dataIn) : (.actorOut, .actorIn)
            return [
                Keys.edge(nodeKeys[edge.from], outward, relation: termKeys[edge.relation], other: nodeKeys[edge.to]).bytes,
                Keys.edge(nodeKeys[edge.to], inward, relation: termKeys[edge.relation], other: nodeKeys[edge.from]).bytes,
            ]
        })
        if let scope, let record = try IdempotencyIndex(database: schema.idempotency, hasher: configuration.keyHasher).find(scope: scope, in: txn),
           record.receipt.seq == seq
        {
            var key = KeyBuffer()
            for probe in 0..<Interner.maxProbes {
                key = KeyBuffer()
                key.append(scope.withUnsafeBytes { configuration.keyHasher.key($0, probe) })
                let matches = try key.withUnsafeBytes { k in
                    try txn.withValue(forKey: k, in: schema.idempotency) { IdempotencyRecord(encoded: $0)?.scope == scope }
                }
                if matches == true { break }
            }
            rows["idempotency"] = [key.bytes]
        }
        return rows
    }
}

/// Keys the verifier has already looked up, by the key of their first probe; the full name is
/// kept and compared, so a collision never gives a wrong key. Bounded.
struct VerifierKeyCache {
    /// Where a name is in `names`, and its key: no array per entry to retain on every lookup.
    private var entries = KeyTable<Key128, (start: Int, count: Int, key: Key128)>()
    private var names: [UInt8] = []

    func key(first: Key128, name: UnsafeRawBufferPointer) -> Key128? {
        guard let found = entries[first], found.count == name.count else { return nil }
        let same = names.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[found.start..<(found.start + found.count)]).hasSameBytes(as: name) }
        return same ? found.key : nil
    }

    mutating func add(first: Key128, name: UnsafeRawBufferPointer, key: Key128) {
        if entries.count >= 100_000 {
            entries.removeAll()
            names.removeAll(keepingCapacity: true)
        }
        if entries.insert(first, (names.count, name.count, key)) { names.append(contentsOf: name) }
    }
}

/// Room the index check of one entry works in, kept from entry to entry so that checking
/// one allocates nothing in the usual case.
struct IndexCheckScratch {
    var parts = EntryView.Parts()
    private var termKeys: [Key128] = []
    private var nodeKeys: [Key128] = []

    /// The term key array, empty, with its room (``keep(termKeys:nodeKeys:)`` gives it back).
    mutating func takeTermKeys() -> [Key128] {
        var keys: [Key128] = []
        swap(&keys, &termKeys)
        keys.removeAll(keepingCapacity: true)
        return keys
    }

    mutating func takeNodeKeys() -> [Key128] {
        var keys: [Key128] = []
        swap(&keys, &nodeKeys)
        keys.removeAll(keepingCapacity: true)
        return keys
    }

    mutating func keep(termKeys: [Key128], nodeKeys: [Key128]) {
        self.termKeys = termKeys
        self.nodeKeys = nodeKeys
    }
}

/// The edge and edge-day rows one pass of the verifier has already checked, so that edges
/// that events repeat are looked up once per pass, not once per event. Bounded: each set
/// holds at most `limit` rows (under 20 MB), then starts over, which costs lookups only.
struct CheckedEdges {
    private var edges = KeyTable<WriterCache.EdgeRow, Void>()
    private var days = KeyTable<WriterCache.EdgeDay, Void>()
    static let limit = 131_072

    /// True when `edge` had not been checked before.
    mutating func insert(_ edge: WriterCache.EdgeRow) -> Bool {
        if edges.count >= Self.limit { edges.removeAll() }
        return edges.insert(edge)
    }

    /// True when `day` had not been checked before.
    mutating func insert(_ day: WriterCache.EdgeDay) -> Bool {
        if days.count >= Self.limit { days.removeAll() }
        return days.insert(day)
    }
}

/// The highest progress count shown so far, shared by the threads that report it.
final class ProgressFloor: Sendable {
    private let highest = Mutex<UInt64>(0)

    /// The larger of `done` and every count before it.
    func raise(to done: UInt64) -> UInt64 {
        highest.withLock { highest in
            highest = max(highest, done)
            return highest
        }
    }
}
