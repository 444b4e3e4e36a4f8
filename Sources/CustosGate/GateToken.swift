public import CustosLedger
import Crypto

/// A just-in-time token: proof that a request was approved, for one action on one scope,
/// for a short while. Compact form (docs/FORMAT.md, "Gate tokens"):
///
///     cgt1.BASE64URL(claims).BASE64URL(Ed25519 signature)
///
/// where the claims are canonical JSON and the signature covers the ASCII bytes
/// `cgt1.BASE64URL(claims)`. Anyone with the store's `gate.pub` can check a token offline;
/// only the ledger can say it has not been used yet (single use is enforced when it is
/// redeemed).
public struct GateToken: Sendable, Hashable, CustomStringConvertible {
    /// What a token says.
    public struct Claims: Sendable, Hashable {
        /// The request it was issued for (`request:…`).
        public var request: NodeID
        public var action: String
        public var resource: NodeID
        /// Resource patterns it may be redeemed for.
        public var scope: [String]
        /// The requester, to whom it was issued.
        public var subject: NodeID
        /// Whom the requester acts for, if anyone.
        public var onBehalfOf: NodeID?
        /// Not valid before this second (Unix time).
        public var notBefore: Int64
        /// Not valid from this second on (Unix time).
        public var expires: Int64
        /// Unique per request; recorded when the token is redeemed.
        public var nonce: String
        /// The log the request is in.
        public var issuer: String
        /// The signing key's id.
        public var keyID: String
    }

    public static let prefix = "cgt1."

    public let claims: Claims
    /// The compact form, to hand to whoever performs the action.
    public let compact: String

    public var description: String { compact }

    /// Signs `claims`.
    public init(claims: Claims, signingKey: GateSigningKey) {
        self.claims = claims
        let payload = Base64URL.encode(CanonicalJSON.encode(claims.jsonValue))
        let signed = Self.prefix + payload
        compact = signed + "." + Base64URL.encode(signingKey.signature(for: Array(signed.utf8)))
    }

    /// A token the gate signed and remembers (``IssuedTokens``): its signature is its own.
    init(issued claims: Claims, compact: String) {
        self.claims = claims
        self.compact = compact
    }

    /// Reads a compact token and checks its signature, and only that: use ``check(now:action:resource:)``
    /// for its time window and scope.
    public init(parsing compact: String, verifier: GateVerifierKey) throws(GateError) {
        let text = String(Self.trimmed(compact))
        guard text.hasPrefix(Self.prefix), text.utf8.count <= 8_192 else {
            throw .invalidToken("a gate token starts with \(Self.prefix) and is at most 8 KiB")
        }
        let parts = text.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1]) else {
            throw .invalidToken("a gate token reads cgt1.CLAIMS.SIGNATURE, both base64url")
        }
        guard verifier.isValidSignature(signature, of: Array((Self.prefix + parts[0]).utf8)) else {
            throw .invalidToken("the signature does not verify with key \(verifier.keyID): the token was altered, forged, or signed by another store")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(payload) } catch { throw .invalidToken("the claims are not JSON: \(error)") }
        claims = try Claims(json: value)
        guard claims.keyID == verifier.keyID else { throw .invalidToken("the token names key \(claims.keyID), not \(verifier.keyID)") }
        self.compact = text
    }

    /// Checks the time window, and, when given, the action and that `resource` is in scope.
    public func check(now: Timestamp, action: String? = nil, resource: String? = nil) throws(GateError) {
        let second = now.microseconds / 1_000_000
        guard second >= claims.notBefore else { throw .invalidToken("not valid before \(Self.time(claims.notBefore))") }
        guard second < claims.expires else { throw .invalidToken("expired at \(Self.time(claims.expires))") }
        if let action, action != claims.action {
            throw .invalidToken("issued for the action \(claims.action), not \(action)")
        }
        if let resource, !covers(resource) {
            throw .invalidToken("\(resource) is outside the token's scope (\(claims.scope.joined(separator: ", ")))")
        }
    }

    /// True when `resource` matches a pattern of the token's scope.
    public func covers(_ resource: String) -> Bool {
        claims.scope.contains { GatePolicy.glob($0, matches: resource) }
    }

    static func time(_ second: Int64) -> String {
        let (microseconds, overflow) = second.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? "second \(second)" : Timestamp(microseconds: microseconds).description
    }

    /// `text` without the spaces, tabs and line ends a copied token may carry around it.
    static func trimmed(_ text: String) -> Substring {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[first...last]
    }
}

extension GateToken.Claims {
    /// The claims as canonical JSON members: short names, as in docs/FORMAT.md.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "v": 1, "iss": .string(issuer), "kid": .string(keyID), "req": .string(request.rawValue), "act": .string(action),
            "res": .string(resource.rawValue), "scp": .array(scope.map(JSONValue.string)), "sub": .string(subject.rawValue),
            "nbf": .number(Double(notBefore)), "exp": .number(Double(expires)), "nonce": .string(nonce),
        ]
        if let onBehalfOf { members["obo"] = .string(onBehalfOf.rawValue) }
        return .object(members)
    }

    init(json value: JSONValue) throws(GateError) {
        guard case .object(let members) = value, members["v"]?.numberValue == 1 else { throw .invalidToken("the claims are not version 1 gate claims") }
        func string(_ key: String) throws(GateError) -> String {
            guard let text = members[key]?.stringValue else { throw .invalidToken("the claims lack \(key)") }
            return text
        }
        func node(_ key: String) throws(GateError) -> NodeID {
            let text = try string(key)
            guard let id = try? NodeID(text, limits: .unbounded) else { throw .invalidToken("\(key) is not a node id") }
            return id
        }
        func second(_ key: String) throws(GateError) -> Int64 {
            guard let number = members[key]?.numberValue, number == number.rounded(), abs(number) < 1e15 else { throw .invalidToken("\(key) is not a whole number of seconds") }
            return Int64(number)
        }
        guard let scope = members["scp"]?.arrayValue?.compactMap(\.stringValue), !scope.isEmpty else { throw .invalidToken("the claims lack scp") }
        self.init(
            request: try node("req"), action: try string("act"), resource: try node("res"), scope: scope, subject: try node("sub"),
            onBehalfOf: members["obo"] == nil ? nil : try node("obo"), notBefore: try second("nbf"), expires: try second("exp"),
            nonce: try string("nonce"), issuer: try string("iss"), keyID: try string("kid")
        )
    }
}
