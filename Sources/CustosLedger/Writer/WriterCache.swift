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
    struct EdgeRow: TableKey {
        var node: Key128
        var direction: UInt8
        var relation: Key128
        var other: Key128

        // Equality still compares every field; the word only places the row.
        var tableWord: UInt64 {
            (node.high ^ other.high &* 0x9E37_79B9_7F4A_7C15) ^ (node.low ^ other.low ^ relation.low ^ UInt64(direction)) &* 0xC2B2_AE3D_27D4_EB4F
        }
    }

    /// One row of the edge-days index.
    struct EdgeDay: TableKey {
        var from: Key128
        var relation: Key128
        var to: Key128
        var day: UInt32

        var tableWord: UInt64 {
            (from.high ^ to.high &* 0x9E37_79B9_7F4A_7C15) ^ (from.low ^ to.low ^ relation.low ^ UInt64(day)) &* 0xC2B2_AE3D_27D4_EB4F
        }
    }

    /// Interned node ids by the key of their first probe.
    private(set) var nodes = KeyTable<Key128, Interned>()
    /// Interned terms (kinds) by the key of their first probe.
    private(set) var terms = KeyTable<Key128, Interned>()
    /// Edge rows known to be present.
    private(set) var edges = KeyTable<EdgeRow, Void>()
    /// Edge-day rows known to be present.
    private(set) var edgeDays = KeyTable<EdgeDay, Void>()

    static let maxNames = 200_000
    static let maxEdges = 400_000

    // Names compare by bytes, as ids do everywhere in the ledger.
    func node(_ node: PreparedEvent.Node) -> Key128? {
        guard let found = nodes[node.firstKey], found.name.hasSameUTF8(as: node.name) else { return nil }
        return found.key
    }

    func term(_ term: PreparedEvent.Node) -> Key128? {
        guard let found = terms[term.firstKey], found.name.hasSameUTF8(as: term.name) else { return nil }
        return found.key
    }

    func contains(_ row: EdgeRow) -> Bool { edges.contains(row) }

    /// The adjacency lists that the edge rows put in a transaction may have extended.
    var extendedLists: [EdgeCache.Key] {
        var lists: [EdgeCache.Key] = []
        lists.reserveCapacity(edges.count)
        edges.forEach { lists.append(EdgeCache.Key(node: $0.node, direction: $0.direction)) }
        return lists
    }

    func contains(_ row: EdgeDay) -> Bool { edgeDays.contains(row) }

    mutating func add(_ row: EdgeDay) { edgeDays.insert(row) }

    /// Adds an interned node id; the first key found for a name stays.
    mutating func addNode(_ node: PreparedEvent.Node, key: Key128) {
        nodes.insert(node.firstKey, Interned(name: node.name, key: key))
    }

    mutating func addTerm(_ term: PreparedEvent.Node, key: Key128) {
        terms.insert(term.firstKey, Interned(name: term.name, key: key))
    }

    mutating func add(_ row: EdgeRow) { edges.insert(row) }

    /// Adopts what a committed transaction learned; starts over when the cache grows past
    /// its bounds, which keeps memory flat however large the graph.
    mutating func merge(_ learned: WriterCache) {
        if nodes.count + terms.count + learned.nodes.count + learned.terms.count > Self.maxNames {
            nodes.removeAll()
            terms.removeAll()
        }
        if edges.count + learned.edges.count > Self.maxEdges {
            edges.removeAll()
        }
        if edgeDays.count + learned.edgeDays.count > Self.maxEdges {
            edgeDays.removeAll()
        }
        learned.nodes.forEach { nodes.insert($0, $1) }
        learned.terms.forEach { terms.insert($0, $1) }
        learned.edges.forEach { edges.insert($0) }
        learned.edgeDays.forEach { edgeDays.insert($0) }
    }
}
