public import CustosConfig

/// What went wrong at the gate, and what to do about it.
public enum GateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No request has this id.
    case unknownRequest(String)
    /// This actor may not take the step (self-approval, not an approver, an agent deciding…);
    /// the attempt is recorded in the ledger.
    case notAllowed(String)
    /// The step does not fit the request's state (already decided, expired…).
    case refused(String)
    /// The request ended without approval: denied, expired or revoked.
    case notApproved(request: String, status: ApprovalStatus, reason: String)
    /// Nobody decided within the time the requester allowed; the requester withdrew the request.
    case timedOut(request: String, seconds: Double)
    /// A token that is malformed, forged, expired, for another scope, or already used.
    case invalidToken(String)
    /// A request that cannot be made as given.
    case invalidRequest(String)
    /// The gate policy file is wrong; the old policy stays in force.
    case invalidPolicy(ConfigError)
    /// The remote gate answered with an error.
    case remote(status: Int, message: String)
    /// The remote gate could not be reached.
    case unreachable(String)

    public var description: String {
        switch self {
        case .unknownRequest(let id):
            return "no approval request \(id): check the id with `custos approvals list`"
        case .notAllowed(let reason):
            return "not allowed: \(reason)"
        case .refused(let reason):
            return "refused: \(reason)"
        case .notApproved(let request, let status, let reason):
            return "\(request) was \(status.rawValue): \(reason)"
        case .timedOut(let request, let seconds):
            return "nobody decided \(request) within \(Self.seconds(seconds)), so it was withdrawn: ask again, with a longer timeout if approvers need it"
        case .invalidToken(let reason):
            return "invalid token: \(reason)"
        case .invalidRequest(let reason):
            return "invalid request: \(reason)"
        case .invalidPolicy(let error):
            return "invalid gate policy, the previous one stays in force: \(error)"
        case .remote(let status, let message):
            return "the gate answered \(status): \(message)"
        case .unreachable(let reason):
            return "cannot reach the gate: \(reason)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
