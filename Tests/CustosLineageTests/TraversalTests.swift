import CustosLedger
import CustosLineage
import Testing

@Suite("Lineage traversals on hand-built graphs")
struct TraversalTests {
    @Test("a diamond: both branches are found, the join once, every edge reported")
    func diamond() async throws {
        let fixture = try GraphFixture()
        try await fixture.record(.transform, ["dataset:src"], ["dataset:left"])
        try await fixture.record(.transform, ["dataset:src"], ["dataset:right"])
        try await fixture.record(.transform, ["dataset:left", "dataset:right"], ["dataset:join"])
        try await fixture.record(.export, ["dataset:join"], ["export:s3://partner/out.csv"])
        let up = try fixture.graph.trace(from: NodeID("export:s3://partner/out.csv"), TraceOptions(direction: .upstream))
        #expect(ids(up.nodes) == ["dataset:join", "dataset:left", "dataset:right", "dataset:src"])
        #expect(up.nodes.first { $0.id.rawValue == "dataset:src" }?.depth == 3)
        #expect(up.edges.count == 5)
        #expect(up.truncation == nil)
        let down = try fixture.graph.trace(from: NodeID("dataset:src"), TraceOptions(direction: .downstream, nodeTypes: ["export"]))
        #expect(ids(down.nodes) == ["export:s3://partner/out.csv"])
    }

    @Test("cycles end; the depth limit is reported, never a silent cut")
    func cyclesAndDepth() async throws {
        let fixture = try GraphFixture()
        try await fixture.chain(["dataset:a", "dataset:b", "dataset:c", "dataset:a"])
        let all = try fixture.graph.trace(from: NodeID("dataset:a"), TraceOptions(direction: .downstream))
        #expect(ids(all.nodes) == ["dataset:b", "dataset:c"])
        #expect(all.edges.count == 3)
        #expect(all.truncation == nil)
        try await fixture.chain((0...30).map { "dataset:deep-\($0)" })
        let shallow = try fixture.graph.trace(from: NodeID("dataset:deep-0"), TraceOptions(direction: .downstream, maxDepth: 10))
        #expect(shallow.nodes.count == 10)
        #expect(shallow.truncation == .depth(10))
        let deep = try fixture.graph.trace(from: NodeID("dataset:deep-30"), TraceOptions(direction: .upstream, maxDepth: 40))
        #expect(deep.nodes.count == 30)
        #expect(deep.truncation == nil)
    }

    @Test("a fan-out of thousands, and the node limit")
    func fanOut() async throws {
        let fixture = try GraphFixture()
        let outputs = (0..<3_000).map { "dataset:out-\($0)" }
        for batch in stride(from: 0, to: outputs.count, by: 500) {
            try await fixture.record(.transform, ["dataset:hub"], Array(outputs[batch..<batch + 500]))
        }
        let all = try fixture.graph.trace(from: NodeID("dataset:hub"), TraceOptions(direction: .downstream))
        #expect(all.nodes.count == 3_000)
        let limited = try fixture.graph.trace(from: NodeID("dataset:hub"), TraceOptions(direction: .downstream, maxNodes: 100))
        #expect(limited.nodes.count == 100)
        #expect(limited.truncation == .results(100))
    }

    @Test("relations filter the walk; repeated derivations are one edge")
    func relationFilterAndRepeats() async throws {
        let fixture = try GraphFixture()
        for _ in 0..<50 { try await fixture.record(.transform, ["dataset:raw"], ["dataset:staged"]) }
        try await fixture.record(.mask, ["dataset:staged"], ["dataset:masked"])
        try await fixture.record("copy", ["dataset:masked"], ["dataset:copy"])
        let through = try fixture.graph.trace(from: NodeID("dataset:copy"), TraceOptions(direction: .upstream, relations: ["transform", "mask"]))
        #expect(through.nodes.isEmpty)  // the copy edge is not a transform or a mask
        let fromMasked = try fixture.graph.trace(from: NodeID("dataset:masked"), TraceOptions(direction: .upstream, relations: ["transform", "mask"]))
        #expect(ids(fromMasked.nodes) == ["dataset:staged", "dataset:raw"])
        #expect(fromMasked.edges.filter { $0.relation == "transform" }.count == 1)
        #expect(fromMasked.edges.first { $0.relation == "transform" }?.firstSeq == 0)
        #expect(throws: LineageError.self) { try fixture.graph.trace(from: NodeID("dataset:nowhere"), TraceOptions(direction: .upstream)) }
    }

    @Test("as of a past size, the graph is as it stood then")
    func asOf() async throws {
        let fixture = try GraphFixture()
        try await fixture.record(.transform, ["dataset:a"], ["dataset:b"])
        let size = try fixture.ledger.head().size
        try await fixture.record(.transform, ["dataset:b"], ["dataset:c"])
        try await fixture.record(.transform, ["dataset:x"], ["dataset:b"])
        let now = try fixture.graph.trace(from: NodeID("dataset:b"), TraceOptions(direction: .upstream))
        #expect(ids(now.nodes) == ["dataset:a", "dataset:x"])
        let then = try fixture.graph.trace(from: NodeID("dataset:b"), TraceOptions(direction: .upstream, view: GraphView(asOfSize: size)))
        #expect(ids(then.nodes) == ["dataset:a"])
        let downThen = try fixture.graph.trace(from: NodeID("dataset:b"), TraceOptions(direction: .downstream, view: GraphView(asOfSize: size)))
        #expect(downThen.nodes.isEmpty)
    }

    @Test("a time window keeps edges recorded on its days")
    func window() async throws {
        let fixture = try GraphFixture()
        try await fixture.record(.transform, ["dataset:a"], ["dataset:b"])
        let today = Timestamp.now()
        let yesterday = Timestamp(microseconds: today.microseconds - 86_400_000_000)
        let lastWeek = Timestamp(microseconds: today.microseconds - 7 * 86_400_000_000)
        let inWindow = try fixture.graph.trace(from: NodeID("dataset:b"), TraceOptions(direction: .upstream, view: GraphView(window: yesterday...today)))
        #expect(ids(inWindow.nodes) == ["dataset:a"])
        let before = try fixture.graph.trace(from: NodeID("dataset:b"), TraceOptions(direction: .upstream, view: GraphView(window: lastWeek...yesterday)))
        #expect(before.nodes.isEmpty)
    }

    @Test("column lineage from explicit edges")
    func columns() async throws {
        let fixture = try GraphFixture()
        try await fixture.record(.transform, ["dataset:crm.customers"], ["dataset:mart.customers"], edges: [
            ExplicitEdge(from: try NodeID("field:crm.customers#email"), to: try NodeID("field:mart.customers#email_hash"), relation: .mask),
            ExplicitEdge(from: try NodeID("field:crm.customers#id"), to: try NodeID("field:mart.customers#id")),
        ])
        let up = try fixture.graph.trace(from: NodeID("field:mart.customers#email_hash"), TraceOptions(direction: .upstream))
        #expect(ids(up.nodes) == ["field:crm.customers#email"])
        #expect(up.edges.first?.relation == "mask")
        #expect(try fixture.ledger.verify().isValid)
    }
}

@Suite("Paths and sensitivity")
struct PathAndTagTests {
    /// crm (pii) → staging → masked → mart → export A ; staging → export B (skips masking).
    func pipeline() async throws -> GraphFixture {
        let fixture = try GraphFixture()
        try await fixture.record(.classify, [], ["dataset:crm"], by: "service:scanner", attributes: ["tags": ["pii"]])
        try await fixture.record(.classify, [], ["dataset:hr"], by: "service:scanner", attributes: ["tags": ["phi", "pii"]])
        try await fixture.record(.transform, ["dataset:crm"], ["dataset:staging"])
        try await fixture.record(.mask, ["dataset:staging"], ["dataset:masked"], by: "service:masker", attributes: ["counts": ["email": 10]])
        try await fixture.record(.transform, ["dataset:masked"], ["dataset:mart"])
        try await fixture.record(.export, ["dataset:mart"], ["export:a"])
        try await fixture.record(.export, ["dataset:staging"], ["export:b"])
        try await fixture.record(.mask, ["dataset:hr"], ["dataset:hr-masked"], by: "service:masker", attributes: ["covers": ["pii"]])
        try await fixture.record(.export, ["dataset:hr-masked"], ["export:c"])
        return fixture
    }

    @Test("paths from PII to exports that skip masking, and those through it")
    func paths() async throws {
        let fixture = try await pipeline()
        let skipping = try fixture.graph.paths(from: .type("dataset", taggedWith: ["pii"]), to: .type("export"), PathOptions(avoiding: ["mask"]))
        #expect(skipping.paths.map { $0.nodes.map(\.rawValue) } == [["dataset:crm", "dataset:staging", "export:b"]])
        let masked = try fixture.graph.paths(from: .type("dataset", taggedWith: ["pii"]), to: .type("export"), PathOptions(through: ["mask"]))
        #expect(Set(masked.paths.compactMap { $0.target?.rawValue }) == ["export:a", "export:c"])
        let between = try fixture.graph.paths(from: .node(NodeID("dataset:crm")), to: .node(NodeID("export:a")), PathOptions())
        #expect(between.paths.count == 1)
        #expect(between.paths[0].edges.map(\.relation) == ["transform", "mask", "transform", "export"])
        let limited = try fixture.graph.paths(from: .type("dataset", taggedWith: ["pii"]), to: .any, PathOptions(maxPaths: 2))
        #expect(limited.paths.count == 2)
        #expect(limited.truncation == .results(2))
    }

    @Test("tags flow down lineage until a masking step that covers them")
    func taint() async throws {
        let fixture = try await pipeline()
        let staging = try fixture.graph.tags(of: NodeID("dataset:staging"))
        #expect(staging.own.isEmpty)
        #expect(staging.inherited.map(\.tag) == ["pii"])
        #expect(staging.inherited.first?.source.rawValue == "dataset:crm")
        #expect(staging.inherited.first?.path.map(\.to.rawValue) == ["dataset:staging"])
        let exportB = try fixture.graph.tags(of: NodeID("export:b"))
        #expect(exportB.all == ["pii"])
        #expect(exportB.inherited.first?.path.count == 2)
        #expect(try fixture.graph.tags(of: NodeID("export:a")).all.isEmpty)  // masked, covering every tag
        // The HR mask covers pii only: phi still flows.
        #expect(try fixture.graph.tags(of: NodeID("export:c")).all == ["phi"])
        #expect(try fixture.graph.tags(of: NodeID("dataset:hr")).own.map(\.tag).sorted() == ["phi", "pii"])
    }
}
