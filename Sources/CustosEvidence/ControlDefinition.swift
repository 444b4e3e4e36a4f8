/// One control a bundle tests: its wording in short, the `queries/` file that tests it, the
/// population it is tested against, and how the query's rows read.
public struct ControlDefinition: Sendable, Hashable {
    /// How a control's query result reads.
    public enum Reading: String, Sendable, Hashable {
        /// Every row is an exception; no rows means the control operated.
        case exceptions
        /// Rows are attempts: those the gate refused show it working; recorded ones are exceptions.
        case attempts
        /// Rows are lineage paths; each is an exception, tied to the events that recorded its edges.
        case paths
        /// Rows describe the population for the auditor to examine or sample; no exceptions.
        case population
    }

    /// As the framework names it: `CC6.1`, `164.312(b)`.
    public let id: String
    /// A token for file names and OSCAL ids: `cc6.1`, `164.312-b`.
    public let slug: String
    public let title: String
    /// The control's requirement, in short.
    public let wording: String
    /// The `queries/` file that tests it.
    public let queryFile: String
    /// The event kinds the control is tested against; empty for every event.
    public let populationKinds: [String]
    public let reading: Reading
    /// A condition every exception's event must meet, checked again by the verifier.
    public let exceptionCheck: ExceptionCheck

    /// What the verifier checks of each exception's event, beyond its kind.
    public enum ExceptionCheck: String, Sendable, Hashable {
        case none
        /// An approval the gate did not refuse.
        case unrefusedApproval = "unrefused_approval"
        /// An agent acting with no principal named.
        case agentWithoutPrincipal = "agent_without_principal"
    }

    /// The OSCAL control id: `cc6.1`, `hipaa-164.312-b`.
    public var oscalID: String
}

/// The frameworks a bundle can be made for, and their controls.
public enum EvidenceFramework: String, Sendable, CaseIterable {
    case soc2
    case hipaa

    public var title: String {
        switch self {
        case .soc2: return "SOC 2 (Trust Services Criteria, security)"
        case .hipaa: return "HIPAA Security Rule and Privacy Rule de-identification"
        }
    }

    public var controls: [ControlDefinition] {
        switch self {
        case .soc2: return Self.soc2Controls
        case .hipaa: return Self.hipaaControls
        }
    }

    private static let soc2Controls: [ControlDefinition] = [
        ControlDefinition(
            id: "CC6.1", slug: "cc6.1", title: "Logical access security",
            wording: "Access to protected information is restricted: data leaves only through an export that an approved request stands behind.",
            queryFile: "queries/soc2/cc6.1-exports-without-approval.lql", populationKinds: ["export"], reading: .exceptions, exceptionCheck: .none, oscalID: "cc6.1"
        ),
        ControlDefinition(
            id: "CC6.2", slug: "cc6.2", title: "Authorization before access",
            wording: "Access is authorized before it is granted, by someone independent of the requester.",
            queryFile: "queries/soc2/cc6.2-self-approvals.lql", populationKinds: ["approve"], reading: .attempts, exceptionCheck: .unrefusedApproval, oscalID: "cc6.2"
        ),
        ControlDefinition(
            id: "CC6.3", slug: "cc6.3", title: "Removal of access",
            wording: "Access ends when it is no longer authorized: nothing runs under a request once it is denied, expired or revoked.",
            queryFile: "queries/soc2/cc6.3-executions-after-ending.lql", populationKinds: ["execute"], reading: .exceptions, exceptionCheck: .none, oscalID: "cc6.3"
        ),
        ControlDefinition(
            id: "CC7.2", slug: "cc7.2", title: "Monitoring for anomalies",
            wording: "Sensitive data (tagged pii) is masked before it reaches an export; every unmasked path is an anomaly.",
            queryFile: "queries/soc2/cc7.2-unmasked-sensitive-paths.lql", populationKinds: ["transform", "mask", "export"], reading: .paths, exceptionCheck: .none,
            oscalID: "cc7.2"
        ),
        ControlDefinition(
            id: "CC7.3", slug: "cc7.3", title: "Evaluation of security events",
            wording: "Security events (denials, revocations, expiries, escalations) are recorded for evaluation.",
            queryFile: "queries/soc2/cc7.3-security-events.lql", populationKinds: ["deny", "revoke", "expire", "escalate"], reading: .population,
            exceptionCheck: .none, oscalID: "cc7.3"
        ),
        ControlDefinition(
            id: "CC8.1", slug: "cc8.1", title: "Change management",
            wording: "Infrastructure changes and privilege escalations are approved before they are made.",
            queryFile: "queries/soc2/cc8.1-changes-without-approval.lql", populationKinds: ["infra_change", "escalate"], reading: .exceptions, exceptionCheck: .none,
            oscalID: "cc8.1"
        ),
    ]

    private static let hipaaControls: [ControlDefinition] = [
        ControlDefinition(
            id: "164.312(b)", slug: "164.312-b", title: "Audit controls",
            wording: "Activity in systems holding ePHI is recorded and can be examined.",
            queryFile: "queries/hipaa/164.312-b-audit-controls.lql", populationKinds: [], reading: .population, exceptionCheck: .none, oscalID: "hipaa-164.312-b"
        ),
        ControlDefinition(
            id: "164.312(c)(1)", slug: "164.312-c-1", title: "Integrity",
            wording: "ePHI is protected from improper alteration: changes and exports are made under an approved request.",
            queryFile: "queries/hipaa/164.312-c-1-integrity.lql", populationKinds: ["infra_change", "escalate", "export"], reading: .exceptions, exceptionCheck: .none,
            oscalID: "hipaa-164.312-c-1"
        ),
        ControlDefinition(
            id: "164.312(d)", slug: "164.312-d", title: "Person or entity authentication",
            wording: "Every action is taken by an authenticated actor, and an agent acts for a known person.",
            queryFile: "queries/hipaa/164.312-d-authentication.lql", populationKinds: ["read", "export", "execute"], reading: .exceptions,
            exceptionCheck: .agentWithoutPrincipal, oscalID: "hipaa-164.312-d"
        ),
        ControlDefinition(
            id: "164.308(a)(1)(ii)(D)", slug: "164.308-a-1-ii-d", title: "Information system activity review",
            wording: "Records of system activity are regularly reviewed: who did what, how often.",
            queryFile: "queries/hipaa/164.308-a-1-ii-d-activity-review.lql", populationKinds: [], reading: .population, exceptionCheck: .none,
            oscalID: "hipaa-164.308-a-1-ii-d"
        ),
        ControlDefinition(
            id: "164.308(a)(4)", slug: "164.308-a-4", title: "Information access management",
            wording: "Access to ePHI is authorized by someone other than the one who asks for it.",
            queryFile: "queries/hipaa/164.308-a-4-access-management.lql", populationKinds: ["approve"], reading: .attempts, exceptionCheck: .unrefusedApproval,
            oscalID: "hipaa-164.308-a-4"
        ),
        ControlDefinition(
            id: "164.514(b)", slug: "164.514-b", title: "De-identification",
            wording: "Identifiers are removed before data leaves: data tagged phi passes through masking before any export.",
            queryFile: "queries/hipaa/164.514-b-deidentification.lql", populationKinds: ["transform", "mask", "export"], reading: .paths, exceptionCheck: .none,
            oscalID: "hipaa-164.514-b"
        ),
    ]
}
