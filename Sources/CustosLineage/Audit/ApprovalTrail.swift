public import CustosLedger

/// What happened to one approval request, read from the events that name it
/// (docs/LINEAGE.md, "Approvals"):
///
/// - `request`: the actor asks; the request node (`request:…`) is an output; the optional
///   attribute `requiredApprovals` (default 1) is how many distinct approvers it needs;
/// - `approve`, `deny`, `expire`, `revoke`: the request node is an input; an approve event with a
///   `refused` attribute records an attempt the gate refused, which never counts;
/// - `execute`: the request node is an input; the outputs are what the action touched.
public struct ApprovalTrail: Sendable {
    public let request: NodeID
    /// The request event, when the log has one.
    public let requestEvent: LedgerEntry?
    /// Every later event naming the request as an input, in seq order.
    public let decisions: [LedgerEntry]

    /// Who asked, and on whose behalf.
    public var requester: Actor? { requestEvent?.event.actor }

    public var requiredApprovals: Int {
        guard case .number(let count)? = requestEvent?.event.attributes["requiredApprovals"], count >= 1 else { return 1 }
        // Clamped: the value comes from stored JSON, where any number parses.
        return Int(min(count, 1_000))
    }

    /// True when `approver` may never approve this request: the requester, whoever it acted
    /// for, or any agent.
    public func isSelfApproval(by approver: Actor) -> Bool {
        guard let requester else { return approver.kind == .agent }
        return approver.kind == .agent || approver.id.isSameIdentity(as: requester.id) || approver.id.isSameIdentity(as: requester.onBehalfOf)
            || (approver.onBehalfOf.map { $0.isSameIdentity(as: requester.id) } ?? false)
    }

    /// Whether the request stood approved just before `seq`: enough distinct valid approvals,
    /// and no denial, expiry or revocation, before it.
    public func isApproved(before seq: UInt64) -> Bool {
        var approvers = Set<String>()
        for decision in decisions where decision.seq < seq {
            switch decision.event.kind {
            case .deny, .expire, .revoke:
                return false
            case .approve where decision.event.attributes["refused"] == nil && !isSelfApproval(by: decision.event.actor):
                approvers.insert(decision.event.actor.id.identityKey)
            default:
                break
            }
        }
        return approvers.count >= requiredApprovals
    }

    /// The first denial, expiry or revocation before `seq`, if any.
    public func ending(before seq: UInt64) -> LedgerEntry? {
        decisions.first { $0.seq < seq && [.deny, .expire, .revoke].contains($0.event.kind) }
    }
}

extension LineageGraph {
    /// The trail of a request node, as of the view.
    public func approvalTrail(of request: NodeID, view: GraphView = .current, in snapshot: borrowing LedgerSnapshot) throws -> ApprovalTrail {
        guard let key = try snapshot.nodeKey(request) else { return ApprovalTrail(request: request, requestEvent: nil, decisions: []) }
        let bound = min(view.asOfSize ?? snapshot.head.size, snapshot.head.size)
        var requestEvent: LedgerEntry?
        try snapshot.forEachSeq(in: .node(key, .output), within: 0..<bound) { seq in
            let entry = try snapshot.entry(at: seq)
            if entry.event.kind == .request { requestEvent = entry }
            return requestEvent == nil
        }
        var decisions: [LedgerEntry] = []
        try snapshot.forEachSeq(in: .node(key, .input), within: 0..<bound) { seq in
            decisions.append(try snapshot.entry(at: seq))
            return decisions.count < 100_000
        }
        return ApprovalTrail(request: request, requestEvent: requestEvent, decisions: decisions)
    }
}
