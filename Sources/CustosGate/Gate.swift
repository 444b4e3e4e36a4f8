public import CustosLedger
import CustosLineage
public import CustosMasking
import Crypto
import Foundation
import Synchronization

/// The approval gate over a local store: agents ask, eligible humans decide, approved
/// actions get a single-use token, and every step is an event in the ledger.
///
/// ```swift
/// let gate = try Gate(ledger: ledger, policy: GatePolicy.load(contentsOf: "gate.yaml"))
/// let asked = try await gate.request(.export(resource: dataset), by: agent, justification: "monthly report")
/// _ = try await gate.approve(asked.id, by: alice)
/// let token = try gate.token(for: asked.id, by: agent)
/// let redeemed = try await gate.redeem(token.compact, by: agent, action: "export", resource: dataset.rawValue)
/// ```
///
/// Every change is a conditional append (``Ledger/append(contentsOf:if:)``) whose check
/// rebuilds the request's state from its events inside the write transaction: concurrent
/// approvals, denials, revocations, expiries and redemptions, from any number of tasks or
/// processes, end in exactly one consistent outcome.
public final class Gate: Sendable {
    public let ledger: Ledger
    public let signingKey: GateSigningKey
    let graph: LineageGraph
    let watcher: GateWatcher
    /// Tokens this gate signed, so that their redemption skips checking its own signature.
    let issued = IssuedTokens()
    private let settings: Mutex<Settings>
    /// Requests not yet final, and how far the log was scanned for new ones.
    private let open = Mutex<(scanned: UInt64, open: [NodeID: UInt64])>((0, [:]))

    struct Settings: Sendable {
        var policy: GatePolicy
        var masker: Masker
    }

    /// Limits on what a request may carry.
    public static let maxJustificationBytes = 4_096
    public static let maxPayloadBytes = 256 * 1024

    private let maskingKey: PseudonymKey?
    private let defaultMasker: Masker

    /// A gate on `ledger`. The signing key is the store's `gate.key`, made on first use.
    /// Payloads and outputs are masked by the policy's `masking` file when it names one (with
    /// `maskingKey` for pseudonyms), by `masker` otherwise.
    public init(ledger: Ledger, policy: GatePolicy = .standard, masker: Masker = Masker(), maskingKey: PseudonymKey? = nil, signingKey: GateSigningKey? = nil) throws {
        self.ledger = ledger
        self.signingKey = try signingKey ?? GateSigningKey.load(inStore: ledger.path)
        self.maskingKey = maskingKey
        defaultMasker = masker
        graph = LineageGraph(ledger: ledger)
        watcher = GateWatcher(ledger: ledger)
        settings = Mutex(Settings(policy: policy, masker: try Self.masker(for: policy, key: maskingKey, otherwise: masker)))
    }

    /// The masker a policy asks for.
    static func masker(for policy: GatePolicy, key: PseudonymKey?, otherwise fallback: Masker) throws(GateError) -> Masker {
        guard let path = policy.maskingPolicyPath else { return fallback }
        do { return Masker(policy: try MaskingPolicy.load(contentsOf: path), key: key) } catch { throw .invalidPolicy(error) }
    }

    /// The policy in force.
    public var policy: GatePolicy { settings.withLock { $0.policy } }
    /// The masker for payloads and outputs.
    public var masker: Masker { settings.withLock { $0.masker } }

    /// Puts `policy` in force for new requests and decisions, with `masker` for payloads and
    /// outputs when given.
    public func setPolicy(_ policy: GatePolicy, masker: Masker? = nil) {
        settings.withLock { settings in
            settings.policy = policy
            if let masker { settings.masker = masker }
        }
    }

    /// Reads the policy file again; when it is invalid, the error says where and the policy in
    /// force stays.
    @discardableResult
    public func reloadPolicy(from path: String) throws(GateError) -> GatePolicy {
        let policy: GatePolicy
        do { policy = try GatePolicy.load(contentsOf: path) } catch { throw .invalidPolicy(error) }
        setPolicy(policy, masker: try Self.masker(for: policy, key: maskingKey, otherwise: defaultMasker))
        return policy
    }

    /// The public key that verifies this gate's tokens.
    public var verifierKey: GateVerifierKey { signingKey.verifier }

    /// How many tasks wait on requests now.
    public var waiterCount: Int { watcher.waiterCount }

    // MARK: Reading

    /// The request `id` as the ledger tells it now.
    public func request(_ id: NodeID) throws -> ApprovalRequest {
        let now = Timestamp.now()
        let graph = graph
        let trail = try ledger.withSnapshot { snapshot in try graph.approvalTrail(of: id, in: snapshot) }
        guard let request = ApprovalRequest(trail: trail, now: now) else { throw GateError.unknownRequest(id.rawValue) }
        return request
    }

    /// Requests, newest first, with the given status (any when nil), at most `limit`.
    /// `requester` keeps those of one actor (or made on its behalf). Pending and approved
    /// requests come from the set of open requests, kept up to date incrementally, so asking
    /// for them costs what is open, not the whole history.
    public func requests(status: ApprovalStatus? = nil, requester: NodeID? = nil, limit: Int = 100) throws -> [ApprovalRequest] {
        guard limit > 0 else { return [] }
        let now = Timestamp.now()
        let graph = graph
        let openOnly = status == .pending || status == .approved
        return try ledger.withSnapshot { snapshot in
            var found: [ApprovalRequest] = []
            if openOnly {
                var closed: [NodeID] = []
                for (id, _) in try openRequests(in: snapshot).sorted(by: { $0.value > $1.value }) {
                    guard let request = ApprovalRequest(trail: try graph.approvalTrail(of: id, in: snapshot), now: now) else { continue }
                    if request.status.isFinal && !request.isLapsed { closed.append(id) }
                    if request.status == status, requester.map(request.isRequesterSide) ?? true {
                        found.append(request)
                        if found.count >= limit { break }
                    }
                }
                open.withLock { state in for id in closed { state.open[id] = nil } }
                return found
            }
            guard let kind = try snapshot.termKey(EventKind.request.rawValue) else { return found }
            try snapshot.forEachSeq(in: .kind(kind), within: 0..<snapshot.head.size, newestFirst: true) { seq in
                let entry = try snapshot.entry(at: seq)
                guard let id = entry.event.outputs.first(where: { $0.hasType("request") }), entry.event.attributes[GateAttribute.action] != nil else { return true }
                if let requester, entry.event.actor.id != requester, entry.event.actor.onBehalfOf != requester { return true }
                guard let request = ApprovalRequest(trail: try graph.approvalTrail(of: id, in: snapshot), now: now) else { return true }
                if status == nil || request.status == status { found.append(request) }
                return found.count < limit
            }
            return found
        }
    }

    /// Requests that were not final when last looked at, by request seq; brought up to date
    /// with the requests recorded since.
    private func openRequests(in snapshot: borrowing LedgerSnapshot) throws -> [NodeID: UInt64] {
        let scanned = open.withLock { $0.scanned }
        let size = snapshot.head.size
        guard scanned < size else { return open.withLock { $0.open } }
        var added: [NodeID: UInt64] = [:]
        if let kind = try snapshot.termKey(EventKind.request.rawValue) {
            try snapshot.forEachSeq(in: .kind(kind), within: scanned..<size) { seq in
                let entry = try snapshot.entry(at: seq)
                if entry.event.attributes[GateAttribute.action] != nil, let id = entry.event.outputs.first(where: { $0.hasType("request") }) { added[id] = seq }
                return true
            }
        }
        return open.withLock { state in
            if state.scanned < size {
                // Another reader may have scanned part of this range too: adding twice is harmless.
                state.open.merge(added) { old, _ in old }
                state.scanned = size
            }
            return state.open
        }
    }

    // MARK: Asking

    /// Records a request for `action` by `actor`, decided at once by the policy when its rule
    /// allows or denies, pending approval otherwise. The payload is masked before it is
    /// stored; the raw payload is never kept. With an `idempotencyKey`, asking again with the
    /// same key returns the first request. `onBehalfOfVouched` says that whom `actor` acts for
    /// comes from its credentials (a key bound to a principal, an identity provider's claim),
    /// not from the request alone; approvers are shown which.
    public func request(
        _ action: GateAction, by actor: Actor, justification: String, payload: String? = nil, idempotencyKey: String? = nil,
        onBehalfOfVouched: Bool = false
    ) async throws -> ApprovalRequest {
        let justification = justification.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !justification.isEmpty, justification.utf8.count <= Self.maxJustificationBytes else {
            throw GateError.invalidRequest("a justification of 1 to \(Self.maxJustificationBytes) bytes is required: say why the action is needed")
        }
        if let payload, payload.utf8.count > Self.maxPayloadBytes {
            throw GateError.invalidRequest("the payload is \(payload.utf8.count) bytes; at most \(Self.maxPayloadBytes) are accepted")
        }
        let clientEventID = idempotencyKey.map { "gate.request:" + $0 }
        if let clientEventID, let earlier = try existingRequest(clientEventID: clientEventID, actor: actor.id) { return earlier }
        let (policy, masker) = settings.withLock { ($0.policy, $0.masker) }
        let (rule, lineage) = try Self.rule(of: policy, for: action.name, on: action.resource, graph: graph)
        let id = try NodeID("request:" + Self.randomHex(12))
        let now = Timestamp.now()
        let waitSeconds = rule?.waitSeconds ?? policy.defaultWaitSeconds
        let expiresAt = Timestamp(microseconds: now.microseconds + Int64(waitSeconds * 1_000_000))
        var decision = rule?.decision ?? .deny
        var automaticReason: String? = rule == nil ? "no rule of \(policy.file) matches \(action.name) on \(action.resource); the gate denies what it is not told to allow" : rule?.reason
        let eligible = rule.map { Array(policy.eligibleApprovers(for: $0)).sorted() } ?? []
        if decision == .requireApproval, let rule, !eligible.isEmpty {
            let possible = eligible.filter {
                !actor.id.isSameIdentity(as: $0) && actor.onBehalfOf?.isSameIdentity(as: $0) != true && Actor.kindPrefix(of: $0) == .human
                    && !((try? NodeID($0)).map { policy.isExcluded($0, from: action.name) } ?? false)
            }
            if possible.count < rule.approvals {
                decision = .deny
                automaticReason = "rule \(rule.name) needs \(rule.approvals) approvers, and only \(possible.count) of its approvers are not the requester"
            }
        }

        var attributes: [String: JSONValue] = [
            GateAttribute.action: .string(action.name),
            GateAttribute.scope: .array(action.scope.map(JSONValue.string)),
            GateAttribute.justification: .string(masker.mask(justification).0),
            GateAttribute.rule: .string(rule?.name ?? "(no rule)"),
            GateAttribute.ruleLine: .number(Double(rule?.line ?? 0)),
            GateAttribute.decision: .string(decision.rawValue),
            GateAttribute.requiredApprovals: .number(Double(decision == .requireApproval ? rule?.approvals ?? 1 : 1)),
            GateAttribute.approvers: .array((rule?.approvers ?? []).map(JSONValue.string)),
            GateAttribute.eligible: .array(eligible.map(JSONValue.string)),
            GateAttribute.expiresAt: .string(expiresAt.description),
            GateAttribute.tokenSeconds: .number(rule?.tokenSeconds ?? policy.defaultTokenSeconds),
        ]
        if actor.onBehalfOf != nil {
            attributes[GateAttribute.onBehalfOfSource] = .string(onBehalfOfVouched ? OnBehalfOfSource.credentials.rawValue : OnBehalfOfSource.request.rawValue)
        }
        if let payload {
            let (masked, summary) = masker.mask(payload)
            attributes[GateAttribute.payload] = .string(masked)
            attributes[GateAttribute.payloadFindings] = .object(summary.counts.mapValues { .number(Double($0)) })
            attributes[GateAttribute.payloadSHA256] = .string(summary.outputSHA256)
        }
        if let rule, !rule.inheritsTags.isEmpty, let lineage {
            attributes[GateAttribute.lineage] = Self.explanation(of: lineage, tags: Set(rule.inheritsTags))
        }

        var events = [try Event(
            kind: .request, actor: actor, inputs: [action.resource], outputs: [id], attributes: attributes,
            clientEventID: clientEventID
        )]
        let gateActor = GateIdentity.actor
        switch decision {
        case .allow:
            events.append(try Event(kind: .approve, actor: gateActor, inputs: [id], attributes: [
                GateAttribute.automatic: true, GateAttribute.rule: .string(rule?.name ?? ""), GateAttribute.reason: .string("allowed by rule \(rule?.name ?? "")"),
            ]))
        case .deny:
            events.append(try Event(kind: .deny, actor: gateActor, inputs: [id], attributes: [
                GateAttribute.automatic: true, GateAttribute.rule: .string(rule?.name ?? "(no rule)"),
                GateAttribute.reason: .string(automaticReason ?? "denied by rule \(rule?.name ?? "")"),
            ]))
        case .requireApproval:
            break
        }
        do {
            _ = try await ledger.append(contentsOf: events)
        } catch LedgerError.idempotencyConflict where clientEventID != nil {
            // Asked twice at once with one key: the other ask won; answer with its request.
            if let clientEventID, let earlier = try existingRequest(clientEventID: clientEventID, actor: actor.id) { return earlier }
            throw GateError.invalidRequest("the idempotency key \(idempotencyKey ?? "") was used by an event that is not a request")
        }
        return try request(id)
    }

    /// The request `actor` made with this client event id, if any.
    private func existingRequest(clientEventID: String, actor: NodeID) throws -> ApprovalRequest? {
        let found = try ledger.withSnapshot { snapshot -> NodeID? in
            guard let seq = try snapshot.seq(ofClientEventID: clientEventID, actor: actor) else { return nil }
            let entry = try snapshot.entry(at: seq)
            guard entry.event.kind == .request else { return nil }
            return entry.event.outputs.first { $0.hasType("request") }
        }
        return try found.map { try request($0) }
    }

    // MARK: Deciding

    /// Records `approver`'s approval. Refused, and the attempt recorded, when the approver is
    /// the requester, anyone it acts for or who acts for it, an agent or a service, not among
    /// the rule's approvers, excluded by `neverApprove`, or has approved already.
    public func approve(_ id: NodeID, by approver: Actor, reason: String? = nil) async throws -> ApprovalRequest {
        let current = try request(id)
        if let refusal = identityRefusal(of: approver, for: current, deciding: true) {
            try await recordRefusal(.approve, of: id, by: approver, reason: refusal)
            throw GateError.notAllowed(refusal)
        }
        var attributes: [String: JSONValue] = [:]
        if let reason { attributes[GateAttribute.reason] = .string(maskedReason(reason)) }
        let event = try Event(kind: .approve, actor: approver, inputs: [id], attributes: attributes)
        let verdict = Verdict()
        try await transition(id, appending: [event], verdict: verdict) { state in
            guard state.status == .pending else { return Refusal(state.status == .approved ? "\(id) is already approved" : "\(id) is already \(state.status.rawValue)", record: false) }
            if state.approvals.contains(where: { $0.approver.isSameIdentity(as: approver.id) }) {
                return Refusal("\(approver.id) has approved \(id) already: a second approval by the same person does not count", record: true)
            }
            return nil
        }
        return try request(id)
    }

    /// Records a denial, which ends the request. The decider must be eligible to approve it.
    public func deny(_ id: NodeID, by approver: Actor, reason: String) async throws -> ApprovalRequest {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw GateError.invalidRequest("a denial needs a reason, for the requester and the audit") }
        let current = try request(id)
        if let refusal = identityRefusal(of: approver, for: current, deciding: true) {
            try await recordRefusal(.deny, of: id, by: approver, reason: refusal)
            throw GateError.notAllowed(refusal)
        }
        let event = try Event(kind: .deny, actor: approver, inputs: [id], attributes: [GateAttribute.reason: .string(maskedReason(reason))])
        try await transition(id, appending: [event], verdict: Verdict()) { state in
            state.status == .pending ? nil : Refusal("\(id) is already \(state.status.rawValue)", record: false)
        }
        return try request(id)
    }

    /// Withdraws a pending request or voids an approval before its token is redeemed. The
    /// requester, whoever it acts for, an eligible approver, or (`asAdministrator`) an
    /// administrator may revoke.
    public func revoke(_ id: NodeID, by actor: Actor, reason: String, asAdministrator: Bool = false) async throws -> ApprovalRequest {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw GateError.invalidRequest("a revocation needs a reason") }
        let current = try request(id)
        let isRequesterSide = current.isRequesterSide(actor.id)
        if !asAdministrator && !isRequesterSide, let refusal = identityRefusal(of: actor, for: current, deciding: true) {
            throw GateError.notAllowed("only the requester, whom it acts for, an approver or an administrator may revoke: \(refusal)")
        }
        let event = try Event(kind: .revoke, actor: actor, inputs: [id], attributes: [GateAttribute.reason: .string(maskedReason(reason))])
        try await transition(id, appending: [event], verdict: Verdict()) { state in
            state.status == .pending || state.status == .approved ? nil : Refusal("\(id) is already \(state.status.rawValue)", record: false)
        }
        return try request(id)
    }

    /// Records the expiry of every lapsed request (nobody decided in time, or a token lapsed
    /// unredeemed), at most `limit`, and returns them as expired. Servers call it every
    /// second; reads already show lapsed requests as expired.
    @discardableResult
    public func expireLapsed(limit: Int = 1_000) async throws -> [ApprovalRequest] {
        let now = Timestamp.now()
        let graph = graph
        let lapsed = try ledger.withSnapshot { snapshot -> [ApprovalRequest] in
            var lapsed: [ApprovalRequest] = []
            var closed: [NodeID] = []
            for (id, _) in try openRequests(in: snapshot) {
                guard let request = ApprovalRequest(trail: try graph.approvalTrail(of: id, in: snapshot), now: now) else { continue }
                if request.isLapsed { lapsed.append(request) } else if request.status.isFinal { closed.append(id) }
                if lapsed.count >= limit { break }
            }
            open.withLock { state in for id in closed { state.open[id] = nil } }
            return lapsed
        }
        var expired: [ApprovalRequest] = []
        for request in lapsed where try await expire(request) {
            expired.append(try self.request(request.id))
        }
        return expired
    }

    /// Records the expiry of a lapsed request; false when it was not lapsed by the time of the
    /// write, or another writer recorded its end first.
    @discardableResult
    func expire(_ lapsed: ApprovalRequest) async throws -> Bool {
        let event = try Event(kind: .expire, actor: GateIdentity.actor, inputs: [lapsed.id], attributes: [
            GateAttribute.automatic: true, GateAttribute.reason: .string(lapsed.statusReason ?? "expired"),
        ])
        do {
            try await transition(lapsed.id, appending: [event], verdict: Verdict(), recordingLapse: false) { state in
                state.isLapsed ? nil : Refusal("\(lapsed.id) is \(state.status.rawValue)", record: false)
            }
            return true
        } catch GateError.refused {
            return false
        }
    }

    // MARK: Waiting

    /// Waits until the request is decided (no longer pending), or has changed since
    /// `changedAfter` (a ``ApprovalRequest/lastSeq``), or `timeout` passes; returns its state
    /// then, pending or not. A request that lapses while waited on is recorded as expired (a
    /// read-only store only shows it so). Cancelling the task ends the wait early.
    public func wait(for id: NodeID, timeout: Duration, changedAfter: UInt64? = nil) async throws -> ApprovalRequest {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let ticket = watcher.register(id)
            defer { watcher.unregister(ticket) }
            var state = try request(id)
            // A read-only store shows the lapse (the state reads expired) without recording it.
            if state.isLapsed && !ledger.configuration.readOnly {
                try await expire(state)
                state = try request(id)
            }
            if let changedAfter {
                if state.lastSeq > changedAfter || state.status.isFinal { return state }
            } else if state.status != .pending {
                return state
            }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero || Task.isCancelled { return state }
            // Wake at the request's own deadline too, to record its expiry.
            let untilLapse = Duration.microseconds(max(0, state.expiresAt.microseconds - Timestamp.now().microseconds) + 1_000)
            await watcher.wait(ticket, timeout: min(remaining, untilLapse))
        }
    }

    // MARK: Tokens

    /// The token of an approved request, for its requester or whomever it acts for.
    public func token(for id: NodeID, by actor: Actor) throws -> GateToken {
        let state = try request(id)
        try state.checkTokenHolder(actor)
        guard state.status == .approved, let approvedAt = state.approvedAt, let lapse = state.tokenExpiresAt else {
            throw GateError.notApproved(request: id.rawValue, status: state.status, reason: state.statusReason ?? "it waits for \(state.requiredApprovals - state.approvals.count) more approval(s)")
        }
        let claims = GateToken.Claims(
            request: id, action: state.action, resource: state.resource, scope: state.scope, subject: state.requester.id,
            onBehalfOf: state.requester.onBehalfOf, notBefore: approvedAt.microseconds / 1_000_000,
            expires: (lapse.microseconds + 999_999) / 1_000_000, nonce: nonce(for: id), issuer: ledger.origin, keyID: signingKey.verifier.keyID
        )
        let token = GateToken(claims: claims, signingKey: signingKey)
        issued.remember(token)
        return token
    }

    /// What redeeming a token did.
    public struct Redemption: Sendable {
        public let token: GateToken
        public let request: ApprovalRequest
        /// The seq of the `execute` event.
        public let seq: UInt64
    }

    /// Redeems a token for `action` on `resource`: checks its signature, time and scope,
    /// then records the execution, once. A replayed, expired, revoked, forged or
    /// out-of-scope token fails, and the attempt is recorded.
    public func redeem(_ compact: String, by actor: Actor, action: String? = nil, resource: String? = nil) async throws -> Redemption {
        let token: GateToken
        if let known = issued.token(compact) {
            token = known
        } else {
            do {
                token = try GateToken(parsing: compact, verifier: signingKey.verifier)
            } catch {
                try await recordRefusal(GateKind.redeemRefused, of: nil, by: actor, reason: error.description, extra: [
                    "tokenSHA256": .string(Hex.encode(SHA256.hash(data: Array(compact.utf8)))),
                ])
                throw error
            }
        }
        let id = token.claims.request
        do {
            try token.check(now: Timestamp.now(), action: action, resource: resource)
        } catch {
            try await recordRefusal(GateKind.redeemRefused, of: id, by: actor, reason: error.description)
            throw error
        }
        var inputs = [id]
        let target = try resource.map { try NodeID($0) } ?? token.claims.resource
        if let refusal = GateAction.traversalRefusal(target.rawValue) {
            try await recordRefusal(GateKind.redeemRefused, of: id, by: actor, reason: refusal)
            throw GateError.invalidToken(refusal)
        }
        if let refusal = try scopeRefusal(of: try request(id), on: target) {
            try await recordRefusal(GateKind.redeemRefused, of: id, by: actor, reason: refusal)
            throw GateError.invalidToken(refusal)
        }
        if !inputs.contains(target) { inputs.append(target) }
        let event = try Event(kind: .execute, actor: actor, inputs: inputs, attributes: [
            GateAttribute.nonce: .string(token.claims.nonce), GateAttribute.action: .string(token.claims.action),
        ])
        let receipts: [AppendReceipt]
        do {
            receipts = try await transition(id, appending: [event], verdict: Verdict()) { state in
                switch state.status {
                case .approved: return nil
                case .executed: return Refusal("the token of \(id) was redeemed already, by \(state.endedBy?.rawValue ?? "?") at \(state.endedAt?.description ?? "?"): tokens are single use", record: true)
                case .pending: return Refusal("\(id) is not approved", record: true)
                default: return Refusal("\(id) is \(state.status.rawValue): \(state.statusReason ?? "")", record: true)
                }
            }
        } catch GateError.refused(let reason) {
            throw GateError.invalidToken(reason)
        }
        return Redemption(token: token, request: try request(id), seq: receipts.first?.seq ?? 0)
    }

    /// Checks a token: its signature, time window and scope offline, then what the ledger says
    /// of its request (already redeemed, revoked…). Records nothing.
    public func verify(_ compact: String, action: String? = nil, resource: String? = nil) throws -> (token: GateToken, request: ApprovalRequest) {
        let token = try issued.token(compact) ?? GateToken(parsing: compact, verifier: signingKey.verifier)
        try token.check(now: Timestamp.now(), action: action, resource: resource)
        let state = try request(token.claims.request)
        guard state.status == .approved else {
            throw GateError.invalidToken("\(state.id) is \(state.status.rawValue)\(state.statusReason.map { ": \($0)" } ?? "")")
        }
        let target = try resource.map { try NodeID($0) } ?? token.claims.resource
        if let refusal = try scopeRefusal(of: state, on: target) { throw GateError.invalidToken(refusal) }
        return (token, state)
    }

    /// Records what the executed action did, once, by whoever redeemed its token or the
    /// requester side. Output and error output are hashed (raw and masked) and their masked
    /// findings counted; neither is stored. Returns them masked, for the caller to pass on.
    @discardableResult
    public func recordOutcome(_ id: NodeID, by actor: Actor, _ report: OutcomeReport) async throws -> RecordedOutcome {
        let masker = masker
        // Free text (an error's description, say) may carry personal data too.
        var attributes = Self.masking(report.attributes, with: masker)
        attributes[GateAttribute.succeeded] = .bool(report.succeeded)
        func describe(_ bytes: [UInt8]?, as name: String) -> [UInt8]? {
            guard let bytes else { return nil }
            let (masked, summary) = masker.mask(bytes)
            // Keyed: a plain SHA-256 of a short output ("123-45-6789\n") is undone by guessing.
            if !summary.inputKeyedDigest.isEmpty { attributes[name + "HmacSHA256"] = .string(summary.inputKeyedDigest) }
            attributes[name + "MaskedSHA256"] = .string(summary.outputSHA256)
            attributes[name + "Bytes"] = .number(Double(bytes.count))
            attributes[name + "Findings"] = .object(summary.counts.mapValues { .number(Double($0)) })
            return masked
        }
        let output = describe(report.output, as: "output")
        let errorOutput = describe(report.errorOutput, as: "errorOutput")
        let event = try Event(kind: GateKind.outcome, actor: actor, inputs: [id], attributes: attributes)
        try await transition(id, appending: [event], verdict: Verdict(), recordingLapse: false) { state in
            guard state.status == .executed else { return Refusal("\(id) has not been executed: redeem its token first", record: false) }
            return state.outcome == nil ? nil : Refusal("the outcome of \(id) is recorded already", record: false)
        }
        return RecordedOutcome(request: try request(id), maskedOutput: output, maskedErrorOutput: errorOutput)
    }

    // MARK: Internals

    /// `members` masked as one JSON document, so that a member's name gives its value its
    /// meaning (`"password": "hunter2"`) and numbers are read too (a card number sent as a
    /// number); string by string should the masked document not read back as an object.
    static func masking(_ members: [String: JSONValue], with masker: Masker) -> [String: JSONValue] {
        guard !members.isEmpty else { return members }
        let (masked, _) = masker.mask(Array(JSONValue.object(members).description.utf8), format: .json)
        if let object = (try? JSONParser.parse(masked))?.objectValue, object.count == members.count { return object }
        return members.mapValues { maskingStrings(in: $0, with: masker) }
    }

    /// `value` with every string in it masked.
    static func maskingStrings(in value: JSONValue, with masker: Masker) -> JSONValue {
        switch value {
        case .string(let text): return .string(masker.mask(text).0)
        case .array(let items): return .array(items.map { maskingStrings(in: $0, with: masker) })
        case .object(let members): return .object(members.mapValues { maskingStrings(in: $0, with: masker) })
        default: return value
        }
    }

    /// The rule of `policy` that decides `action` on `resource`, and the resource's tags when
    /// the rule needed them.
    static func rule(of policy: GatePolicy, for action: String, on resource: NodeID, graph: LineageGraph) throws -> (GatePolicy.Rule?, NodeTags?) {
        var lineage: NodeTags?
        let rule = try policy.rule(for: action, resource: resource) {
            do {
                let tags = try graph.tags(of: resource)
                lineage = tags
                // A search cut short by its limits may have missed a tag: every tag rule then
                // applies, so that a lineage too deep or wide to read fails closed, not open.
                if tags.truncation != nil { return tags.all.union(policy.rules.flatMap(\.inheritsTags)) }
                return tags.all
            } catch LineageError.unknownNode {
                return []
            }
        }
        return (rule, lineage)
    }

    /// Why a token of `request` may not be used on `resource`, or nil when it may. Its scope is
    /// what the requester asked for; the rule that decided the request governs only what it
    /// matches. So the policy in force must still put `resource` under that rule, and that
    /// rule must not deny: otherwise a broad scope (`*`) would reach resources of another rule,
    /// one that needs more approvals or denies.
    func scopeRefusal(of request: ApprovalRequest, on resource: NodeID) throws -> String? {
        let policy = self.policy
        let (rule, _) = try Self.rule(of: policy, for: request.action, on: resource, graph: graph)
        guard let rule, rule.name == request.rule else {
            let name = rule.map { "rule \($0.name)" } ?? "no rule"
            return "\(resource) falls under \(name) of \(policy.file), and \(request.id) was decided under rule \(request.rule): ask for \(request.action) on \(resource) itself"
        }
        if rule.decision == .deny { return "rule \(rule.name) of \(policy.file) now denies \(request.action) on \(resource)" }
        return nil
    }

    /// Why a refused step was refused, and whether to record the attempt.
    struct Refusal: Sendable {
        let reason: String
        let record: Bool
        init(_ reason: String, record: Bool) {
            self.reason = reason
            self.record = record
        }
    }

    /// Carries the precondition's refusal out of the write transaction.
    final class Verdict: Sendable {
        let refusal = Mutex<Refusal?>(nil)
    }

    /// Appends `events` if `check`, run on the request's state in the write transaction,
    /// finds no reason to refuse. A request found lapsed gets its expiry recorded and the step
    /// refused; a refusal marked for the record is recorded.
    @discardableResult
    private func transition(
        _ id: NodeID, appending events: [Event], verdict: Verdict, recordingLapse: Bool = true,
        check: @escaping @Sendable (ApprovalRequest) -> Refusal?
    ) async throws -> [AppendReceipt] {
        let graph = graph
        do {
            let receipts = try await ledger.append(contentsOf: events) { snapshot in
                let trail = try graph.approvalTrail(of: id, in: snapshot)
                guard let state = ApprovalRequest(trail: trail, now: Timestamp.now()) else { return "no request \(id)" }
                let refusal: Refusal?
                if recordingLapse && state.isLapsed {
                    // A redemption of a lapsed token is an attempt worth recording; other steps are not.
                    refusal = Refusal("\(id) expired: \(state.statusReason ?? "")", record: events.first?.kind == .execute)
                } else {
                    refusal = check(state)
                }
                verdict.refusal.withLock { $0 = refusal }
                return refusal?.reason
            }
            watcher.notify(id)
            return receipts
        } catch LedgerError.refused(let reason) {
            let refusal = verdict.refusal.withLock { $0 }
            if let refusal, refusal.record, let first = events.first {
                try await recordRefusal(first.kind == .execute ? GateKind.redeemRefused : first.kind, of: id, by: first.actor, reason: refusal.reason)
            }
            if recordingLapse, let state = try? request(id), state.isLapsed { try await expire(state) }
            throw GateError.refused(reason)
        }
    }

    private func recordRefusal(_ kind: EventKind, of id: NodeID?, by actor: Actor, reason: String, extra: [String: JSONValue] = [:]) async throws {
        var attributes = extra
        attributes[GateAttribute.refused] = .string(Self.clipped(reason))
        let event = try Event(kind: kind, actor: actor, inputs: id.map { [$0] } ?? [], attributes: attributes)
        _ = try await ledger.append(event)
        if let id { watcher.notify(id) }
    }

    /// Why `actor` may not decide on `request`, or nil when it may.
    func identityRefusal(of actor: Actor, for request: ApprovalRequest, deciding: Bool) -> String? {
        let requester = request.requester
        if actor.kind != .human { return "\(actor.id) is \(actor.kind == .agent ? "an agent" : "a service"): only humans decide on requests" }
        if actor.id.isSameIdentity(as: requester.id) { return "\(actor.id) made the request and cannot decide on it" }
        if actor.id.isSameIdentity(as: requester.onBehalfOf) { return "\(requester.id) acts on behalf of \(actor.id), who therefore cannot decide on it" }
        if let principal = actor.onBehalfOf, principal.isSameIdentity(as: requester.id) || principal.isSameIdentity(as: requester.onBehalfOf) {
            return "\(actor.id) acts on behalf of the requester side (\(principal))"
        }
        if !request.eligibleApprovers.isEmpty && !request.eligibleApprovers.contains(where: actor.id.isSameIdentity(as:)) {
            return "\(actor.id) is not among the approvers of rule \(request.rule) (\(request.approverNames.joined(separator: ", ")))"
        }
        if policy.isExcluded(actor.id, from: request.action) {
            return "\(actor.id) may never approve \(request.action) (neverApprove in \(policy.file))"
        }
        return nil
    }

    private func nonce(for id: NodeID) -> String {
        let key = SymmetricKey(data: signingKey.privateKey.rawRepresentation)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(("custos-gate-nonce\n" + id.rawValue).utf8), using: key).prefix(16))
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A reason someone gave, as recorded: clipped, and masked like a justification (it
    /// reaches the ledger, the inbox and the webhooks).
    func maskedReason(_ text: String) -> String {
        masker.mask(Self.clipped(text)).0
    }

    static func clipped(_ text: String) -> String {
        text.utf8.count <= 2_048 ? text : String(decoding: Array(text.utf8.prefix(2_048)), as: UTF8.self) + "…"
    }

    /// The tags that made a lineage rule match, each with the path that carries it.
    static func explanation(of tags: NodeTags, tags wanted: Set<String>) -> JSONValue {
        var items: [JSONValue] = []
        if let truncation = tags.truncation {
            items.append(["tag": "*", "source": .string(tags.node.rawValue), "path": [], "truncated": .string(truncation.description)])
        }
        for own in tags.own where wanted.contains(own.tag) {
            items.append(["tag": .string(own.tag), "source": .string(tags.node.rawValue), "path": [], "seq": .number(Double(own.seq))])
        }
        for inherited in tags.inherited where wanted.contains(inherited.tag) {
            items.append([
                "tag": .string(inherited.tag), "source": .string(inherited.source.rawValue),
                "path": .array(inherited.path.map { ["from": .string($0.from.rawValue), "relation": .string($0.relation), "to": .string($0.to.rawValue), "seq": .number(Double($0.firstSeq))] }),
            ])
        }
        return .array(items)
    }
}

