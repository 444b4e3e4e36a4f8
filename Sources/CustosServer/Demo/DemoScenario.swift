public import CustosLedger

/// A realistic story for a new store: personal data in sources, pipelines through staging and
/// masking to marts, agents asking to export, people approving and denying, and a few
/// violations for the audit queries to find (docs/README: "make run").
public enum DemoScenario {
    /// The events, in order.
    public static func events() throws -> [Event] {
        var events: [Event] = []
        func add(
            _ kind: EventKind, _ actor: String, onBehalfOf: String? = nil, inputs: [String] = [], outputs: [String] = [],
            attributes: [String: JSONValue] = [:], edges: [ExplicitEdge] = []
        ) throws {
            events.append(try Event(
                kind: kind, actor: Actor(id: actor, onBehalfOf: onBehalfOf), inputs: inputs.map { try NodeID($0) },
                outputs: outputs.map { try NodeID($0) }, attributes: attributes, edges: edges
            ))
        }
        let customers = "dataset:pg://crm/public.customers"
        let patients = "dataset:pg://ehr/public.patients"
        let payments = "dataset:pg://billing/public.payments"
        let stagingCustomers = "dataset:s3://lake/staging/customers"
        let stagingPatients = "dataset:s3://lake/staging/patients"
        let stagingPayments = "dataset:s3://lake/staging/payments"
        let maskedCustomers = "dataset:s3://lake/masked/customers"
        let maskedPatients = "dataset:s3://lake/masked/patients"
        let revenue = "dataset:s3://lake/marts/revenue_by_region"
        let readmissions = "dataset:s3://lake/marts/readmissions"

        // What the scanners found in the sources.
        try add(.classify, "service:pii-scanner", outputs: [customers], attributes: ["tags": ["pii"]])
        try add(.classify, "service:pii-scanner", outputs: [patients], attributes: ["tags": ["pii", "phi"]])
        try add(.classify, "service:pii-scanner", outputs: [payments], attributes: ["tags": ["pci"]])

        // The nightly pipelines, run by an agent for the data team.
        for night in 1...3 {
            let run: JSONValue = .string("nightly-\(night)")
            try add(.transform, "agent:etl-bot", onBehalfOf: "human:dana@example.com", inputs: [customers], outputs: [stagingCustomers], attributes: ["rows": 120_000, "run": run])
            try add(.transform, "agent:etl-bot", onBehalfOf: "human:dana@example.com", inputs: [patients], outputs: [stagingPatients], attributes: ["rows": 48_000, "run": run])
            try add(.transform, "agent:etl-bot", onBehalfOf: "human:dana@example.com", inputs: [payments], outputs: [stagingPayments], attributes: ["rows": 310_000, "run": run])
            try add(.mask, "service:custos-mask", inputs: [stagingCustomers], outputs: [maskedCustomers], attributes: [
                "counts": ["email": 119_870, "phone": 98_210, "postal_address": 120_000], "covers": ["pii"], "policy": "standard", "run": run,
            ])
            try add(.mask, "service:custos-mask", inputs: [stagingPatients], outputs: [maskedPatients], attributes: [
                "counts": ["person_name": 48_000, "date_of_birth": 48_000, "ssn": 47_950], "covers": ["pii", "phi"], "policy": "hipaa-safe-harbor", "run": run,
            ])
            // Revenue joins masked customers with payments that were never masked: pci flows on.
            try add(.transform, "agent:etl-bot", onBehalfOf: "human:dana@example.com", inputs: [maskedCustomers, stagingPayments], outputs: [revenue], attributes: [
                "rows": 42, "run": run,
            ], edges: [ExplicitEdge(from: NodeID("field:s3://lake/staging/payments#amount"), to: NodeID("field:s3://lake/marts/revenue_by_region#revenue"))])
            try add(.transform, "agent:etl-bot", onBehalfOf: "human:dana@example.com", inputs: [maskedPatients], outputs: [readmissions], attributes: ["rows": 380, "run": run])
        }

        // An export, asked for, approved by someone else, carried out.
        let quarterly = "export:s3://partner-bucket/q3-revenue.csv"
        try add(.request, "agent:export-bot", onBehalfOf: "human:alice@example.com", inputs: [revenue], outputs: ["request:q3-revenue"], attributes: [
            "action": "export", "justification": "quarterly revenue report for the partner", "destination": .string(quarterly),
        ])
        try add(.approve, "human:bob@example.com", inputs: ["request:q3-revenue"], attributes: ["comment": "matches the contract"])
        try add(.execute, "agent:export-bot", inputs: ["request:q3-revenue"], outputs: [quarterly])
        try add(.export, "agent:export-bot", inputs: [revenue], outputs: [quarterly], attributes: ["request": "request:q3-revenue", "rows": 42])

        // A research export: denied, then carried out anyway.
        let research = "export:sftp://research-partner/readmissions.csv"
        try add(.request, "agent:research-agent", onBehalfOf: "human:erin@example.com", inputs: [readmissions], outputs: ["request:readmissions"], attributes: [
            "action": "export", "justification": "readmission study", "destination": .string(research),
        ])
        try add(.deny, "human:carol@example.com", inputs: ["request:readmissions"], attributes: ["reason": "no data-use agreement on file"])
        try add(.execute, "agent:research-agent", inputs: ["request:readmissions"], outputs: [research])
        try add(.export, "agent:research-agent", inputs: [readmissions], outputs: [research], attributes: ["request": "request:readmissions"])

        // Unmasked customer data leaves without any request.
        try add(.export, "agent:rogue-bot", inputs: [stagingCustomers], outputs: ["export:s3://unknown-bucket/customers.csv"], attributes: ["rows": 120_000])

        // A privilege escalation whose approval came from the requester's own principal: the gate
        // refused it, and the attempt is on record.
        try add(.request, "agent:ops-agent", onBehalfOf: "human:frank@example.com", inputs: ["service:payments-db"], outputs: ["request:db-admin"], attributes: [
            "action": "escalate", "justification": "rotate the replication user", "requiredApprovals": 1,
        ])
        try add(.approve, "human:frank@example.com", inputs: ["request:db-admin"], attributes: ["refused": "self-approval"])
        try add(.approve, "human:grace@example.com", inputs: ["request:db-admin"])
        try add(.escalate, "agent:ops-agent", inputs: ["service:payments-db", "request:db-admin"], attributes: ["role": "db_admin", "ttl": "15m"])

        // An infrastructure change with no request at all.
        try add(.infraChange, "agent:deploy-bot", inputs: ["service:payments-db"], attributes: ["change": "opened port 5432 to 0.0.0.0/0"])

        // An auditor read the masked patients.
        try add(.read, "human:auditor@example.com", inputs: [maskedPatients])
        return events
    }
}
