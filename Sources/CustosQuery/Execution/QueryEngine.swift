public import CustosLedger
import CustosLineage
import Foundation

/// How a query runs: its parameters and its bounds.
public struct QueryOptions: Sendable {
    /// Values for `$name` parameters, as text.
    public var parameters: [String: String]
    /// Rows returned when the query has no LIMIT.
    public var defaultLimit: Int
    /// The most rows any query may return.
    public var maxRows: Int
    /// The most events one search may read.
    public var maxScannedEvents: Int
    /// How long one search may run, in seconds.
    public var timeLimitSeconds: Double
    /// "Now", for relative times such as `-30d`.
    public var now: Timestamp
    /// Read the log as it stood at this size (a checkpoint's, say) when the query names no
    /// AS OF; nil reads the whole log.
    public var asOfSize: UInt64?
    /// The deepest a TRACE or PATHS may go, whatever its DEPTH says (a deeper one is cut there,
    /// and says so).
    public var maxDepth: Int
    /// The most entry bytes the rows of one EVENTS may hold (entries are up to 256 KiB each),
    /// and the most bytes of group values the rows of one COUNT may hold: past it the answer
    /// is cut, and says so.
    public var maxResultBytes: Int

    public init(
        parameters: [String: String] = [:], defaultLimit: Int = 1_000, maxRows: Int = 100_000,
        maxScannedEvents: Int = 5_000_000, timeLimitSeconds: Double = 30, now: Timestamp = .now(), asOfSize: UInt64? = nil,
        maxDepth: Int = 1_000, maxResultBytes: Int = 64 << 20
    ) {
        self.maxDepth = maxDepth
        self.maxResultBytes = maxResultBytes
        self.asOfSize = asOfSize
        self.parameters = parameters
        self.defaultLimit = defaultLimit
        self.maxRows = maxRows
        self.maxScannedEvents = maxScannedEvents
        self.timeLimitSeconds = timeLimitSeconds
        self.now = now
    }
}

/// Runs LQL against a ledger (docs/LQL.md).
public struct QueryEngine: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Parses and runs `source`. Throws ``LQLError`` for a query that cannot run (with its
    /// position), or the ledger's errors.
    public func run(_ source: String, options: QueryOptions = QueryOptions()) throws -> QueryResult {
        let statement = try Parser.parse(source)
        let binder = Binder(source: source, parameters: options.parameters, now: options.now, asOfSize: options.asOfSize)
        let graph = LineageGraph(ledger: ledger)
        switch statement {
        case .trace(let trace): return try run(trace, binder: binder, graph: graph, options: options)
        case .paths(let paths): return try run(paths, binder: binder, graph: graph, options: options)
        case .events(let events): return try run(events, binder: binder, options: options)
        case .count(let count): return try run(count, binder: binder, options: options)
        case .find(let find): return try run(find, binder: binder, graph: graph, options: options)
        case .tags(let tags): return try run(tags, binder: binder, graph: graph)
        }
    }

    private func limit(_ requested: Int?, _ options: QueryOptions) -> Int {
        min(requested ?? options.defaultLimit, options.maxRows)
    }

    // MARK: TRACE

    private func run(_ trace: TraceStatement, binder: Binder, graph: LineageGraph, options: QueryOptions) throws -> QueryResult {
        let start = try binder.node(trace.start)
        let view = try binder.view(trace.view, ledger: ledger).view
        let limit = limit(trace.limit, options)
        let traced = try positioned(trace.start, binder) { try graph.trace(from: start, TraceOptions(
            direction: trace.direction, maxDepth: min(trace.depth ?? 10, options.maxDepth), relations: trace.through.map(Set.init),
            nodeTypes: trace.only.map(Set.init), maxNodes: limit, view: view
        )) }
        var result = QueryResult(
            statement: "TRACE", columns: ["node", "type", "depth"],
            rows: traced.nodes.map { [.string($0.id.rawValue), .string(String($0.id.type)), .number(Double($0.depth))] },
            plan: "\(trace.direction.rawValue) breadth-first from \(start) through the edge index"
        )
        result.details["start"] = .string(start.rawValue)
        result.details["edges"] = .array(traced.edges.map(Self.json))
        result.truncation = traced.truncation?.description
        return result
    }

    // MARK: PATHS

    private func run(_ paths: PathsStatement, binder: Binder, graph: LineageGraph, options: QueryOptions) throws -> QueryResult {
        func matcher(_ set: NodeSet) throws -> NodeMatcher {
            switch set {
            case .node(let located): return .node(try binder.node(located))
            case .type(let type, let tags): return .type(type, taggedWith: Set(tags))
            case .any: return .any
            }
        }
        let view = try binder.view(paths.view, ledger: ledger).view
        let from = try matcher(paths.from)
        let to = try matcher(paths.to)
        let anchor: Located<LQLValue>? = if case .node(let located) = paths.from { located } else { nil }
        let found = try positioned(anchor, binder) {
            try graph.paths(from: from, to: to, PathOptions(
                avoiding: Set(paths.avoiding), through: Set(paths.through), maxDepth: min(paths.depth ?? 20, options.maxDepth),
                maxPaths: limit(paths.limit, options), view: view
            ))
        }
        var result = QueryResult(
            statement: "PATHS", columns: ["source", "target", "length", "path"],
            rows: found.paths.map { path in
                [
                    .string(path.source?.rawValue ?? ""), .string(path.target?.rawValue ?? ""), .number(Double(path.edges.count)),
                    .string(path.nodes.map(\.rawValue).joined(separator: " → ")),
                ]
            },
            plan: "depth-first over outgoing data edges" + (paths.avoiding.isEmpty ? "" : ", avoiding \(paths.avoiding.joined(separator: ", "))")
        )
        result.details["paths"] = .array(found.paths.map { .array($0.edges.map(Self.json)) })
        result.truncation = found.truncation?.description
        return result
    }

    // MARK: EVENTS

    private func run(_ events: EventsStatement, binder: Binder, options: QueryOptions) throws -> QueryResult {
        let (_, seqs, _) = try binder.view(events.view, ledger: ledger)
        let limit = limit(events.limit, options)
        let search = EventSearch(binder: binder, conditions: events.conditions)
        var rows: [[JSONValue]] = []
        var more = false
        var bytes = 0
        var tooLarge = false
        let (plan, stopped) = try search.run(
            ledger: ledger, seqs: seqs, newestFirst: events.newestFirst,
            budget: SearchBudget(maxScanned: options.maxScannedEvents, seconds: options.timeLimitSeconds)
        ) { fields in
            guard rows.count < limit else {
                more = true
                return false
            }
            bytes += fields.byteCount
            guard bytes <= options.maxResultBytes || rows.isEmpty else {
                tooLarge = true
                return false
            }
            rows.append(try Self.row(&fields))
            return true
        }
        var result = QueryResult(statement: "EVENTS", columns: Self.eventColumns, rows: rows, plan: plan)
        let cutForSize = tooLarge
            ? "the rows reached \(Self.sizeText(options.maxResultBytes)) of entries, the most one answer holds: narrow the query, or page with seq conditions"
            : nil
        result.truncation = stopped ?? cutForSize ?? (more ? Truncation.results(limit).description : nil)
        return result
    }

    static let eventColumns = ["seq", "time", "kind", "actor", "on_behalf_of", "inputs", "outputs", "attributes"]

    /// A byte limit as people read it: whole MiB, else bytes.
    static func sizeText(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    static func row(_ fields: inout EntryFields) throws -> [JSONValue] {
        let attributes = try fields.attributes()
        return [
            .number(Double(fields.seq)), .string(fields.timeText), .string(fields.kind), .string(fields.actorID),
            fields.onBehalfOf.map { .string($0) } ?? .null,
            .array(fields.inputs.map { .string($0) }), .array(fields.outputs.map { .string($0) }), .object(attributes),
        ]
    }

    // MARK: COUNT

    private func run(_ count: CountStatement, binder: Binder, options: QueryOptions) throws -> QueryResult {
        let (_, seqs, _) = try binder.view(count.view, ledger: ledger)
        let search = EventSearch(binder: binder, conditions: count.conditions)
        // Each group's count, and its values as text (for the order of the rows).
        var counts: [[JSONValue]: (count: Int, text: [String])] = [:]
        var tooManyGroups = false
        var groupBytes = 0
        var tooManyBytes = false
        let (plan, stopped) = try search.run(
            ledger: ledger, seqs: seqs, newestFirst: false,
            budget: SearchBudget(maxScanned: options.maxScannedEvents, seconds: options.timeLimitSeconds)
        ) { fields in
            let key = try count.groups.map { try Self.group($0, &fields) }
            if let known = counts[key] {
                counts[key] = (known.count + 1, known.text)
                return true
            }
            // The groups are the rows: no more of them, and no more bytes of them, than any
            // query may return (an attribute can hold a whole object).
            guard counts.count < options.maxRows else {
                tooManyGroups = true
                return false
            }
            let text = key.map(\.description)
            groupBytes += text.reduce(0) { $0 + $1.utf8.count }
            guard groupBytes <= options.maxResultBytes else {
                tooManyBytes = true
                return false
            }
            counts[key] = (1, text)
            return true
        }
        let rows = counts.sorted { lhs, rhs in
            lhs.value.text.lexicographicallyPrecedes(rhs.value.text)
        }.map { $0.key + [.number(Double($0.value.count))] }
        var result = QueryResult(statement: "COUNT", columns: count.groups.map(\.description) + ["count"], rows: rows, plan: plan)
        if tooManyGroups {
            result.truncation = "more than \(options.maxRows) groups, the most rows a query may return: the counts cover only the events read before that; group by fewer values"
        } else if tooManyBytes {
            result.truncation = "the groups' values reached \(Self.sizeText(options.maxResultBytes)), the most one answer holds: the counts cover only the events read before that; group by a smaller attribute"
        } else {
            result.truncation = stopped
        }
        return result
    }

    private static func group(_ grouping: Grouping, _ fields: inout EntryFields) throws -> JSONValue {
        switch grouping {
        case .kind: return .string(fields.kind)
        case .actor: return .string(fields.actorID)
        case .actorType: return .string(fields.actorType.rawValue)
        case .day: return .string(String(fields.timeText.prefix(10)))
        case .month: return .string(String(fields.timeText.prefix(7)))
        case .attribute(let path):
            var current: JSONValue? = .object(try fields.attributes())
            for key in path { current = current?[key] }
            return current ?? .null
        }
    }

    // MARK: FIND

    private func run(_ find: FindStatement, binder: Binder, graph: LineageGraph, options: QueryOptions) throws -> QueryResult {
        let view = try binder.view(find.view, ledger: ledger).view
        let findingOptions = FindingOptions(view: view, limit: limit(find.limit, options))
        let found: FindingResult
        let plan: String
        switch find.finder {
        case .withoutApproval(let kinds):
            let eventKinds = kinds.compactMap { try? EventKind($0) }  // the parser checked them
            found = try graph.actionsWithoutApproval(kinds: eventKinds, findingOptions)
            plan = "by_kind index \(kinds.joined(separator: ", ")), each checked against its request's approval trail"
        case .selfApprovals:
            found = try graph.selfApprovals(findingOptions)
            plan = "by_kind index approve, each checked against its request's requester"
        case .executionsAfter(let endings):
            found = try graph.executionsAfterEnding(
                endings: endings.isEmpty ? [] : Set(endings.compactMap { try? EventKind($0) }), includeUnapproved: endings.isEmpty, findingOptions
            )
            plan = "by_kind index execute, each checked against its request's approval trail"
        }
        var result = QueryResult(
            statement: "FIND", columns: ["seq", "time", "kind", "actor", "request", "reason"],
            rows: found.findings.map {
                [.number(Double($0.seq)), .string($0.time.description), .string($0.kind.rawValue), .string($0.actor.rawValue), $0.request.map { .string($0.rawValue) } ?? .null, .string($0.reason)]
            },
            plan: plan
        )
        result.truncation = found.truncation?.description
        return result
    }

    // MARK: TAGS

    private func run(_ tags: TagsStatement, binder: Binder, graph: LineageGraph) throws -> QueryResult {
        let node = try binder.node(tags.node)
        let view = try binder.view(tags.view, ledger: ledger).view
        let found = try positioned(tags.node, binder) { try graph.tags(of: node, view: view) }
        var rows: [[JSONValue]] = found.own.map { [.string($0.tag), .string("own"), .string(node.rawValue), .string("classified at seq \($0.seq)")] }
        rows += found.inherited.map { tag in
            [.string(tag.tag), .string("inherited"), .string(tag.source.rawValue), .string(([tag.source] + tag.path.map(\.to)).map(\.rawValue).joined(separator: " → "))]
        }
        var result = QueryResult(statement: "TAGS", columns: ["tag", "how", "source", "explanation"], rows: rows, plan: "own tags from the tags index; inherited by walking upstream, stopping at masking that covers the tag")
        result.details["paths"] = .object(Dictionary(found.inherited.map { ($0.tag, JSONValue.array($0.path.map(Self.json))) }) { first, _ in first })
        result.truncation = found.truncation?.description
        return result
    }

    /// Runs `body`, turning "no such node" into an error at the node's place in the query.
    private func positioned<R>(_ node: Located<LQLValue>?, _ binder: Binder, _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as LineageError {
            guard let node, case .unknownNode = error else { throw error }
            throw LQLError("\(error): check the id, or the AS OF point", at: node.location, length: node.length, in: binder.source)
        }
    }

    static func json(_ edge: LineageEdge) -> JSONValue {
        .object(["from": .string(edge.from.rawValue), "relation": .string(edge.relation), "to": .string(edge.to.rawValue), "firstSeq": .number(Double(edge.firstSeq))])
    }
}
