public import CustosLedger

/// How far and through what a trace goes.
public struct TraceOptions: Sendable, Hashable {
    public var direction: LineageDirection
    /// Edges from the start node count as depth 1.
    public var maxDepth: Int
    /// Follow only edges with these relations (kinds); nil follows every data edge.
    public var relations: Set<String>?
    /// Report only nodes of these types (the trace still walks through the others); nil
    /// reports every node.
    public var nodeTypes: Set<String>?
    /// At most this many nodes are reached before the trace stops, truncated.
    public var maxNodes: Int
    public var view: GraphView

    public init(
        direction: LineageDirection, maxDepth: Int = 10, relations: Set<String>? = nil, nodeTypes: Set<String>? = nil,
        maxNodes: Int = 10_000, view: GraphView = .current
    ) {
        self.direction = direction
        self.maxDepth = maxDepth
        self.relations = relations
        self.nodeTypes = nodeTypes
        self.maxNodes = maxNodes
        self.view = view
    }
}

/// A node reached by a trace.
public struct TracedNode: Sendable, Hashable {
    public let id: NodeID
    /// The number of edges from the start node.
    public let depth: Int
}

/// What a trace reached, and how.
public struct TraceResult: Sendable {
    public let start: NodeID
    public let direction: LineageDirection
    /// Reached nodes (of the reported types), nearest first; the start node is not included.
    public var nodes: [TracedNode]
    /// Every edge walked, in its own direction (from → to), including edges between reached
    /// nodes (diamonds, cycles).
    public var edges: [LineageEdge]
    /// Why the trace is not complete, if it is not.
    public var truncation: Truncation?
}

extension LineageGraph {
    /// Traces upstream or downstream from `start`, breadth first.
    public func trace(from start: NodeID, _ options: TraceOptions) throws -> TraceResult {
        try ledger.withSnapshot { snapshot in try trace(from: start, options, in: snapshot) }
    }

    /// Traces within a snapshot the caller holds.
    public func trace(from start: NodeID, _ options: TraceOptions, in snapshot: borrowing LedgerSnapshot) throws -> TraceResult {
        var result = TraceResult(start: start, direction: options.direction, nodes: [], edges: [], truncation: nil)
        guard let startKey = try snapshot.nodeKey(start) else { throw LineageError.unknownNode(start) }
        // A handful of relations at most: a linear scan beats hashing.
        let allowed = try options.relations.map { names in try names.compactMap { try snapshot.termKey($0) } }
        let days = options.view.days
        let side: Ledger.EdgeSide = options.direction == .upstream ? .incoming : .outgoing

        var depthOf = NodeKeyMap<Int>(minimumCapacity: 64)
        depthOf.set(0, for: startKey)
        var order: [NodeKey] = []
        var walked: [(from: NodeKey, relation: TermKey, to: NodeKey, firstSeq: UInt64)] = []
        var frontier = [startKey]
        var depth = 0
        walk: while !frontier.isEmpty {
            var next: [NodeKey] = []
            for node in frontier {
                var stop = false
                try snapshot.forEachEdge(of: node, side) { edge in
                    guard options.view.admits(firstSeq: edge.firstSeq), allowed?.contains(edge.relation) ?? true else { return true }
                    let (from, to) = options.direction == .upstream ? (edge.other, node) : (node, edge.other)
                    if let days, !(try snapshot.wasRecorded(from: from, relation: edge.relation, to: to, onDays: days)) { return true }
                    if depthOf[edge.other] == nil {
                        guard depth < options.maxDepth else {
                            result.truncation = .depth(options.maxDepth)
                            return true
                        }
                        guard depthOf.count <= options.maxNodes else {
                            result.truncation = .results(options.maxNodes)
                            stop = true
                            return false
                        }
                        depthOf.set(depth + 1, for: edge.other)
                        order.append(edge.other)
                        next.append(edge.other)
                    }
                    walked.append((from, edge.relation, to, edge.firstSeq))
                    return true
                }
                if stop { break walk }
            }
            frontier = next
            depth += 1
        }

        // Names only for what is returned.
        var names = NodeKeyMap<NodeID>(minimumCapacity: order.count + 1)
        names.set(start, for: startKey)
        func name(_ key: NodeKey) throws -> NodeID {
            if let known = names[key] { return known }
            let id = try snapshot.nodeID(key)
            names.set(id, for: key)
            return id
        }
        var relationNames: [(key: TermKey, name: String)] = []
        func relationName(_ key: TermKey) throws -> String {
            if let known = relationNames.first(where: { $0.key == key }) { return known.name }
            let name = try snapshot.term(key)
            relationNames.append((key, name))
            return name
        }
        result.nodes.reserveCapacity(order.count)
        for node in order {
            let id = try name(node)
            if let types = options.nodeTypes, !types.contains(String(id.type)) { continue }
            result.nodes.append(TracedNode(id: id, depth: depthOf[node] ?? 0))
        }
        result.edges.reserveCapacity(walked.count)
        for edge in walked {
            result.edges.append(LineageEdge(from: try name(edge.from), relation: try relationName(edge.relation), to: try name(edge.to), firstSeq: edge.firstSeq))
        }
        return result
    }
}
