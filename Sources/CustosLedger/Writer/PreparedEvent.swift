/// An event made ready for the writer by the appending task, off the writer's thread:
/// validated, its canonical content encoded and every key hashed. The writer only has to
/// add seq, time and prev, hash, and store.
///
/// A class, so that handing one to the writer and through its loops costs one reference
/// count rather than one per array it holds.
final class PreparedEvent: Sendable {
    struct Node: Sendable {
        var name: String
        /// `XXH3-128(name, seed 0)`; the interner confirms it (or probes on a collision).
        var firstKey: Key128
    }

    struct Idempotency: Sendable {
        var clientEventID: String
        /// actor id ‖ 0x00 ‖ client event id: what the key stands for.
        var scope: [UInt8]
        var contentHash: Hash256
    }

    /// The canonical content, without the members the ledger assigns (``Event/canonicalContent()``).
    let content: [UInt8]
    /// Distinct terms: the kind first, then the relations of explicit edges, then tags.
    let terms: [Node]
    /// Distinct nodes: the actor first, then on-behalf-of (if any), then inputs, outputs and
    /// the ends of explicit edges.
    let nodes: [Node]
    /// Index in ``nodes`` of the on-behalf-of actor.
    let onBehalfOf: Int?
    /// Rows of the `by_node` index: (node position, role) — 0 input, 1 output, 2 edge end.
    let nodeRoles: [(node: Int, role: UInt8)]
    /// Edges by positions in ``nodes`` and ``terms``.
    let edges: [EdgeMapping.Position]
    /// For a classify event: the tags (positions in ``terms``) and the nodes they go on.
    let tags: [Int]
    let tagTargets: [Int]
    let idempotency: Idempotency?

    init(_ event: Event, limits: EventLimits, hasher: KeyHasher) throws(EventError) {
        try event.validate(limits: limits)
        content = event.canonicalContent()
        // The assigned members add at most 150 bytes.
        guard content.count + 150 <= limits.maxEntryBytes else {
            throw EventError(field: "", reason: "the event is \(content.count) bytes in canonical form; the limit is \(limits.maxEntryBytes - 150): move bulky data out of attributes")
        }

        var nodeNames: [NodeID] = []
        var termNames: [String] = []
        let plan = IndexPlan(
            actor: event.actor.id, onBehalfOf: event.actor.onBehalfOf, inputs: event.inputs, outputs: event.outputs,
            explicit: event.edges.map { ($0.from, $0.to, $0.relation?.rawValue) },
            kind: event.kind.rawValue, tags: event.classifiedTags, nodes: &nodeNames, terms: &termNames
        )
        nodes = nodeNames.map { Node(name: $0.rawValue, firstKey: hasher.key($0.rawValue)) }
        terms = termNames.map { Node(name: $0, firstKey: hasher.key($0)) }
        onBehalfOf = plan.onBehalfOf
        nodeRoles = plan.nodeRoles
        edges = plan.edges
        tags = plan.tags
        tagTargets = plan.tagTargets

        if let clientEventID = event.clientEventID {
            let scope = Array(event.actor.id.rawValue.utf8).withUnsafeBytes { actor in
                Array(clientEventID.utf8).withUnsafeBytes { IdempotencyIndex.scope(actor: actor, clientEventID: $0) }
            }
            idempotency = Idempotency(clientEventID: clientEventID, scope: scope, contentHash: Hash256.sha256(content))
        } else {
            idempotency = nil
        }
    }
}
