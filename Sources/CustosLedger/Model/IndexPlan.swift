/// The index rows one event implies, over positions in its tables of distinct nodes and
/// terms. The writer builds it from a submitted event, verification from stored bytes: one
/// definition, so the two can never disagree.
struct IndexPlan {
    /// Position in the node table of the on-behalf-of actor (the actor is position 0).
    var onBehalfOf: Int?
    /// Rows of `by_node`: (node, role) with role 0 input, 1 output, 2 end of an explicit edge.
    var nodeRoles: [(node: Int, role: UInt8)] = []
    /// The lineage edges (``EdgeMapping``); relation 0 is the kind.
    var edges: [EdgeMapping.Position] = []
    /// For a classify event: tag positions in the term table, and the nodes they go on.
    var tags: [Int] = []
    var tagTargets: [Int] = []

    // Working space of `build`, kept so that a plan built again allocates nothing.
    private var inputPositions: [Int] = []
    private var outputPositions: [Int] = []
    private var explicitPositions: [(from: Int, to: Int, relation: Int)] = []

    init() {}

    /// A plan built once (``build(actor:onBehalfOf:inputs:outputs:explicit:kind:tags:nodes:terms:)``).
    init<Node: Hashable, Term: Hashable>(
        actor: Node, onBehalfOf: Node?, inputs: [Node], outputs: [Node],
        explicit: [(from: Node, to: Node, relation: Term?)], kind: Term, tags tagNames: [Term],
        nodes: inout [Node], terms: inout [Term]
    ) {
        build(
            actor: actor, onBehalfOf: onBehalfOf, inputs: inputs, outputs: outputs, explicit: explicit,
            kind: kind, tags: tagNames, nodes: &nodes, terms: &terms
        )
    }

    /// Builds the plan, filling `nodes` (actor first, then on-behalf-of, inputs, outputs, edge
    /// ends, each once) and `terms` (kind first, then explicit relations, then tags).
    ///
    /// It runs for every event appended and every entry verified, so it reuses the room of
    /// the plan, `nodes` and `terms` from the build before: verification builds one plan
    /// per entry into the same storage, usually without allocating (more than 16 names or
    /// edges, and tags, take a hash table or a sort of their own).
    mutating func build<Node: Hashable, Term: Hashable, Nodes: Collection<Node>, Edges: Collection<(from: Node, to: Node, relation: Term?)>, Tags: Collection<Term>>(
        actor: Node, onBehalfOf: Node?, inputs: Nodes, outputs: Nodes,
        explicit: Edges, kind: Term, tags tagNames: Tags,
        nodes: inout [Node], terms: inout [Term]
    ) {
        nodes.removeAll(keepingCapacity: true)
        nodes.reserveCapacity(2 + inputs.count + outputs.count + 2 * explicit.count)
        terms.removeAll(keepingCapacity: true)
        terms.append(kind)
        // Events name few nodes: a linear search beats hashing until they name many.
        var index: [Node: Int]? = inputs.count + outputs.count + explicit.count > 16 ? [:] : nil
        let actorPosition = Self.position(of: actor, in: &nodes, index: &index)
        self.onBehalfOf = onBehalfOf.map { Self.position(of: $0, in: &nodes, index: &index) }
        inputPositions.removeAll(keepingCapacity: true)
        for input in inputs { inputPositions.append(Self.position(of: input, in: &nodes, index: &index)) }
        outputPositions.removeAll(keepingCapacity: true)
        for output in outputs { outputPositions.append(Self.position(of: output, in: &nodes, index: &index)) }
        explicitPositions.removeAll(keepingCapacity: true)
        for edge in explicit {
            let from = Self.position(of: edge.from, in: &nodes, index: &index)
            let to = Self.position(of: edge.to, in: &nodes, index: &index)
            let relation = edge.relation.map { Self.position(of: $0, in: &terms) } ?? 0
            explicitPositions.append((from, to, relation))
        }
        EdgeMapping.positions(actor: actorPosition, inputs: inputPositions, outputs: outputPositions, explicit: explicitPositions, into: &edges)

        nodeRoles.removeAll(keepingCapacity: true)
        nodeRoles.reserveCapacity(inputPositions.count + outputPositions.count + 2 * explicitPositions.count)
        for position in inputPositions { addRole(position, 0) }
        for position in outputPositions { addRole(position, 1) }
        for edge in explicitPositions {
            addRole(edge.from, 2)
            addRole(edge.to, 2)
        }
        tags.removeAll(keepingCapacity: true)
        tagTargets.removeAll(keepingCapacity: true)
        if !tagNames.isEmpty {
            tags = Array(Set(tagNames.map { Self.position(of: $0, in: &terms) })).sorted()
            tagTargets = Array(Set(outputPositions.isEmpty ? inputPositions : outputPositions)).sorted()
        }
    }

    private mutating func addRole(_ position: Int, _ role: UInt8) {
        if !nodeRoles.contains(where: { $0.node == position && $0.role == role }) { nodeRoles.append((position, role)) }
    }

    /// The position of `name` in `nodes`, appending it when absent; `index` finds it when
    /// there is one, a search when not.
    @inline(__always)
    private static func position<Node: Hashable>(of name: Node, in nodes: inout [Node], index: inout [Node: Int]?) -> Int {
        if index != nil {
            if let found = index?[name] { return found }
            nodes.append(name)
            index?[name] = nodes.count - 1
            return nodes.count - 1
        }
        return position(of: name, in: &nodes)
    }

    @inline(__always)
    private static func position<Name: Equatable>(of name: Name, in names: inout [Name]) -> Int {
        if let found = names.firstIndex(of: name) { return found }
        names.append(name)
        return names.count - 1
    }
}
