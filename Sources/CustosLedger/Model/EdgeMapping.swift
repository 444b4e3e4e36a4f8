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
/// verification recomputes them. Version 2, documented in docs/FORMAT.md, "Indexes", and
/// docs/LINEAGE.md:
///
/// - a data edge from every input to every output (`input —kind→ output`), skipping an
///   input that is also that output;
/// - a data edge for every explicit edge (`from —relation→ to`, the relation defaulting to
///   the kind), skipping one from a node to itself;
/// - an actor edge from the actor to every output, or, when there are no outputs, to every
///   input (`agent:etl-bot —transform→ dataset:…`, `human:alice —approve→ request:…`).
///
/// An edge repeated by later events is stored once, with the seq of its first event.
public enum EdgeMapping {
    /// Stored in the store's metadata; a store built with another version must be reindexed.
    public static let version = 2

    /// An edge between positions in a table of distinct nodes (equal ids, equal positions),
    /// with its relation as a position in a table of relations whose first is the kind.
    struct Position: Hashable {
        var from: Int
        var to: Int
        var role: Edge.Role
        var relation: Int
    }

    /// The distinct edges `event` adds, data edges first.
    public static func edges(of event: Event) -> [Edge] {
        var nodes: [NodeID] = [event.actor.id]
        func position(_ node: NodeID) -> Int {
            if let index = nodes.firstIndex(of: node) { return index }
            nodes.append(node)
            return nodes.count - 1
        }
        var relations: [EventKind] = [event.kind]
        func relation(_ kind: EventKind?) -> Int {
            guard let kind else { return 0 }
            if let index = relations.firstIndex(of: kind) { return index }
            relations.append(kind)
            return relations.count - 1
        }
        let inputs = event.inputs.map(position)
        let outputs = event.outputs.map(position)
        let explicit = event.edges.map { (from: position($0.from), to: position($0.to), relation: relation($0.relation)) }
        return positions(actor: 0, inputs: inputs, outputs: outputs, explicit: explicit).map {
            Edge(from: nodes[$0.from], relation: relations[$0.relation], to: nodes[$0.to], role: $0.role)
        }
    }

    /// The mapping itself, over positions: the distinct edges, data edges first.
    static func positions(actor: Int, inputs: [Int], outputs: [Int], explicit: [(from: Int, to: Int, relation: Int)]) -> [Position] {
        var edges: [Position] = []
        positions(actor: actor, inputs: inputs, outputs: outputs, explicit: explicit, into: &edges)
        return edges
    }

    /// The mapping itself, into `edges` (emptied first, its room kept).
    static func positions(actor: Int, inputs: [Int], outputs: [Int], explicit: [(from: Int, to: Int, relation: Int)], into edges: inout [Position]) {
        edges.removeAll(keepingCapacity: true)
        edges.reserveCapacity(inputs.count * outputs.count + explicit.count + max(inputs.count, outputs.count))
        for input in inputs {
            for output in outputs where input != output {
                edges.append(Position(from: input, to: output, role: .data, relation: 0))
            }
        }
        for edge in explicit where edge.from != edge.to {
            edges.append(Position(from: edge.from, to: edge.to, role: .data, relation: edge.relation))
        }
        for target in outputs.isEmpty ? inputs : outputs where target != actor {
            edges.append(Position(from: actor, to: target, role: .actor, relation: 0))
        }
        guard edges.count > 1 else { return }
        // Repeated inputs, outputs or edges repeat edges: keep the first of each. Most events
        // make a handful, which a search in place removes faster than hashing.
        var kept = 1
        if edges.count > 16 {
            var seen: Set<Position> = [edges[0]]
            for index in 1..<edges.count where seen.insert(edges[index]).inserted {
                edges[kept] = edges[index]
                kept += 1
            }
        } else {
            for index in 1..<edges.count where !edges[0..<kept].contains(edges[index]) {
                edges[kept] = edges[index]
                kept += 1
            }
        }
        edges.removeLast(edges.count - kept)
    }

    /// An upper bound on the number of edges of `event`, cheap to compute.
    public static func edgeCount(of event: Event) -> Int {
        event.inputs.count * event.outputs.count + event.edges.count + max(event.outputs.count, event.inputs.count)
    }
}
