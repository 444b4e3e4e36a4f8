/// A lineage edge that an event adds: `from —relation→ to`.
public struct Edge: Sendable, Hashable {
    /// Whether the edge carries data or ties an actor to what it acted on.
    public enum Role: Sendable, Hashable {
        /// Data flowed from `from` to `to` (an input to an output).
        case data
        /// The actor `from` acted on `to`.
        case actor
    }

    public let from: NodeID
    /// The event kind that made the edge (`transform`, `mask`, `export`, …).
    public let relation: EventKind
    public let to: NodeID
    public let role: Role

    public init(from: NodeID, relation: EventKind, to: NodeID, role: Role) {
        self.from = from
        self.relation = relation
        self.to = to
        self.role = role
    }
}

/// How an event expands into lineage edges; the edge index stores exactly these, and
/// verification recomputes them. Version 1, documented in docs/FORMAT.md, "Indexes":
///
/// - a data edge from every input to every output (`input —kind→ output`), skipping an
///   input that is also that output;
/// - an actor edge from the actor to every output, or, when there are no outputs, to every
///   input (`agent:etl-bot —transform→ dataset:…`, `human:alice —approve→ request:…`).
///
/// An edge repeated by later events is stored once, with the seq of its first event.
public enum EdgeMapping {
    /// Stored in the store's metadata; a store built with another version must be reindexed.
    public static let version = 1

    /// The distinct edges `event` adds, data edges first.
    public static func edges(of event: Event) -> [Edge] {
        var nodes: [NodeID] = [event.actor.id]
        func position(_ node: NodeID) -> Int {
            if let index = nodes.firstIndex(of: node) { return index }
            nodes.append(node)
            return nodes.count - 1
        }
        let inputs = event.inputs.map(position)
        let outputs = event.outputs.map(position)
        return edgePositions(actor: 0, inputs: inputs, outputs: outputs).map {
            Edge(from: nodes[$0.from], relation: event.kind, to: nodes[$0.to], role: $0.role)
        }
    }

    /// The mapping itself, over positions in a table of distinct nodes (equal ids have equal
    /// positions): the distinct edges, data edges first.
    static func edgePositions(actor: Int, inputs: [Int], outputs: [Int]) -> [(from: Int, to: Int, role: Edge.Role)] {
        var edges: [(from: Int, to: Int, role: Edge.Role)] = []
        edges.reserveCapacity(inputs.count * outputs.count + max(inputs.count, outputs.count))
        for input in inputs {
            for output in outputs where input != output {
                edges.append((input, output, .data))
            }
        }
        for target in outputs.isEmpty ? inputs : outputs where target != actor {
            edges.append((actor, target, .actor))
        }
        guard edges.count > 1 else { return edges }
        // Repeated inputs or outputs repeat edges: keep the first of each.
        struct Key: Hashable {
            var from: Int
            var to: Int
            var isData: Bool
        }
        var seen = Set<Key>(minimumCapacity: edges.count)
        return edges.filter { seen.insert(Key(from: $0.from, to: $0.to, isData: $0.role == .data)).inserted }
    }

    /// An upper bound on the number of edges of `event`, cheap to compute.
    public static func edgeCount(of event: Event) -> Int {
        event.inputs.count * event.outputs.count + max(event.outputs.count, event.inputs.count)
    }
}
