public import CustosLedger

/// Turns OpenLineage events (spec 2-0-2: RunEvent, DatasetEvent, JobEvent) into ledger
/// events on the same lineage graph (docs/LINEAGE.md, "OpenLineage").
///
/// - Datasets become `dataset:NAMESPACE:NAME`, jobs `job:NAMESPACE:NAME`, runs `run:RUNID`,
///   columns `field:NAMESPACE:NAME#COLUMN`: the node ids Marquez uses.
/// - A RunEvent becomes one event: `transform` for COMPLETE, `run.start`, `run.running`,
///   `run.fail`, `run.abort` or `run.other` otherwise, with the input datasets as inputs and
///   the output datasets as outputs; the job is linked by explicit edges
///   `input —job.input→ job` and `job —job.output→ output`.
/// - The `columnLineage` facet becomes explicit field edges: `mask` when a transformation is
///   masking (or the field's type is MASKED), the event's kind otherwise.
///   Column lineage too wide for one event (an event names at most 1,000 nodes) continues in
///   `column.lineage` events appended with it, so that no detail sinks the event.
/// - FAIL and ABORT record the inputs the job read (`job.input`) but no data reaching the
///   outputs: no `job.output` edge, no column lineage.
/// - `lifecycleStateChange` facets are kept in the attributes, per output.
/// - The client event id holds the SHA-256 of the event's canonical JSON
///   (`openlineage:RUNID:EVENTTYPE:HASH`, `openlineage:dataset:HASH`, `openlineage:job:HASH`),
///   so a resent event is recorded once and two different events never collide.
public enum OpenLineageMapper {
    /// The event for one OpenLineage event, recorded as done by `actor` (the authenticated
    /// sender, never a name taken from the payload): the first of ``events(from:actor:)``.
    public static func event(from value: JSONValue, actor: Actor) throws(LineageError) -> Event {
        guard let first = try events(from: value, actor: actor).first else { throw .invalidOpenLineage("the event maps to nothing") }
        return first
    }

    /// The ledger events for one OpenLineage event: one, then `column.lineage` events when its
    /// column lineage does not fit in it. Append them together.
    public static func events(from value: JSONValue, actor: Actor) throws(LineageError) -> [Event] {
        guard case .object(let root) = value else { throw .invalidOpenLineage("an OpenLineage event must be a JSON object") }
        // Emitters send times with an offset; a time without one is taken as UTC.
        var eventTime = root["eventTime"]?.stringValue
        if let text = eventTime {
            guard let time = Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text + "Z") else {
                throw .invalidOpenLineage("eventTime \"\(text)\" is not an ISO 8601 time")
            }
            eventTime = time.description
        }
        var openLineage: [String: JSONValue] = [:]
        for key in ["eventType", "eventTime", "producer", "schemaURL"] { if let value = root[key] { openLineage[key] = value } }
        // What the sender sent, exactly: a retry has the same, any other event differs.
        let contentHash = String(Hash256.sha256(CanonicalJSON.encode(value)).description.prefix(32))

        if case .object(let dataset)? = root["dataset"], root["run"] == nil {
            // A DatasetEvent: metadata about one dataset.
            let node = try datasetNode(dataset, at: "dataset")
            openLineage["dataset"] = .object(["namespace": dataset["namespace"] ?? .null, "name": dataset["name"] ?? .null])
            return [try build(
                kind: "dataset.change", actor: actor, inputs: [], outputs: [node], edges: [], attributes: ["openlineage": .object(openLineage)],
                clientEventID: "openlineage:dataset:\(contentHash)", clientTime: eventTime
            )]
        }

        guard case .object(let job)? = root["job"], let jobNamespace = job["namespace"]?.stringValue, let jobName = job["name"]?.stringValue else {
            throw .invalidOpenLineage("job.namespace and job.name are required")
        }
        let jobNode = try node("job", jobNamespace + ":" + jobName, at: "job")
        openLineage["job"] = .object(["namespace": .string(jobNamespace), "name": .string(jobName)])
        let inputs = try datasets(root["inputs"], at: "inputs")
        let outputs = try datasets(root["outputs"], at: "outputs")

        var edges: [ExplicitEdge] = inputs.map { ExplicitEdge(from: $0.node, to: jobNode, relation: "job.input") }
        edges += outputs.map { ExplicitEdge(from: jobNode, to: $0.node, relation: "job.output") }

        var kind: EventKind = "job.definition"
        var clientEventID = "openlineage:job:\(contentHash)"
        if case .object(let run)? = root["run"] {
            guard let runID = run["runId"]?.stringValue, !runID.isEmpty else { throw .invalidOpenLineage("run.runId is required") }
            let eventType = root["eventType"]?.stringValue?.uppercased() ?? "OTHER"
            kind = switch eventType {
            case "COMPLETE": .transform
            case "START": "run.start"
            case "RUNNING": "run.running"
            case "FAIL": "run.fail"
            case "ABORT": "run.abort"
            default: "run.other"
            }
            openLineage["run"] = .object(["runId": .string(runID)])
            edges.append(ExplicitEdge(from: try node("run", runID, at: "run.runId"), to: jobNode, relation: "run.of"))
            clientEventID = "openlineage:\(runID):\(eventType):\(contentHash)"
        }
        // A failed or aborted run wrote nothing: its outputs get no edge that data could follow.
        let nothingFlowed = kind == "run.fail" || kind == "run.abort"
        if nothingFlowed { edges.removeAll { $0.relation == "job.output" } }
        var fieldEdges: [ExplicitEdge] = []

        // Column lineage and lifecycle changes, from the output datasets' facets.
        var lifecycle: [String: JSONValue] = [:]
        for output in outputs {
            if case .object(let change)? = output.facets["lifecycleStateChange"], let state = change["lifecycleStateChange"] {
                lifecycle[output.node.rawValue] = state
            }
            guard !nothingFlowed, case .object(let columnLineage)? = output.facets["columnLineage"], case .object(let fields)? = columnLineage["fields"] else { continue }
            for (field, lineage) in fields.sorted(by: { $0.key < $1.key }) {
                guard case .object(let lineage) = lineage else { continue }
                let target = try node("field", output.id + "#" + field, at: "columnLineage.\(field)")
                let maskedField = lineage["transformationType"]?.stringValue?.uppercased() == "MASKED"
                guard case .array(let inputFields)? = lineage["inputFields"] else { continue }
                for inputField in inputFields {
                    guard case .object(let source) = inputField, let namespace = source["namespace"]?.stringValue,
                          let name = source["name"]?.stringValue, let column = source["field"]?.stringValue
                    else { throw .invalidOpenLineage("columnLineage.\(field).inputFields needs namespace, name and field") }
                    var masking = maskedField
                    if case .array(let transformations)? = source["transformations"] {
                        masking = masking || transformations.contains { $0["masking"]?.boolValue == true }
                    }
                    let from = try node("field", namespace + ":" + name + "#" + column, at: "columnLineage.\(field)")
                    fieldEdges.append(ExplicitEdge(from: from, to: target, relation: masking ? .mask : kind))
                }
            }
        }
        var attributes: [String: JSONValue] = ["openlineage": .object(openLineage)]
        if !lifecycle.isEmpty { attributes["lifecycle"] = .object(lifecycle) }
        let noDataEdges = kind == "job.definition" || nothingFlowed
        let eventInputs = noDataEdges ? [] : inputs.map(\.node)
        let eventOutputs = noDataEdges ? [] : outputs.map(\.node)
        // An event names at most maxNodes nodes (an edge names two) and holds at most
        // maxEntryBytes: the column edges that do not fit continue in events of their own.
        let budget = EventLimits.standard.maxNodes
        let room = max(0, (budget - eventInputs.count - eventOutputs.count - 2 * edges.count) / 2)
        let first = Self.prefix(of: fieldEdges, edges: room, bytes: EventLimits.standard.maxEntryBytes / 2)
        var events = [try build(
            kind: kind, actor: actor, inputs: eventInputs, outputs: eventOutputs,
            edges: edges + first, attributes: attributes, clientEventID: clientEventID, clientTime: eventTime
        )]
        var rest = fieldEdges.dropFirst(first.count)
        var part = 1
        while !rest.isEmpty {
            let chunk = Self.prefix(of: rest, edges: budget / 2, bytes: EventLimits.standard.maxEntryBytes * 3 / 4)
            rest = rest.dropFirst(chunk.count)
            events.append(try build(
                kind: "column.lineage", actor: actor, inputs: [], outputs: [], edges: chunk,
                attributes: ["openlineage": .object(openLineage), "part": .number(Double(part))],
                clientEventID: clientEventID + ":columns:\(part)", clientTime: eventTime
            ))
            part += 1
        }
        return events
    }

    // MARK: Helpers

    /// The first of `edges`, at most `count` and about `bytes` of JSON; at least one.
    private static func prefix(of edges: some Collection<ExplicitEdge>, edges count: Int, bytes: Int) -> [ExplicitEdge] {
        var taken: [ExplicitEdge] = []
        var size = 0
        for edge in edges.prefix(count) {
            // {"from":"…","relation":"…","to":"…"}, with room for escapes.
            let cost = 40 + 2 * (edge.from.rawValue.utf8.count + edge.to.rawValue.utf8.count) + (edge.relation?.rawValue.utf8.count ?? 0)
            if !taken.isEmpty && size + cost > bytes { break }
            taken.append(edge)
            size += cost
        }
        return taken
    }

    private struct Dataset {
        var node: NodeID
        /// NAMESPACE:NAME
        var id: String
        var facets: [String: JSONValue]
    }

    private static func datasets(_ value: JSONValue?, at path: String) throws(LineageError) -> [Dataset] {
        guard let value else { return [] }
        guard case .array(let elements) = value else { throw .invalidOpenLineage("\(path) must be an array") }
        var result: [Dataset] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let dataset) = element else { throw .invalidOpenLineage("\(path)[\(index)] must be an object") }
            let node = try datasetNode(dataset, at: "\(path)[\(index)]")
            result.append(Dataset(node: node, id: String(node.name), facets: dataset["facets"]?.objectValue ?? [:]))
        }
        return result
    }

    private static func datasetNode(_ dataset: [String: JSONValue], at path: String) throws(LineageError) -> NodeID {
        guard let namespace = dataset["namespace"]?.stringValue, let name = dataset["name"]?.stringValue else {
            throw .invalidOpenLineage("\(path) needs a namespace and a name")
        }
        return try node("dataset", namespace + ":" + name, at: path)
    }

    private static func node(_ type: String, _ name: String, at path: String) throws(LineageError) -> NodeID {
        do { return try NodeID(type: type, name: name) } catch { throw .invalidOpenLineage("\(path): \(error.reason)") }
    }

    private static func build(
        kind: EventKind, actor: Actor, inputs: [NodeID], outputs: [NodeID], edges: [ExplicitEdge],
        attributes: [String: JSONValue], clientEventID: String?, clientTime: String?
    ) throws(LineageError) -> Event {
        do {
            return try Event(kind: kind, actor: actor, inputs: inputs, outputs: outputs, attributes: attributes, clientEventID: clientEventID, clientTime: clientTime, edges: edges)
        } catch {
            throw .invalidOpenLineage(error.description)
        }
    }
}
