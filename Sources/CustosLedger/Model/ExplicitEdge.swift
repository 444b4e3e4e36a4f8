/// A lineage edge an event states outright, beside those its inputs and outputs imply:
/// column-level lineage (`field:…#email → field:…#email_hash`) and other fine-grained flows.
///
/// In JSON: `{"from": "field:…", "relation": "mask", "to": "field:…"}`; `relation` may be left
/// out and is then the event's kind.
public struct ExplicitEdge: Sendable, Hashable {
    public var from: NodeID
    public var to: NodeID
    /// The edge's relation when it differs from the event's kind (e.g. `mask` for a masked
    /// column inside a `transform`).
    public var relation: EventKind?

    public init(from: NodeID, to: NodeID, relation: EventKind? = nil) {
        self.from = from
        self.to = to
        self.relation = relation
    }

    var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["from": .string(from.rawValue), "to": .string(to.rawValue)]
        if let relation { members["relation"] = .string(relation.rawValue) }
        return .object(members)
    }

    static func decode(_ value: JSONValue, at path: String, limits: EventLimits) throws(EventError) -> ExplicitEdge {
        guard case .object(let members) = value else { throw EventError(field: path, reason: "an edge must be an object like {\"from\": …, \"to\": …}") }
        for key in members.keys where !["from", "to", "relation"].contains(key) {
            throw EventError(field: path + "." + key, reason: "is not an edge field; the fields are from, to, relation")
        }
        func node(_ key: String) throws(EventError) -> NodeID {
            guard case .string(let text)? = members[key] else { throw EventError(field: path + "." + key, reason: "is required: a node id") }
            do { return try NodeID(text, limits: limits) } catch { throw error.prefixed(path + "." + key) }
        }
        var relation: EventKind?
        if let value = members["relation"] {
            guard case .string(let text) = value else { throw EventError(field: path + ".relation", reason: "must be a kind, e.g. \"mask\"") }
            do { relation = try EventKind(text) } catch { throw EventError(field: path + ".relation", reason: error.reason) }
        }
        return ExplicitEdge(from: try node("from"), to: try node("to"), relation: relation)
    }
}
