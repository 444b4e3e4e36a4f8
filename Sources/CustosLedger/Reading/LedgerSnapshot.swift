public import LMDB

/// The compact key of an interned node id in this store.
public struct NodeKey: Sendable, Hashable {
    @usableFromInline let key: Key128
}

/// The compact key of an interned term (a kind, a relation, a tag) in this store.
public struct TermKey: Sendable, Hashable {
    let key: Key128
}

/// How a node figures in an event, for the `by_node` index.
public enum NodeRole: UInt8, Sendable, CaseIterable {
    case input = 0
    case output = 1
    /// An end of an explicit edge.
    case edgeEnd = 2
}

/// An edge row as the index holds it, seen from one end.
public struct EdgeRecord: Sendable, Hashable {
    public let relation: TermKey
    public let other: NodeKey
    /// The seq of the first event that made the edge.
    public let firstSeq: UInt64
}

/// A seq-ordered index of events.
public enum EventIndex: Sendable, Hashable {
    /// Every event, in seq order.
    case all
    /// Events by this actor.
    case actor(NodeKey)
    /// Events done on this principal's behalf.
    case onBehalfOf(NodeKey)
    /// Events of this kind.
    case kind(TermKey)
    /// Events naming this node in this role.
    case node(NodeKey, NodeRole)
}

/// A consistent, read-only view of the log and every index, valid only inside the closure
/// of ``Ledger/withSnapshot(_:)``. Lineage traversals and queries are built on it; nothing
/// it does scans the log unless asked to.
public struct LedgerSnapshot: ~Copyable, TransactionReading {
    /// The LMDB read transaction behind the snapshot.
    public let handle: OpaquePointer
    let schema: Schema
    let hasher: KeyHasher
    let nodeNames: NameCache
    let termNames: NameCache
    let edgeCache: EdgeCache
    /// The tip of the log in this snapshot.
    public let head: LogHead

    private var nodeInterner: Interner { Interner(database: schema.nodes, hasher: hasher) }
    private var termInterner: Interner { Interner(database: schema.terms, hasher: hasher) }

    // MARK: Client event ids

    /// The seq of the event `actor` appended with `clientEventID`, or nil when it never did.
    public func seq(ofClientEventID clientEventID: String, actor: NodeID) throws -> UInt64? {
        let scope = Array(actor.rawValue.utf8).withUnsafeBytes { actorBytes in
            Array(clientEventID.utf8).withUnsafeBytes { IdempotencyIndex.scope(actor: actorBytes, clientEventID: $0) }
        }
        return try IdempotencyIndex(database: schema.idempotency, hasher: hasher).find(scope: scope, in: self)?.receipt.seq
    }

    // MARK: Names

    /// The key of a node id, or nil when no event ever named it.
    public func nodeKey(_ id: NodeID) throws -> NodeKey? {
        try nodeInterner.lookup(id.rawValue, in: self).map(NodeKey.init)
    }

    /// The node id behind a key.
    public func nodeID(_ key: NodeKey) throws -> NodeID {
        if let known = nodeNames.name(of: key.key) { return NodeID(unchecked: known) }
        guard let name = try nodeInterner.name(of: key.key, in: self) else { throw LedgerError.corrupted("a node key has no node id") }
        nodeNames.remember(name, for: key.key)
        return NodeID(unchecked: name)
    }

    /// The key of a term (a kind, a relation, a tag), or nil when it was never used.
    public func termKey(_ term: String) throws -> TermKey? {
        try termInterner.lookup(term, in: self).map(TermKey.init)
    }

    /// The term behind a key.
    public func term(_ key: TermKey) throws -> String {
        if let known = termNames.name(of: key.key) { return known }
        guard let name = try termInterner.name(of: key.key, in: self) else { throw LedgerError.corrupted("a term key has no term") }
        termNames.remember(name, for: key.key)
        return name
    }

    /// Visits every node of the graph, in key order (not a useful order), while `body`
    /// returns true. A full scan of the node table: prefer the indexes.
    public func forEachNode(_ body: (NodeKey, NodeID) throws -> Bool) throws {
        try forEach(in: schema.nodes) { key, value in
            guard let node = Key128(bytes: key) else { throw LedgerError.corrupted("a node key is not 16 bytes") }
            return try body(NodeKey(key: node), NodeID(unchecked: String(decoding: value, as: UTF8.self)))
        }
    }

    // MARK: Edges

    /// Visits the edges of `node` on one side, in index order, while `body` returns true.
    /// Each distinct edge once, however many events repeated it. Lists read before come from
    /// the ledger's ``EdgeCache``; the others are read from the index (and kept).
    public func forEachEdge(of node: NodeKey, _ side: Ledger.EdgeSide, role: Edge.Role = .data, _ body: (EdgeRecord) throws -> Bool) throws {
        let direction: EdgeDirection = switch (side, role) {
        case (.outgoing, .data): .dataOut
        case (.incoming, .data): .dataIn
        case (.outgoing, .actor): .actorOut
        case (.incoming, .actor): .actorIn
        }
        let cacheKey = EdgeCache.Key(node: node.key, direction: direction.rawValue)
        let size = head.size
        if let cached = edgeCache.edges(of: cacheKey, snapshotSize: size) {
            // A list read at a later size may hold edges this snapshot does not have.
            for edge in cached where edge.firstSeq < size {
                guard try body(edge) else { return }
            }
            return
        }
        var read: [EdgeRecord] = []
        let whole = try readEdges(of: node, direction, limit: edgeCache.maxEdgesPerList) { edge in
            read.append(edge)
            return true
        }
        if whole {
            edgeCache.store(read, for: cacheKey, readAt: size)
            for edge in read {
                guard try body(edge) else { return }
            }
        } else {
            // A hub: too many edges to keep, read afresh each time.
            _ = try readEdges(of: node, direction, limit: .max, body)
        }
    }

    /// Reads the index rows of one side of `node` while `body` returns true; false when it
    /// stopped at `limit` rows with more left.
    private func readEdges(of node: NodeKey, _ direction: EdgeDirection, limit: Int, _ body: (EdgeRecord) throws -> Bool) throws -> Bool {
        var prefix = KeyBuffer()
        prefix.append(node.key)
        prefix.append(direction.rawValue)
        return try withCursor(on: schema.edges) { cursor in
            var found = try prefix.withUnsafeBytes { try cursor.seek(atLeast: $0) }
            var count = 0
            while found {
                let key = cursor.key
                let value = cursor.value
                guard key.count == 49, prefix.withUnsafeBytes({ key.starts(with: $0) }) else { return true }
                guard count < limit else { return false }
                guard value.count == 8,
                      let relation = Key128(bytes: UnsafeRawBufferPointer(rebasing: key[17..<33])),
                      let other = Key128(bytes: UnsafeRawBufferPointer(rebasing: key[33..<49]))
                else { throw LedgerError.corrupted("an edge row is malformed") }
                guard try body(EdgeRecord(relation: TermKey(key: relation), other: NodeKey(key: other), firstSeq: value.loadBigEndianUInt64(at: 0))) else { return true }
                count += 1
                found = try cursor.next()
            }
            return true
        }
    }

    /// True when the data edge `from —relation→ to` was recorded on any UTC day in `days`
    /// (days counted from 1970-01-01).
    public func wasRecorded(from: NodeKey, relation: TermKey, to: NodeKey, onDays days: ClosedRange<UInt32>) throws -> Bool {
        try withCursor(on: schema.edgeDays) { cursor in
            let start = Keys.edgeDay(from: from.key, relation: relation.key, to: to.key, day: days.lowerBound)
            let found = try start.withUnsafeBytes { try cursor.seek(atLeast: $0) }
            guard found, cursor.key.count == 52 else { return false }
            return start.withUnsafeBytes { start in
                cursor.key.prefix(48).elementsEqual(start.prefix(48)) && cursor.key.loadBigEndianUInt32(at: 48) <= days.upperBound
            }
        }
    }

    /// The UTC day of a time, as ``wasRecorded(from:relation:to:onDays:)`` counts days.
    public static func day(of time: Timestamp) -> UInt32 { Keys.day(of: time) }

    // MARK: Tags

    /// Visits the tags classify events put on `node`, with the seq of each, in key order.
    public func forEachTag(of node: NodeKey, _ body: (TermKey, UInt64) throws -> Bool) throws {
        try forEachPair(in: schema.tags, first: node.key) { tag, seq in try body(TermKey(key: tag), seq) }
    }

    /// Visits the nodes carrying `tag`, with the seq of each classify event.
    public func forEachNode(taggedWith tag: TermKey, _ body: (NodeKey, UInt64) throws -> Bool) throws {
        try forEachPair(in: schema.tagged, first: tag.key) { node, seq in try body(NodeKey(key: node), seq) }
    }

    private func forEachPair(in database: Database, first: Key128, _ body: (Key128, UInt64) throws -> Bool) throws {
        var prefix = KeyBuffer()
        prefix.append(first)
        try prefix.withUnsafeBytes { start in
            try forEach(in: database, from: start) { key, _ in
                guard key.count == 40, key.starts(with: start) else { return false }
                guard let second = Key128(bytes: UnsafeRawBufferPointer(rebasing: key[16..<32])) else { return false }
                return try body(second, key.loadBigEndianUInt64(at: 32))
            }
        }
    }

    // MARK: Events

    /// Visits the seqs of `index` within `range`, oldest or newest first, while `body`
    /// returns true. Costs one seek plus one step per seq visited (for an actor, kind or node,
    /// one seek per block of postings read).
    public func forEachSeq(in index: EventIndex, within range: Range<UInt64>, newestFirst: Bool = false, _ body: (UInt64) throws -> Bool) throws {
        guard !range.isEmpty else { return }
        let postings: PostingIndex
        let key: Key128
        let role: UInt8
        switch index {
        case .all:
            try forEachEntrySeq(within: range, newestFirst: newestFirst, body)
            return
        case .actor(let node):
            (postings, key, role) = (schema.actorPostings, node.key, 0)
        case .onBehalfOf(let node):
            (postings, key, role) = (schema.actorPostings, node.key, 1)
        case .kind(let term):
            (postings, key, role) = (schema.kindPostings, term.key, 0)
        case .node(let node, let nodeRole):
            (postings, key, role) = (schema.nodePostings, node.key, nodeRole.rawValue)
        }
        try postings.forEachSeq(of: key, role: role, within: range, newestFirst: newestFirst, in: self, body)
    }

    /// The seqs of the log itself within `range`, read from the entries' keys.
    private func forEachEntrySeq(within range: Range<UInt64>, newestFirst: Bool, _ body: (UInt64) throws -> Bool) throws {
        try withCursor(on: schema.entries) { cursor in
            var found: Bool
            if newestFirst {
                found = try Keys.seq(range.upperBound - 1).withUnsafeBytes { try cursor.seek(atMost: $0) }
            } else {
                found = try Keys.seq(range.lowerBound).withUnsafeBytes { try cursor.seek(atLeast: $0) }
            }
            while found {
                guard cursor.key.count == 8 else { return }
                let seq = cursor.key.loadBigEndianUInt64(at: 0)
                guard range.contains(seq), try body(seq) else { return }
                found = newestFirst ? try cursor.previous() : try cursor.next()
            }
        }
    }

    /// The seqs whose times fall in `times`. The log's times never go back (the writer holds
    /// its clock back, and verification checks it), so they form one range, found by a binary
    /// search over the entries' times: about 20 entry reads in a log of a million.
    public func seqRange(for times: Range<Timestamp>) throws -> Range<UInt64> {
        func firstSeq(atOrAfter time: Timestamp) throws -> UInt64 {
            var low: UInt64 = 0
            var high = head.size
            while low < high {
                let middle = low + (high - low) / 2
                if try withEntryFields(at: middle, { $0.time }) < time { low = middle + 1 } else { high = middle }
            }
            return low
        }
        let lower = try firstSeq(atOrAfter: times.lowerBound)
        let upper = try firstSeq(atOrAfter: times.upperBound)
        return lower..<max(lower, upper)
    }

    /// Calls `body` with the stored bytes of entry `seq`, valid only inside `body`.
    public func withEntryBytes<R>(at seq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let result = try Keys.seq(seq).withUnsafeBytes { key in try withValue(forKey: key, in: schema.entries, body) }
        guard let result else { throw LedgerError.noSuchEntry(seq: seq, size: head.size) }
        return result
    }

    /// Calls `body` with the fields of entry `seq`, read in place and decoded only as asked
    /// (not checked again: `custos verify` does that). The fields are valid only inside `body`.
    public func withEntryFields<R>(at seq: UInt64, _ body: (inout EntryFields) throws -> R) throws -> R {
        try withEntryBytes(at: seq) { bytes in
            let view: EntryView
            do { view = try EntryView(bytes, strict: false) } catch { throw LedgerError.unreadableEntry(at: seq, error) }
            var fields = EntryFields(view: view)
            return try body(&fields)
        }
    }

    /// The entry at `seq`, decoded (not checked again: `custos verify` does that).
    public func entry(at seq: UInt64) throws -> LedgerEntry {
        try withEntryBytes(at: seq) { bytes in
            do { return try LedgerEntry(storedBytes: bytes) } catch { throw LedgerError.unreadableEntry(at: seq, error) }
        }
    }
}

extension Ledger {
    /// Runs `body` with a consistent, read-only snapshot of the log and its indexes.
    public func withSnapshot<R>(_ body: (borrowing LedgerSnapshot) throws -> R) throws -> R {
        try read { txn in
            let head = try LogHead.read(in: txn, schema: schema)
            return try body(LedgerSnapshot(handle: txn.handle, schema: schema, hasher: configuration.keyHasher, nodeNames: nodeNames, termNames: termNames, edgeCache: edgeCache, head: head))
        }
    }
}

extension UnsafeRawBufferPointer {
    /// The big-endian `UInt32` at `offset`.
    @inline(__always)
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
