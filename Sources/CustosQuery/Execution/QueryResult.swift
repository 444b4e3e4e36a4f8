public import CustosLedger

/// The answer to a query: rows under named columns, plus structured details (a trace's
/// edges, a path's hops), how it was answered, and whether it was cut short.
public struct QueryResult: Sendable {
    /// TRACE, PATHS, EVENTS, COUNT, FIND or TAGS.
    public var statement: String
    public var columns: [String]
    public var rows: [[JSONValue]]
    /// More than the rows say, for JSON output: e.g. every edge a trace walked.
    public var details: [String: JSONValue] = [:]
    /// Why the answer is incomplete, if it is: never a silent cut.
    public var truncation: String?
    /// How the engine answered, e.g. "by_actor index agent:etl-bot, seq 0..<1000, newest first".
    public var plan: String

    public init(statement: String, columns: [String], rows: [[JSONValue]] = [], plan: String) {
        self.statement = statement
        self.columns = columns
        self.rows = rows
        self.plan = plan
    }

    /// The rows as objects keyed by column.
    public var rowObjects: [JSONValue] {
        // The parser refuses repeated columns; should one slip through, the first value stands.
        rows.map { row in .object(Dictionary(zip(columns, row).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })) }
    }

    /// The whole result as one JSON object.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "statement": .string(statement), "columns": .array(columns.map { .string($0) }),
            "rows": .array(rowObjects), "count": .number(Double(rows.count)), "plan": .string(plan),
            "truncated": truncation.map { .string($0) } ?? .bool(false),
        ]
        for (key, value) in details { members[key] = value }
        return .object(members)
    }
}

/// Renders results for people and programs.
public enum ResultFormat: String, Sendable, CaseIterable {
    case json, ndjson, table

    /// The result in this format, ending with a newline.
    public func render(_ result: QueryResult) -> String {
        switch self {
        case .json:
            return result.jsonValue.description + "\n"
        case .ndjson:
            var lines = result.rowObjects.map(\.description)
            if let truncation = result.truncation { lines.append(JSONValue.object(["truncated": .string(truncation)]).description) }
            return lines.map { $0 + "\n" }.joined()
        case .table:
            return table(result)
        }
    }

    private func table(_ result: QueryResult) -> String {
        func cell(_ value: JSONValue) -> String {
            switch value {
            case .string(let text): return text
            case .null: return ""
            case .array(let elements): return elements.map(cell).joined(separator: ", ")
            default: return value.description
            }
        }
        let maxWidth = 60
        let cells = result.rows.map { $0.map { text in
            let full = cell(text).replacingOccurrences(of: "\n", with: " ")
            return full.count > maxWidth ? String(full.prefix(maxWidth - 1)) + "…" : full
        } }
        var widths = result.columns.map(\.count)
        for row in cells { for (index, text) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], text.count) } }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        var output = line(result.columns)
        output += line(widths.map { String(repeating: "-", count: $0) })
        for row in cells { output += line(row) }
        output += "(\(result.rows.count) row\(result.rows.count == 1 ? "" : "s"))\n"
        if let truncation = result.truncation { output += "truncated: \(truncation)\n" }
        return output
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
