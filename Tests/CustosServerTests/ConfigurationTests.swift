import CustosConfig
@testable import CustosServer
import Testing

@Suite("Server configuration: file, environment, errors")
struct ConfigurationTests {
    @Test("a config file sets everything; the environment overrides it")
    func parse() throws {
        var configuration = try ServerConfiguration.parse("""
            store: /var/lib/custos
            host: 0.0.0.0
            port: 9090
            logLevel: debug
            limits:
              maxBodyBytes: 65536
              maxBatchEvents: 500
              queryTimeout: 2s
              idleTimeout: 2m
            auth:
              metricsNeedKey: true
              jwt:
                issuer: https://idp.example.com/
                audience: custos
                jwks: /etc/custos/jwks.json
                identityClaim: email
            masking:
              policy: /etc/custos/masking.yaml
            """, file: "custos.yaml")
        #expect(configuration.storePath == "/var/lib/custos")
        #expect(configuration.port == 9090)
        #expect(configuration.limits.maxBodyBytes == 65_536)
        #expect(configuration.limits.queryTimeoutSeconds == 2)
        #expect(configuration.limits.idleTimeoutSeconds == 120)
        #expect(configuration.metricsNeedKey)
        #expect(configuration.jwt?.identityClaim == "email")
        #expect(configuration.jwt?.rolesClaim == "roles")
        #expect(configuration.maskingPolicyPath == "/etc/custos/masking.yaml")
        try configuration.applyEnvironment(["CUSTOS_PORT": "7070", "CUSTOS_STORE": "/tmp/s", "CUSTOS_LOG_LEVEL": "error"])
        #expect(configuration.port == 7070 && configuration.storePath == "/tmp/s" && configuration.logLevel == "error")
        #expect(throws: ConfigError.self) { try configuration.applyEnvironment(["CUSTOS_PORT": "http"]) }
    }

    @Test("readOnly comes from the file, then CUSTOS_READ_ONLY; other values are refused")
    func readOnly() throws {
        var configuration = try ServerConfiguration.parse("store: /srv/copy\nreadOnly: true\n", file: "custos.yaml")
        #expect(configuration.readOnly)
        try configuration.applyEnvironment(["CUSTOS_READ_ONLY": "0"])
        #expect(!configuration.readOnly)
        try configuration.applyEnvironment(["CUSTOS_READ_ONLY": "TRUE"])
        #expect(configuration.readOnly)
        #expect(!(try ServerConfiguration.parse("store: /srv/live\n", file: "custos.yaml").readOnly))
        #expect(throws: ConfigError.self) { try configuration.applyEnvironment(["CUSTOS_READ_ONLY": "sometimes"]) }
        #expect(throws: ConfigError.self) { try ServerConfiguration.parse("readOnly: maybe\n", file: "custos.yaml") }
    }

    @Test("the limits on recording refused requests, as docs/API.md lists them")
    func deniedRecordLimits() throws {
        let configuration = try ServerConfiguration.parse("limits:\n  deniedRecordsPerSecond: 5\n  deniedRecordBurst: 7\n", file: "custos.yaml")
        #expect(configuration.limits.deniedRecordsPerSecond == 5 && configuration.limits.deniedRecordBurst == 7)
    }

    @Test("a bad file is refused with its line and what to write")
    func errors() {
        func failure(_ text: String) -> ConfigError? {
            do {
                _ = try ServerConfiguration.parse(text, file: "custos.yaml")
                return nil
            } catch {
                return error
            }
        }
        let typo = failure("host: 0.0.0.0\nprot: 80\n")
        #expect(typo?.line == 2)
        #expect(typo?.message.contains(#"did you mean "port""#) == true, "\(String(describing: typo))")
        #expect(failure("port: 99999\n")?.message.contains("out of range") == true)
        #expect(failure("auth:\n  jwt:\n    issuer: x\n")?.message.contains("\"audience\" is required") == true)
        #expect(failure("limits:\n  queryTimeout: soon\n")?.message.contains("duration") == true)
        #expect(failure("logLevel: loud\n") != nil)
        // Values in range, or refused: a leeway past clock skew would accept expired tokens.
        #expect(failure("auth:\n  jwt:\n    issuer: x\n    audience: y\n    jwks: z\n    leeway: 1e308w\n")?.message.contains("duration") == true)
        #expect(failure("auth:\n  jwt:\n    issuer: x\n    audience: y\n    jwks: z\n    leeway: 365d\n")?.message.contains("at most 5m") == true)
        #expect(failure("limits:\n  queryTimeout: 0s\n")?.line == 2)
        #expect(failure("limits:\n  idleTimeout: 0.5s\n")?.message.contains("from 1s to 1h") == true)
        #expect(failure("limits:\n  queryTimeout: 1h\n")?.message.contains("at most 5m") == true)
        #expect(failure("publicURL: custos.example.com\n")?.message.contains("http or https") == true)
    }

    @Test("notification links reach the inbox under publicURL, or under the listening address")
    func inboxLinks() throws {
        var configuration = try ServerConfiguration.parse("publicURL: https://custos.example.com/\n", file: "custos.yaml")
        #expect(ServerState.inboxURL(configuration) == "https://custos.example.com/inbox")
        configuration.publicURL = nil
        configuration.host = "127.0.0.1"
        configuration.port = 9090
        #expect(ServerState.inboxURL(configuration) == "http://127.0.0.1:9090/inbox")
        configuration.host = "0.0.0.0"
        #expect(!ServerState.inboxURL(configuration).contains("0.0.0.0"))
    }
}
