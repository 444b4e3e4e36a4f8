import CustosLedger

/// `oscal/assessment-results.json`: a NIST OSCAL 1.1 assessment-results document. One
/// observation per control, whose relevant evidence points at the control's report in the
/// bundle with its SHA-256, and one finding per control with its status. UUIDs are derived from
/// the bundle's inputs (``DeterministicUUID``), times from its checkpoint.
enum OSCALAssessmentResults {
    static let oscalVersion = "1.1.3"
    /// Where Custos's own OSCAL property names live.
    static let namespace = "https://custos.dev/ns/oscal"

    /// `digests` holds the SHA-256 of the bundle's files by path, for the evidence links.
    static func document(_ context: BundleContext, reports: [ControlReport], digests: [String: Hash256]) -> JSONValue {
        let collected = context.checkpoint.signedAt.description
        let catalogResource = context.uuid("resource/control-catalog")
        var observations: [JSONValue] = []
        var findings: [JSONValue] = []
        for report in reports {
            let control = report.control
            let observation = context.uuid("observation/" + control.slug)
            observations.append([
                "uuid": .string(observation),
                "title": .string("\(control.id): \(control.queryFile)"),
                "description": .string("Ran \(control.queryFile) over \(report.period.from) to \(report.period.to), as of the signed checkpoint of size \(context.checkpoint.size): \(report.rows.count) row(s), \(report.exceptions.count) exception(s), population \(report.populationCount)."),
                "methods": ["TEST"],
                "types": ["finding"],
                "collected": .string(collected),
                "relevant-evidence": [
                    evidence(href: report.fileStem + ".json", description: "The control report: query, population, exceptions, status.", digests: digests),
                    evidence(href: report.fileStem + ".csv", description: "The query's rows as CSV.", digests: digests),
                ],
            ])
            var status: [String: JSONValue] = ["state": .string(report.status == .satisfied ? "satisfied" : "not-satisfied")]
            status["remarks"] = .string(report.statusReason)
            findings.append([
                "uuid": .string(context.uuid("finding/" + control.slug)),
                "title": .string("\(control.id) \(control.title)"),
                "description": .string(control.wording),
                "target": [
                    "type": "objective-id",
                    "target-id": .string(control.oscalID + "_obj"),
                    "status": .object(status),
                ],
                "related-observations": [["observation-uuid": .string(observation)]],
            ])
        }
        let result: JSONValue = [
            "uuid": .string(context.uuid("result")),
            "title": .string("\(context.framework.title): \(context.period.from) to \(context.period.to)"),
            "description": .string("Controls tested by Custos against the events of \(context.origin) from \(context.period.from) to \(context.period.to), tied to the signed checkpoint of size \(context.checkpoint.size) (root \(context.checkpoint.rootHash.hex))."),
            "start": .string(context.period.times.lowerBound.description),
            "end": .string(context.period.times.upperBound.description),
            "reviewed-controls": [
                "control-selections": [["include-controls": .array(reports.map { ["control-id": .string($0.control.oscalID)] })]],
            ],
            "observations": .array(observations),
            "findings": .array(findings),
        ]
        return [
            "assessment-results": [
                "uuid": .string(context.uuid("assessment-results")),
                "metadata": [
                    "title": .string("Custos evidence: \(context.framework.title), \(context.period.from) to \(context.period.to)"),
                    "last-modified": .string(collected),
                    "version": .string("custos \(CustosRelease.version), checkpoint \(context.checkpoint.size)"),
                    "oscal-version": .string(oscalVersion),
                ],
                "import-ap": ["href": .string("#" + catalogResource)],
                "results": [result],
                "back-matter": [
                    "resources": [[
                        "uuid": .string(catalogResource),
                        "title": "The control catalog: the queries/ library",
                        "description": "Each control is tested by the named query of the Custos queries/ library, whose exact text is in the control's report.",
                        "rlinks": .array(reports.map { ["href": .string($0.fileStem + ".json")] }),
                    ]],
                ],
            ],
        ]
    }

    static func evidence(href: String, description: String, digests: [String: Hash256]) -> JSONValue {
        [
            "href": .string(href),
            "description": .string(description),
            "props": [["name": "sha256", "ns": .string(namespace), "value": .string(digests[href]?.hex ?? "")]],
        ]
    }
}
