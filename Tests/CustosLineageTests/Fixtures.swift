import CustosLedger
import CustosLineage
import CustosTestSupport

/// A ledger in a temporary folder with events appended from short descriptions.
struct GraphFixture {
    let folder = TemporaryDirectory("custos-lineage")
    let ledger: Ledger
    var graph: LineageGraph { LineageGraph(ledger: ledger) }

    init() throws {
        var configuration = LedgerConfiguration()
        configuration.checkpointPolicy = .manual
        ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/lineage", configuration: configuration)
    }

    /// Appends `kind` from `inputs` to `outputs` by `actor`; returns the seq.
    @discardableResult
    func record(
        _ kind: EventKind, _ inputs: [String], _ outputs: [String], by actor: String = "agent:etl",
        attributes: [String: JSONValue] = [:], edges: [ExplicitEdge] = [], onBehalfOf: String? = nil
    ) async throws -> UInt64 {
        let event = try Event(
            kind: kind, actor: Actor(id: actor, onBehalfOf: onBehalfOf), inputs: inputs.map { try NodeID($0) },
            outputs: outputs.map { try NodeID($0) }, attributes: attributes, edges: edges
        )
        return try await ledger.append(event).seq
    }

    /// Appends a derivation `a → b` for each pair.
    func chain(_ nodes: [String], kind: EventKind = .transform) async throws {
        for (from, to) in zip(nodes, nodes.dropFirst()) { try await record(kind, [from], [to]) }
    }
}

func ids(_ nodes: [TracedNode]) -> Set<String> { Set(nodes.map(\.id.rawValue)) }
