public import CustosLedger

/// An exception an audit finder reports: the event at fault and why.
public struct Finding: Sendable, Hashable {
    /// The seq of the event at fault.
    public let seq: UInt64
    public let time: Timestamp
    public let kind: EventKind
    public let actor: NodeID
    /// The request involved, when there is one.
    public let request: NodeID?
    /// What is wrong, in a sentence.
    public let reason: String
}

/// What the finders look at.
public struct FindingOptions: Sendable, Hashable {
    public var view: GraphView
    /// At most this many findings.
    public var limit: Int

    public init(view: GraphView = .current, limit: Int = 10_000) {
        self.view = view
        self.limit = limit
    }
}

/// The findings, and whether the limit cut them.
public struct FindingResult: Sendable {
    public var findings: [Finding]
    public var truncation: Truncation?
}

extension LineageGraph {
    /// Exports (events of kind `export`) with no approved request behind them. An export is
    /// backed by a request when it names one (an input `request:…` or the attribute
    /// `request`), or when an `execute` of a request produced its destination before it; the
    /// request must stand approved at the export (``ApprovalTrail/isApproved(before:)``).
    public func exportsWithoutApproval(_ options: FindingOptions = FindingOptions()) throws -> FindingResult {
        try actionsWithoutApproval(kinds: [.export], options)
    }

    /// Events of the given kinds (exports, escalations, infrastructure changes, …) with no
    /// approved request behind them, by the same rules as ``exportsWithoutApproval(_:)``.
    public func actionsWithoutApproval(kinds: [EventKind], _ options: FindingOptions = FindingOptions()) throws -> FindingResult {
        try ledger.withSnapshot { snapshot in
            var result = FindingResult(findings: [], truncation: nil)
            for kind in kinds {
                let found = try scan(kind: kind, FindingOptions(view: options.view, limit: options.limit - result.findings.count), in: snapshot) { entry in
                    let requests = try requests(behind: entry, in: snapshot)
                    if requests.isEmpty { return (nil, "no request stands behind this \(kind)") }
                    for request in requests where try approvalTrail(of: request, view: options.view, in: snapshot).isApproved(before: entry.seq) {
                        return nil
                    }
                    return (requests.first, "the request behind this \(kind) was not approved when it ran")
                }
                result.findings += found.findings
                if let truncation = found.truncation {
                    result.truncation = truncation
                    break
                }
            }
            result.findings.sort { $0.seq < $1.seq }
            return result
        }
    }

    /// Approvals, attempted or recorded, by the requester, by whoever it acted for, or by an
    /// agent: what the gate refuses.
    public func selfApprovals(_ options: FindingOptions = FindingOptions()) throws -> FindingResult {
        try ledger.withSnapshot { snapshot in
            try scan(kind: .approve, options, in: snapshot) { entry in
                for request in entry.event.inputs where request.type == "request" {
                    let trail = try approvalTrail(of: request, view: options.view, in: snapshot)
                    if trail.isSelfApproval(by: entry.event.actor) {
                        let who = entry.event.actor.kind == .agent ? "an agent" : "the requester or its principal"
                        return (request, "\(who) approved its own request" + (entry.event.attributes["refused"] != nil ? " (refused by the gate)" : ""))
                    }
                }
                return nil
            }
        }
    }

    /// Executions of a request after it was denied, expired or revoked, or without approval.
    public func executionsAfterEnding(_ options: FindingOptions = FindingOptions()) throws -> FindingResult {
        try executionsAfterEnding(endings: [.deny, .expire, .revoke], includeUnapproved: true, options)
    }

    /// Executions after the given endings, and, when asked, executions without approval.
    public func executionsAfterEnding(endings: Set<EventKind>, includeUnapproved: Bool, _ options: FindingOptions = FindingOptions()) throws -> FindingResult {
        try ledger.withSnapshot { snapshot in
            try scan(kind: .execute, options, in: snapshot) { entry in
                var namesRequest = false
                for request in entry.event.inputs where request.hasType("request") {
                    namesRequest = true
                    let trail = try approvalTrail(of: request, view: options.view, in: snapshot)
                    if let ending = trail.ending(before: entry.seq) {
                        let how = ending.event.kind == .deny ? "denied" : ending.event.kind == .expire ? "expired" : "revoked"
                        if endings.contains(ending.event.kind) { return (request, "executed after the request was \(how) at seq \(ending.seq)") }
                        // An ended request is not approved, whichever ending was asked about.
                        if includeUnapproved { return (request, "executed without approval: the request was \(how) at seq \(ending.seq)") }
                        continue
                    }
                    if includeUnapproved && !trail.isApproved(before: entry.seq) {
                        return (request, "executed without the approvals the request needs")
                    }
                }
                if includeUnapproved && !namesRequest {
                    return (entry.event.inputs.first ?? entry.event.actor.id, "an execution that names no approval request")
                }
                return nil
            }
        }
    }

    /// The requests an export names or that produced its destinations.
    private func requests(behind entry: LedgerEntry, in snapshot: borrowing LedgerSnapshot) throws -> [NodeID] {
        var found = entry.event.inputs.filter { $0.type == "request" }
        if let named = entry.event.attributes["request"]?.stringValue, let id = try? NodeID(named) { found.append(id) }
        guard let executeKey = try snapshot.termKey(EventKind.execute.rawValue) else { return found }
        for destination in entry.event.outputs {
            guard let key = try snapshot.nodeKey(destination) else { continue }
            var producers: [NodeKey] = []
            try snapshot.forEachEdge(of: key, .incoming) { edge in
                if edge.relation == executeKey && edge.firstSeq < entry.seq { producers.append(edge.other) }
                return true
            }
            for producer in producers {
                let id = try snapshot.nodeID(producer)
                if id.type == "request" && !found.contains(id) { found.append(id) }
            }
        }
        return found
    }

    /// Runs `check` over the events of `kind` in the view, collecting findings.
    private func scan(
        kind: EventKind, _ options: FindingOptions, in snapshot: borrowing LedgerSnapshot,
        _ check: (LedgerEntry) throws -> (request: NodeID?, reason: String)?
    ) throws -> FindingResult {
        var result = FindingResult(findings: [], truncation: nil)
        guard let kindKey = try snapshot.termKey(kind.rawValue) else { return result }
        var range = 0..<min(options.view.asOfSize ?? snapshot.head.size, snapshot.head.size)
        if let window = options.view.window {
            let times = try snapshot.seqRange(for: window.lowerBound..<Timestamp(microseconds: window.upperBound.microseconds + 1))
            range = max(range.lowerBound, times.lowerBound)..<max(max(range.lowerBound, times.lowerBound), min(range.upperBound, times.upperBound))
        }
        try snapshot.forEachSeq(in: .kind(kindKey), within: range) { seq in
            let entry = try snapshot.entry(at: seq)
            if let (request, reason) = try check(entry) {
                guard result.findings.count < options.limit else {
                    result.truncation = .results(options.limit)
                    return false
                }
                result.findings.append(Finding(seq: seq, time: entry.time, kind: entry.event.kind, actor: entry.event.actor.id, request: request, reason: reason))
            }
            return true
        }
        return result
    }
}
