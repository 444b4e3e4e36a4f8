public import CustosLedger

/// A tag a classify event put on the node itself.
public struct OwnTag: Sendable, Hashable {
    public let tag: String
    /// The seq of the classify event.
    public let seq: UInt64
}

/// A tag a node inherits from an ancestor through edges that no masking step covering the
/// tag interrupts.
public struct InheritedTag: Sendable, Hashable {
    public let tag: String
    /// The ancestor that carries the tag itself.
    public let source: NodeID
    /// The edges from the source down to the node: the explanation.
    public let path: [LineageEdge]
}

/// A node's sensitivity: its own tags and the ones it inherits.
public struct NodeTags: Sendable {
    public let node: NodeID
    public var own: [OwnTag]
    public var inherited: [InheritedTag]
    public var truncation: Truncation?

    /// Every tag, own or inherited.
    public var all: Set<String> { Set(own.map(\.tag)).union(inherited.map(\.tag)) }
}

extension LineageGraph {
    /// The node's own tags and those it inherits (taint tracking): a node derived from a
    /// tagged node inherits the tag unless a `mask` edge that covers the tag lies between
    /// them. A mask edge covers the tags listed in its first event's `covers` attribute, or
    /// every tag when that event lists none. Each inherited tag comes with the shortest path
    /// that explains it.
    public func tags(of node: NodeID, view: GraphView = .current, maxDepth: Int = 50, maxNodes: Int = 10_000) throws -> NodeTags {
        try ledger.withSnapshot { snapshot in try tags(of: node, view: view, maxDepth: maxDepth, maxNodes: maxNodes, in: snapshot) }
    }

    public func tags(of node: NodeID, view: GraphView, maxDepth: Int, maxNodes: Int, in snapshot: borrowing LedgerSnapshot) throws -> NodeTags {
        guard let start = try snapshot.nodeKey(node) else { throw LineageError.unknownNode(node) }
        var result = NodeTags(node: node, own: try ownTags(of: start, view: view, in: snapshot), inherited: [], truncation: nil)
        let maskKey = try snapshot.termKey(EventKind.mask.rawValue)
        let days = view.days

        /// A search state: a node, reached with these tags already covered by masking (nil: all).
        struct State: Hashable {
            var node: NodeKey
            var covered: Set<String>?
        }
        var parent: [State: (state: State, edge: (from: NodeKey, relation: TermKey, to: NodeKey, firstSeq: UInt64))] = [:]
        var depthOf: [State: Int] = [State(node: start, covered: []): 0]
        var queue = [State(node: start, covered: [])]
        var head = 0
        var explained = Set(result.own.map(\.tag))
        var coverage: [UInt64: Set<String>?] = [:]

        while head < queue.count {
            let state = queue[head]
            head += 1
            let depth = depthOf[state] ?? 0
            if depth > 0 {
                for own in try ownTags(of: state.node, view: view, in: snapshot)
                where !explained.contains(own.tag) && !(state.covered?.contains(own.tag) ?? true) {
                    explained.insert(own.tag)
                    var path: [LineageEdge] = []
                    var cursor = state
                    while let step = parent[cursor] {
                        path.append(LineageEdge(from: try snapshot.nodeID(step.edge.from), relation: try snapshot.term(step.edge.relation), to: try snapshot.nodeID(step.edge.to), firstSeq: step.edge.firstSeq))
                        cursor = step.state
                    }
                    result.inherited.append(InheritedTag(tag: own.tag, source: try snapshot.nodeID(state.node), path: path))
                }
            }
            var edges: [EdgeRecord] = []
            try snapshot.forEachEdge(of: state.node, .incoming) { edge in
                if view.admits(firstSeq: edge.firstSeq) { edges.append(edge) }
                return true
            }
            for edge in edges {
                if let days, !(try snapshot.wasRecorded(from: edge.other, relation: edge.relation, to: state.node, onDays: days)) { continue }
                var covered = state.covered
                if edge.relation == maskKey {
                    if coverage[edge.firstSeq] == nil { coverage[edge.firstSeq] = .some(try covers(seq: edge.firstSeq, in: snapshot)) }
                    if let covers = coverage[edge.firstSeq] ?? nil, let already = covered {
                        covered = already.union(covers)
                    } else {
                        covered = nil
                    }
                }
                guard covered != nil else { continue }  // a mask that covers every tag: nothing passes
                let next = State(node: edge.other, covered: covered)
                guard depthOf[next] == nil else { continue }
                guard depth < maxDepth else {
                    result.truncation = .depth(maxDepth)
                    continue
                }
                guard depthOf.count < maxNodes else {
                    result.truncation = .results(maxNodes)
                    return result
                }
                depthOf[next] = depth + 1
                parent[next] = (state, (edge.other, edge.relation, state.node, edge.firstSeq))
                queue.append(next)
            }
        }
        return result
    }

    func ownTags(of node: NodeKey, view: GraphView, in snapshot: borrowing LedgerSnapshot) throws -> [OwnTag] {
        var tags: [OwnTag] = []
        try snapshot.forEachTag(of: node) { tag, seq in
            if view.admits(firstSeq: seq) {
                let name = try snapshot.term(tag)
                if !tags.contains(where: { $0.tag == name }) { tags.append(OwnTag(tag: name, seq: seq)) }
            }
            return true
        }
        return tags
    }

    /// The tags a mask event covers: its `covers` attribute, or nil for every tag.
    private func covers(seq: UInt64, in snapshot: borrowing LedgerSnapshot) throws -> Set<String>? {
        let event = try snapshot.entry(at: seq).event
        guard case .array(let list)? = event.attributes["covers"] else { return nil }
        return Set(list.compactMap(\.stringValue))
    }
}
