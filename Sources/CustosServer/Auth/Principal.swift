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
    /// Whom the credentials act for, fixed when they were issued (`custos keys create
    /// --on-behalf-of`): every event and request made with them names it, and a body may not
    /// name anyone else. Nil when the credentials leave it to the body.
    public let onBehalfOf: NodeID?

    public enum Method: String, Sendable {
        case apiKey = "api_key"
        case jwt
    }

    public init(identity: NodeID, roles: Set<Role>, method: Method, keyID: String? = nil, onBehalfOf: NodeID? = nil) {
        self.identity = identity
        self.roles = roles
        self.method = method
        self.keyID = keyID
        self.onBehalfOf = onBehalfOf
    }

    /// Whom events of this principal act for, given what a body `claimed`: the credentials'
    /// own when they have one (a body may repeat it, not change it), else the claim.
    func recordedOnBehalfOf(_ claimed: String?) throws(APIError) -> String? {
        guard let bound = onBehalfOf else { return claimed }
        if let claimed, claimed != bound.rawValue {
            throw APIError.badRequest(
                "actor_mismatch", "the credentials of \(identity) act on behalf of \(bound), but the body says \(claimed)",
                hint: "leave onBehalfOf out: the server records whom the key acts for"
            )
        }
        return bound.rawValue
    }

    /// The actor of events this principal appends, acting for `onBehalfOf` when given (and the
    /// credentials allow it).
    func actor(onBehalfOf claimed: String? = nil) throws -> Actor {
        try Actor(id: identity.rawValue, onBehalfOf: try recordedOnBehalfOf(claimed))
    }
}
