import CustosConfig
import CustosLedger
public import Foundation

/// Where the server announces new approval requests and decisions:
///
/// ```yaml
/// gate:
///   webhooks:
///     - url: https://hooks.slack.com/services/T000/B000/XXXX
///       format: slack            # slack or teams
///       secretFile: /etc/custos/webhook.secret   # HMAC-SHA256 key, mode 0600
/// ```
public struct WebhookTarget: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Slack incoming-webhook JSON (`text` and `blocks`).
        case slack
        /// Microsoft Teams incoming-webhook JSON (a MessageCard).
        case teams
    }

    public var url: URL
    public var format: Format
    /// The HMAC-SHA256 key for the `X-Custos-Signature` header; unsigned when nil.
    public var secret: [UInt8]?

    public init(url: URL, format: Format, secret: [UInt8]? = nil) {
        self.url = url
        self.format = format
        self.secret = secret
    }

    static func parse(_ node: ConfigNode) throws(ConfigError) -> WebhookTarget {
        let members = try node.members(allowed: ["url", "format", "secretFile"])
        let urlNode = try members.required("url")
        let text = try urlNode.string()
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw urlNode.error("\"\(text)\" is not an http or https URL")
        }
        var format = Format.slack
        if let value = members["format"] {
            let name = try value.string()
            guard let known = Format(rawValue: name) else { throw value.error("unknown webhook format \"\(name)\": use slack or teams") }
            format = known
        }
        var secret: [UInt8]?
        if let value = members["secretFile"] {
            let path = try value.string()
            do {
                let bytes = try SecretFile.read(path)
                let trimmed = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { throw value.error("the secret file \(path) is empty") }
                secret = Array(trimmed.utf8)
            } catch let error as SecretFile.Failure {
                throw value.error("\(error)")
            } catch let error as ConfigError {
                throw error
            } catch {
                throw value.error("\(error)")
            }
        }
        return WebhookTarget(url: url, format: format, secret: secret)
    }
}
