public import CustosLedger
import Foundation

/// One control's result in a bundle: the query that tested it and its exact text, the
/// population, the exceptions with their seqs, and a status. Written as
/// `controls/<slug>.json` and `controls/<slug>.csv`.
public struct ControlReport: Sendable {
    public enum Status: String, Sendable {
        case satisfied
        case notSatisfied = "not-satisfied"
    }

    /// One exception (or, for attempts, one refused attempt).
    public struct Item: Sendable {
        /// The event that is the exception; nil for a path (its edges carry seqs).
        public var seq: UInt64?
        /// The query's row, by column.
        public var row: [String: JSONValue]
        /// For a path: its edges, `from`, `relation`, `to`, `firstSeq`.
        public var edges: [JSONValue]
        /// Its row in the query's result.
        public var rowIndex: Int

        var jsonValue: JSONValue {
            var members = row
            if !edges.isEmpty { members["edges"] = .array(edges) }
            return .object(members)
        }
    }

    public let framework: EvidenceFramework
    public let control: ControlDefinition
    public let period: EvidencePeriod
    /// The `queries/` file's text, exactly.
    public let queryText: String
    public let plan: String
    public let truncation: String?
    /// Events of the population kinds in the period (all events when the control names none).
    public let populationCount: Int
    public let columns: [String]
    public let rows: [[JSONValue]]
    public let exceptions: [Item]
    /// Refused attempts, which show the gate working (attempt-reading controls only).
    public let blockedAttempts: [Item]
    public let status: Status
    public let statusReason: String

    /// The file name stem under `controls/`.
    public var fileStem: String { "controls/" + control.slug }

    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "framework": .string(framework.rawValue),
            "control": .string(control.id),
            "title": .string(control.title),
            "wording": .string(control.wording),
            "period": ["from": .string(period.from), "to": .string(period.to)],
            "query": [
                "file": .string(control.queryFile), "text": .string(queryText),
                "parameters": ["from": .string(period.from), "to": .string(period.to)],
                "plan": .string(plan), "truncated": truncation.map(JSONValue.string) ?? false,
            ],
            "reading": .string(control.reading.rawValue),
            "exceptionCheck": .string(control.exceptionCheck.rawValue),
            "population": ["kinds": .array(control.populationKinds.map(JSONValue.string)), "count": .number(Double(populationCount))],
            "columns": .array(columns.map(JSONValue.string)),
            "rowCount": .number(Double(rows.count)),
            "exceptions": .array(exceptions.map(\.jsonValue)),
            "exceptionCount": .number(Double(exceptions.count)),
            "status": .string(status.rawValue),
            "reason": .string(statusReason),
        ]
        if control.reading == .attempts { members["blockedAttempts"] = .array(blockedAttempts.map(\.jsonValue)) }
        if control.reading == .population { members["rows"] = .array(rows.map { row in .object(Dictionary(zip(columns, row).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })) }) }
        return .object(members)
    }

    /// The query's rows as CSV (RFC 4180), with a last column saying which are exceptions.
    public var csv: String {
        let exceptionRows = Set(exceptions.map(\.rowIndex))
        var lines = [(columns + ["exception"]).map(Self.field).joined(separator: ",")]
        for (index, row) in rows.enumerated() {
            let cells = row.map { value -> String in
                switch value {
                case .null: return ""
                case .string(let text): return text
                default: return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
                }
            }
            lines.append((cells + [exceptionRows.contains(index) ? "yes" : "no"]).map(Self.field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
