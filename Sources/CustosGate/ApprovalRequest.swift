public import CustosLedger
public import CustosLineage

/// One approval request as the ledger tells it: who asked for what, under which rule, who
/// decided, and where it stands. Built from the request's events alone
/// (``init(trail:now:)``), so every process that reads the store sees the same state, and
/// the gate's conditional appends check exactly this state in the write transaction.
public struct ApprovalRequest: Sendable {
    /// One counted approval.
    public struct Approval: Sendable, Hashable {
        public let approver: NodeID
        public let reason: String?
        public let automatic: Bool
        public let seq: UInt64
        public let time: Timestamp
    }

    /// An attempt the gate refused (self-approval, not eligible, twice, a spent token…).
    public struct Refusal: Sendable, Hashable {
        public let kind: EventKind
        public let actor: NodeID
        public let reason: String
        public let seq: UInt64
        public let time: Timestamp
    }

    /// The recorded outcome of the action, after its token was redeemed.
    public struct Outcome: Sendable, Hashable {
        public let succeeded: Bool
        public let attributes: [String: JSONValue]
        public let seq: UInt64
        public let time: Timestamp
    }

    public let id: NodeID
    public let requester: Actor
    /// Where whom the requester acts for (`requester.onBehalfOf`) came from; nil when it acts
    /// for nobody.
    public let onBehalfOfSource: OnBehalfOfSource?
    public let action: String
    public let resource: NodeID
    public let scope: [String]
    public let justification: String
    /// The payload after masking; the raw payload is never stored.
    public let maskedPayload: String?
    /// Entity counts masked out of the payload.
    public let payloadFindings: [String: Int]
    /// The policy rule that decided, and its line in the policy file.
    public let rule: String
    public let ruleLine: Int
    public let decision: GatePolicy.Decision
    public let requiredApprovals: Int
    /// The identities that may approve, as resolved when the request was made; empty: any human.
    public let eligibleApprovers: [String]
    /// The approvers as the rule names them (groups and identities).
    public let approverNames: [String]
    /// Why the rule matched, when it looked at lineage: each tag with the path that carries it.
    public let lineage: JSONValue?
    public let createdAt: Timestamp
    public let expiresAt: Timestamp
    public let tokenSeconds: Double
    public let requestSeq: UInt64

    public internal(set) var status: ApprovalStatus = .pending
    /// Why it ended, or who ended it.
    public internal(set) var statusReason: String?
    /// The actor that ended it (denied, revoked, expired, redeemed).
    public internal(set) var endedBy: NodeID?
    public internal(set) var endedAt: Timestamp?
    public internal(set) var approvals: [Approval] = []
    public internal(set) var refusals: [Refusal] = []
    public internal(set) var approvedAt: Timestamp?
    public internal(set) var outcome: Outcome?
    /// The seq of the last event about the request: a version, for long polls.
    public internal(set) var lastSeq: UInt64

    /// When an approved request's token stops working.
    public var tokenExpiresAt: Timestamp? {
        approvedAt.map { Timestamp(microseconds: $0.microseconds + Int64(tokenSeconds * 1_000_000)) }
    }

    /// A stored number brought within `range` (nil for NaN or none): stored JSON may hold any
    /// number, and converting one out of range to an integer would trap.
    static func bounded(_ value: Double?, within range: ClosedRange<Double>) -> Double? {
        guard let value, !value.isNaN else { return nil }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// True when the request has lapsed but no `expire` event says so yet.
    public internal(set) var isLapsed = false

    /// The request as of its events, at time `now` (a pending request past its deadline, or
    /// an approved one whose token lapsed, reads as expired).
    public init?(trail: ApprovalTrail, now: Timestamp) {
        guard let entry = trail.requestEvent else { return nil }
        let attributes = entry.event.attributes
        guard let action = attributes[GateAttribute.action]?.stringValue, let resource = entry.event.inputs.first else { return nil }
        id = trail.request
        requester = entry.event.actor
        // Requests recorded before the source was recorded say nothing: as unvouched as a claim.
        onBehalfOfSource = requester.onBehalfOf == nil
            ? nil : attributes[GateAttribute.onBehalfOfSource]?.stringValue.flatMap(OnBehalfOfSource.init(rawValue:)) ?? .request
        self.action = action
        self.resource = resource
        scope = attributes[GateAttribute.scope]?.arrayValue?.compactMap(\.stringValue) ?? [resource.rawValue]
        justification = attributes[GateAttribute.justification]?.stringValue ?? ""
        maskedPayload = attributes[GateAttribute.payload]?.stringValue
        var findings: [String: Int] = [:]
        for (name, count) in attributes[GateAttribute.payloadFindings]?.objectValue ?? [:] {
            findings[name] = Int(Self.bounded(count.numberValue, within: 0...1e12) ?? 0)
        }
        payloadFindings = findings
        rule = attributes[GateAttribute.rule]?.stringValue ?? ""
        ruleLine = Int(Self.bounded(attributes[GateAttribute.ruleLine]?.numberValue, within: 0...1e9) ?? 0)
        decision = attributes[GateAttribute.decision]?.stringValue.flatMap(GatePolicy.Decision.init(rawValue:)) ?? .requireApproval
        requiredApprovals = trail.requiredApprovals
        eligibleApprovers = attributes[GateAttribute.eligible]?.arrayValue?.compactMap(\.stringValue) ?? []
        approverNames = attributes[GateAttribute.approvers]?.arrayValue?.compactMap(\.stringValue) ?? []
        lineage = attributes[GateAttribute.lineage]
        createdAt = entry.time
        expiresAt = attributes[GateAttribute.expiresAt]?.stringValue.flatMap { Timestamp(rfc3339: $0) } ?? Timestamp(microseconds: .max)
        tokenSeconds = Self.bounded(attributes[GateAttribute.tokenSeconds]?.numberValue, within: 0...GatePolicy.maxDurationSeconds) ?? 300
        requestSeq = entry.seq
        lastSeq = entry.seq

        for decision in trail.decisions {
            lastSeq = decision.seq
            apply(decision, trail: trail)
        }
        if status == .pending, now >= expiresAt {
            end(.expired, reason: "nobody decided before \(expiresAt)", by: nil, at: expiresAt)
            isLapsed = true
        } else if status == .approved, let lapse = tokenExpiresAt, now >= lapse {
            end(.expired, reason: "the token lapsed unredeemed at \(lapse)", by: nil, at: lapse)
            isLapsed = true
        }
    }

    private mutating func apply(_ entry: LedgerEntry, trail: ApprovalTrail) {
        let event = entry.event
        let reason = event.attributes[GateAttribute.reason]?.stringValue
        if let refused = event.attributes[GateAttribute.refused]?.stringValue {
            refusals.append(Refusal(kind: event.kind, actor: event.actor.id, reason: refused, seq: entry.seq, time: entry.time))
            return
        }
        switch event.kind {
        case .approve:
            guard status == .pending, counts(event.actor, trail: trail, automatic: event.attributes[GateAttribute.automatic]?.boolValue == true),
                  !approvals.contains(where: { $0.approver.isSameIdentity(as: event.actor.id) })
            else { return }
            approvals.append(Approval(approver: event.actor.id, reason: reason, automatic: event.attributes[GateAttribute.automatic]?.boolValue == true, seq: entry.seq, time: entry.time))
            if approvals.count >= requiredApprovals {
                status = .approved
                approvedAt = entry.time
            }
        case .deny:
            if status == .pending { end(.denied, reason: reason ?? "denied", by: event.actor.id, at: entry.time) }
        case .expire:
            if status == .pending || status == .approved { end(.expired, reason: reason ?? "expired", by: event.actor.id, at: entry.time) }
        case .revoke:
            if status == .pending || status == .approved { end(.revoked, reason: reason ?? "revoked", by: event.actor.id, at: entry.time) }
        case .execute:
            if status == .approved { end(.executed, reason: "token redeemed", by: event.actor.id, at: entry.time) }
        case GateKind.outcome:
            if outcome == nil {
                outcome = Outcome(succeeded: event.attributes[GateAttribute.succeeded]?.boolValue ?? false, attributes: event.attributes, seq: entry.seq, time: entry.time)
            }
        default:
            break
        }
    }

    private mutating func end(_ status: ApprovalStatus, reason: String, by actor: NodeID?, at time: Timestamp) {
        self.status = status
        statusReason = reason
        endedBy = actor
        endedAt = time
    }

    /// True when `identity` is the requester or whom it acts for: who may see the request, hold
    /// its token and withdraw it. Compared byte for byte: folding case is right where it takes
    /// a right away (approving one's own request), not where it gives one (`agent:ci` must not
    /// hold the token of `agent:CI`, a key of its own, nor a JWT subject that differs in case).
    public func isRequesterSide(_ identity: NodeID) -> Bool {
        identity == requester.id || identity == requester.onBehalfOf
    }

    /// Refuses anyone but who may hold this request's token: its requester, or whom the
    /// requester acts for.
    public func checkTokenHolder(_ actor: Actor) throws(GateError) {
        guard isRequesterSide(actor.id) else {
            throw .notAllowed("only the requester (\(requester.id)) or whom it acts for receives the token of \(id)")
        }
    }

    /// Whether an approval by `actor` counts: a human who is not the requester nor anyone it
    /// stands for, or the gate itself for a rule that allows outright.
    private func counts(_ actor: Actor, trail: ApprovalTrail, automatic: Bool) -> Bool {
        if automatic { return actor.id == GateIdentity.service && decision == .allow }
        return actor.kind == .human && !trail.isSelfApproval(by: actor)
    }
}

/// Where whom a requester acts for came from: what approvers need to know before trusting it.
public enum OnBehalfOfSource: String, Sendable, Hashable {
    /// The requester's credentials name it: an API key made with `--on-behalf-of`, or the
    /// identity provider's claim in a JWT. The requester could not have named anyone else.
    case credentials
    /// Only the request says so: the requester's own word, which nothing checked.
    case request
}

/// The gate's own identity, the actor of the events it records by itself.
public enum GateIdentity {
    /// `service:custos-gate`.
    public static let actor: Actor = {
        // A constant that is a valid service id: failing here is a programming error.
        do { return try Actor(id: "service:custos-gate") } catch { preconditionFailure("\(error)") }
    }()

    public static var service: NodeID { actor.id }
}

/// Kinds the gate records beside the core ones.
public enum GateKind {
    /// What the approved action did, after its token was redeemed.
    public static let outcome: EventKind = "gate.outcome"
    /// A redemption the gate refused (replayed, expired, revoked, out of scope).
    public static let redeemRefused: EventKind = "gate.redeem_refused"
}

/// The attribute names of gate events (docs/GATE.md, "Events").
enum GateAttribute {
    static let action = "action"
    static let scope = "scope"
    static let justification = "justification"
    static let payload = "payload"
    static let payloadFindings = "payloadFindings"
    static let payloadSHA256 = "payloadSHA256"
    static let rule = "rule"
    static let ruleLine = "ruleLine"
    static let decision = "decision"
    static let requiredApprovals = "requiredApprovals"
    static let eligible = "eligibleApprovers"
    static let approvers = "approvers"
    static let lineage = "lineage"
    static let expiresAt = "expiresAt"
    static let tokenSeconds = "tokenSeconds"
    static let reason = "reason"
    static let refused = "refused"
    static let automatic = "automatic"
    static let nonce = "nonce"
    static let succeeded = "succeeded"
    static let policyDigest = "policyDigest"
    static let onBehalfOfSource = "onBehalfOfSource"
}
