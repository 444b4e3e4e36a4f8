public import AsyncHTTPClient
public import CustosLedger
public import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The gate of a Custos server, over HTTP, as the identity of an API key:
///
/// ```swift
/// let gate = RemoteGate(server: URL(string: "http://127.0.0.1:8080")!, apiKey: key)
/// let outcome = try await gate.perform(.export(resource: dataset), justification: "report") { token in
///     try await exportReport(authorizedBy: token.compact)
/// }
/// ```
///
/// Tokens it receives are checked against the server's public key (`GET /v1/tokens/key`)
/// before they are handed to the caller.
public final class RemoteGate: GateClient {
    public let server: URL
    private let apiKey: String
    private let client: HTTPClient
    private let verifier = Mutex<GateVerifierKey?>(nil)
    /// Longest single long poll; a longer wait is several.
    static let pollSeconds = 25.0

    /// A gate reached through `client`: `HTTPClient.shared` by default, whose pool keeps a few
    /// connections per server. A process with many agents waiting at once (each wait is a long
    /// poll holding a connection) wants its own client with a larger pool.
    public init(server: URL, apiKey: String, client: HTTPClient = .shared) {
        self.server = server
        self.apiKey = apiKey
        self.client = client
    }

    // MARK: GateClient

    public func submit(_ action: GateAction, justification: String, payload: String?, idempotencyKey: String?) async throws -> ApprovalRequest {
        var body: [String: JSONValue] = [
            "action": .string(action.name), "resource": .string(action.resource.rawValue), "scope": .array(action.scope.map(JSONValue.string)),
            "justification": .string(justification),
        ]
        if let payload { body["payload"] = .string(payload) }
        if let idempotencyKey { body["idempotencyKey"] = .string(idempotencyKey) }
        return try ApprovalRequest(json: try await call(.POST, "/v1/approvals", body: .object(body)))
    }

    public func status(of id: NodeID) async throws -> ApprovalRequest {
        try ApprovalRequest(json: try await call(.GET, "/v1/approvals/\(Self.escape(id))"))
    }

    public func wait(for id: NodeID, timeout: Duration) async throws -> ApprovalRequest {
        try await poll(id, timeout: timeout, withToken: false).request
    }

    public func token(for id: NodeID) async throws -> GateToken {
        try await checkedToken(try await call(.GET, "/v1/approvals/\(Self.escape(id))/token"))
    }

    /// One long poll that, once the request is approved, answers with its token as well.
    public func waitWithToken(for id: NodeID, timeout: Duration) async throws -> (request: ApprovalRequest, token: GateToken?) {
        let (decided, answer) = try await poll(id, timeout: timeout, withToken: true)
        guard decided.status == .approved else { return (decided, nil) }
        // A server from before `token=true` answers without it: ask separately.
        guard let issued = answer["token"] else { return (decided, try await token(for: id)) }
        return (decided, try await checkedToken(issued))
    }

    /// Long polls until the request is decided, `timeout` passes or the task is cancelled.
    private func poll(_ id: NodeID, timeout: Duration, withToken: Bool) async throws -> (request: ApprovalRequest, answer: JSONValue) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var failures = 0
        while true {
            let left = clock.now.duration(to: deadline)
            let seconds = max(0, min(Self.pollSeconds, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18))
            let query = "timeout=\(String(format: "%.3f", seconds))" + (withToken ? "&token=true" : "")
            let answer: JSONValue
            do {
                answer = try await call(.GET, "/v1/approvals/\(Self.escape(id))/wait?\(query)", timeout: seconds + 15)
                failures = 0
            } catch let error as GateError where Self.isTransient(error) && !Task.isCancelled && clock.now < deadline {
                // A proxy timing out or a server restarting must not end an hour's wait: try
                // again, a little later each time, until the deadline.
                failures += 1
                let pause = Duration.milliseconds(min(5_000, 250 << min(failures - 1, 5)))
                try await Task.sleep(for: min(pause, clock.now.duration(to: deadline)))
                continue
            }
            let state = try ApprovalRequest(json: answer)
            if state.status != .pending || clock.now >= deadline || Task.isCancelled { return (state, answer) }
        }
    }

    /// Errors a later try may not meet: the server unreachable, or a gateway in front of it
    /// answering 502, 503 or 504.
    static func isTransient(_ error: GateError) -> Bool {
        switch error {
        case .unreachable: return true
        case .remote(let status, _): return [502, 503, 504].contains(status)
        default: return false
        }
    }

    /// The token in an answer (`{"token": compact, …}`), its signature checked with the server's key.
    private func checkedToken(_ answer: JSONValue) async throws -> GateToken {
        guard let compact = answer["token"]?.stringValue else { throw GateError.remote(status: 200, message: "the answer has no token") }
        return try GateToken(parsing: compact, verifier: try await verifierKey())
    }

    public func redeem(_ token: GateToken, action: String, resource: String) async throws -> ApprovalRequest {
        let answer = try await call(.POST, "/v1/tokens/redeem", body: ["token": .string(token.compact), "action": .string(action), "resource": .string(resource)])
        guard let request = answer["request"] else { throw GateError.remote(status: 200, message: "the answer has no request") }
        return try ApprovalRequest(json: request)
    }

    public func recordOutcome(_ id: NodeID, _ report: OutcomeReport) async throws -> RecordedOutcome {
        var body: [String: JSONValue] = ["succeeded": .bool(report.succeeded), "attributes": .object(report.attributes)]
        if let output = report.output { body["output"] = .string(String(decoding: output, as: UTF8.self)) }
        if let errorOutput = report.errorOutput { body["errorOutput"] = .string(String(decoding: errorOutput, as: UTF8.self)) }
        let answer = try await call(.POST, "/v1/approvals/\(Self.escape(id))/outcome", body: .object(body), timeout: 120)
        guard let request = answer["request"] else { throw GateError.remote(status: 200, message: "the answer has no request") }
        return RecordedOutcome(
            request: try ApprovalRequest(json: request), maskedOutput: answer["output"]?.stringValue.map { Array($0.utf8) },
            maskedErrorOutput: answer["errorOutput"]?.stringValue.map { Array($0.utf8) }
        )
    }

    public func revoke(_ id: NodeID, reason: String) async throws -> ApprovalRequest {
        try ApprovalRequest(json: try await call(.POST, "/v1/approvals/\(Self.escape(id))/revoke", body: ["reason": .string(reason)]))
    }

    // MARK: Deciding and listing

    /// Requests with a status (any when nil), newest first.
    public func requests(status: ApprovalStatus? = nil, limit: Int = 100) async throws -> [ApprovalRequest] {
        var path = "/v1/approvals?limit=\(limit)"
        if let status { path += "&status=\(status.rawValue)" }
        let answer = try await call(.GET, path)
        return try (answer["requests"]?.arrayValue ?? []).map { value throws(GateError) in try ApprovalRequest(json: value) }
    }

    public func approve(_ id: NodeID, reason: String?) async throws -> ApprovalRequest {
        try ApprovalRequest(json: try await call(.POST, "/v1/approvals/\(Self.escape(id))/approve", body: .object(reason.map { ["reason": .string($0)] } ?? [:])))
    }

    public func deny(_ id: NodeID, reason: String) async throws -> ApprovalRequest {
        try ApprovalRequest(json: try await call(.POST, "/v1/approvals/\(Self.escape(id))/deny", body: ["reason": .string(reason)]))
    }

    /// The server's token verification key, fetched once.
    public func verifierKey() async throws -> GateVerifierKey {
        if let known = verifier.withLock({ $0 }) { return known }
        let (status, bytes) = try await send(.GET, "/v1/tokens/key", body: nil, timeout: 15)
        guard status == 200 else { throw GateError.remote(status: status, message: "cannot read the server's token key") }
        let key = try GateVerifierKey(parsing: String(decoding: bytes, as: UTF8.self))
        verifier.withLock { $0 = key }
        return key
    }

    // MARK: HTTP

    private func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, timeout: Double = 30) async throws -> JSONValue {
        let (status, bytes) = try await send(method, path, body: body, timeout: timeout)
        let value = try? JSONParser.parse(bytes)
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: value, raw: bytes) }
        guard let value else { throw GateError.remote(status: status, message: "the answer is not JSON") }
        return value
    }

    private func send(_ method: HTTPMethod, _ path: String, body: JSONValue?, timeout: Double) async throws -> (Int, [UInt8]) {
        let base = server.absoluteString.hasSuffix("/") ? String(server.absoluteString.dropLast()) : server.absoluteString
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer " + apiKey)
        request.headers.add(name: "User-Agent", value: "custos-gate-client")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encode(body)))
        }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1_000)))
            let buffer = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), Array(buffer.readableBytesView))
        } catch {
            throw GateError.unreachable("\(server): \(error)")
        }
    }

    static func error(status: Int, body: JSONValue?, raw: [UInt8]) -> GateError {
        let code = body?["error"]?["code"]?.stringValue ?? ""
        let message = body?["error"]?["message"]?.stringValue ?? String(decoding: raw.prefix(500), as: UTF8.self)
        switch code {
        case "not_allowed": return .notAllowed(message)
        case "refused", "not_approved": return .refused(message)
        case "invalid_token": return .invalidToken(message)
        case "unknown_request": return .unknownRequest(message)
        case "invalid_request": return .invalidRequest(message)
        default: return .remote(status: status, message: message)
        }
    }

    static func escape(_ id: NodeID) -> String {
        id.rawValue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id.rawValue
    }
}
