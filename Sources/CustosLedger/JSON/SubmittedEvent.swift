/// An event as a client sent it, read straight from the request's bytes: its fields as
/// written, not yet checked.
///
/// Reading a batch through ``JSONParser`` builds a ``JSONValue`` tree for every event (a
/// dictionary of its members, arrays of its node ids) only for ``Event/init(json:limits:)``
/// to take it apart again; that was most of what ingesting a batch cost a request thread.
/// Here only the attributes become a ``JSONValue``. It reads the plain shape alone: the
/// known members, each once, with values of the right JSON types. For anything else it
/// gives up (``scan(_:ndjson:limit:)`` returns nil), and the caller decodes the body the
/// general way, which accepts or refuses it with a precise message. So this reader never
/// decides what is valid: on what it reads, it must give exactly the events the general way
/// gives, which `PlainEventsTests` checks on valid bodies and on thousands of damaged ones.
public struct SubmittedEvent: Sendable {
    /// The `actor` member: absent, an id, or an object with an id and an on-behalf-of
    /// (its `type`, when a string, is read past: the server records the authenticated actor).
    public enum ActorField: Sendable, Equatable {
        case absent
        case id(String)
        case object(id: String?, onBehalfOf: String?)
    }

    public var kind = ""
    public var actor = ActorField.absent
    /// A top-level `onBehalfOf`, which the HTTP API accepts beside the actor.
    public var onBehalfOf: String?
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributes: [String: JSONValue] = [:]
    public var clientEventID: String?
    public var clientTime: String?
    public var edges: [(from: String, to: String, relation: String?)] = []

    /// The events of a request body: one event object (`single`), a JSON array of them, or
    /// with `ndjson` one object per line (blank lines skipped). Nil when the body has any
    /// other shape, holds no event or more than `limit`, or an event has a member this reader
    /// does not know, a repeated one, or a value of another JSON type.
    public static func scan(_ bytes: UnsafeRawBufferPointer, ndjson: Bool, limit: Int) -> (events: [SubmittedEvent], single: Bool)? {
        var events: [SubmittedEvent] = []
        if ndjson {
            var plain = true
            NDJSONLines.forEach(in: bytes) { line, _ in
                // Each line is a JSON text of its own: its event is an outermost object.
                var parser = JSONParser(bytes: line, limits: JSONParser.Limits())
                parser.skipWhitespace()
                if let event = parser.scanEvent(depth: 1) {
                    parser.skipWhitespace()
                    events.append(event)
                    plain = parser.position == line.count && events.count <= limit
                } else {
                    plain = false
                }
                return plain
            }
            return plain && !events.isEmpty ? (events, false) : nil
        }
        var parser = JSONParser(bytes: bytes, limits: JSONParser.Limits())
        parser.skipWhitespace()
        if parser.peek(UInt8(ascii: "{")) {
            guard let event = parser.scanEvent(depth: 1) else { return nil }
            parser.skipWhitespace()
            return parser.position == bytes.count ? ([event], true) : nil
        }
        // Events in an array are one level deeper, as JSONParser counts depth.
        let read = parser.scanSequence(open: UInt8(ascii: "["), close: UInt8(ascii: "]")) { parser in
            guard let event = parser.scanEvent(depth: 2) else { return false }
            events.append(event)
            return events.count <= limit
        }
        parser.skipWhitespace()
        guard read, !events.isEmpty, parser.position == bytes.count else { return nil }
        return (events, false)
    }

    /// The event these fields make, recorded as `actor`, checked as ``Event`` checks every
    /// event; nil when any field is invalid (the general way then says which, and why).
    public func event(actor: Actor, limits: EventLimits) -> Event? {
        func nodes(_ ids: [String]) -> [NodeID]? {
            var nodes: [NodeID] = []
            nodes.reserveCapacity(ids.count)
            for id in ids {
                guard let node = try? NodeID(id, limits: limits) else { return nil }
                nodes.append(node)
            }
            return nodes
        }
        guard let kind = try? EventKind(kind), let inputs = nodes(inputs), let outputs = nodes(outputs) else { return nil }
        var explicit: [ExplicitEdge] = []
        for edge in edges {
            guard let from = try? NodeID(edge.from, limits: limits), let to = try? NodeID(edge.to, limits: limits) else { return nil }
            var relation: EventKind?
            if let text = edge.relation {
                guard let parsed = try? EventKind(text) else { return nil }
                relation = parsed
            }
            explicit.append(ExplicitEdge(from: from, to: to, relation: relation))
        }
        return try? Event(
            kind: kind, actor: actor, inputs: inputs, outputs: outputs, attributes: attributes,
            clientEventID: clientEventID, clientTime: clientTime, edges: explicit, limits: limits
        )
    }
}

extension JSONParser {
    /// Reads an event object at the current position, whose depth as ``parseValue(depth:)``
    /// counts it is `depth`; nil when it is not of the plain shape ``SubmittedEvent`` reads.
    mutating func scanEvent(depth: Int) -> SubmittedEvent? {
        var event = SubmittedEvent()
        var seen: UInt16 = 0
        let read = scanSequence(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { parser in
            guard let key = parser.scanKey() else { return false }
            let member: UInt16
            let valid: Bool
            switch key {
            case "kind": (member, valid) = (1 << 0, parser.scanString(into: &event.kind))
            case "actor": (member, valid) = (1 << 1, parser.scanActor(into: &event.actor))
            case "inputs": (member, valid) = (1 << 2, parser.scanStrings(into: &event.inputs))
            case "outputs": (member, valid) = (1 << 3, parser.scanStrings(into: &event.outputs))
            case "attributes": (member, valid) = (1 << 4, parser.scanObjectValue(depth: depth, into: &event.attributes))
            case "clientEventId": (member, valid) = (1 << 5, parser.scanString(into: &event.clientEventID))
            case "clientTime": (member, valid) = (1 << 6, parser.scanString(into: &event.clientTime))
            case "edges": (member, valid) = (1 << 7, parser.scanEdges(into: &event.edges))
            case "onBehalfOf": (member, valid) = (1 << 8, parser.scanString(into: &event.onBehalfOf))
            default: return false
            }
            // A repeated member is the general parser's to refuse.
            guard valid, seen & member == 0 else { return false }
            seen |= member
            return true
        }
        // `kind` is required.
        return read && seen & 1 != 0 ? event : nil
    }

    /// Reads `open`, then elements separated by commas, then `close`; `element` reads one
    /// element and says whether it had the plain shape.
    fileprivate mutating func scanSequence(open: UInt8, close: UInt8, _ element: (inout JSONParser) -> Bool) -> Bool {
        guard peek(open) else { return false }
        position += 1
        skipWhitespace()
        if peek(close) {
            position += 1
            return true
        }
        while true {
            skipWhitespace()
            guard element(&self) else { return false }
            skipWhitespace()
            guard position < bytes.count else { return false }
            let byte = bytes[position]
            position += 1
            if byte == close { return true }
            guard byte == UInt8(ascii: ",") else { return false }
        }
    }

    /// A member name and its colon.
    private mutating func scanKey() -> String? {
        guard peek(UInt8(ascii: "\"")), let key = try? parseString() else { return nil }
        skipWhitespace()
        guard peek(UInt8(ascii: ":")) else { return nil }
        position += 1
        skipWhitespace()
        return key
    }

    private mutating func scanString(into target: inout String) -> Bool {
        guard peek(UInt8(ascii: "\"")), let text = try? parseString() else { return false }
        target = text
        return true
    }

    private mutating func scanString(into target: inout String?) -> Bool {
        var text = ""
        guard scanString(into: &text) else { return false }
        target = text
        return true
    }

    /// An array of strings.
    private mutating func scanStrings(into strings: inout [String]) -> Bool {
        scanSequence(open: UInt8(ascii: "["), close: UInt8(ascii: "]")) { parser in
            var text = ""
            guard parser.scanString(into: &text) else { return false }
            strings.append(text)
            return true
        }
    }

    /// A JSON object, parsed in full (the attributes).
    private mutating func scanObjectValue(depth: Int, into object: inout [String: JSONValue]) -> Bool {
        guard peek(UInt8(ascii: "{")), case .object(let members)? = try? parseValue(depth: depth) else { return false }
        object = members
        return true
    }

    /// An object whose members are among `names`, each once, all strings: their values in
    /// the order of `names`.
    private mutating func scanStringObject(of names: [String]) -> [String?]? {
        var values = [String?](repeating: nil, count: names.count)
        let read = scanSequence(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { parser in
            guard let key = parser.scanKey(), let index = names.firstIndex(of: key), values[index] == nil else { return false }
            return parser.scanString(into: &values[index])
        }
        return read ? values : nil
    }

    /// The actor: an id, or an object of id, on-behalf-of and type.
    private mutating func scanActor(into actor: inout SubmittedEvent.ActorField) -> Bool {
        if peek(UInt8(ascii: "\"")) {
            var id = ""
            guard scanString(into: &id) else { return false }
            actor = .id(id)
            return true
        }
        guard let fields = scanStringObject(of: ["id", "onBehalfOf", "type"]) else { return false }
        actor = .object(id: fields[0], onBehalfOf: fields[1])
        return true
    }

    /// An array of edge objects.
    private mutating func scanEdges(into edges: inout [(from: String, to: String, relation: String?)]) -> Bool {
        scanSequence(open: UInt8(ascii: "["), close: UInt8(ascii: "]")) { parser in
            guard let fields = parser.scanStringObject(of: ["from", "to", "relation"]), let from = fields[0], let to = fields[1] else { return false }
            edges.append((from, to, fields[2]))
            return true
        }
    }
}
