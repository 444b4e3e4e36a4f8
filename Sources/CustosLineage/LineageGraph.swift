public import CustosLedger

/// The lineage graph of a ledger: nodes are typed ids, edges are what events expanded into
/// (docs/LINEAGE.md). Every question is answered from one consistent snapshot, through the
/// edge index, so it touches only the distinct edges it returns.
public struct LineageGraph: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }
}

/// Which way along the data edges.
public enum LineageDirection: String, Sendable, Hashable {
    /// Toward sources: what a node was derived from.
    case upstream
    /// Toward consumers: what was derived from a node.
    case downstream
}

/// Limits on the graph seen by a question: "as of" a point in the log, and a time window.
public struct GraphView: Sendable, Hashable {
    /// Only what the first `asOfSize` entries recorded (seq < asOfSize): the graph as it
    /// stood at that size of the log, e.g. at a signed checkpoint. Nil: the whole log.
    public var asOfSize: UInt64?
    /// Only edges recorded on a UTC day within this range of times (day granularity).
    public var window: ClosedRange<Timestamp>?

    public init(asOfSize: UInt64? = nil, window: ClosedRange<Timestamp>? = nil) {
        self.asOfSize = asOfSize
        self.window = window
    }

    /// The whole graph as it is now.
    public static let current = GraphView()

    var days: ClosedRange<UInt32>? {
        window.map { LedgerSnapshot.day(of: $0.lowerBound)...LedgerSnapshot.day(of: $0.upperBound) }
    }

    /// True when the view admits an edge first recorded at `firstSeq`.
    func admits(firstSeq: UInt64) -> Bool {
        asOfSize.map { firstSeq < $0 } ?? true
    }
}

/// An edge in an answer, in its own direction.
public struct LineageEdge: Sendable, Hashable {
    public let from: NodeID
    public let relation: String
    public let to: NodeID
    /// The seq of the first event that recorded it.
    public let firstSeq: UInt64

    public init(from: NodeID, relation: String, to: NodeID, firstSeq: UInt64) {
        self.from = from
        self.relation = relation
        self.to = to
        self.firstSeq = firstSeq
    }
}

/// Why an answer is not complete. Answers never stop silently.
public enum Truncation: Sendable, Hashable, CustomStringConvertible {
    /// The depth limit was reached while edges went on.
    case depth(Int)
    /// The limit on nodes, paths or rows was reached.
    case results(Int)
    /// The limit on work (edges examined) was reached.
    case work(Int)

    public var description: String {
        switch self {
        case .depth(let limit): return "truncated at depth \(limit): the graph goes further; raise the depth"
        case .results(let limit): return "truncated at \(limit) results: raise the limit or narrow the question"
        case .work(let limit): return "stopped after examining \(limit) edges: narrow the question"
        }
    }
}

/// What went wrong answering a graph question.
public enum LineageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The node was never named by any event (as of the view).
    case unknownNode(NodeID)
    /// An OpenLineage event could not be mapped.
    case invalidOpenLineage(String)

    public var description: String {
        switch self {
        case .unknownNode(let node): return "no event names the node \(node)"
        case .invalidOpenLineage(let reason): return "invalid OpenLineage event: \(reason)"
        }
    }
}
