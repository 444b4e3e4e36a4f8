public import CustosLedger

/// Who made a request, as its credentials prove: the identity recorded on every event the
/// request appends, whatever the body says.
public struct Principal: Sendable, Hashable {
    /// `agent:etl-bot`, `human:alice@example.com`, `service:airflow`.
    public let identity: NodeID
    public let roles: Set<Role>
    /// How the credentials were checked.
    public let method: Method
    /// For API keys, the key's id (never the key).
    public let keyID: String?

    public enum Method: String, Sendable {
        case apiKey = "api_key"
        case jwt
    }

    public init(identity: NodeID, roles: Set<Role>, method: Method, keyID: String? = nil) {
        self.identity = identity
        self.roles = roles
        self.method = method
        self.keyID = keyID
    }

    /// The actor of events this principal appends, acting for `onBehalfOf` when given.
    func actor(onBehalfOf: String? = nil) throws(EventError) -> Actor {
        try Actor(id: identity.rawValue, onBehalfOf: onBehalfOf)
    }
}
