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

    /// Builds the plan, filling `nodes` (actor first, then on-behalf-of, inputs, outputs, edge
    /// ends, each once) and `terms` (kind first, then explicit relations, then tags).
    ///
    /// It runs for every event appended, so it allocates little: no arrays beyond the
    /// positions it needs and the tables it fills.
    init<Node: Hashable, Term: Hashable>(
        actor: Node, onBehalfOf: Node?, inputs: [Node], outputs: [Node],
        explicit: [(from: Node, to: Node, relation: Term?)], kind: Term, tags tagNames: [Term],
        nodes: inout [Node], terms: inout [Term]
    ) {
        nodes = []
        nodes.reserveCapacity(2 + inputs.count + outputs.count + 2 * explicit.count)
        terms = [kind]
        // Events name few nodes: a linear search beats hashing until they name many.
        var positions: [Node: Int]? = inputs.count + outputs.count + explicit.count > 16 ? [:] : nil
        func node(_ name: Node) -> Int {
            if let found = positions?[name] ?? (positions == nil ? nodes.firstIndex(of: name) : nil) { return found }
            nodes.append(name)
            positions?[name] = nodes.count - 1
            return nodes.count - 1
        }
        func term(_ name: Term) -> Int {
            if let found = terms.firstIndex(of: name) { return found }
            terms.append(name)
            return terms.count - 1
        }
        let actorPosition = node(actor)
        self.onBehalfOf = onBehalfOf.map(node)
        let inputPositions = inputs.map(node)
        let outputPositions = outputs.map(node)
        let explicitPositions = explicit.map { (from: node($0.from), to: node($0.to), relation: $0.relation.map(term) ?? 0) }
        edges = EdgeMapping.positions(actor: actorPosition, inputs: inputPositions, outputs: outputPositions, explicit: explicitPositions)
        var roles: [(node: Int, role: UInt8)] = []
        roles.reserveCapacity(inputPositions.count + outputPositions.count + 2 * explicitPositions.count)
        func add(_ position: Int, _ role: UInt8) {
            if !roles.contains(where: { $0.node == position && $0.role == role }) { roles.append((position, role)) }
        }
        for position in inputPositions { add(position, 0) }
        for position in outputPositions { add(position, 1) }
        for edge in explicitPositions {
            add(edge.from, 2)
            add(edge.to, 2)
        }
        nodeRoles = roles
        if !tagNames.isEmpty {
            tags = Array(Set(tagNames.map(term))).sorted()
            tagTargets = Array(Set(outputPositions.isEmpty ? inputPositions : outputPositions)).sorted()
        }
    }
}
