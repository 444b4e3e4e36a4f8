import CustosLineage

/// Statements printed back as normalized LQL: keywords upper-case, clauses in grammar order,
/// one space between tokens. Parsing the printed text gives the same statement, which is
/// what the golden tests check.
extension Statement: CustomStringConvertible {
    public var description: String {
        switch self {
        case .trace(let trace):
            var parts = ["TRACE", trace.direction == .upstream ? "UPSTREAM" : "DOWNSTREAM", "FROM", trace.start.value.lql]
            if let depth = trace.depth { parts += ["DEPTH", String(depth)] }
            if let through = trace.through { parts += ["THROUGH", through.joined(separator: ", ")] }
            if let only = trace.only { parts += ["ONLY", only.joined(separator: ", ")] }
            if let limit = trace.limit { parts += ["LIMIT", String(limit)] }
            return (parts + trace.view.lql).joined(separator: " ")
        case .paths(let paths):
            var parts = ["PATHS", "FROM", paths.from.lql, "TO", paths.to.lql]
            if !paths.avoiding.isEmpty { parts += ["AVOIDING", paths.avoiding.joined(separator: ", ")] }
            if !paths.through.isEmpty { parts += ["THROUGH", paths.through.joined(separator: ", ")] }
            if let depth = paths.depth { parts += ["DEPTH", String(depth)] }
            if let limit = paths.limit { parts += ["LIMIT", String(limit)] }
            return (parts + paths.view.lql).joined(separator: " ")
        case .events(let events):
            var parts = ["EVENTS"] + Condition.lql(events.conditions)
            parts.append(events.newestFirst ? "NEWEST FIRST" : "OLDEST FIRST")
            if let limit = events.limit { parts += ["LIMIT", String(limit)] }
            return (parts + events.view.lql).joined(separator: " ")
        case .count(let count):
            var parts = ["COUNT EVENTS"] + Condition.lql(count.conditions)
            if !count.groups.isEmpty {
                parts += ["BY", count.groups.map { group in
                    if case .attribute = group { return group.description }
                    return group.description.uppercased()
                }.joined(separator: ", ")]
            }
            return (parts + count.view.lql).joined(separator: " ")
        case .find(let find):
            var parts = ["FIND"]
            switch find.finder {
            case .withoutApproval(let kinds): parts += [kinds.joined(separator: ", "), "WITHOUT APPROVAL"]
            case .selfApprovals: parts.append("SELF APPROVALS")
            case .executionsAfter(let endings) where endings.isEmpty: parts.append("EXECUTIONS WITHOUT APPROVAL")
            case .executionsAfter(let endings):
                parts += ["EXECUTIONS AFTER", endings.map { ["deny": "DENIAL", "expire": "EXPIRY", "revoke": "REVOCATION"][$0] ?? $0 }.joined(separator: ", ")]
            }
            if let limit = find.limit { parts += ["LIMIT", String(limit)] }
            return (parts + find.view.lql).joined(separator: " ")
        case .tags(let tags):
            return (["TAGS OF", tags.node.value.lql] + tags.view.lql).joined(separator: " ")
        }
    }
}

extension LQLValue {
    var lql: String {
        switch self {
        case .string(let text): return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .time(let text), .relativeTime(let text), .word(let text): return text
        case .parameter(let name): return "$" + name
        }
    }
}

extension NodeSet {
    var lql: String {
        switch self {
        case .node(let located): return located.value.lql
        case .type(let type, let tags): return tags.isEmpty ? type : "\(type) TAGGED \(tags.joined(separator: ", "))"
        case .any: return "ANY"
        }
    }
}

extension ViewClause {
    var lql: [String] {
        var parts: [String] = []
        switch asOf {
        case .checkpoint(let value): parts += ["AS OF CHECKPOINT", value.value.lql]
        case .seq(let value): parts += ["AS OF SEQ", value.value.lql]
        case .time(let value): parts += ["AS OF", value.value.lql]
        case nil: break
        }
        if let from {
            if let to { parts += ["DURING", from.value.lql, "TO", to.value.lql] } else { parts += ["SINCE", from.value.lql] }
        }
        return parts
    }
}

extension Condition {
    static func lql(_ conditions: [Condition]) -> [String] {
        guard !conditions.isEmpty else { return [] }
        return ["WHERE", conditions.map(\.lql).joined(separator: " AND ")]
    }

    var lql: String {
        switch test {
        case .compare(let comparison, let value): return "\(field) \(comparison.rawValue) \(value.value.lql)"
        case .oneOf(let values): return "\(field) IN (\(values.map(\.value.lql).joined(separator: ", ")))"
        case .missing(let missing): return "\(field) IS \(missing ? "" : "NOT ")MISSING"
        }
    }
}
