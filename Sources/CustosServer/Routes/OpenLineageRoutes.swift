import CustosLedger
import CustosLineage
import Foundation
import Hummingbird
import NIOCore

/// OpenLineage compatibility: the endpoints an OpenLineage HTTP transport posts to, and the
/// Marquez lineage graph that OpenLineage tools read.
enum OpenLineageRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        routes.add(.post, "/api/v1/lineage") { request, context in
            let value = try await state.json(of: request)
            return EventRoutes.reply(try await ingest([value], context, state), single: true)
        }
        routes.add(.post, "/api/v1/lineage/batch") { request, context in
            let value = try await state.json(of: request)
            let events: [JSONValue]
            switch value {
            case .array(let elements): events = elements
            case .object(let members):
                guard case .array(let elements)? = members["events"] else {
                    throw APIError.badRequest("invalid_openlineage", "a batch is a JSON array of events, or {\"events\": [...]}")
                }
                events = elements
            default:
                throw APIError.badRequest("invalid_openlineage", "a batch is a JSON array of events, or {\"events\": [...]}")
            }
            guard !events.isEmpty else { throw APIError.badRequest("invalid_openlineage", "the batch holds no event") }
            guard events.count <= state.limits.maxBatchEvents else { throw APIError.tooLarge("a batch of \(events.count) events", limit: state.limits.maxBatchEvents) }
            return EventRoutes.reply(try await ingest(events, context, state), single: false)
        }
        routes.add(.get, "/api/v1/lineage") { request, _ in try graph(request, state) }
    }

    /// Maps OpenLineage events to ledger events, with the authenticated sender as the actor.
    static func ingest(_ values: [JSONValue], _ context: CustosRequestContext, _ state: ServerState) async throws -> [AppendReceipt] {
        guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no identity") }
        let actor = try principal.actor()
        var events: [Event] = []
        // Where each OpenLineage event's own entry is: wide column lineage adds entries after it.
        var firsts: [Int] = []
        for (index, value) in values.enumerated() {
            do {
                firsts.append(events.count)
                events += try OpenLineageMapper.events(from: value, actor: actor)
            } catch {
                throw APIError.badRequest("invalid_openlineage", values.count == 1 ? "\(error)" : "event \(index): \(error)", hint: "send OpenLineage 2-0-2 RunEvents, DatasetEvents or JobEvents")
            }
        }
        state.metrics.appendBatch(events.count)
        let receipts: [AppendReceipt]
        do {
            receipts = try await state.ledger.append(contentsOf: events)
        } catch LedgerError.invalidEvent(let index, let error) {
            // The ledger counts the entries the events became; the sender counts its events.
            throw LedgerError.invalidEvent(index: sourceIndex(ofEntry: index, firsts: firsts), error)
        } catch LedgerError.batchTooLarge(let count, let limit) where count > values.count {
            throw APIError.tooLarge(
                "the \(values.count) OpenLineage events, \(count) entries with their column lineage,", limit: limit
            )
        }
        return firsts.compactMap { receipts.indices.contains($0) ? receipts[$0] : nil }
    }

    /// Which of the sent events the entry at `index` of the mapped batch came from: the last
    /// whose first entry is at or before it.
    static func sourceIndex(ofEntry index: Int, firsts: [Int]) -> Int {
        var low = 0
        var high = firsts.count
        while low < high {
            let middle = (low + high) / 2
            if firsts[middle] <= index { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }

    /// `?nodeId=dataset:NS:NAME&depth=N`: the datasets and jobs around the node, up and down to
    /// `depth` steps, each with its in- and out-edges, as Marquez answers.
    static func graph(_ request: Request, _ state: ServerState) throws -> Response {
        guard let nodeText = request.text("nodeId") else {
            throw APIError.badRequest("invalid_parameter", "nodeId is required, e.g. ?nodeId=dataset:food_delivery:public.orders")
        }
        let node: NodeID
        do { node = try NodeID(nodeText) } catch { throw APIError.badRequest("invalid_parameter", "nodeId: \(error)") }
        let depth = try request.integer("depth", in: 1...state.limits.maxTraceDepth) ?? min(20, state.limits.maxTraceDepth)
        var edges = Set<LineageEdge>()
        var nodes: Set<NodeID> = [node]
        do {
            for direction in [LineageDirection.upstream, .downstream] {
                let trace = try state.graph.trace(from: node, TraceOptions(direction: direction, maxDepth: depth, maxNodes: state.limits.maxTraceNodes))
                nodes.formUnion(trace.nodes.map(\.id))
                edges.formUnion(trace.edges)
            }
        } catch let error as LineageError {
            throw APIError.notFound("\(error)", hint: "Marquez ids are dataset:NAMESPACE:NAME or job:NAMESPACE:NAME")
        }
        let ledger = state.ledger
        let (shownNodes, shownEdges) = marquezView(around: node, nodes: nodes, edges: edges) { seq in
            // An entry that cannot be read counts as custos's own: its edge is shown.
            (try? ledger.entry(at: seq))?.event.clientEventID?.hasPrefix("openlineage:") == true
        }
        var incoming: [NodeID: [MarquezEdge]] = [:]
        var outgoing: [NodeID: [MarquezEdge]] = [:]
        for edge in shownEdges {
            incoming[edge.destination, default: []].append(edge)
            outgoing[edge.origin, default: []].append(edge)
        }
        let graph: [JSONValue] = shownNodes.sorted().map { id in
            let type = String(id.type)
            var data: [String: JSONValue]
            if let (namespace, name) = marquezParts(of: String(id.name)) {
                // As Marquez answers: the id is the pair.
                data = ["id": .object(["namespace": .string(namespace), "name": .string(name)]), "namespace": .string(namespace), "name": .string(name)]
            } else {
                data = ["id": .string(id.rawValue), "name": .string(String(id.name))]
            }
            return .object([
                "id": .string(id.rawValue), "type": .string(type == "job" ? "JOB" : typesMarquezLeavesOut.contains(type) ? type.uppercased() : "DATASET"),
                "data": .object(data),
                "inEdges": .array((incoming[id] ?? []).sorted { $0.origin < $1.origin }.map(\.jsonValue)),
                "outEdges": .array((outgoing[id] ?? []).sorted { $0.destination < $1.destination }.map(\.jsonValue)),
            ])
        }
        return Reply.json(.object(["graph": .array(graph)]))
    }

    /// Node types Marquez has no place for: runs, columns, requests and actors (they stay in
    /// `GET /v1/lineage`; a traced node of one of them keeps its type, in capitals). Every
    /// other type but `job` is drawn as a dataset: an export is a dataset outside, and a type
    /// of a user's own (`model:`) is data too.
    static let typesMarquezLeavesOut: Set<String> = ["run", "field", "request", "human", "agent", "service"]

    /// What Marquez would draw of a traced neighbourhood: datasets and jobs, and no
    /// `input → output` edge that an OpenLineage event recorded where a job links the two (the
    /// ledger records both; `recordedByOpenLineage` says whether the event at an edge's first
    /// seq was one). Edges between datasets that custos's own events recorded stay, a job
    /// between the same two or not. The traced node stays whatever its type. Edges are
    /// answered without their relation, so two edges between one pair are one.
    static func marquezView(
        around start: NodeID, nodes: Set<NodeID>, edges: Set<LineageEdge>, recordedByOpenLineage: (UInt64) -> Bool
    ) -> (nodes: Set<NodeID>, edges: [MarquezEdge]) {
        func shown(_ id: NodeID) -> Bool { id == start || !typesMarquezLeavesOut.contains(String(id.type)) }
        func isJob(_ id: NodeID) -> Bool { id.type == "job" }
        let kept = edges.filter { shown($0.from) && shown($0.to) }
        // The jobs each node feeds, and the jobs that write each node.
        var feeds: [NodeID: Set<NodeID>] = [:]
        var writtenBy: [NodeID: Set<NodeID>] = [:]
        for edge in kept {
            if isJob(edge.to) && !isJob(edge.from) { feeds[edge.from, default: []].insert(edge.to) }
            if isJob(edge.from) && !isJob(edge.to) { writtenBy[edge.to, default: []].insert(edge.from) }
        }
        var shownEdges = Set<MarquezEdge>()
        for edge in kept {
            if !isJob(edge.from), !isJob(edge.to), let jobs = feeds[edge.from], let writers = writtenBy[edge.to], !jobs.isDisjoint(with: writers),
               recordedByOpenLineage(edge.firstSeq) {
                continue
            }
            shownEdges.insert(MarquezEdge(origin: edge.from, destination: edge.to))
        }
        return (nodes.filter(shown), Array(shownEdges))
    }

    /// An edge as Marquez answers it: its two ends.
    struct MarquezEdge: Hashable {
        let origin: NodeID
        let destination: NodeID

        var jsonValue: JSONValue { .object(["origin": .string(origin.rawValue), "destination": .string(destination.rawValue)]) }
    }

    /// NAMESPACE and NAME of a Marquez node name, split as Marquez splits it: at the first
    /// colon that begins neither `//` nor a port, so that `postgres://db:5432:shop.orders`
    /// is `postgres://db:5432` and `shop.orders`. Nil when there is no such colon.
    static func marquezParts(of text: String) -> (namespace: String, name: String)? {
        let bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: ":") {
            let next = index + 1
            if next + 1 < bytes.count, bytes[next] == UInt8(ascii: "/"), bytes[next + 1] == UInt8(ascii: "/") { continue }
            if next < bytes.count, bytes[next] >= UInt8(ascii: "0"), bytes[next] <= UInt8(ascii: "9") { continue }
            guard index > 0, next < bytes.count else { return nil }
            return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[next...], as: UTF8.self))
        }
        return nil
    }
}
