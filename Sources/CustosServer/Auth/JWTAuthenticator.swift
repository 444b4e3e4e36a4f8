import CustosLedger
import Foundation
import JWTKit

/// OIDC-style bearer tokens: JWTs signed by a key of a local JWKS file, from a configured
/// issuer, for a configured audience, unexpired. The identity comes from one claim (`sub` by
/// default) and the roles from another (`roles`).
public final class JWTAuthenticator: Sendable {
    /// How tokens are checked and read.
    public struct Settings: Sendable, Hashable {
        public var issuer: String
        public var audience: String
        /// A JWKS document (`{"keys": [...]}`) with the issuer's public keys.
        public var jwksPath: String
        public var identityClaim: String = "sub"
        /// Prefixed to the identity claim when it has no `human:`, `agent:` or `service:` type.
        public var identityType: String = "human"
        public var rolesClaim: String = "roles"
        /// The claim that names whom the token's holder acts for (an agent's owner), when the
        /// issuer puts one in; nil: tokens act for nobody but a body's `onBehalfOf`.
        public var onBehalfOfClaim: String?
        /// Seconds of clock difference tolerated on `exp` and `nbf`.
        public var leeway: Double = 60

        public init(issuer: String, audience: String, jwksPath: String) {
            self.issuer = issuer
            self.audience = audience
            self.jwksPath = jwksPath
        }
    }

    public let settings: Settings
    private let keys: JWTKeyCollection

    /// Reads the JWKS file; throws when it cannot be used.
    public init(settings: Settings) async throws {
        self.settings = settings
        let text: String
        do { text = try String(contentsOfFile: settings.jwksPath, encoding: .utf8) } catch {
            throw APIKeyStore.Failure(message: "cannot read the JWKS file \(settings.jwksPath): \(error.localizedDescription)")
        }
        keys = JWTKeyCollection()
        do { try await keys.add(jwksJSON: text) } catch {
            throw APIKeyStore.Failure(message: "the JWKS file \(settings.jwksPath) cannot be used: \(error)")
        }
    }

    /// The principal of a valid token; nil for anything else (bad signature, wrong issuer or
    /// audience, expired, not yet valid, no identity, no known role).
    public func authenticate(_ token: String) async -> Principal? {
        guard token.split(separator: ".").count == 3, let claims = try? await keys.verify(token, as: Claims.self) else { return nil }
        let now = Date().timeIntervalSince1970
        guard claims.strings("iss") == [settings.issuer], claims.strings("aud").contains(settings.audience) else { return nil }
        guard let expiry = claims.number("exp"), now <= expiry + settings.leeway else { return nil }
        if let notBefore = claims.number("nbf"), now + settings.leeway < notBefore { return nil }
        guard let subject = claims.strings(settings.identityClaim).first, let identity = typed(subject) else { return nil }
        let roles = Set(claims.strings(settings.rolesClaim).compactMap { Role(rawValue: $0.lowercased()) })
        guard !roles.isEmpty else { return nil }
        var onBehalfOf: NodeID?
        if let claim = settings.onBehalfOfClaim, let named = claims.strings(claim).first {
            // A token that says whom it acts for, unreadably, acts for nobody: refuse it.
            guard let principal = typed(named), principal != identity else { return nil }
            onBehalfOf = principal
        }
        return Principal(identity: identity, roles: roles, method: .jwt, onBehalfOf: onBehalfOf)
    }

    /// A claim's identity as a node id, typed `identityType` when it names no type. The type is
    /// read from the bytes, so that a combining mark after the colon cannot hide it.
    private func typed(_ text: String) -> NodeID? {
        guard !text.isEmpty else { return nil }
        return try? NodeID(Actor.kindPrefix(of: text) != nil ? text : settings.identityType + ":" + text)
    }

    /// Every claim of a token, read as strings, lists of strings or numbers; checked after the
    /// signature, by ``authenticate(_:)``.
    struct Claims: JWTPayload {
        enum Value: Sendable, Codable {
            case strings([String])
            case number(Double)
            case other
        }

        var values: [String: Value] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if let text = try? container.decode(String.self, forKey: key) {
                    values[key.stringValue] = .strings([text])
                } else if let list = try? container.decode([String].self, forKey: key) {
                    values[key.stringValue] = .strings(list)
                } else if let number = try? container.decode(Double.self, forKey: key) {
                    values[key.stringValue] = .number(number)
                } else {
                    values[key.stringValue] = .other
                }
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in values {
                switch value {
                case .strings(let list): try container.encode(list, forKey: Key(stringValue: key))
                case .number(let number): try container.encode(number, forKey: Key(stringValue: key))
                case .other: break
                }
            }
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}

        func strings(_ name: String) -> [String] {
            if case .strings(let list)? = values[name] { return list }
            return []
        }

        func number(_ name: String) -> Double? {
            if case .number(let number)? = values[name] { return number }
            return nil
        }
    }
}
