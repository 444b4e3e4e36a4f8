/// What the writer knows to be in the store already, so that it can skip B-tree work for
/// names and edges that events repeat: the same datasets, actors and derivations, run
/// after run.
///
/// Only facts that can never become false are kept: names are never un-interned and edges
/// never removed. Facts learned in a transaction join the cache only after it commits.
/// Every entry keeps the full name or key, so a hash collision can never give a wrong answer.
struct WriterCache {
    struct Interned {
        var name: String
        var key: Key128
    }

    /// One row of the edge index.
    struct EdgeRow: Hashable {
        var node: Key128
        var direction: UInt8
        var relation: Key128
        var other: Key128

        // Two words instead of seven: the keys are already well-mixed hashes, and equality
        // still compares every field (the writer and the verifier hash a row per edge).
        func hash(into hasher: inout Hasher) {
            hasher.combine(node.high ^ other.high &* 0x9E37_79B9_7F4A_7C15)
            hasher.combine(node.low ^ other.low ^ relation.low ^ UInt64(direction))
        }
    }

    /// One row of the edge-days index.
    struct EdgeDay: Hashable {
        var from: Key128
        var relation: Key128
        var to: Key128
        var day: UInt32

        func hash(into hasher: inout Hasher) {
            hasher.combine(from.high ^ to.high &* 0x9E37_79B9_7F4A_7C15)
            hasher.combine(from.low ^ to.low ^ relation.low ^ UInt64(day))
        }
    }

    /// Interned node ids by the key of their first probe.
    private(set) var nodes: [Key128: Interned] = [:]
    /// Interned terms (kinds) by the key of their first probe.
    private(set) var terms: [Key128: Interned] = [:]
    /// Edge rows known to be present.
    private(set) var edges = Set<EdgeRow>()
    /// Edge-day rows known to be present.
    private(set) var edgeDays = Set<EdgeDay>()

    static let maxNames = 200_000
    static let maxEdges = 400_000

    func node(_ node: PreparedEvent.Node) -> Key128? {
        guard !nodes.isEmpty, let found = nodes[node.firstKey], found.name == node.name else { return nil }
        return found.key
    }

    func term(_ term: PreparedEvent.Node) -> Key128? {
        guard !terms.isEmpty, let found = terms[term.firstKey], found.name == term.name else { return nil }
        return found.key
    }

    // The emptiness checks spare hashing for the per-commit caches, which start empty.
    func contains(_ row: EdgeRow) -> Bool { !edges.isEmpty && edges.contains(row) }

    /// The adjacency lists that the edge rows put in a transaction may have extended.
    var extendedLists: [EdgeCache.Key] { edges.map { EdgeCache.Key(node: $0.node, direction: $0.direction) } }

    func contains(_ row: EdgeDay) -> Bool { !edgeDays.isEmpty && edgeDays.contains(row) }

    mutating func add(_ row: EdgeDay) { edgeDays.insert(row) }

    mutating func addNode(_ node: PreparedEvent.Node, key: Key128) {
        nodes[node.firstKey] = Interned(name: node.name, key: key)
    }

    mutating func addTerm(_ term: PreparedEvent.Node, key: Key128) {
        terms[term.firstKey] = Interned(name: term.name, key: key)
    }

    mutating func add(_ row: EdgeRow) { edges.insert(row) }

    /// Adopts what a committed transaction learned; starts over when the cache grows past
    /// its bounds, which keeps memory flat however large the graph.
    mutating func merge(_ learned: WriterCache) {
        if nodes.count + terms.count + learned.nodes.count + learned.terms.count > Self.maxNames {
            nodes.removeAll(keepingCapacity: true)
            terms.removeAll(keepingCapacity: true)
        }
        if edges.count + learned.edges.count > Self.maxEdges {
            edges.removeAll(keepingCapacity: true)
        }
        if edgeDays.count + learned.edgeDays.count > Self.maxEdges {
            edgeDays.removeAll(keepingCapacity: true)
        }
        nodes.merge(learned.nodes) { old, _ in old }
        terms.merge(learned.terms) { old, _ in old }
        edges.formUnion(learned.edges)
        edgeDays.formUnion(learned.edgeDays)
    }
}
