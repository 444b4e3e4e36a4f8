import Foundation

/// What an identity may do. A key or token carries one or more roles; every route names the
/// roles that may call it (``RouteTable``).
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Appends events, ingests OpenLineage, masks payloads, requests approvals.
    case agent
    /// Decides approval requests.
    case approver
    /// Reads, queries, traces, verifies, exports evidence.
    case auditor
    /// Manages API keys and configuration.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses a list such as `agent,auditor`.
    public static func parseList(_ text: String) -> Set<Role>? {
        var roles = Set<Role>()
        for part in text.split(separator: ",") {
            guard let role = Role(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else { return nil }
            roles.insert(role)
        }
        return roles.isEmpty ? nil : roles
    }
}
