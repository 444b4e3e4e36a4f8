/// An event made ready for the writer by the appending task, off the writer's thread:
/// validated, its canonical content encoded and every key hashed. The writer only has to
/// add seq, time and prev, hash, and store.
struct PreparedEvent: Sendable {
    struct Node: Sendable {
        var name: String
        /// `XXH3-128(name, seed 0)`; the interner confirms it (or probes on a collision).
        var firstKey: Key128
    }

    struct EdgeRef: Sendable {
        /// Indexes into ``nodes``.
        var from: Int
        var to: Int
        var role: Edge.Role
    }

    struct Idempotency: Sendable {
        var clientEventID: String
        /// actor id ‖ 0x00 ‖ client event id: what the key stands for.
        var scope: [UInt8]
        var contentHash: Hash256
    }

    /// The canonical content, without the members the ledger assigns (``Event/canonicalContent()``).
    let content: [UInt8]
    let kind: Node
    /// Distinct nodes: the actor first, then on-behalf-of (if any), then inputs and outputs.
    let nodes: [Node]
    /// Index in ``nodes`` of the on-behalf-of actor.
    let onBehalfOf: Int?
    let edges: [EdgeRef]
    let idempotency: Idempotency?

    init(_ event: Event, limits: EventLimits, hasher: KeyHasher) throws(EventError) {
        try event.validate(limits: limits)
        content = event.canonicalContent()
        // The assigned members add at most 150 bytes.
        guard content.count + 150 <= limits.maxEntryBytes else {
            throw EventError(field: "", reason: "the event is \(content.count) bytes in canonical form; the limit is \(limits.maxEntryBytes - 150): move bulky data out of attributes")
        }
        kind = Node(name: event.kind.rawValue, firstKey: hasher.key(event.kind.rawValue))

        // Distinct nodes by position; events name few nodes, so a linear search beats hashing.
        var nodes: [Node] = []
        nodes.reserveCapacity(2 + event.inputs.count + event.outputs.count)
        var indexOf: [String: Int]? = event.inputs.count + event.outputs.count > 16 ? [:] : nil
        func add(_ id: NodeID) -> Int {
            if let found = indexOf?[id.rawValue] ?? (indexOf == nil ? nodes.firstIndex { $0.name == id.rawValue } : nil) {
                return found
            }
            nodes.append(Node(name: id.rawValue, firstKey: hasher.key(id.rawValue)))
            indexOf?[id.rawValue] = nodes.count - 1
            return nodes.count - 1
        }
        let actor = add(event.actor.id)
        onBehalfOf = event.actor.onBehalfOf.map(add)
        let inputs = event.inputs.map(add)
        let outputs = event.outputs.map(add)
        edges = EdgeMapping.edgePositions(actor: actor, inputs: inputs, outputs: outputs).map {
            EdgeRef(from: $0.from, to: $0.to, role: $0.role)
        }
        self.nodes = nodes

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
