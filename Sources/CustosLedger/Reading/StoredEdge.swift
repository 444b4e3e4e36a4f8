import LMDB

/// An edge as the edge index holds it, seen from one of its ends.
public struct StoredEdge: Sendable, Hashable {
    /// The node the edge was looked up from.
    public let node: NodeID
    /// The kind of the event that first made the edge.
    public let relation: EventKind
    /// The node at the other end.
    public let other: NodeID
    public let role: Edge.Role
    /// True when the edge points from ``node`` to ``other``.
    public let isOutgoing: Bool
    /// The seq of the first event that made the edge.
    public let firstSeq: UInt64
}

extension Ledger {
    /// Which edges of a node to read.
    public enum EdgeSide: Sendable {
        /// Edges leaving the node (downstream, for data).
        case outgoing
        /// Edges arriving at the node (upstream, for data).
        case incoming
    }

    /// The edges of `node` on one side, in index order, at most `limit` of them. Cost follows
    /// the number of distinct edges, never the number of events that repeated them.
    public func edges(of node: NodeID, _ side: EdgeSide, role: Edge.Role = .data, limit: Int = .max) throws -> [StoredEdge] {
        let direction: EdgeDirection = switch (side, role) {
        case (.outgoing, .data): .dataOut
        case (.incoming, .data): .dataIn
        case (.outgoing, .actor): .actorOut
        case (.incoming, .actor): .actorIn
        }
        let nodeInterner = Interner(database: schema.nodes, hasher: configuration.keyHasher)
        let termInterner = Interner(database: schema.terms, hasher: configuration.keyHasher)
        return try read { txn in
            guard let key = try nodeInterner.lookup(node.rawValue, in: txn) else { return [] }
            var prefix = KeyBuffer()
            prefix.append(key)
            prefix.append(direction.rawValue)
            var rows: [(relation: Key128, other: Key128, firstSeq: UInt64)] = []
            try prefix.withUnsafeBytes { start in
                try txn.forEach(in: schema.edges, from: start) { rowKey, value in
                    guard rows.count < limit, rowKey.count == 49, rowKey.starts(with: start) else { return false }
                    guard let relation = Key128(bytes: UnsafeRawBufferPointer(rebasing: rowKey[17..<33])),
                          let other = Key128(bytes: UnsafeRawBufferPointer(rebasing: rowKey[33..<49])), value.count == 8
                    else { throw LedgerError.corrupted("an edge row is malformed") }
                    rows.append((relation, other, value.loadBigEndianUInt64(at: 0)))
                    return true
                }
            }
            var relationNames: [Key128: EventKind] = [:]
            return try rows.map { row in
                let relation: EventKind
                if let known = relationNames[row.relation] {
                    relation = known
                } else {
                    guard let name = try termInterner.name(of: row.relation, in: txn) else {
                        throw LedgerError.corrupted("an edge names a relation that is not interned")
                    }
                    relation = try EventKind(name)
                    relationNames[row.relation] = relation
                }
                guard let otherName = try nodeInterner.name(of: row.other, in: txn) else {
                    throw LedgerError.corrupted("an edge names a node that is not interned")
                }
                return StoredEdge(
                    node: node, relation: relation, other: NodeID(unchecked: otherName), role: role,
                    isOutgoing: side == .outgoing, firstSeq: row.firstSeq
                )
            }
        }
    }
}
