public import CustosLedger

/// Which nodes a path may start or end at.
public enum NodeMatcher: Sendable, Hashable, CustomStringConvertible {
    /// This node.
    case node(NodeID)
    /// Any node of this type (`dataset`, `export`, …), optionally only those carrying all of
    /// these tags themselves (as of the view).
    case type(String, taggedWith: Set<String> = [])
    /// Any node.
    case any

    public var description: String {
        switch self {
        case .node(let id): return "\"\(id)\""
        case .type(let type, let tags): return tags.isEmpty ? type : "\(type) tagged \(tags.sorted().joined(separator: ", "))"
        case .any: return "any node"
        }
    }

    func matches(_ id: NodeID) -> Bool {
        switch self {
        case .node(let node): return node == id
        case .type(let type, _): return id.type == type
        case .any: return true
        }
    }
}

/// Which paths to find.
public struct PathOptions: Sendable, Hashable {
    /// Edges a path may not take (e.g. `mask`: paths that skip masking).
    public var avoiding: Set<String>
    /// Relations a path must take at least one of (e.g. `mask`: paths through masking); empty:
    /// no such condition.
    public var through: Set<String>
    /// Only edges with these relations; nil: every data edge.
    public var relations: Set<String>?
    /// The longest path, in edges.
    public var maxDepth: Int
    /// At most this many paths.
    public var maxPaths: Int
    /// At most this many edges examined in all.
    public var maxWork: Int
    public var view: GraphView

    public init(
        avoiding: Set<String> = [], through: Set<String> = [], relations: Set<String>? = nil, maxDepth: Int = 20,
        maxPaths: Int = 1_000, maxWork: Int = 1_000_000, view: GraphView = .current
    ) {
        self.avoiding = avoiding
        self.through = through
        self.relations = relations
        self.maxDepth = maxDepth
        self.maxPaths = maxPaths
        self.maxWork = maxWork
        self.view = view
    }
}

/// One path, as its edges from the source on.
public struct LineagePath: Sendable, Hashable {
    public let edges: [LineageEdge]

    public var source: NodeID? { edges.first?.from }
    public var target: NodeID? { edges.last?.to }
    /// Every node along the path, source first.
    public var nodes: [NodeID] { edges.first.map { [$0.from] + edges.map(\.to) } ?? [] }
}

public struct PathResult: Sendable {
    public var paths: [LineagePath]
    public var truncation: Truncation?
}

extension LineageGraph {
    /// Every simple path downstream from a node matching `sources` to a node matching
    /// `targets`, under the options' conditions, depth first.
    public func paths(from sources: NodeMatcher, to targets: NodeMatcher, _ options: PathOptions) throws -> PathResult {
        try ledger.withSnapshot { snapshot in try paths(from: sources, to: targets, options, in: snapshot) }
    }

    public func paths(from sources: NodeMatcher, to targets: NodeMatcher, _ options: PathOptions, in snapshot: borrowing LedgerSnapshot) throws -> PathResult {
        var result = PathResult(paths: [], truncation: nil)
        let avoided = Set(try options.avoiding.compactMap { try snapshot.termKey($0) })
        let through = Set(try options.through.compactMap { try snapshot.termKey($0) })
        if !options.through.isEmpty && through.isEmpty { return result }  // no edge has such a relation
        let allowed = try options.relations.map { names in Set(try names.compactMap { try snapshot.termKey($0) }) }
        let days = options.view.days
        let starts = try nodes(matching: sources, view: options.view, in: snapshot)

        var names: [NodeKey: NodeID] = [:]
        func name(_ key: NodeKey) throws -> NodeID {
            if let known = names[key] { return known }
            let id = try snapshot.nodeID(key)
            names[key] = id
            return id
        }
        var relationNames: [TermKey: String] = [:]
        var targetOK: [NodeKey: Bool] = [:]
        func isTarget(_ key: NodeKey) throws -> Bool {
            if let known = targetOK[key] { return known }
            var ok = targets.matches(try name(key))
            if ok, case .type(_, let tags) = targets, !tags.isEmpty {
                ok = try Self.carries(key, tags: tags, view: options.view, in: snapshot)
            }
            targetOK[key] = ok
            return ok
        }

        var work = 0
        var stack: [(from: NodeKey, relation: TermKey, to: NodeKey, firstSeq: UInt64)] = []
        var onPath = Set<NodeKey>()
        var throughCount = 0
        var done = false

        func explore(_ node: NodeKey) throws {
            guard !done else { return }
            if !stack.isEmpty, try isTarget(node), through.isEmpty || throughCount > 0 {
                guard result.paths.count < options.maxPaths else {
                    result.truncation = .results(options.maxPaths)
                    done = true
                    return
                }
                result.paths.append(LineagePath(edges: try stack.map { edge in
                    let relation = try relationNames[edge.relation] ?? snapshot.term(edge.relation)
                    relationNames[edge.relation] = relation
                    return LineageEdge(from: try name(edge.from), relation: relation, to: try name(edge.to), firstSeq: edge.firstSeq)
                }))
            }
            var next: [EdgeRecord] = []
            try snapshot.forEachEdge(of: node, .outgoing) { edge in
                work += 1
                guard work <= options.maxWork else {
                    result.truncation = .work(options.maxWork)
                    done = true
                    return false
                }
                guard options.view.admits(firstSeq: edge.firstSeq), !avoided.contains(edge.relation),
                      allowed?.contains(edge.relation) ?? true, !onPath.contains(edge.other)
                else { return true }
                if let days, !(try snapshot.wasRecorded(from: node, relation: edge.relation, to: edge.other, onDays: days)) { return true }
                next.append(edge)
                return true
            }
            for edge in next {
                guard !done else { return }
                guard stack.count < options.maxDepth else {
                    if result.truncation == nil { result.truncation = .depth(options.maxDepth) }
                    return
                }
                stack.append((node, edge.relation, edge.other, edge.firstSeq))
                onPath.insert(edge.other)
                let counts = through.contains(edge.relation)
                if counts { throughCount += 1 }
                try explore(edge.other)
                if counts { throughCount -= 1 }
                onPath.remove(edge.other)
                stack.removeLast()
            }
        }

        for start in starts where !done {
            onPath = [start]
            try explore(start)
        }
        return result
    }

    /// The nodes a matcher names, as of the view.
    func nodes(matching matcher: NodeMatcher, view: GraphView, in snapshot: borrowing LedgerSnapshot) throws -> [NodeKey] {
        switch matcher {
        case .node(let id):
            guard let key = try snapshot.nodeKey(id) else { throw LineageError.unknownNode(id) }
            return [key]
        case .type(let type, let tags):
            guard let first = tags.sorted().first else {
                // No tag to start from: every node of the type, from the node table.
                var found: [NodeKey] = []
                try snapshot.forEachNode { key, id in
                    if id.type == type { found.append(key) }
                    return true
                }
                return try found.filter { try Self.existed($0, view: view, in: snapshot) }
            }
            guard let tagKey = try snapshot.termKey(first) else { return [] }
            var found: [NodeKey] = []
            var seen = Set<NodeKey>()
            try snapshot.forEachNode(taggedWith: tagKey) { node, seq in
                if view.admits(firstSeq: seq), !seen.contains(node) {
                    seen.insert(node)
                    found.append(node)
                }
                return true
            }
            var result: [NodeKey] = []
            for node in found {
                guard try snapshot.nodeID(node).type == type else { continue }
                let carriesAll = try tags.count == 1 || Self.carries(node, tags: tags, view: view, in: snapshot)
                if carriesAll { result.append(node) }
            }
            return result
        case .any:
            var found: [NodeKey] = []
            try snapshot.forEachNode { key, _ in
                found.append(key)
                return true
            }
            return try found.filter { try Self.existed($0, view: view, in: snapshot) }
        }
    }

    /// True when some edge of `node` was recorded within the view's "as of" bound.
    static func existed(_ node: NodeKey, view: GraphView, in snapshot: borrowing LedgerSnapshot) throws -> Bool {
        guard view.asOfSize != nil else { return true }
        var found = false
        for role in [Edge.Role.data, .actor] {
            for side in [Ledger.EdgeSide.outgoing, .incoming] where !found {
                try snapshot.forEachEdge(of: node, side, role: role) { edge in
                    found = view.admits(firstSeq: edge.firstSeq)
                    return !found
                }
            }
        }
        return found
    }

    /// True when `node` itself carries every tag in `tags`, as of the view.
    static func carries(_ node: NodeKey, tags: Set<String>, view: GraphView, in snapshot: borrowing LedgerSnapshot) throws -> Bool {
        var remaining = tags
        try snapshot.forEachTag(of: node) { tag, seq in
            if view.admits(firstSeq: seq) { remaining.remove(try snapshot.term(tag)) }
            return !remaining.isEmpty
        }
        return remaining.isEmpty
    }
}
