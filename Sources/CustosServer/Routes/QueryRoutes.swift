import CustosLedger
import CustosLineage
import CustosQuery
import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/query` (LQL) and `GET /v1/lineage` (a trace).
enum QueryRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        routes.add(.post, "/v1/query") { request, _ in try await query(request, state) }
        routes.add(.get, "/v1/lineage") { request, _ in try lineage(request, state) }
    }

    /// The longest LQL text accepted: queries are lines, not documents.
    static let maxQueryTextBytes = 64 * 1024

    /// `{"query": "LQL", "params": {"from": "2026-01-01"}, "format": "json" | "ndjson"}`.
    static func query(_ request: Request, _ state: ServerState) async throws -> Response {
        let body = try await state.json(of: request)
        guard let text = body["query"]?.stringValue, !text.isEmpty else {
            throw APIError.badRequest("invalid_query", "the body needs \"query\": the LQL text", hint: #"{"query": "COUNT EVENTS BY kind"}"#)
        }
        guard text.utf8.count <= Self.maxQueryTextBytes else {
            throw APIError.tooLarge("the query text", limit: Self.maxQueryTextBytes)
        }
        var parameters: [String: String] = [:]
        if let params = body["params"] {
            guard case .object(let members) = params else { throw APIError.badRequest("invalid_query", "params must be an object of names to values") }
            for (name, value) in members {
                switch value {
                case .string(let text): parameters[name] = text
                case .number, .bool: parameters[name] = value.description
                default: throw APIError.badRequest("invalid_query", "the parameter \(name) must be a string, a number or a boolean")
                }
            }
        }
        let format = body["format"]?.stringValue ?? "json"
        guard format == "json" || format == "ndjson" else { throw APIError.badRequest("invalid_query", "format must be json or ndjson") }
        let limits = state.limits
        let options = QueryOptions(
            parameters: parameters, defaultLimit: min(1_000, limits.maxQueryRows), maxRows: limits.maxQueryRows, timeLimitSeconds: limits.queryTimeoutSeconds,
            maxDepth: limits.maxTraceDepth, maxResultBytes: limits.maxQueryBytes
        )
        let result = try state.engine.run(text, options: options)
        state.metrics.query(result.statement)
        if format == "ndjson" {
            return Reply.bytes(Array(ResultFormat.ndjson.render(result).utf8), contentType: Reply.ndjson)
        }
        return Reply.json(result.jsonValue)
    }

    /// `?node=…&direction=upstream|downstream&depth=10&asOf=SEQ&relations=transform,mask&types=export&limit=1000`.
    static func lineage(_ request: Request, _ state: ServerState) throws -> Response {
        let query = request.query
        guard let nodeText = query.text("node") else {
            throw APIError.badRequest("invalid_parameter", "node is required, e.g. ?node=export:s3://partner/q3.csv")
        }
        let node: NodeID
        do { node = try NodeID(nodeText) } catch { throw APIError.badRequest("invalid_parameter", "node: \(error)") }
        let direction: LineageDirection
        switch query.text("direction")?.lowercased() ?? "upstream" {
        case "upstream", "up": direction = .upstream
        case "downstream", "down": direction = .downstream
        case let other: throw APIError.badRequest("invalid_parameter", "direction must be upstream or downstream, not \(other)")
        }
        let limits = state.limits
        var options = TraceOptions(direction: direction)
        options.maxDepth = try query.integer("depth", in: 1...limits.maxTraceDepth) ?? min(10, limits.maxTraceDepth)
        options.maxNodes = try query.integer("limit", in: 1...limits.maxTraceNodes) ?? min(1_000, limits.maxTraceNodes)
        if let relations = query.text("relations") { options.relations = Set(relations.split(separator: ",").map(String.init)) }
        if let types = query.text("types") { options.nodeTypes = Set(types.split(separator: ",").map(String.init)) }
        if let asOf = query.text("asOf") {
            guard let size = UInt64(asOf) else { throw APIError.badRequest("invalid_parameter", "asOf must be a log size (a seq + 1, or a checkpoint's size)") }
            options.view = GraphView(asOfSize: size)
        }
        let trace: TraceResult
        do {
            trace = try state.graph.trace(from: node, options)
        } catch let error as LineageError {
            throw APIError.notFound("\(error)", hint: "check the node id, or the asOf point")
        }
        return Reply.json(traceJSON(trace))
    }

    static func traceJSON(_ trace: TraceResult) -> JSONWriter {
        var json = JSONWriter(capacity: 256 + 160 * (trace.nodes.count + trace.edges.count))
        writeTrace(trace, into: &json)
        return json
    }

    static func writeTrace(_ trace: TraceResult, into json: inout JSONWriter) {
        json.beginObject()
        json.key("start"); json.string(trace.start.rawValue)
        json.key("direction"); json.string(trace.direction.rawValue)
        json.key("count"); json.integer(trace.nodes.count)
        json.key("nodes"); json.beginArray()
        for node in trace.nodes {
            json.beginObject()
            json.key("id"); json.string(node.id.rawValue)
            json.key("depth"); json.integer(node.depth)
            json.endObject()
        }
        json.endArray()
        json.key("edges"); json.beginArray()
        for edge in trace.edges {
            json.beginObject()
            json.key("from"); json.string(edge.from.rawValue)
            json.key("relation"); json.string(edge.relation)
            json.key("to"); json.string(edge.to.rawValue)
            json.key("firstSeq"); json.integer(edge.firstSeq)
            json.endObject()
        }
        json.endArray()
        json.key("truncated")
        if let truncation = trace.truncation { json.string(truncation.description) } else { json.bool(false) }
        json.endObject()
    }
}
