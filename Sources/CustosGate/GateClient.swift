public import CustosLedger

/// What an agent does at the gate, as one identity, in-process on a local store
/// (``LocalGateClient``) or remote over HTTP (``RemoteGate``). ``perform(_:justification:payload:timeout:body:)``
/// puts the steps together.
public protocol GateClient: Sendable {
    /// Asks for approval of `action`.
    func submit(_ action: GateAction, justification: String, payload: String?, idempotencyKey: String?) async throws -> ApprovalRequest
    /// The request as it stands.
    func status(of id: NodeID) async throws -> ApprovalRequest
    /// Waits for a decision, at most `timeout`; returns the request then, pending or not.
    func wait(for id: NodeID, timeout: Duration) async throws -> ApprovalRequest
    /// The token of an approved request.
    func token(for id: NodeID) async throws -> GateToken
    /// Waits as ``wait(for:timeout:)`` does and, when the request is approved, returns its
    /// token too (``RemoteGate`` gets both in one round trip).
    func waitWithToken(for id: NodeID, timeout: Duration) async throws -> (request: ApprovalRequest, token: GateToken?)
    /// Redeems the token, once, for `action` on `resource`.
    func redeem(_ token: GateToken, action: String, resource: String) async throws -> ApprovalRequest
    /// Records what the action did; returns its output masked by the gate's policy.
    func recordOutcome(_ id: NodeID, _ report: OutcomeReport) async throws -> RecordedOutcome
    /// Withdraws a request.
    func revoke(_ id: NodeID, reason: String) async throws -> ApprovalRequest
}

/// What ``GateClient/perform(_:justification:payload:timeout:body:)`` may return: output the
/// gate masks before the caller sees it.
public protocol GateOutput: Sendable {
    var gateBytes: [UInt8] { get }
    init(gateMaskedBytes: [UInt8])
}

extension String: GateOutput {
    public var gateBytes: [UInt8] { Array(utf8) }
    public init(gateMaskedBytes: [UInt8]) { self = String(decoding: gateMaskedBytes, as: UTF8.self) }
}

extension Array: GateOutput where Element == UInt8 {
    public var gateBytes: [UInt8] { self }
    public init(gateMaskedBytes: [UInt8]) { self = gateMaskedBytes }
}

/// What an executed action did, for the record.
public struct OutcomeReport: Sendable {
    public var succeeded: Bool
    /// What it wrote (standard output); hashed and masked, never stored.
    public var output: [UInt8]?
    /// What it wrote to standard error; hashed and masked, never stored.
    public var errorOutput: [UInt8]?
    /// Anything else to record (`exitStatus`, …).
    public var attributes: [String: JSONValue]

    public init(succeeded: Bool, output: [UInt8]? = nil, errorOutput: [UInt8]? = nil, attributes: [String: JSONValue] = [:]) {
        self.succeeded = succeeded
        self.output = output
        self.errorOutput = errorOutput
        self.attributes = attributes
    }
}

/// The recorded outcome, with the output masked.
public struct RecordedOutcome: Sendable {
    public let request: ApprovalRequest
    public let maskedOutput: [UInt8]?
    public let maskedErrorOutput: [UInt8]?

    public init(request: ApprovalRequest, maskedOutput: [UInt8]?, maskedErrorOutput: [UInt8]?) {
        self.request = request
        self.maskedOutput = maskedOutput
        self.maskedErrorOutput = maskedErrorOutput
    }
}

/// What an approved action gave back, masked, with the request as the ledger has it.
public struct GateOutcome<Output: GateOutput>: Sendable {
    /// The action's result after masking.
    public let output: Output
    /// The request, executed, with its outcome recorded.
    public let request: ApprovalRequest
    /// The token the action ran with.
    public let token: GateToken
}

extension GateClient {
    public func waitWithToken(for id: NodeID, timeout: Duration) async throws -> (request: ApprovalRequest, token: GateToken?) {
        let decided = try await wait(for: id, timeout: timeout)
        return (decided, decided.status == .approved ? try await token(for: id) : nil)
    }

    /// Asks for `action` and waits for the decision (at most `timeout`); when it is approved,
    /// fetches its token and redeems it at once, so the token returned is valid and used. A
    /// denied or expired request throws ``GateError/notApproved(request:status:reason:)``; a
    /// timeout or a cancellation withdraws the request (so no approval lands after the
    /// requester stopped waiting) and throws ``GateError/timedOut(request:seconds:)`` or
    /// `CancellationError`. `whilePending` is told of the request when it has to wait.
    public func authorize(
        _ action: GateAction, justification: String, payload: String? = nil, timeout: Duration,
        whilePending: (ApprovalRequest) -> Void = { _ in }
    ) async throws -> (request: ApprovalRequest, token: GateToken) {
        let asked: ApprovalRequest
        do {
            asked = try await submit(action, justification: justification, payload: payload, idempotencyKey: nil)
        } catch {
            // A cancelled HTTP call reports itself as a failure of its own.
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        if asked.status == .pending { whilePending(asked) }
        let decided: ApprovalRequest
        let issued: GateToken?
        do {
            (decided, issued) = try await waitWithToken(for: asked.id, timeout: timeout)
        } catch {
            // An approval whose token the requester cannot get is withdrawn too: nobody else
            // may hold it.
            let cancelled = Task.isCancelled
            await withdraw(asked.id, reason: cancelled ? "the requester's task was cancelled" : "the requester stopped waiting or could not get its token: \(error)")
            if cancelled { throw CancellationError() }
            throw error
        }
        if decided.status == .pending {
            let cancelled = Task.isCancelled
            await withdraw(asked.id, reason: cancelled ? "the requester's task was cancelled" : "the requester stopped waiting after \(timeout)")
            if cancelled { throw CancellationError() }
            throw GateError.timedOut(request: asked.id.rawValue, seconds: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        }
        guard decided.status == .approved, let token = issued else {
            throw GateError.notApproved(request: asked.id.rawValue, status: decided.status, reason: decided.statusReason ?? decided.status.rawValue)
        }
        // The token must be the one of this request, for this action and resource, whatever the
        // other side handed over.
        let claims = token.claims
        guard claims.request == asked.id, claims.action == action.name, token.covers(action.resource.rawValue) else {
            await withdraw(asked.id, reason: "the token received was not for this request, action and resource")
            throw GateError.invalidToken("the token received is for \(claims.request) (\(claims.action)), not \(asked.id) (\(action.name) on \(action.resource))")
        }
        do {
            _ = try await redeem(token, action: action.name, resource: action.resource.rawValue)
        } catch {
            if Task.isCancelled {
                await withdraw(asked.id, reason: "the requester's task was cancelled before it redeemed its token")
                throw CancellationError()
            }
            throw error
        }
        return (decided, token)
    }

    /// Revokes `id` outside the caller's task: a cancelled task would cancel the revocation
    /// too, and leave the request open to an approval nobody waits for.
    func withdraw(_ id: NodeID, reason: String) async {
        let client = self
        await Task { _ = try? await client.revoke(id, reason: reason) }.value
    }

    /// Asks for `action`, waits for the decision (at most `timeout`), and when approved runs
    /// `body` with a token that has just been redeemed (``authorize(_:justification:payload:timeout:whilePending:)``);
    /// then masks what `body` returns and records the outcome. A denied or expired request, a
    /// timeout or a cancellation throw as `authorize` does, and `body` never runs. An error
    /// from `body` is recorded as a failed outcome and rethrown.
    public func perform<Output: GateOutput>(
        _ action: GateAction, justification: String, payload: String? = nil, timeout: Duration = .seconds(3_600),
        body: (GateToken) async throws -> Output
    ) async throws -> GateOutcome<Output> {
        let (approved, token) = try await authorize(action, justification: justification, payload: payload, timeout: timeout)
        let output: Output
        let client = self
        do {
            output = try await body(token)
        } catch {
            // Recorded outside the caller's task, which may be the one cancelled.
            let report = OutcomeReport(succeeded: false, attributes: ["error": .string(String(describing: error))])
            _ = await Task { try? await client.recordOutcome(approved.id, report) }.value
            throw error
        }
        let report = OutcomeReport(succeeded: true, output: output.gateBytes)
        let recorded = try await Task { try await client.recordOutcome(approved.id, report) }.value
        return GateOutcome(output: Output(gateMaskedBytes: recorded.maskedOutput ?? []), request: recorded.request, token: token)
    }
}

/// A ``GateClient`` for one identity on a local ``Gate``.
public struct LocalGateClient: GateClient {
    public let gate: Gate
    public let actor: Actor

    public init(gate: Gate, actor: Actor) {
        self.gate = gate
        self.actor = actor
    }

    public func submit(_ action: GateAction, justification: String, payload: String?, idempotencyKey: String?) async throws -> ApprovalRequest {
        try await gate.request(action, by: actor, justification: justification, payload: payload, idempotencyKey: idempotencyKey)
    }

    public func status(of id: NodeID) async throws -> ApprovalRequest { try gate.request(id) }

    public func wait(for id: NodeID, timeout: Duration) async throws -> ApprovalRequest {
        try await gate.wait(for: id, timeout: timeout)
    }

    public func token(for id: NodeID) async throws -> GateToken { try gate.token(for: id, by: actor) }

    public func redeem(_ token: GateToken, action: String, resource: String) async throws -> ApprovalRequest {
        try await gate.redeem(token.compact, by: actor, action: action, resource: resource).request
    }

    public func recordOutcome(_ id: NodeID, _ report: OutcomeReport) async throws -> RecordedOutcome {
        try await gate.recordOutcome(id, by: actor, report)
    }

    public func revoke(_ id: NodeID, reason: String) async throws -> ApprovalRequest {
        try await gate.revoke(id, by: actor, reason: reason)
    }
}

extension Gate {
    /// A client that acts as `actor`.
    public func client(as actor: Actor) -> LocalGateClient { LocalGateClient(gate: self, actor: actor) }
}
