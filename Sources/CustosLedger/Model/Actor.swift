/// Who did something: a human, an agent, or a service, possibly on someone else's behalf.
public struct Actor: Sendable, Hashable {
    /// The three kinds of actor.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case human
        case agent
        case service
    }

    /// The actor's node id; its type is the actor kind (`human:alice@example.com`).
    public let id: NodeID
    /// Whom the actor acts for, if anyone: a `human:`, `agent:` or `service:` node.
    public let onBehalfOf: NodeID?

    /// The actor's kind: the type of its id.
    public let kind: Kind

    /// An actor from its id. When `id` has no `human:`, `agent:` or `service:` type, `kind`
    /// must be given and the id becomes `kind:id`; when both are given they must agree.
    public init(id: String, kind: Kind? = nil, onBehalfOf: String? = nil, limits: EventLimits = .standard) throws(EventError) {
        let normalized: String
        if let type = Actor.kindPrefix(of: id) {
            if let kind, kind != type {
                throw EventError(field: "type", reason: "the actor id \"\(preview(id))\" is a \(type.rawValue), but type says \(kind.rawValue)")
            }
            normalized = id
            self.kind = type
        } else if let kind {
            normalized = kind.rawValue + ":" + id
            self.kind = kind
        } else {
            throw EventError(field: "id", reason: "the actor id \"\(preview(id))\" must start with human:, agent: or service:, or the actor must have a type")
        }
        do {
            self.id = try NodeID(normalized, limits: limits)
        } catch {
            throw error.prefixed("id")
        }
        if let onBehalfOf {
            guard Actor.kindPrefix(of: onBehalfOf) != nil else {
                throw EventError(field: "onBehalfOf", reason: "\"\(preview(onBehalfOf))\" must be a human:, agent: or service: node id")
            }
            do {
                self.onBehalfOf = try NodeID(onBehalfOf, limits: limits)
            } catch {
                throw error.prefixed("onBehalfOf")
            }
        } else {
            self.onBehalfOf = nil
        }
    }

    /// An actor from parts already checked (stored entries).
    init(trusted id: NodeID, kind: Kind, onBehalfOf: NodeID?) {
        self.id = id
        self.kind = kind
        self.onBehalfOf = onBehalfOf
    }

    /// Shorthand for an agent.
    public static func agent(_ name: String, onBehalfOf: String? = nil) throws(EventError) -> Actor {
        try Actor(id: name, kind: .agent, onBehalfOf: onBehalfOf)
    }

    /// Shorthand for a human.
    public static func human(_ name: String, onBehalfOf: String? = nil) throws(EventError) -> Actor {
        try Actor(id: name, kind: .human, onBehalfOf: onBehalfOf)
    }

    /// Shorthand for a service.
    public static func service(_ name: String, onBehalfOf: String? = nil) throws(EventError) -> Actor {
        try Actor(id: name, kind: .service, onBehalfOf: onBehalfOf)
    }

    /// The actor kind `id`'s type names (`human:…`, `agent:…`, `service:…`), read from its
    /// bytes; nil for any other id. Every check of an id's kind goes through here.
    public static func kindPrefix(of id: String) -> Kind? {
        id.withUTF8Bytes { kindPrefix(utf8: $0) }
    }

    /// The kind an id's type names, read from its bytes as ids are compared (a combining
    /// mark after the colon does not hide the type, as it would from `String.hasPrefix`).
    /// Verification reads stored actors with it, the writer submitted ones.
    static func kindPrefix(utf8 id: UnsafeRawBufferPointer) -> Kind? {
        for kind in Kind.allCases {
            var type = kind.rawValue
            let matches = type.withUTF8 { type in
                id.count > type.count && id[type.count] == UInt8(ascii: ":")
                    && UnsafeRawBufferPointer(rebasing: id[..<type.count]).hasSameBytes(as: UnsafeRawBufferPointer(type))
            }
            if matches { return kind }
        }
        return nil
    }
}
