public import CustosConfig
import Foundation

/// How `custos serve` runs: from a config file (YAML or JSON), then environment variables,
/// then command-line flags, each overriding the one before.
///
/// ```yaml
/// store: /var/lib/custos
/// readOnly: false             # true: serve without writing (docs/API.md)
/// host: 0.0.0.0
/// port: 8080
/// logLevel: info
/// limits:
///   maxBodyBytes: 8388608     # 8 MiB
///   maxBodyBytesInFlight: 268435456  # 256 MiB of bodies over all requests at once
///   maxBatchEvents: 10000
///   idleTimeout: 75s          # a connection silent this long mid-body, or idle, is closed
///   queryTimeout: 5s
///   maxQueryRows: 10000
///   maxQueryBytes: 33554432   # 32 MiB of entries per answer
///   maxTraceDepth: 50
///   maxTraceNodes: 10000
/// auth:
///   metricsNeedKey: false
///   jwt:
///     issuer: https://idp.example.com/
///     audience: custos
///     jwks: /etc/custos/jwks.json
///     identityClaim: email     # default sub
///     identityType: human      # for identities without a type prefix
///     rolesClaim: roles
///     onBehalfOfClaim: owner   # whom the holder acts for (optional)
/// masking:
///   policy: /etc/custos/masking.yaml
/// ```
public struct ServerConfiguration: Sendable {
    public var storePath = "custos-data"
    public var host = "127.0.0.1"
    public var port = 8080
    public var logLevel = "info"
    public var limits = Limits()
    public var jwt: JWTAuthenticator.Settings?
    /// When true, `/metrics` needs a key of any role.
    public var metricsNeedKey = false
    /// The masking policy of `POST /v1/mask`; the standard policy when nil.
    public var maskingPolicyPath: String?
    /// The approval gate's policy file (`gate: {policy: …}`); the standard policy (one human
    /// approval for every action) when nil. Read again when it changes.
    public var gatePolicyPath: String?
    /// The address people reach the server at (`publicURL`), for links in notifications;
    /// `http://HOST:PORT/inbox` when nil.
    public var publicURL: String?
    /// Where to POST notifications of new requests and decisions (`gate: {webhooks: […]}`).
    public var webhooks: [WebhookTarget] = []
    /// Serve the store without writing it (`readOnly: true`, `CUSTOS_READ_ONLY=1`,
    /// `--read-only`): reading, querying, proofs and verification work; routes that would change
    /// the store answer 403 `read_only` (docs/API.md, "Read-only servers").
    public var readOnly = false

    /// What one request may ask for.
    public struct Limits: Sendable {
        public var maxBodyBytes = 8 << 20
        /// The most bytes of request bodies the server holds at once, over all requests (at
        /// least `maxBodyBytes`; when a config file sets only `maxBodyBytes`, this grows to it);
        /// a body beyond it answers 503 `server_busy`.
        public var maxBodyBytesInFlight = 256 << 20
        public var maxBatchEvents = 10_000
        /// A connection that sends nothing for this long while its request is read, or holds
        /// no request at all, is closed: a client that stalls mid-body, or keeps connections
        /// open and idle, cannot hold them for ever. A request whose answer is being prepared
        /// (a long poll, a long query) is never cut by it. Longer than clients keep idle
        /// connections (60 s for most), so that a client never sends on one as it closes.
        public var idleTimeoutSeconds = 75.0
        public var queryTimeoutSeconds = 5.0
        public var maxQueryRows = 10_000
        /// The most entry bytes the rows of one query may hold.
        public var maxQueryBytes = 32 << 20
        public var maxTraceDepth = 50
        public var maxTraceNodes = 10_000
        /// Entries per page of `GET /v1/events`.
        public var maxListEntries = 10_000
        /// Refused requests recorded as `access_denied` events, per second and in a burst;
        /// beyond that they are only counted.
        public var deniedRecordsPerSecond = 20.0
        public var deniedRecordBurst = 50.0
        public init() {}
    }

    public init() {}

    /// Reads a config file; the error names the line to fix.
    public static func load(contentsOf path: String) throws(ConfigError) -> ServerConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "cannot read the config file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        let root = try ConfigNode.parse(text, file: file)
        let members = try root.members(allowed: ["store", "readOnly", "host", "port", "logLevel", "limits", "auth", "masking", "gate", "publicURL"])
        if let node = members["store"] { configuration.storePath = try node.string() }
        if let node = members["readOnly"] { configuration.readOnly = try node.bool() }
        if let node = members["host"] { configuration.host = try node.string() }
        if let node = members["port"] { configuration.port = try node.integer(in: 0...65_535) }
        if let node = members["logLevel"] {
            let level = try node.string()
            guard Self.logLevels.contains(level) else { throw node.error("logLevel must be one of \(Self.logLevels.joined(separator: ", "))") }
            configuration.logLevel = level
        }
        if let node = members["limits"] {
            let limits = try node.members(allowed: [
                "maxBodyBytes", "maxBodyBytesInFlight", "maxBatchEvents", "idleTimeout", "queryTimeout", "maxQueryRows", "maxQueryBytes", "maxTraceDepth", "maxTraceNodes", "maxListEntries",
                "deniedRecordsPerSecond", "deniedRecordBurst",
            ])
            if let value = limits["maxBodyBytes"] { configuration.limits.maxBodyBytes = try value.integer(in: 1_024...(1 << 30)) }
            if let value = limits["maxBodyBytesInFlight"] {
                configuration.limits.maxBodyBytesInFlight = try value.integer(in: (1 << 20)...(1 << 36))
                guard configuration.limits.maxBodyBytesInFlight >= configuration.limits.maxBodyBytes else {
                    throw value.error(
                        "maxBodyBytesInFlight (\(configuration.limits.maxBodyBytesInFlight)) must be at least maxBodyBytes (\(configuration.limits.maxBodyBytes)), or no body of the largest size could be read"
                    )
                }
            } else {
                // Unset: room for at least one body of the largest size.
                configuration.limits.maxBodyBytesInFlight = max(configuration.limits.maxBodyBytesInFlight, configuration.limits.maxBodyBytes)
            }
            if let value = limits["maxBatchEvents"] { configuration.limits.maxBatchEvents = try value.integer(in: 1...100_000) }
            if let value = limits["idleTimeout"] {
                let seconds = try value.duration()
                guard seconds >= 1, seconds <= 3_600 else { throw value.error("idleTimeout must be from 1s to 1h") }
                configuration.limits.idleTimeoutSeconds = seconds
            }
            if let value = limits["queryTimeout"] {
                let seconds = try value.duration()
                guard seconds > 0, seconds <= 300 else { throw value.error("queryTimeout must be longer than zero and at most 5m") }
                configuration.limits.queryTimeoutSeconds = seconds
            }
            if let value = limits["maxQueryRows"] { configuration.limits.maxQueryRows = try value.integer(in: 1...1_000_000) }
            if let value = limits["maxQueryBytes"] { configuration.limits.maxQueryBytes = try value.integer(in: (1 << 20)...(1 << 30)) }
            if let value = limits["maxTraceDepth"] { configuration.limits.maxTraceDepth = try value.integer(in: 1...1_000) }
            if let value = limits["maxTraceNodes"] { configuration.limits.maxTraceNodes = try value.integer(in: 1...1_000_000) }
            if let value = limits["maxListEntries"] { configuration.limits.maxListEntries = try value.integer(in: 1...1_000_000) }
            if let value = limits["deniedRecordsPerSecond"] { configuration.limits.deniedRecordsPerSecond = Double(try value.integer(in: 0...10_000)) }
            if let value = limits["deniedRecordBurst"] { configuration.limits.deniedRecordBurst = Double(try value.integer(in: 0...100_000)) }
        }
        if let node = members["auth"] {
            let auth = try node.members(allowed: ["metricsNeedKey", "jwt"])
            if let value = auth["metricsNeedKey"] { configuration.metricsNeedKey = try value.bool() }
            if let jwtNode = auth["jwt"] {
                let jwt = try jwtNode.members(allowed: ["issuer", "audience", "jwks", "identityClaim", "identityType", "rolesClaim", "onBehalfOfClaim", "leeway"])
                var settings = JWTAuthenticator.Settings(
                    issuer: try jwt.required("issuer").string(), audience: try jwt.required("audience").string(), jwksPath: try jwt.required("jwks").string()
                )
                if let value = jwt["identityClaim"] { settings.identityClaim = try value.string() }
                if let value = jwt["identityType"] {
                    let type = try value.string()
                    guard ["human", "agent", "service"].contains(type) else { throw value.error("identityType must be human, agent or service") }
                    settings.identityType = type
                }
                if let value = jwt["rolesClaim"] { settings.rolesClaim = try value.string() }
                if let value = jwt["onBehalfOfClaim"] { settings.onBehalfOfClaim = try value.string() }
                if let value = jwt["leeway"] {
                    // Clock skew, not a grace period: a long leeway would accept expired tokens.
                    let seconds = try value.duration()
                    guard seconds <= 300 else { throw value.error("leeway is for clock skew: at most 5m") }
                    settings.leeway = seconds
                }
                configuration.jwt = settings
            }
        }
        if let node = members["masking"] {
            let masking = try node.members(allowed: ["policy"])
            if let value = masking["policy"] { configuration.maskingPolicyPath = try value.string() }
        }
        if let node = members["publicURL"] {
            let text = try node.string()
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
                throw node.error("publicURL must be the http or https address people reach the server at, e.g. https://custos.example.com")
            }
            configuration.publicURL = text
        }
        if let node = members["gate"] {
            let gate = try node.members(allowed: ["policy", "webhooks"])
            if let value = gate["policy"] { configuration.gatePolicyPath = try value.string() }
            for item in try gate["webhooks"]?.sequence() ?? [] {
                configuration.webhooks.append(try WebhookTarget.parse(item))
            }
        }
        return configuration
    }

    /// Applies `CUSTOS_STORE`, `CUSTOS_READ_ONLY`, `CUSTOS_HOST`, `CUSTOS_PORT` and `CUSTOS_LOG_LEVEL`.
    public mutating func applyEnvironment() throws(ConfigError) {
        try applyEnvironment(ProcessInfo.processInfo.environment)
    }

    /// Applies the variables of `environment`.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigError) {
        if let value = environment["CUSTOS_STORE"], !value.isEmpty { storePath = value }
        if let value = environment["CUSTOS_READ_ONLY"], !value.isEmpty {
            switch value.lowercased() {
            case "1", "true", "yes": readOnly = true
            case "0", "false", "no": readOnly = false
            default: throw ConfigError(file: "CUSTOS_READ_ONLY", line: 1, column: 1, message: "\"\(value)\" is not 1, true, 0 or false")
            }
        }
        if let value = environment["CUSTOS_HOST"], !value.isEmpty { host = value }
        if let value = environment["CUSTOS_PORT"], !value.isEmpty {
            guard let port = Int(value), (0...65_535).contains(port) else {
                throw ConfigError(file: "CUSTOS_PORT", line: 1, column: 1, message: "\"\(value)\" is not a port number")
            }
            self.port = port
        }
        if let value = environment["CUSTOS_LOG_LEVEL"], !value.isEmpty {
            guard Self.logLevels.contains(value) else {
                throw ConfigError(file: "CUSTOS_LOG_LEVEL", line: 1, column: 1, message: "must be one of \(Self.logLevels.joined(separator: ", "))")
            }
            logLevel = value
        }
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
