import CustosLedger
import CustosLineage
import Testing

@Suite("Audit finders over approval trails")
struct AuditTests {
    /// r1: approved by bob, executed, exported. r2: denied, executed anyway, exported.
    /// r3: the requester approves itself. An export with no request at all.
    func scenario() async throws -> GraphFixture {
        let fixture = try GraphFixture()
        try await fixture.record(.request, ["dataset:mart"], ["request:r1"], by: "agent:export-bot", attributes: ["action": "export"], onBehalfOf: "human:alice@example.com")
        try await fixture.record(.approve, ["request:r1"], [], by: "human:bob@example.com")
        try await fixture.record(.execute, ["request:r1"], ["export:s3://partner/one.csv"], by: "agent:export-bot")
        try await fixture.record(.export, ["dataset:mart"], ["export:s3://partner/one.csv"], by: "agent:export-bot")

        try await fixture.record(.request, ["dataset:mart"], ["request:r2"], by: "agent:export-bot")
        try await fixture.record(.deny, ["request:r2"], [], by: "human:bob@example.com", attributes: ["reason": "no"])
        try await fixture.record(.execute, ["request:r2"], ["export:s3://partner/two.csv"], by: "agent:export-bot")
        try await fixture.record(.export, ["dataset:mart"], ["export:s3://partner/two.csv"], by: "agent:export-bot")

        try await fixture.record(.request, ["dataset:mart"], ["request:r3"], by: "agent:export-bot", onBehalfOf: "human:alice@example.com")
        try await fixture.record(.approve, ["request:r3"], [], by: "human:alice@example.com", attributes: ["refused": "self-approval"])
        try await fixture.record(.approve, ["request:r3"], [], by: "agent:export-bot")

        try await fixture.record(.export, ["dataset:mart"], ["export:s3://elsewhere/three.csv"], by: "agent:rogue")
        // Two approvers needed, one given.
        try await fixture.record(.request, ["dataset:mart"], ["request:r4"], by: "agent:export-bot", attributes: ["requiredApprovals": 2])
        try await fixture.record(.approve, ["request:r4"], [], by: "human:bob@example.com")
        try await fixture.record(.export, ["request:r4", "dataset:mart"], ["export:s3://partner/four.csv"], by: "agent:export-bot")
        return fixture
    }

    @Test("exports with no approved request behind them")
    func exportsWithoutApproval() async throws {
        let fixture = try await scenario()
        let result = try fixture.graph.exportsWithoutApproval()
        #expect(result.findings.map(\.seq) == [7, 11, 14])
        #expect(result.findings[0].request?.rawValue == "request:r2")
        #expect(result.findings[1].reason.contains("no request"))
        #expect(result.findings[2].request?.rawValue == "request:r4")
    }

    @Test("self-approval attempts, by the requester's principal or by an agent")
    func selfApprovals() async throws {
        let fixture = try await scenario()
        let result = try fixture.graph.selfApprovals()
        #expect(result.findings.map(\.seq) == [9, 10])
        #expect(result.findings[0].reason.contains("refused by the gate"))
        #expect(result.findings[1].reason.contains("an agent"))
    }

    @Test("executions after a denial")
    func executionsAfterEnding() async throws {
        let fixture = try await scenario()
        let result = try fixture.graph.executionsAfterEnding()
        #expect(result.findings.map(\.seq) == [6])
        #expect(result.findings[0].reason.contains("denied at seq 5"))
        // Without approval: a denied request's execution is one too, and so is one naming no request.
        let unapproved = try fixture.graph.executionsAfterEnding(endings: [], includeUnapproved: true)
        #expect(unapproved.findings.map(\.seq) == [6], "\(unapproved.findings.map(\.reason))")
        #expect(unapproved.findings.first?.reason.contains("without approval: the request was denied") == true)
        try await fixture.record(.execute, ["dataset:mart"], ["export:s3://x/five.csv"], by: "agent:rogue")
        let bare = try fixture.graph.executionsAfterEnding(endings: [], includeUnapproved: true)
        #expect(bare.findings.last?.reason.contains("names no approval request") == true)
    }

    @Test("as of an earlier size, later events are not seen")
    func asOf() async throws {
        let fixture = try await scenario()
        let early = try fixture.graph.exportsWithoutApproval(FindingOptions(view: GraphView(asOfSize: 8)))
        #expect(early.findings.map(\.seq) == [7])
        let limited = try fixture.graph.exportsWithoutApproval(FindingOptions(limit: 1))
        #expect(limited.findings.count == 1)
        #expect(limited.truncation == .results(1))
    }
}

@Suite("OpenLineage events on the lineage graph")
struct OpenLineageTests {
    static let runEvent = #"""
        {"eventType": "COMPLETE", "eventTime": "2026-11-22T07:41:51.123+01:00",
         "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.0/integration/spark",
         "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
         "run": {"runId": "0193d5a8-7c2e-7a2b-9c1f-3e8f5b2a1c00", "facets": {}},
         "job": {"namespace": "spark-prod", "name": "customers_mart", "facets": {}},
         "inputs": [{"namespace": "postgres://crm:5432", "name": "public.customers", "facets": {}}],
         "outputs": [{"namespace": "s3://lake", "name": "marts/customers", "facets": {
            "lifecycleStateChange": {"lifecycleStateChange": "OVERWRITE"},
            "columnLineage": {"fields": {
               "email_hash": {"inputFields": [{"namespace": "postgres://crm:5432", "name": "public.customers", "field": "email",
                  "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": true}]}]},
               "id": {"inputFields": [{"namespace": "postgres://crm:5432", "name": "public.customers", "field": "id",
                  "transformations": [{"type": "DIRECT", "subtype": "IDENTITY", "masking": false}]}]}}}}}]}
        """#

    @Test("a RunEvent becomes a transform with job, run and column edges")
    func runEvent() async throws {
        let fixture = try GraphFixture()
        let event = try OpenLineageMapper.event(from: JSONParser.parse(Self.runEvent), actor: .service("spark"))
        #expect(event.kind == .transform)
        #expect(event.inputs.map(\.rawValue) == ["dataset:postgres://crm:5432:public.customers"])
        #expect(event.outputs.map(\.rawValue) == ["dataset:s3://lake:marts/customers"])
        #expect(event.clientTime == "2026-11-22T06:41:51.123000Z")
        #expect(event.clientEventID?.hasPrefix("openlineage:0193d5a8-7c2e-7a2b-9c1f-3e8f5b2a1c00:COMPLETE:") == true)
        #expect(event.clientEventID?.count == "openlineage:0193d5a8-7c2e-7a2b-9c1f-3e8f5b2a1c00:COMPLETE:".count + 32)
        #expect(event.attributes["lifecycle"]?["dataset:s3://lake:marts/customers"] == "OVERWRITE")
        _ = try await fixture.ledger.append(event)
        let again = try await fixture.ledger.append(event)
        #expect(again.isDuplicate)

        let column = try fixture.graph.trace(from: NodeID("field:s3://lake:marts/customers#email_hash"), TraceOptions(direction: .upstream))
        #expect(ids(column.nodes) == ["field:postgres://crm:5432:public.customers#email"])
        #expect(column.edges.map(\.relation) == ["mask"])
        let job = try fixture.graph.trace(from: NodeID("dataset:s3://lake:marts/customers"), TraceOptions(direction: .upstream, relations: ["job.output"]))
        #expect(ids(job.nodes) == ["job:spark-prod:customers_mart"])
        let data = try fixture.graph.trace(from: NodeID("dataset:s3://lake:marts/customers"), TraceOptions(direction: .upstream, relations: ["transform"]))
        #expect(ids(data.nodes) == ["dataset:postgres://crm:5432:public.customers"])
        #expect(try fixture.ledger.verify().isValid)
    }

    @Test("START, FAIL, DatasetEvents and JobEvents map to their own kinds")
    func otherEvents() throws {
        let start = try OpenLineageMapper.event(from: JSONParser.parse(Self.runEvent.replacingOccurrences(of: "COMPLETE", with: "START")), actor: .service("spark"))
        #expect(start.kind.rawValue == "run.start")
        let failed = try OpenLineageMapper.event(from: JSONParser.parse(Self.runEvent.replacingOccurrences(of: "COMPLETE", with: "FAIL")), actor: .service("spark"))
        #expect(failed.kind.rawValue == "run.fail")
        #expect(failed.inputs.isEmpty && failed.outputs.isEmpty)  // nothing flowed
        let dataset = try OpenLineageMapper.event(from: JSONParser.parse(#"{"eventTime":"2026-01-01T00:00:00Z","producer":"p","dataset":{"namespace":"s3://lake","name":"x","facets":{}}}"#), actor: .service("catalog"))
        #expect(dataset.kind.rawValue == "dataset.change")
        #expect(dataset.outputs.map(\.rawValue) == ["dataset:s3://lake:x"])
        let job = try OpenLineageMapper.event(from: JSONParser.parse(#"{"eventTime":"2026-01-01T00:00:00","producer":"p","job":{"namespace":"n","name":"j"},"inputs":[{"namespace":"a","name":"b"}],"outputs":[]}"#), actor: .service("catalog"))
        #expect(job.kind.rawValue == "job.definition")
        #expect(job.edges.map(\.relation?.rawValue) == ["job.input"])
        #expect(throws: LineageError.self) { try OpenLineageMapper.event(from: JSONParser.parse(#"{"eventType":"COMPLETE","run":{"runId":"x"}}"#), actor: .service("s")) }
        #expect(throws: LineageError.self) { try OpenLineageMapper.event(from: JSONParser.parse(#"{"eventTime":"yesterday","job":{"namespace":"n","name":"j"}}"#), actor: .service("s")) }
    }

    @Test("a failed run leaves no data path through its job; resent events are one, different ones of one time are two")
    func failedRunsAndRetries() async throws {
        let fixture = try GraphFixture()
        let failed = try OpenLineageMapper.event(from: JSONParser.parse(Self.runEvent.replacingOccurrences(of: "COMPLETE", with: "FAIL")), actor: .service("spark"))
        #expect(!failed.edges.contains { $0.relation?.rawValue == "job.output" } && !failed.edges.contains { $0.from.hasType("field") })
        _ = try await fixture.ledger.append(failed)
        let downstream = try fixture.graph.trace(from: NodeID("dataset:postgres://crm:5432:public.customers"), TraceOptions(direction: .downstream))
        #expect(!ids(downstream.nodes).contains("dataset:s3://lake:marts/customers"), "a failed run wrote nothing: \(ids(downstream.nodes))")

        let dataset = #"{"eventTime":"2026-01-01T00:00:00Z","producer":"p","dataset":{"namespace":"s3://lake","name":"x","facets":{}}}"#
        let first = try await fixture.ledger.append(OpenLineageMapper.event(from: JSONParser.parse(dataset), actor: .service("catalog")))
        let resent = try await fixture.ledger.append(OpenLineageMapper.event(from: JSONParser.parse(dataset), actor: .service("catalog")))
        #expect(resent.isDuplicate && resent.seq == first.seq)
        let running = Self.runEvent.replacingOccurrences(of: "COMPLETE", with: "RUNNING")
        let one = try await fixture.ledger.append(OpenLineageMapper.event(from: JSONParser.parse(running), actor: .service("spark")))
        let other = try await fixture.ledger.append(
            OpenLineageMapper.event(from: JSONParser.parse(running.replacingOccurrences(of: "marts/customers", with: "marts/customers_v2")), actor: .service("spark"))
        )
        #expect(!other.isDuplicate && other.seq != one.seq)
    }

    @Test("column lineage too wide for one event continues in column.lineage events, all appended")
    func wideColumnLineage() async throws {
        let fixture = try GraphFixture()
        let fields = (0..<300).map { column in
            #""c\#(column)": {"inputFields": [{"namespace": "pg", "name": "a", "field": "x\#(column)"}, {"namespace": "pg", "name": "b", "field": "y\#(column)"}]}"#
        }.joined(separator: ",")
        let wide = #"""
            {"eventType": "COMPLETE", "eventTime": "2026-11-22T06:41:51Z", "producer": "p", "run": {"runId": "r-wide"}, "job": {"namespace": "n", "name": "j"},
             "inputs": [{"namespace": "pg", "name": "a"}, {"namespace": "pg", "name": "b"}],
             "outputs": [{"namespace": "pg", "name": "out", "facets": {"columnLineage": {"fields": {\#(fields)}}}}]}
            """#
        let events = try OpenLineageMapper.events(from: JSONParser.parse(wide), actor: .service("spark"))
        #expect(events.count == 2 && events[1].kind.rawValue == "column.lineage", "\(events.map(\.kind))")
        #expect(events.reduce(0) { $0 + $1.edges.filter { $0.from.hasType("field") }.count } == 600)
        _ = try await fixture.ledger.append(contentsOf: events)
        let column = try fixture.graph.trace(from: NodeID("field:pg:out#c299"), TraceOptions(direction: .upstream))
        #expect(ids(column.nodes) == ["field:pg:a#x299", "field:pg:b#y299"])
    }
}
