import LMDB

/// Writes one group commit: every pending append, in order, inside one write transaction.
///
/// The transaction may run more than once (LMDB grows the map and retries), so this type
/// changes nothing outside the transaction: it returns the new head, frontier and the
/// names it interned, and the caller adopts them after the commit succeeded.
struct BatchWriter {
    let schema: Schema
    let hasher: KeyHasher
    let nodeInterner: Interner
    let termInterner: Interner
    let idempotencyIndex: IdempotencyIndex

    init(schema: Schema, hasher: KeyHasher) {
        self.schema = schema
        self.hasher = hasher
        nodeInterner = Interner(database: schema.nodes, hasher: hasher)
        termInterner = Interner(database: schema.terms, hasher: hasher)
        idempotencyIndex = IdempotencyIndex(database: schema.idempotency, hasher: hasher)
    }

    /// The rows of the secondary indexes that a commit holds back to write in key order
    /// (see ``PendingIndexRows``).
    struct HeldRows {
        let schema: Schema
        var byKind: PendingIndexRows
        var byActor: PendingIndexRows
        var byNode: PendingIndexRows
        var tags: PendingIndexRows
        var tagged: PendingIndexRows

        init(schema: Schema) {
            self.schema = schema
            byKind = PendingIndexRows(prefix: .key)
            byActor = PendingIndexRows(prefix: .keyAndByte)
            byNode = PendingIndexRows(prefix: .keyAndByte)
            tags = PendingIndexRows(prefix: .twoKeys)
            tagged = PendingIndexRows(prefix: .twoKeys)
        }

        mutating func write(in txn: borrowing WriteTransaction) throws {
            try byKind.write(to: schema.kindPostings, in: txn)
            try byActor.write(to: schema.actorPostings, in: txn)
            try byNode.write(to: schema.nodePostings, in: txn)
            try tags.write(to: schema.tags, in: txn)
            try tagged.write(to: schema.tagged, in: txn)
        }
    }

    /// What the appends of one commit share besides the tip: the time they are stamped with,
    /// what the writer knew before the commit, the index rows held back, and a buffer reused
    /// from entry to entry.
    struct Workspace {
        let time: Timestamp
        /// `time` in the ledger's form, formatted once for every entry of the commit.
        let timeText: [UInt8]
        let cache: WriterCache
        var held: HeldRows
        var suffix: [UInt8] = []

        init(time: Timestamp, cache: WriterCache, schema: Schema) {
            self.time = time
            var text: [UInt8] = []
            time.append(to: &text)
            timeText = text
            self.cache = cache
            held = HeldRows(schema: schema)
            suffix.reserveCapacity(192)
        }
    }

    /// The state that outlives a commit.
    struct Tip {
        var head: LogHead
        var frontier: MerkleFrontier
        /// The last checkpoint stored when the tip was adopted, to spare parsing it again.
        var lastCheckpoint: StoredCheckpoint.Known? = nil
    }

    /// What one caller asked for.
    enum Request {
        case append([PreparedEvent], AppendPrecondition?)
        /// A large unconditional append without client event ids, prepared while it is written.
        case appendStreamed(PreparedStream)
        case checkpoint
    }

    /// What it got.
    enum Answer {
        case receipts([AppendReceipt])
        case checkpoint(StoredCheckpoint)
    }

    /// How checkpoints get signed in this store.
    struct Signing {
        var origin: String
        /// Nil when the store has no usable signing key; `unavailable` says why.
        var signer: NoteSigner?
        var unavailable: String
        var policy: CheckpointPolicy
    }

    struct Outcome {
        /// The log's size when the transaction began.
        var startSize: UInt64
        var tip: Tip
        /// Per request: its answer, or why it was refused.
        var results: [Result<Answer, LedgerError>]
        /// What the transaction learned about the store, for the ``WriterCache``.
        var learned: WriterCache
        var appended: Int
        var duplicates: Int
        var checkpointsSigned: Int
    }

    func write(
        _ requests: [Request],
        cachedTip: Tip?,
        cache: WriterCache,
        signing: Signing,
        now: Timestamp,
        in txn: borrowing WriteTransaction
    ) throws -> Outcome {
        let head = try LogHead.read(in: txn, schema: schema)
        var tip: Tip
        if let cachedTip, cachedTip.head == head {
            tip = cachedTip
        } else {
            // First commit of this process, or another process appended since.
            tip = Tip(head: head, frontier: try MerkleFrontier.load(size: head.size, tree: schema.tree, in: txn))
        }
        let time = max(now, tip.head.lastTime)
        var outcome = Outcome(startSize: head.size, tip: tip, results: [], learned: WriterCache(), appended: 0, duplicates: 0, checkpointsSigned: 0)
        var workspace = Workspace(time: time, cache: cache, schema: schema)
        let known = try StoredCheckpoint.latest(in: txn, schema: schema, known: tip.lastCheckpoint)
        var lastCheckpoint = known?.checkpoint

        for (position, request) in requests.enumerated() {
            switch request {
            case .append(let events, let precondition):
                if let precondition {
                    // The precondition reads the indexes: they must hold every earlier append.
                    try workspace.held.write(in: txn)
                    if let refusal = check(precondition, tip: tip, in: txn) {
                        outcome.results.append(.failure(refusal))
                        continue
                    }
                }
                outcome.results.append(try append(events, tip: &tip, outcome: &outcome, workspace: &workspace, in: txn).map(Answer.receipts))
            case .appendStreamed(let stream):
                let receipts = try appendStreamed(stream, position: position, tip: &tip, outcome: &outcome, workspace: &workspace, in: txn)
                outcome.results.append(.success(.receipts(receipts)))
            case .checkpoint:
                guard let signer = signing.signer else {
                    outcome.results.append(.failure(.noSigningKey(signing.unavailable)))
                    continue
                }
                let checkpoint = try signCheckpoint(tip: tip, last: lastCheckpoint, origin: signing.origin, signer: signer, now: time, in: txn)
                if checkpoint != lastCheckpoint { outcome.checkpointsSigned += 1 }
                lastCheckpoint = checkpoint
                outcome.results.append(.success(.checkpoint(checkpoint)))
            }
        }
        if let signer = signing.signer, signing.policy.isDue(size: tip.head.size, now: time, last: lastCheckpoint) {
            lastCheckpoint = try signCheckpoint(tip: tip, last: lastCheckpoint, origin: signing.origin, signer: signer, now: time, in: txn)
            outcome.checkpointsSigned += 1
        }
        if let lastCheckpoint {
            tip.lastCheckpoint = lastCheckpoint == known?.checkpoint ? known : StoredCheckpoint.Known(lastCheckpoint)
        }

        try workspace.held.write(in: txn)
        try txn.put(tip.head.encoded, forKey: MetaKey.head, in: schema.meta)
        outcome.tip = tip
        return outcome
    }

    /// Runs a precondition over the store as this transaction sees it (appends earlier in the
    /// same commit included); the refusal, if it refuses.
    private func check(_ precondition: AppendPrecondition, tip: Tip, in txn: borrowing WriteTransaction) -> LedgerError? {
        // Caches of their own: what this transaction sees may yet be rolled back.
        let snapshot = LedgerSnapshot(
            handle: txn.handle, schema: schema, hasher: hasher, nodeNames: NameCache(limit: 1_000), termNames: NameCache(limit: 100),
            edgeCache: EdgeCache(committedSize: 0, maxEdges: 0), head: tip.head
        )
        do {
            return try precondition(snapshot).map(LedgerError.refused)
        } catch let error as LedgerError {
            return error
        } catch {
            return .refused("\(error)")
        }
    }

    /// One caller's events, all or nothing.
    private func append(
        _ events: [PreparedEvent],
        tip: inout Tip,
        outcome: inout Outcome,
        workspace: inout Workspace,
        in txn: borrowing WriteTransaction
    ) throws -> Result<[AppendReceipt], LedgerError> {
        // Phase 1: resolve client event ids, so that a conflict refuses the whole append
        // before anything of it is written.
        var duplicateOf: [Int: AppendReceipt] = [:]
        var sameAppend: [Int: Int] = [:]  // event index → index of the earlier event with its id
        var firstInAppend: [[UInt8]: Int] = [:]
        for (index, event) in events.enumerated() {
            guard let idempotency = event.idempotency else { continue }
            if let earlier = firstInAppend[idempotency.scope] {
                // Same content: `Ledger` refused differing repeats before they got here.
                sameAppend[index] = earlier
                continue
            }
            firstInAppend[idempotency.scope] = index
            // The transaction sees its own writes: ids appended earlier in this commit are found too.
            if let found = try idempotencyIndex.find(scope: idempotency.scope, in: txn) {
                guard found.contentHash == idempotency.contentHash else {
                    return .failure(.idempotencyConflict(clientEventID: idempotency.clientEventID, seq: found.receipt.seq))
                }
                duplicateOf[index] = found.receipt
            }
        }

        // Phase 2: write.
        var receipts: [AppendReceipt] = []
        receipts.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            if let receipt = duplicateOf[index] ?? sameAppend[index].map({ receipts[$0] }) {
                receipts.append(AppendReceipt(seq: receipt.seq, leafHash: receipt.leafHash, time: receipt.time, isDuplicate: true))
                outcome.duplicates += 1
                continue
            }
            let receipt = try append(event, tip: &tip, learned: &outcome.learned, workspace: &workspace, in: txn)
            if let idempotency = event.idempotency {
                try idempotencyIndex.store(IdempotencyRecord(receipt: receipt, contentHash: idempotency.contentHash, scope: idempotency.scope), in: txn)
            }
            receipts.append(receipt)
            outcome.appended += 1
        }
        return .success(receipts)
    }

    /// A streamed append's events, chunk by chunk as they are prepared. It has no client event
    /// ids (``Ledger`` streams only such appends), so nothing needs resolving first.
    private func appendStreamed(
        _ stream: PreparedStream,
        position: Int,
        tip: inout Tip,
        outcome: inout Outcome,
        workspace: inout Workspace,
        in txn: borrowing WriteTransaction
    ) throws -> [AppendReceipt] {
        var receipts: [AppendReceipt] = []
        receipts.reserveCapacity(stream.count)
        for index in 0..<stream.chunkCount {
            switch stream.chunk(index) {
            case .success(let events):
                for event in events {
                    receipts.append(try append(event, tip: &tip, learned: &outcome.learned, workspace: &workspace, in: txn))
                    outcome.appended += 1
                }
            case .failure(let error):
                throw StreamedAppendFailure(request: position, error: error)
            }
        }
        return receipts
    }

    /// Signs and stores a checkpoint of the tip, after checking that the log is consistent
    /// with the last checkpoint signed: the ledger never signs two views of history.
    private func signCheckpoint(
        tip: Tip, last: StoredCheckpoint?, origin: String, signer: NoteSigner, now: Timestamp,
        in txn: borrowing WriteTransaction
    ) throws -> StoredCheckpoint {
        let size = tip.head.size
        let root = tip.frontier.root
        if let last {
            guard last.size <= size else {
                throw LedgerError.corrupted("a checkpoint was signed at size \(last.size), but the log holds \(size) entries: it was truncated; refusing to sign")
            }
            if last.size == size {
                guard last.rootHash == root else {
                    throw LedgerError.corrupted("the log's root at size \(size) is not the one signed before: it was rewritten; refusing to sign")
                }
                return last
            }
            let hashes = try TreeReader(tree: schema.tree).consistencyProof(first: last.size, second: size, in: txn)
            guard ConsistencyProof(firstSize: last.size, secondSize: size, hashes: hashes).verify(firstRoot: last.rootHash, secondRoot: root) else {
                throw LedgerError.corrupted("the log is not consistent with the checkpoint signed at size \(last.size): it was rewritten; refusing to sign")
            }
        }
        let signed = try SignedCheckpoint(signing: Checkpoint(origin: origin, size: size, rootHash: root), with: signer)
        let stored = StoredCheckpoint(signed: signed, signedAt: now)
        try txn.put(stored.encoded, forKey: Keys.seq(size).bytes, in: schema.checkpoints)
        return stored
    }

    /// Appends one entry and its index rows.
    private func append(
        _ event: PreparedEvent,
        tip: inout Tip,
        learned: inout WriterCache,
        workspace: inout Workspace,
        in txn: borrowing WriteTransaction
    ) throws -> AppendReceipt {
        let seq = tip.head.size
        let time = workspace.time
        let cache = workspace.cache
        // The entry is the prepared content plus the assigned members, written straight into
        // the page LMDB reserves for it and hashed from there.
        workspace.suffix.removeAll(keepingCapacity: true)
        LedgerEntry.appendAssigned(prev: tip.head.lastLeafHash, seq: seq, timeText: workspace.timeText, to: &workspace.suffix)
        let suffix = workspace.suffix
        let seqKey = Keys.seq(seq)
        var leaf = Hash256.zero
        try seqKey.withUnsafeBytes { key in
            try txn.put(reserving: event.content.count + suffix.count, forKey: key, in: schema.entries, append: true) { slot in
                let content = UnsafeMutableRawBufferPointer(rebasing: slot[0..<event.content.count])
                content.copyBytes(from: event.content)
                UnsafeMutableRawBufferPointer(rebasing: slot[event.content.count...]).copyBytes(from: suffix)
                leaf = Hash256.leaf(UnsafeRawBufferPointer(slot))
            }
        }
        try tip.frontier.append(leaf: leaf, storingIn: schema.tree, txn: txn)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)

        var termKeys: [Key128] = []
        termKeys.reserveCapacity(event.terms.count)
        for term in event.terms {
            if let known = cache.term(term) ?? learned.term(term) {
                termKeys.append(known)
            } else {
                let key = try termInterner.intern(term.name, firstKey: term.firstKey, in: txn)
                learned.addTerm(term, key: key)
                termKeys.append(key)
            }
        }
        workspace.held.byKind.add(termKeys[0], seq: seq)

        var nodeKeys: [Key128] = []
        nodeKeys.reserveCapacity(event.nodes.count)
        for node in event.nodes {
            if let known = cache.node(node) ?? learned.node(node) {
                nodeKeys.append(known)
            } else {
                let key = try nodeInterner.intern(node.name, firstKey: node.firstKey, in: txn)
                learned.addNode(node, key: key)
                nodeKeys.append(key)
            }
        }
        workspace.held.byActor.add(nodeKeys[0], 0, seq: seq)
        if let onBehalfOf = event.onBehalfOf {
            workspace.held.byActor.add(nodeKeys[onBehalfOf], 1, seq: seq)
        }
        for row in event.nodeRoles {
            workspace.held.byNode.add(nodeKeys[row.node], row.role, seq: seq)
        }
        for tag in event.tags {
            for target in event.tagTargets {
                workspace.held.tags.add(nodeKeys[target], termKeys[tag], seq: seq)
                workspace.held.tagged.add(termKeys[tag], nodeKeys[target], seq: seq)
            }
        }

        // Re-run pipelines repeat their edges, so the common case is one cache lookup per
        // edge: a known edge-day row implies its edge rows (they go in first, and neither
        // is ever removed), and the two rows of an edge are always learned together.
        let day = Keys.day(of: time)
        try seqKey.withUnsafeBytes { firstSeq in
            for edge in event.edges {
                let from = nodeKeys[edge.from]
                let to = nodeKeys[edge.to]
                let relation = termKeys[edge.relation]
                let active = WriterCache.EdgeDay(from: from, relation: relation, to: to, day: day)
                if edge.role == .data && (cache.contains(active) || learned.contains(active)) { continue }
                let (outward, inward): (EdgeDirection, EdgeDirection) = edge.role == .data ? (.dataOut, .dataIn) : (.actorOut, .actorIn)
                let out = WriterCache.EdgeRow(node: from, direction: outward.rawValue, relation: relation, other: to)
                if !cache.contains(out) && !learned.contains(out) {
                    try Keys.edge(from, outward, relation: relation, other: to).withUnsafeBytes { key in
                        _ = try txn.insert(firstSeq, forKey: key, in: schema.edges) { _ in () }
                    }
                    try Keys.edge(to, inward, relation: relation, other: from).withUnsafeBytes { key in
                        _ = try txn.insert(firstSeq, forKey: key, in: schema.edges) { _ in () }
                    }
                    learned.add(out)
                    learned.add(WriterCache.EdgeRow(node: to, direction: inward.rawValue, relation: relation, other: from))
                }
                if edge.role == .data {
                    try Keys.edgeDay(from: from, relation: relation, to: to, day: day).withUnsafeBytes { try txn.put(empty, forKey: $0, in: schema.edgeDays) }
                    learned.add(active)
                }
            }
        }

        tip.head = LogHead(size: seq + 1, lastLeafHash: leaf, lastTime: time)
        return AppendReceipt(seq: seq, leafHash: leaf, time: time, isDuplicate: false)
    }
}
