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
        var edges: [Edge] = []
        edges.reserveCapacity(event.inputs.count * event.outputs.count + max(event.outputs.count, event.inputs.count))
        for input in event.inputs {
            for output in event.outputs where input != output {
                edges.append(Edge(from: input, relation: event.kind, to: output, role: .data))
            }
        }
        let targets = event.outputs.isEmpty ? event.inputs : event.outputs
        for target in targets where target != event.actor.id {
            edges.append(Edge(from: event.actor.id, relation: event.kind, to: target, role: .actor))
        }
        return deduplicated(edges)
    }

    /// An upper bound on the number of edges of `event`, cheap to compute.
    public static func edgeCount(of event: Event) -> Int {
        event.inputs.count * event.outputs.count + max(event.outputs.count, event.inputs.count)
    }

    private static func deduplicated(_ edges: [Edge]) -> [Edge] {
        guard edges.count > 1 else { return edges }
        if edges.count <= 16 {
            var unique: [Edge] = []
            unique.reserveCapacity(edges.count)
            for edge in edges where !unique.contains(edge) { unique.append(edge) }
            return unique
        }
        var seen = Set<Edge>(minimumCapacity: edges.count)
        return edges.filter { seen.insert($0).inserted }
    }
}
