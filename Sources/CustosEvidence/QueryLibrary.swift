/// The `queries/` files the bundles run, compiled into the binary so that a bundle never depends
/// on the working directory. `QueryLibraryTests` checks that they are the repository's files,
/// byte for byte.
enum QueryLibrary {
    static let files: [String: String] = [
        "queries/hipaa/164.308-a-1-ii-d-activity-review.lql": #"""
        -- Control: HIPAA 164.308(a)(1)(ii)(D) (information system activity review)
        -- Purpose: The activity to review: who did what, how often, in the period.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per actor and kind.
        COUNT EVENTS BY actor, kind DURING $from TO $to
        """# + "\n",
        "queries/hipaa/164.308-a-4-access-management.lql": #"""
        -- Control: HIPAA 164.308(a)(4) (information access management: authorize access)
        -- Purpose: Access must be authorized by someone other than the one who asks for it. Lists
        --          approvals by the requester, its principal, or an agent.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per attempt; recorded ones are exceptions.
        FIND SELF APPROVALS DURING $from TO $to
        """# + "\n",
        "queries/hipaa/164.312-b-audit-controls.lql": #"""
        -- Control: HIPAA 164.312(b) (audit controls: record and examine activity)
        -- Purpose: Shows that activity is recorded: events in the period by kind and actor type.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: the population; a gap in a kind that should be there is a finding.
        COUNT EVENTS BY kind, actor_type DURING $from TO $to
        """# + "\n",
        "queries/hipaa/164.312-c-1-integrity.lql": #"""
        -- Control: HIPAA 164.312(c)(1) (integrity: protect ePHI from improper alteration)
        -- Purpose: Changes to data and systems must be made under an approved request. Lists
        --          infrastructure changes, escalations and exports with none behind them.
        --          (The log's own integrity is shown by `custos verify` and the signed checkpoints.)
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per exception.
        FIND infra_change, escalate, export WITHOUT APPROVAL DURING $from TO $to
        """# + "\n",
        "queries/hipaa/164.312-d-authentication.lql": #"""
        -- Control: HIPAA 164.312(d) (person or entity authentication)
        -- Purpose: Every action is taken by an authenticated actor, and an agent acts for a known
        --          person. Lists agent actions that touch or move data with no principal named.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per exception.
        EVENTS WHERE actor_type = agent AND on_behalf_of IS MISSING AND kind IN (read, export, execute) DURING $from TO $to OLDEST FIRST LIMIT 100000
        """# + "\n",
        "queries/hipaa/164.514-b-deidentification.lql": #"""
        -- Control: HIPAA 164.514(b) (de-identification: identifiers removed before data leaves)
        -- Purpose: Data tagged phi must pass through masking before any export. Lists every
        --          lineage path, recorded in the period, from a phi-tagged dataset to an export that
        --          skips masking.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per path; each is an exception.
        PATHS FROM dataset TAGGED phi TO export AVOIDING mask DURING $from TO $to
        """# + "\n",
        "queries/soc2/cc6.1-exports-without-approval.lql": #"""
        -- Control: SOC 2 CC6.1 (logical access security over protected information assets)
        -- Purpose: Data may leave only through an export that an approved request stands behind.
        --          Lists every export in the period with no request, or whose request was not
        --          approved (by enough independent approvers, and not denied, expired or revoked)
        --          when the export ran.
        -- Parameters: $from, $to: the audit period, e.g. 2026-01-01 and 2026-03-31 (inclusive).
        -- Result: one row per exception; no rows means the control operated.
        FIND EXPORTS WITHOUT APPROVAL DURING $from TO $to
        """# + "\n",
        "queries/soc2/cc6.2-self-approvals.lql": #"""
        -- Control: SOC 2 CC6.2 (access is authorized before it is granted)
        -- Purpose: Requests must be approved by someone independent of the requester. Lists every
        --          approval, recorded or refused by the gate, made by the requester, by the
        --          principal it acted for, or by an agent.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per attempt; refused attempts show the gate working, recorded ones are
        --         exceptions.
        FIND SELF APPROVALS DURING $from TO $to
        """# + "\n",
        "queries/soc2/cc6.3-executions-after-ending.lql": #"""
        -- Control: SOC 2 CC6.3 (access is removed when no longer authorized)
        -- Purpose: Once a request is denied, expires or is revoked, nothing may be done under it.
        --          Lists every execution that ran after its request ended.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per exception.
        FIND EXECUTIONS AFTER DENIAL, EXPIRY OR REVOCATION DURING $from TO $to
        """# + "\n",
        "queries/soc2/cc7.2-unmasked-sensitive-paths.lql": #"""
        -- Control: SOC 2 CC7.2 (system components are monitored for anomalies)
        -- Purpose: Sensitive data (tagged pii or phi by classification) must be masked before it
        --          reaches an export. Lists every lineage path, recorded in the period, from a
        --          tagged dataset to an export that passes through no masking step.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per path; each is an exception to investigate.
        PATHS FROM dataset TAGGED pii TO export AVOIDING mask DURING $from TO $to
        """# + "\n",
        "queries/soc2/cc7.3-security-events.lql": #"""
        -- Control: SOC 2 CC7.3 (security events are evaluated)
        -- Purpose: The population of security-relevant decisions to review: denials, revocations,
        --          expiries and privilege escalations in the period, oldest first.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: the population; the auditor samples it.
        EVENTS WHERE kind IN (deny, revoke, expire, escalate) DURING $from TO $to OLDEST FIRST LIMIT 100000
        """# + "\n",
        "queries/soc2/cc8.1-changes-without-approval.lql": #"""
        -- Control: SOC 2 CC8.1 (changes are authorized before they are made)
        -- Purpose: Infrastructure changes and privilege escalations must be approved. Lists every
        --          such change in the period with no approved request behind it.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per exception.
        FIND infra_change, escalate WITHOUT APPROVAL DURING $from TO $to
        """# + "\n",
        "queries/soc2/population-by-kind.lql": #"""
        -- Control: SOC 2 (all controls): the population
        -- Purpose: How many events of each kind the period holds, by day: the population the
        --          controls above are tested against.
        -- Parameters: $from, $to: the audit period (inclusive dates).
        -- Result: one row per kind and day.
        COUNT EVENTS BY kind, day DURING $from TO $to
        """# + "\n",
    ]
}
