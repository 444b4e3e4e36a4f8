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
    init<Name: Hashable>(
        actor: Name, onBehalfOf: Name?, inputs: [Name], outputs: [Name],
        explicit: [(from: Name, to: Name, relation: Name?)], kind: Name, tags tagNames: [Name],
        nodes: inout [Name], terms: inout [Name]
    ) {
        nodes = []
        terms = [kind]
        // Events name few nodes: a linear search beats hashing until they name many.
        var positions: [Name: Int]? = inputs.count + outputs.count + explicit.count > 16 ? [:] : nil
        func node(_ name: Name) -> Int {
            if let found = positions?[name] ?? (positions == nil ? nodes.firstIndex(of: name) : nil) { return found }
            nodes.append(name)
            positions?[name] = nodes.count - 1
            return nodes.count - 1
        }
        func term(_ name: Name) -> Int {
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
        for (list, role) in [(inputPositions, UInt8(0)), (outputPositions, 1), (explicitPositions.flatMap { [$0.from, $0.to] }, 2)] {
            for position in list where !nodeRoles.contains(where: { $0.node == position && $0.role == role }) {
                nodeRoles.append((position, role))
            }
        }
        if !tagNames.isEmpty {
            tags = Array(Set(tagNames.map(term))).sorted()
            tagTargets = Array(Set(outputPositions.isEmpty ? inputPositions : outputPositions)).sorted()
        }
    }
}
