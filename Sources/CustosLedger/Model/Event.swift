/// An event as a client submits it. The ledger adds `seq`, `time` and `prev` when it
/// appends it (see ``LedgerEntry``).
///
/// In JSON (docs/FORMAT.md):
///
/// ```json
/// {"kind": "transform",
///  "actor": {"id": "agent:etl-bot", "onBehalfOf": "human:alice@example.com"},
///  "inputs": ["dataset:pg://crm/public.customers"],
///  "outputs": ["dataset:pg://staging/customers"],
///  "attributes": {"rows": 1200},
///  "clientEventId": "run-42/step-1",
///  "clientTime": "2026-11-22T07:41:51Z"}
/// ```
///
/// `edges` may add lineage edges outright, e.g. column-level lineage (``ExplicitEdge``).
public struct Event: Sendable, Hashable {
    /// What happened.
    public var kind: EventKind
    /// Who did it.
    public var actor: Actor
    /// The nodes it read or acted on.
    public var inputs: [NodeID]
    /// The nodes it produced or acted toward.
    public var outputs: [NodeID]
    /// Anything else, as a JSON object. Never put secrets or raw sensitive values here.
    public var attributes: [String: JSONValue]
    /// The client's own id for the event. Appending the same id twice (for the same actor)
    /// appends once and answers the first entry's seq.
    public var clientEventID: String?
    /// When the client says it happened (RFC 3339). The ledger keeps its own `time` too.
    public var clientTime: String?
    /// Lineage edges stated outright (column-level lineage), beside inputs → outputs.
    public var edges: [ExplicitEdge]

    /// A validated event.
    public init(
        kind: EventKind,
        actor: Actor,
        inputs: [NodeID] = [],
        outputs: [NodeID] = [],
        attributes: [String: JSONValue] = [:],
        clientEventID: String? = nil,
        clientTime: String? = nil,
        edges: [ExplicitEdge] = [],
        limits: EventLimits = .standard
    ) throws(EventError) {
        self.init(
            trusted: kind, actor: actor, inputs: inputs, outputs: outputs, attributes: attributes,
            clientEventID: clientEventID, clientTime: clientTime, edges: edges
        )
        try validate(limits: limits)
    }

    /// An event from parts already checked (a stored entry's), without checking them again.
    init(
        trusted kind: EventKind, actor: Actor, inputs: [NodeID], outputs: [NodeID], attributes: [String: JSONValue],
        clientEventID: String?, clientTime: String?, edges: [ExplicitEdge]
    ) {
        self.kind = kind
        self.actor = actor
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.clientEventID = clientEventID
        self.clientTime = clientTime
        self.edges = edges
    }

    /// Checks the parts that the types alone do not.
    public func validate(limits: EventLimits = .standard) throws(EventError) {
        guard inputs.count + outputs.count + 2 * edges.count <= limits.maxNodes else {
            throw EventError(field: "", reason: "the event names \(inputs.count + outputs.count + 2 * edges.count) nodes; the limit is \(limits.maxNodes): split it into several events")
        }
        guard EdgeMapping.edgeCount(of: self) <= limits.maxEdges else {
            throw EventError(field: "", reason: "the event would add \(EdgeMapping.edgeCount(of: self)) lineage edges (inputs × outputs); the limit is \(limits.maxEdges): split it into several events")
        }
        if let clientEventID {
            guard !clientEventID.isEmpty, clientEventID.utf8.count <= limits.maxClientEventIDBytes else {
                throw EventError(field: "clientEventId", reason: "must be 1 to \(limits.maxClientEventIDBytes) bytes")
            }
        }
        if let clientTime, Timestamp(rfc3339: clientTime) == nil {
            throw EventError(field: "clientTime", reason: "\"\(preview(clientTime))\" is not an RFC 3339 time, e.g. 2026-11-22T07:41:51Z")
        }
        for (key, value) in attributes {
            try Event.checkAttribute(value, depth: 1, limits: limits, path: { "attributes." + key })
        }
        if kind == .classify {
            guard case .array(let tags)? = attributes["tags"], !tags.isEmpty else {
                throw EventError(field: "attributes.tags", reason: "a classify event needs tags, e.g. {\"tags\": [\"pii\", \"email\"]}")
            }
            for (index, tag) in tags.enumerated() {
                guard case .string(let name) = tag, (try? EventKind(name)) != nil else {
                    throw EventError(field: "attributes.tags[\(index)]", reason: "a tag is 1 to 64 characters of a-z, 0-9, _, . and -, starting with a letter, e.g. pii")
                }
            }
            guard !outputs.isEmpty || !inputs.isEmpty else {
                throw EventError(field: "outputs", reason: "a classify event tags its outputs (or its inputs): name the nodes it tags")
            }
        }
    }

    /// The sensitivity tags a classify event puts on its targets; empty for other kinds.
    public var classifiedTags: [String] {
        guard kind == .classify, case .array(let tags)? = attributes["tags"] else { return [] }
        return tags.compactMap(\.stringValue)
    }

    /// Checks one attribute value; `path` names it, built only for an error (every event
    /// appended passes here).
    private static func checkAttribute(_ value: JSONValue, depth: Int, limits: EventLimits, path: () -> String) throws(EventError) {
        switch value {
        case .number(let number) where !number.isFinite:
            throw EventError(field: path(), reason: "numbers must be finite")
        case .array(let elements):
            guard depth < limits.maxAttributeDepth else { throw EventError(field: path(), reason: "attributes nest deeper than \(limits.maxAttributeDepth) levels") }
            for (index, element) in elements.enumerated() {
                try checkAttribute(element, depth: depth + 1, limits: limits, path: { "\(path())[\(index)]" })
            }
        case .object(let members):
            guard depth < limits.maxAttributeDepth else { throw EventError(field: path(), reason: "attributes nest deeper than \(limits.maxAttributeDepth) levels") }
            for (key, member) in members {
                try checkAttribute(member, depth: depth + 1, limits: limits, path: { path() + "." + key })
            }
        default:
            break
        }
    }
}

// MARK: - JSON

extension [String: JSONValue] {
    /// The values of the members called `names`, in that order (nil where absent), found in
    /// one pass over the members: a lookup per name would hash every name again, for every
    /// event of a batch. `other` is called with the name of every other member.
    func values(named names: [String], other: (String) throws(EventError) -> Void) throws(EventError) -> [JSONValue?] {
        var found = [JSONValue?](repeating: nil, count: names.count)
        for (key, value) in self {
            if let index = names.firstIndex(of: key) { found[index] = value } else { try other(key) }
        }
        return found
    }
}

extension Event {
    /// The members an event may have in JSON (`init(members:)` reads them in this order).
    public static let fieldNames = ["kind", "actor", "inputs", "outputs", "attributes", "clientEventId", "clientTime", "edges"]
    /// The members the ledger assigns, which a submitted event must not have.
    public static let assignedFieldNames = ["seq", "time", "prev", "v"]

    /// Decodes an event from its JSON text.
    public init(json bytes: UnsafeRawBufferPointer, limits: EventLimits = .standard) throws(EventDecodingError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .malformedJSON(error)
        }
        do {
            try self.init(json: value, limits: limits)
        } catch {
            throw .invalidEvent(error)
        }
    }

    /// Decodes an event from its JSON text.
    public init(json text: String, limits: EventLimits = .standard) throws(EventDecodingError) {
        var text = text
        do {
            self = try text.withUTF8 { try Event(json: UnsafeRawBufferPointer($0), limits: limits) }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw .invalidEvent(EventError(field: "", reason: "\(error)"))
        }
    }

    /// Decodes an event from a parsed JSON object.
    public init(json value: JSONValue, limits: EventLimits = .standard) throws(EventError) {
        guard case .object(let members) = value else {
            throw EventError(field: "", reason: "an event must be a JSON object, not \(value.typeName)")
        }
        try self.init(members: members, allowAssigned: false, limits: limits)
    }

    init(members: [String: JSONValue], allowAssigned: Bool, limits: EventLimits) throws(EventError) {
        let fields = try members.values(named: Event.fieldNames) { (key) throws(EventError) in
            if Event.assignedFieldNames.contains(key) {
                if allowAssigned { return }
                throw EventError(field: key, reason: "is assigned by the ledger when the event is appended; remove it")
            }
            throw EventError(field: key, reason: "is not an event field; the fields are \(Event.fieldNames.joined(separator: ", "))")
        }
        let (kindMember, actorMember, inputsMember, outputsMember) = (fields[0], fields[1], fields[2], fields[3])
        let (attributesMember, clientEventIDMember, clientTimeMember, edgesMember) = (fields[4], fields[5], fields[6], fields[7])
        guard let kindValue = kindMember else { throw EventError(field: "kind", reason: "is required, e.g. \"transform\"") }
        guard case .string(let kindText) = kindValue else { throw EventError(field: "kind", reason: "must be a string, not \(kindValue.typeName)") }
        let kind = try EventKind(kindText)

        guard let actorValue = actorMember else {
            throw EventError(field: "actor", reason: "is required, e.g. {\"id\": \"agent:etl-bot\"} or \"agent:etl-bot\"")
        }
        let actor = try Event.decodeActor(actorValue, limits: limits)
        let inputs = try Event.decodeNodes(inputsMember, field: "inputs", limits: limits)
        let outputs = try Event.decodeNodes(outputsMember, field: "outputs", limits: limits)

        var attributes: [String: JSONValue] = [:]
        if let value = attributesMember {
            guard case .object(let object) = value else {
                throw EventError(field: "attributes", reason: "must be a JSON object, not \(value.typeName)")
            }
            attributes = object
        }
        let clientEventID = try Event.decodeOptionalString(clientEventIDMember, field: "clientEventId")
        let clientTime = try Event.decodeOptionalString(clientTimeMember, field: "clientTime")
        var edges: [ExplicitEdge] = []
        if let value = edgesMember {
            guard case .array(let elements) = value else { throw EventError(field: "edges", reason: "must be an array of edges, not \(value.typeName)") }
            for (index, element) in elements.enumerated() {
                edges.append(try ExplicitEdge.decode(element, at: "edges[\(index)]", limits: limits))
            }
        }
        try self.init(
            kind: kind, actor: actor, inputs: inputs, outputs: outputs, attributes: attributes,
            clientEventID: clientEventID, clientTime: clientTime, edges: edges, limits: limits
        )
    }

    private static func decodeActor(_ value: JSONValue, limits: EventLimits) throws(EventError) -> Actor {
        switch value {
        case .string(let id):
            do { return try Actor(id: id, limits: limits) } catch { throw error.prefixed("actor") }
        case .object(let members):
            let fields = try members.values(named: ["id", "type", "onBehalfOf"]) { (key) throws(EventError) in
                throw EventError(field: "actor." + key, reason: "is not an actor field; the fields are id, type, onBehalfOf")
            }
            let (idMember, typeMember, onBehalfOfMember) = (fields[0], fields[1], fields[2])
            guard let idValue = idMember else { throw EventError(field: "actor.id", reason: "is required") }
            guard case .string(let id) = idValue else { throw EventError(field: "actor.id", reason: "must be a string, not \(idValue.typeName)") }
            var kind: Actor.Kind?
            if let typeValue = typeMember {
                guard case .string(let text) = typeValue, let parsed = Actor.Kind(rawValue: text) else {
                    throw EventError(field: "actor.type", reason: "must be \"human\", \"agent\" or \"service\"")
                }
                kind = parsed
            }
            let onBehalfOf = try decodeOptionalString(onBehalfOfMember, field: "actor.onBehalfOf")
            do { return try Actor(id: id, kind: kind, onBehalfOf: onBehalfOf, limits: limits) } catch { throw error.prefixed("actor") }
        default:
            throw EventError(field: "actor", reason: "must be an object like {\"id\": \"agent:etl-bot\"} or a string, not \(value.typeName)")
        }
    }

    private static func decodeNodes(_ value: JSONValue?, field: String, limits: EventLimits) throws(EventError) -> [NodeID] {
        guard let value else { return [] }
        guard case .array(let elements) = value else {
            throw EventError(field: field, reason: "must be an array of node ids, not \(value.typeName)")
        }
        var nodes: [NodeID] = []
        nodes.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let id) = element else {
                throw EventError(field: "\(field)[\(index)]", reason: "must be a node id string, not \(element.typeName)")
            }
            do { nodes.append(try NodeID(id, limits: limits)) } catch { throw error.prefixed("\(field)[\(index)]") }
        }
        return nodes
    }

    private static func decodeOptionalString(_ value: JSONValue?, field: String) throws(EventError) -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value else { throw EventError(field: field, reason: "must be a string, not \(value.typeName)") }
        return text
    }

    /// The event as a JSON object, in the shape it is submitted.
    public var jsonValue: JSONValue {
        var actorMembers: [String: JSONValue] = ["id": .string(actor.id.rawValue), "type": .string(actor.kind.rawValue)]
        if let onBehalfOf = actor.onBehalfOf { actorMembers["onBehalfOf"] = .string(onBehalfOf.rawValue) }
        var members: [String: JSONValue] = [
            "kind": .string(kind.rawValue),
            "actor": .object(actorMembers),
            "inputs": .array(inputs.map { .string($0.rawValue) }),
            "outputs": .array(outputs.map { .string($0.rawValue) }),
            "attributes": .object(attributes),
        ]
        if let clientEventID { members["clientEventId"] = .string(clientEventID) }
        if let clientTime { members["clientTime"] = .string(clientTime) }
        if !edges.isEmpty { members["edges"] = .array(edges.map(\.jsonValue)) }
        return .object(members)
    }

    /// The canonical bytes of the event's own members, in RFC 8785 order, without the
    /// closing brace: every member sorts before `prev`, so the ledger completes an entry by
    /// appending `,"prev":…,"seq":…,"time":…,"v":1}` (docs/FORMAT.md).
    func canonicalContent() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        out.append(contentsOf: #"{"actor":{"id":"#.utf8)
        CanonicalJSON.appendString(actor.id.rawValue, to: &out)
        if let onBehalfOf = actor.onBehalfOf {
            out.append(contentsOf: #","onBehalfOf":"#.utf8)
            CanonicalJSON.appendString(onBehalfOf.rawValue, to: &out)
        }
        out.append(contentsOf: #","type":""#.utf8)
        out.append(contentsOf: actor.kind.rawValue.utf8)
        out.append(contentsOf: #""},"attributes":"#.utf8)
        CanonicalJSON.appendObject(attributes, to: &out)
        if let clientEventID {
            out.append(contentsOf: #","clientEventId":"#.utf8)
            CanonicalJSON.appendString(clientEventID, to: &out)
        }
        if let clientTime {
            out.append(contentsOf: #","clientTime":"#.utf8)
            CanonicalJSON.appendString(clientTime, to: &out)
        }
        if !edges.isEmpty {
            // Each edge's members in canonical order: from, relation, to.
            out.append(contentsOf: #","edges":["#.utf8)
            for (index, edge) in edges.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"from":"#.utf8)
                CanonicalJSON.appendString(edge.from.rawValue, to: &out)
                if let relation = edge.relation {
                    out.append(contentsOf: #","relation":"#.utf8)
                    CanonicalJSON.appendString(relation.rawValue, to: &out)
                }
                out.append(contentsOf: #","to":"#.utf8)
                CanonicalJSON.appendString(edge.to.rawValue, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","inputs":["#.utf8)
        for (index, node) in inputs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(node.rawValue, to: &out)
        }
        out.append(contentsOf: #"],"kind":"#.utf8)
        CanonicalJSON.appendString(kind.rawValue, to: &out)
        out.append(contentsOf: #","outputs":["#.utf8)
        for (index, node) in outputs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(node.rawValue, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}

/// Why a JSON text is not an event.
public enum EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON.
    case malformedJSON(JSONParseError)
    /// The JSON is not a valid event.
    case invalidEvent(EventError)

    public var description: String {
        switch self {
        case .malformedJSON(let error): return error.description
        case .invalidEvent(let error): return error.description
        }
    }
}
