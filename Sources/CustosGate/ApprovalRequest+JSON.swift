public import CustosLedger

/// The JSON form of a request, as the HTTP API answers it (docs/GATE.md, "Requests").
extension ApprovalRequest {
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id.rawValue),
            "requester": .string(requester.id.rawValue),
            "action": .string(action),
            "resource": .string(resource.rawValue),
            "scope": .array(scope.map(JSONValue.string)),
            "justification": .string(justification),
            "rule": .object(["name": .string(rule), "line": .number(Double(ruleLine)), "decision": .string(decision.rawValue)]),
            "requiredApprovals": .number(Double(requiredApprovals)),
            "eligibleApprovers": .array(eligibleApprovers.map(JSONValue.string)),
            "approvers": .array(approverNames.map(JSONValue.string)),
            "status": .string(status.rawValue),
            "createdAt": .string(createdAt.description),
            "expiresAt": .string(expiresAt.description),
            "tokenSeconds": .number(tokenSeconds),
            "requestSeq": .number(Double(requestSeq)),
            "lastSeq": .number(Double(lastSeq)),
            "approvals": .array(approvals.map { approval in
                var item: [String: JSONValue] = [
                    "approver": .string(approval.approver.rawValue), "automatic": .bool(approval.automatic),
                    "seq": .number(Double(approval.seq)), "time": .string(approval.time.description),
                ]
                if let reason = approval.reason { item["reason"] = .string(reason) }
                return .object(item)
            }),
            "refusals": .array(refusals.map { refusal in
                .object([
                    "kind": .string(refusal.kind.rawValue), "actor": .string(refusal.actor.rawValue), "reason": .string(refusal.reason),
                    "seq": .number(Double(refusal.seq)), "time": .string(refusal.time.description),
                ])
            }),
        ]
        if let onBehalfOf = requester.onBehalfOf { members["onBehalfOf"] = .string(onBehalfOf.rawValue) }
        if let onBehalfOfSource { members["onBehalfOfSource"] = .string(onBehalfOfSource.rawValue) }
        if let maskedPayload { members["payload"] = .string(maskedPayload) }
        if !payloadFindings.isEmpty { members["payloadFindings"] = .object(payloadFindings.mapValues { .number(Double($0)) }) }
        if let lineage { members["lineage"] = lineage }
        if let statusReason { members["statusReason"] = .string(statusReason) }
        if let endedBy { members["endedBy"] = .string(endedBy.rawValue) }
        if let endedAt { members["endedAt"] = .string(endedAt.description) }
        if let approvedAt { members["approvedAt"] = .string(approvedAt.description) }
        if let tokenExpiresAt { members["tokenExpiresAt"] = .string(tokenExpiresAt.description) }
        if let outcome {
            members["outcome"] = .object([
                "succeeded": .bool(outcome.succeeded), "seq": .number(Double(outcome.seq)), "time": .string(outcome.time.description),
                "attributes": .object(outcome.attributes),
            ])
        }
        return .object(members)
    }

    /// Reads the JSON form (what ``RemoteGate`` receives).
    public init(json value: JSONValue) throws(GateError) {
        func text(_ key: String, in object: JSONValue? = nil) throws(GateError) -> String {
            guard let text = (object ?? value)[key]?.stringValue else { throw .remote(status: 200, message: "the answer lacks \(key)") }
            return text
        }
        func node(_ text: String) throws(GateError) -> NodeID {
            guard let id = try? NodeID(text, limits: .unbounded) else { throw .remote(status: 200, message: "\"\(text)\" is not a node id") }
            return id
        }
        func time(_ text: String) throws(GateError) -> Timestamp {
            guard let time = Timestamp(rfc3339: text) else { throw .remote(status: 200, message: "\"\(text)\" is not a time") }
            return time
        }
        func optionalTime(_ key: String) throws(GateError) -> Timestamp? {
            guard let text = value[key]?.stringValue else { return nil }
            return try time(text)
        }
        // Bounded, so that no answer can make a conversion to an integer trap.
        func number(_ key: String, in object: JSONValue? = nil) -> Double {
            ApprovalRequest.bounded((object ?? value)[key]?.numberValue, within: 0...1e15) ?? 0
        }
        guard let status = ApprovalStatus(rawValue: try text("status")) else { throw .remote(status: 200, message: "unknown status") }
        guard let requester = try? Actor(id: try text("requester"), onBehalfOf: value["onBehalfOf"]?.stringValue) else {
            throw .remote(status: 200, message: "the requester is not an actor")
        }
        let rule = value["rule"]
        id = try node(try text("id"))
        self.requester = requester
        onBehalfOfSource = requester.onBehalfOf == nil ? nil : value["onBehalfOfSource"]?.stringValue.flatMap(OnBehalfOfSource.init(rawValue:)) ?? .request
        action = try text("action")
        resource = try node(try text("resource"))
        scope = value["scope"]?.arrayValue?.compactMap(\.stringValue) ?? []
        justification = try text("justification")
        maskedPayload = value["payload"]?.stringValue
        payloadFindings = (value["payloadFindings"]?.objectValue ?? [:]).mapValues { Int(ApprovalRequest.bounded($0.numberValue, within: 0...1e15) ?? 0) }
        self.rule = rule?["name"]?.stringValue ?? ""
        ruleLine = Int(number("line", in: rule))
        decision = rule?["decision"]?.stringValue.flatMap(GatePolicy.Decision.init(rawValue:)) ?? .requireApproval
        requiredApprovals = Int(number("requiredApprovals"))
        eligibleApprovers = value["eligibleApprovers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        approverNames = value["approvers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        lineage = value["lineage"]
        createdAt = try time(try text("createdAt"))
        expiresAt = try time(try text("expiresAt"))
        tokenSeconds = number("tokenSeconds")
        requestSeq = UInt64(max(0, number("requestSeq")))
        lastSeq = UInt64(max(0, number("lastSeq")))
        self.status = status
        statusReason = value["statusReason"]?.stringValue
        endedBy = try value["endedBy"]?.stringValue.map { text throws(GateError) in try node(text) }
        endedAt = try optionalTime("endedAt")
        approvedAt = try optionalTime("approvedAt")
        var approvals: [Approval] = []
        for item in value["approvals"]?.arrayValue ?? [] {
            approvals.append(Approval(
                approver: try node(try text("approver", in: item)), reason: item["reason"]?.stringValue, automatic: item["automatic"]?.boolValue ?? false,
                seq: UInt64(max(0, number("seq", in: item))), time: try time(try text("time", in: item))
            ))
        }
        self.approvals = approvals
        var refusals: [Refusal] = []
        for item in value["refusals"]?.arrayValue ?? [] {
            guard let kind = try? EventKind(try text("kind", in: item)) else { continue }
            refusals.append(Refusal(
                kind: kind, actor: try node(try text("actor", in: item)), reason: try text("reason", in: item),
                seq: UInt64(max(0, number("seq", in: item))), time: try time(try text("time", in: item))
            ))
        }
        self.refusals = refusals
        if let item = value["outcome"] {
            outcome = Outcome(
                succeeded: item["succeeded"]?.boolValue ?? false, attributes: item["attributes"]?.objectValue ?? [:],
                seq: UInt64(max(0, number("seq", in: item))), time: try time(try text("time", in: item))
            )
        } else {
            outcome = nil
        }
        isLapsed = false
    }
}
