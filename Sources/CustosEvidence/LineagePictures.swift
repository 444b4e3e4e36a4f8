import CustosLedger
import CustosLineage
import Foundation

/// Pictures of the flows behind exceptions, as inline SVG laid out here: where the data came
/// from (a few steps upstream, through masking or not), the request and who decided it, and
/// the step that is the exception, drawn as the log stood at the bundle's checkpoint.
struct LineagePictures {
    let ledger: Ledger
    let graph: LineageGraph
    let view: GraphView

    init(ledger: Ledger, treeSize: UInt64) throws {
        self.ledger = ledger
        graph = LineageGraph(ledger: ledger)
        view = GraphView(asOfSize: treeSize)
    }

    struct Edge: Hashable {
        let from: String
        let relation: String
        let to: String
        /// The edge that is the exception, drawn in red.
        var flagged: Bool
    }

    /// The picture for one exception, or nil when there is nothing to draw.
    func picture(for item: ControlReport.Item) -> String? {
        var edges: [Edge] = []
        if !item.edges.isEmpty {
            // A path: its edges, the last one (reaching the export) flagged.
            for (index, edge) in item.edges.enumerated() {
                guard let from = edge["from"]?.stringValue, let to = edge["to"]?.stringValue else { continue }
                edges.append(Edge(from: from, relation: edge["relation"]?.stringValue ?? "", to: to, flagged: index == item.edges.count - 1))
            }
        } else if let seq = item.seq, let entry = try? ledger.entry(at: seq) {
            edges = (try? flow(around: entry, request: item.row["request"]?.stringValue)) ?? []
        }
        guard !edges.isEmpty else { return nil }
        return Self.svg(edges)
    }

    /// The event's own edges (flagged), what its inputs came from, and its request's trail.
    private func flow(around entry: LedgerEntry, request: String?) throws -> [Edge] {
        let event = entry.event
        var edges: [Edge] = []
        var seen = Set<Edge>()
        func add(_ edge: Edge) {
            var plain = edge
            plain.flagged = false
            if seen.insert(plain).inserted { edges.append(edge) }
        }
        let kind = event.kind.rawValue
        if event.outputs.isEmpty {
            for input in event.inputs { add(Edge(from: event.actor.id.rawValue, relation: kind, to: input.rawValue, flagged: true)) }
        } else {
            for output in event.outputs {
                for input in event.inputs where input != output { add(Edge(from: input.rawValue, relation: kind, to: output.rawValue, flagged: true)) }
                if event.inputs.isEmpty { add(Edge(from: event.actor.id.rawValue, relation: kind, to: output.rawValue, flagged: true)) }
            }
        }
        for input in event.inputs where !input.hasType("request") {
            var options = TraceOptions(direction: .upstream, maxDepth: 3, maxNodes: 16, view: view)
            options.relations = nil
            guard let trace = try? graph.trace(from: input, options) else { continue }
            for edge in trace.edges { add(Edge(from: edge.from.rawValue, relation: edge.relation, to: edge.to.rawValue, flagged: false)) }
        }
        let requestID = request.flatMap { try? NodeID($0) } ?? event.inputs.first { $0.hasType("request") }
        if let requestID {
            let trail = try ledger.withSnapshot { try graph.approvalTrail(of: requestID, view: view, in: $0) }
            if let asked = trail.requestEvent {
                add(Edge(from: asked.event.actor.id.rawValue, relation: "request", to: requestID.rawValue, flagged: false))
            }
            for decision in trail.decisions.prefix(6) {
                add(Edge(from: decision.event.actor.id.rawValue, relation: decision.event.kind.rawValue, to: requestID.rawValue, flagged: false))
            }
            if !event.inputs.contains(requestID), let target = event.outputs.first ?? event.inputs.first {
                add(Edge(from: requestID.rawValue, relation: "behind", to: target.rawValue, flagged: false))
            }
        }
        return Array(edges.prefix(40))
    }

    // MARK: Layout

    /// Columns by longest path from a source, rows in order of appearance.
    static func svg(_ edges: [Edge]) -> String {
        var nodes: [String] = []
        var index: [String: Int] = [:]
        for edge in edges {
            for node in [edge.from, edge.to] where index[node] == nil {
                index[node] = nodes.count
                nodes.append(node)
            }
        }
        var column = [Int](repeating: 0, count: nodes.count)
        // Longest-path layering; a cycle stops growing after as many rounds as nodes.
        for _ in 0..<nodes.count {
            var changed = false
            for edge in edges {
                guard let from = index[edge.from], let to = index[edge.to], from != to else { continue }
                if column[to] < column[from] + 1 && column[from] + 1 < nodes.count {
                    column[to] = column[from] + 1
                    changed = true
                }
            }
            if !changed { break }
        }
        let width = 200, height = 34, gap = 70, rowGap = 14, margin = 10
        var rowsInColumn: [Int: Int] = [:]
        var place: [(x: Int, y: Int)] = []
        for node in 0..<nodes.count {
            let row = rowsInColumn[column[node], default: 0]
            rowsInColumn[column[node]] = row + 1
            place.append((margin + column[node] * (width + gap), margin + row * (height + rowGap)))
        }
        let totalWidth = margin * 2 + ((column.max() ?? 0) + 1) * width + (column.max() ?? 0) * gap
        let totalHeight = margin * 2 + (rowsInColumn.values.max() ?? 1) * (height + rowGap) - rowGap
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" viewBox=\"0 0 \(totalWidth) \(totalHeight)\" width=\"\(totalWidth)\" height=\"\(totalHeight)\" role=\"img\">"
        for edge in edges {
            guard let from = index[edge.from], let to = index[edge.to] else { continue }
            let (x1, y1) = (place[from].x + width, place[from].y + height / 2)
            let (x2, y2) = (place[to].x, place[to].y + height / 2)
            let backwards = x2 <= x1
            let middle = (x1 + x2) / 2
            let path = backwards
                ? "M\(x1),\(y1) C\(x1 + 40),\(y1 - 40) \(x2 - 40),\(y2 - 40) \(x2),\(y2)"
                : "M\(x1),\(y1) C\(middle),\(y1) \(middle),\(y2) \(x2),\(y2)"
            let style = edge.flagged ? "edge flagged" : (edge.relation == "mask" ? "edge masked" : "edge")
            svg += "<path class=\"\(style)\" d=\"\(path)\"/>"
            svg += "<text class=\"relation\" x=\"\(backwards ? (x1 + x2) / 2 : middle)\" y=\"\((y1 + y2) / 2 - 4)\" text-anchor=\"middle\">\(escape(edge.relation))</text>"
        }
        for (node, id) in nodes.enumerated() {
            let type = id.split(separator: ":", maxSplits: 1).first.map(String.init) ?? "node"
            let label = id.count > 28 ? String(id.prefix(13)) + "…" + String(id.suffix(14)) : id
            svg += "<g class=\"node \(escape(type))\"><title>\(escape(id))</title>"
            svg += "<rect x=\"\(place[node].x)\" y=\"\(place[node].y)\" width=\"\(width)\" height=\"\(height)\" rx=\"6\"/>"
            svg += "<text x=\"\(place[node].x + 8)\" y=\"\(place[node].y + height / 2 + 4)\">\(escape(label))</text></g>"
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
