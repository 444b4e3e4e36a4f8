/// Where a request is in its life:
///
///     pending ─┬─> approved ─┬─> executed
///              │             ├─> revoked
///              │             └─> expired   (its token lapsed unredeemed)
///              ├─> denied
///              ├─> expired                 (nobody decided in time)
///              └─> revoked                 (withdrawn)
public enum ApprovalStatus: String, Sendable, Hashable, CaseIterable {
    case pending
    case approved
    case denied
    case expired
    case revoked
    case executed

    /// True once nothing more can happen to the request.
    public var isFinal: Bool { self != .pending && self != .approved }
}
