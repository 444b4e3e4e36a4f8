import CustosLedger
import CustosLineage

/// A recursive-descent parser for LQL: one function per rule of the grammar in
/// docs/LQL.md. Keywords are case-insensitive; errors say what was expected, what was found,
/// where, and suggest the keyword meant when one is misspelt.
public struct Parser {
    private let source: String
    private var lexer: Lexer
    /// The token under consideration; tokens are read one at a time, so a mistake early in
    /// the query is reported before anything the lexer would stumble on later.
    private var current: Token

    /// Every keyword, for suggestions.
    static let keywords = [
        "TRACE", "UPSTREAM", "DOWNSTREAM", "FROM", "TO", "DEPTH", "THROUGH", "ONLY", "LIMIT", "PATHS", "AVOIDING", "ANY", "NODE",
        "TAGGED", "EVENTS", "WHERE", "AND", "OR", "IN", "IS", "NOT", "MISSING", "NEWEST", "OLDEST", "FIRST", "COUNT", "BY", "FIND",
        "WITHOUT", "APPROVAL", "SELF", "APPROVALS", "EXECUTIONS", "AFTER", "DENIAL", "EXPIRY", "REVOCATION", "TAGS", "OF", "AS",
        "CHECKPOINT", "SEQ", "DURING", "SINCE", "BETWEEN", "NOW", "TODAY",
    ]

    /// Parses one statement.
    public static func parse(_ source: String) throws(LQLError) -> Statement {
        var parser = try Parser(source: source)
        return try parser.query()
    }

    private init(source: String) throws(LQLError) {
        self.source = source
        lexer = Lexer(source)
        current = try lexer.nextToken()
    }

    // MARK: query = statement [ ";" ] EOF

    private mutating func query() throws(LQLError) -> Statement {
        let statement = try statement()
        _ = try accept(symbol: ";")
        guard case .end = current.kind else {
            throw error("expected the end of the query", found: current)
        }
        return statement
    }

    // MARK: statement = trace | paths | events | count | find | tags

    private mutating func statement() throws(LQLError) -> Statement {
        let starts = ["TRACE", "PATHS", "EVENTS", "COUNT", "FIND", "TAGS"]
        switch current.keyword {
        case "TRACE": return .trace(try trace())
        case "PATHS": return .paths(try paths())
        case "EVENTS": return .events(try events())
        case "COUNT": return .count(try count())
        case "FIND": return .find(try find())
        case "TAGS": return .tags(try tags())
        default: throw error("expected a statement (\(starts.joined(separator: ", ")))", found: current, among: starts)
        }
    }

    // MARK: trace = "TRACE" ("UPSTREAM" | "DOWNSTREAM") "FROM" node { trace_clause }

    private mutating func trace() throws(LQLError) -> TraceStatement {
        try expect("TRACE")
        let direction: LineageDirection
        switch current.keyword {
        case "UPSTREAM": direction = .upstream
        case "DOWNSTREAM": direction = .downstream
        default: throw error("expected a direction (UPSTREAM or DOWNSTREAM)", found: current, among: ["UPSTREAM", "DOWNSTREAM"])
        }
        try advance()
        try expect("FROM")
        var statement = TraceStatement(direction: direction, start: try node())
        while true {
            switch current.keyword {
            case "DEPTH": try advance(); statement.depth = try integer("a depth")
            case "THROUGH": try advance(); statement.through = try nameList("relations, e.g. transform, mask")
            case "ONLY": try advance(); statement.only = try nameList("node types, e.g. export")
            case "LIMIT": try advance(); statement.limit = try integer("a limit")
            default:
                if try viewClause(&statement.view) { continue }
                try expectClauseEnd(["DEPTH", "THROUGH", "ONLY", "LIMIT", "AS", "DURING", "SINCE", "BETWEEN"])
                return statement
            }
        }
    }

    // MARK: paths = "PATHS" "FROM" node_set "TO" node_set { path_clause }

    private mutating func paths() throws(LQLError) -> PathsStatement {
        try expect("PATHS")
        try expect("FROM")
        let from = try nodeSet()
        try expect("TO")
        var statement = PathsStatement(from: from, to: try nodeSet())
        while true {
            switch current.keyword {
            case "AVOIDING": try advance(); statement.avoiding = try nameList("relations, e.g. mask")
            case "THROUGH": try advance(); statement.through = try nameList("relations, e.g. mask")
            case "DEPTH": try advance(); statement.depth = try integer("a depth")
            case "LIMIT": try advance(); statement.limit = try integer("a limit")
            default:
                if try viewClause(&statement.view) { continue }
                try expectClauseEnd(["AVOIDING", "THROUGH", "DEPTH", "LIMIT", "AS", "DURING", "SINCE", "BETWEEN"])
                return statement
            }
        }
    }

    // MARK: node_set = node | "ANY" ["NODE"] | type [ "TAGGED" name_list ]

    private mutating func nodeSet() throws(LQLError) -> NodeSet {
        switch current.kind {
        case .string, .parameter:
            return .node(try node())
        case .word(let word):
            if word.uppercased() == "ANY" {
                try advance()
                if try !accept("NODE") { _ = try accept("NODES") }
                return .any
            }
            try advance()
            var tags: [String] = []
            if try accept("TAGGED") { tags = try nameList("tags, e.g. pii") }
            return .type(word.lowercased(), tagged: tags)
        default:
            throw error("expected a node id in quotes, a node type (dataset, export, …) or ANY", found: current)
        }
    }

    // MARK: events = "EVENTS" [ where ] [ order ] [ "LIMIT" integer ] { view_clause }

    private mutating func events() throws(LQLError) -> EventsStatement {
        try expect("EVENTS")
        var statement = EventsStatement()
        statement.conditions = try whereClause()
        while true {
            switch current.keyword {
            case "NEWEST": try advance(); try expect("FIRST"); statement.newestFirst = true
            case "OLDEST": try advance(); try expect("FIRST"); statement.newestFirst = false
            case "LIMIT": try advance(); statement.limit = try integer("a limit")
            default:
                if try viewClause(&statement.view) { continue }
                try expectClauseEnd(["WHERE", "NEWEST", "OLDEST", "LIMIT", "AS", "DURING", "SINCE", "BETWEEN"])
                return statement
            }
        }
    }

    // MARK: count = "COUNT" "EVENTS" [ where ] [ "BY" group { "," group } ] { view_clause }

    private mutating func count() throws(LQLError) -> CountStatement {
        try expect("COUNT")
        try expect("EVENTS")
        var statement = CountStatement()
        statement.conditions = try whereClause()
        while true {
            if try accept("BY") {
                repeat {
                    let token = current
                    let grouping = try grouping()
                    // Two groupings of one name would make two columns of one name.
                    guard !statement.groups.contains(grouping) else {
                        throw LQLError("\(grouping) is grouped by already", at: token.location, length: token.length, in: source, suggestion: nil)
                    }
                    statement.groups.append(grouping)
                } while try accept(symbol: ",")
                continue
            }
            if try viewClause(&statement.view) { continue }
            try expectClauseEnd(["WHERE", "BY", "AS", "DURING", "SINCE", "BETWEEN"])
            return statement
        }
    }

    private mutating func grouping() throws(LQLError) -> Grouping {
        guard case .word(let word) = current.kind else { throw error("expected a grouping (KIND, ACTOR, ACTOR_TYPE, DAY, MONTH or attributes.NAME)", found: current) }
        let lower = word.lowercased()
        let grouping: Grouping
        switch lower {
        case "kind": grouping = .kind
        case "actor": grouping = .actor
        case "actor_type": grouping = .actorType
        case "day": grouping = .day
        case "month": grouping = .month
        default:
            guard lower.hasPrefix("attributes.") else {
                throw error("expected a grouping (KIND, ACTOR, ACTOR_TYPE, DAY, MONTH or attributes.NAME)", found: current, among: ["KIND", "ACTOR", "ACTOR_TYPE", "DAY", "MONTH"])
            }
            grouping = .attribute(word.split(separator: ".").dropFirst().map(String.init))
        }
        try advance()
        return grouping
    }

    // MARK: where = "WHERE" condition { "AND" condition }

    private mutating func whereClause() throws(LQLError) -> [Condition] {
        guard try accept("WHERE") else { return [] }
        var conditions = [try condition()]
        while try accept("AND") { conditions.append(try condition()) }
        return conditions
    }

    // MARK: condition = field ( comparison value | "IN" "(" values ")" | "IS" ["NOT"] "MISSING" )

    private mutating func condition() throws(LQLError) -> Condition {
        let location = current.location
        let field = try eventField()
        if try accept("IN") {
            try expect(symbol: "(")
            var values = [try value()]
            while try accept(symbol: ",") { values.append(try value()) }
            try expect(symbol: ")")
            return Condition(field: field, test: .oneOf(values), location: location)
        }
        if try accept("IS") {
            let negated = try accept("NOT")
            try expect("MISSING")
            return Condition(field: field, test: .missing(!negated), location: location)
        }
        guard case .symbol(let symbol) = current.kind, let comparison = Comparison(rawValue: symbol) else {
            throw error("expected a comparison (=, !=, <, <=, >, >=), IN or IS MISSING after \(field)", found: current)
        }
        try advance()
        return Condition(field: field, test: .compare(comparison, try value()), location: location)
    }

    private mutating func eventField() throws(LQLError) -> EventField {
        let names = ["actor", "actor_type", "on_behalf_of", "kind", "time", "seq", "input", "output", "node", "client_event_id"]
        guard case .word(let word) = current.kind else {
            throw error("expected an event field (\(names.joined(separator: ", ")) or attributes.NAME)", found: current)
        }
        let lower = word.lowercased()
        let field: EventField
        switch lower {
        case "actor": field = .actor
        case "actor_type": field = .actorType
        case "on_behalf_of": field = .onBehalfOf
        case "kind": field = .kind
        case "time": field = .time
        case "seq": field = .seq
        case "input": field = .input
        case "output": field = .output
        case "node": field = .node
        case "client_event_id": field = .clientEventID
        default:
            let parts = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, parts[0].lowercased() == "attributes", !parts.dropFirst().contains(where: \.isEmpty) else {
                throw error("expected an event field (\(names.joined(separator: ", ")) or attributes.NAME)", found: current, among: names.map { $0.uppercased() })
            }
            field = .attribute(Array(parts.dropFirst()))
        }
        try advance()
        return field
    }

    // MARK: find = "FIND" finder [ "LIMIT" integer ] { view_clause }

    private mutating func find() throws(LQLError) -> FindStatement {
        try expect("FIND")
        let finder: FindStatement.Finder
        switch current.keyword {
        case "SELF":
            try advance()
            try expect("APPROVALS")
            finder = .selfApprovals
        case "EXECUTIONS":
            try advance()
            if try accept("WITHOUT") {
                try expect("APPROVAL")
                finder = .executionsAfter([])
            } else {
                try expect("AFTER")
                var endings: [String] = []
                repeat {
                    switch current.keyword {
                    case "DENIAL": endings.append("deny")
                    case "EXPIRY": endings.append("expire")
                    case "REVOCATION": endings.append("revoke")
                    default: throw error("expected DENIAL, EXPIRY or REVOCATION", found: current, among: ["DENIAL", "EXPIRY", "REVOCATION"])
                    }
                    try advance()
                } while try acceptListSeparator()
                finder = .executionsAfter(endings)
            }
        default:
            // FIND kind {, kind} WITHOUT APPROVAL; "exports" reads as the kind export.
            guard case .word = current.kind else {
                throw error("expected what to find: SELF APPROVALS, EXECUTIONS AFTER …, or kinds WITHOUT APPROVAL", found: current, among: ["SELF", "EXECUTIONS", "EXPORTS"])
            }
            var kinds: [String] = []
            repeat {
                guard case .word(let word) = current.kind else { throw error("expected a kind, e.g. export", found: current) }
                let lower = word.lowercased()
                let kind = lower == "exports" ? "export" : lower == "escalations" ? "escalate" : lower == "infra_changes" ? "infra_change" : lower
                guard (try? EventKind(kind)) != nil else { throw error("expected a kind, e.g. exports or infra_change", found: current) }
                // Each kind once: a repeated one would scan, and answer, twice.
                if !kinds.contains(kind) { kinds.append(kind) }
                try advance()
            } while try acceptListSeparator()
            guard try accept("WITHOUT") else { throw error("expected WITHOUT APPROVAL after the kinds", found: current, among: ["WITHOUT"]) }
            try expect("APPROVAL")
            finder = .withoutApproval(kinds)
        }
        var statement = FindStatement(finder: finder)
        while true {
            if try accept("LIMIT") {
                statement.limit = try integer("a limit")
                continue
            }
            if try viewClause(&statement.view) { continue }
            try expectClauseEnd(["LIMIT", "AS", "DURING", "SINCE", "BETWEEN"])
            return statement
        }
    }

    // MARK: tags = "TAGS" "OF" node { view_clause }

    private mutating func tags() throws(LQLError) -> TagsStatement {
        try expect("TAGS")
        try expect("OF")
        var statement = TagsStatement(node: try node())
        while try viewClause(&statement.view) {}
        try expectClauseEnd(["AS", "DURING", "SINCE", "BETWEEN"])
        return statement
    }

    // MARK: view_clause = "AS" "OF" ( "CHECKPOINT" integer | "SEQ" integer | time )
    //                   | "DURING" time "TO" time | "BETWEEN" time "AND" time | "SINCE" time

    private mutating func viewClause(_ view: inout ViewClause) throws(LQLError) -> Bool {
        switch current.keyword {
        case "AS":
            try advance()
            try expect("OF")
            if try accept("CHECKPOINT") {
                view.asOf = .checkpoint(try value())
            } else if try accept("SEQ") {
                view.asOf = .seq(try value())
            } else {
                view.asOf = .time(try value())
            }
            return true
        case "DURING":
            try advance()
            view.from = try value()
            try expect("TO")
            view.to = try value()
            return true
        case "BETWEEN":
            try advance()
            view.from = try value()
            try expect("AND")
            view.to = try value()
            return true
        case "SINCE":
            try advance()
            view.from = try value()
            return true
        default:
            return false
        }
    }

    // MARK: Terminals

    /// node = string | parameter
    private mutating func node() throws(LQLError) -> Located<LQLValue> {
        let token = current
        switch token.kind {
        case .string(let text):
            try advance()
            return Located(value: .string(text), location: token.location, length: token.length)
        case .parameter(let name):
            try advance()
            return Located(value: .parameter(name), location: token.location, length: token.length)
        default:
            throw error("expected a node id in double quotes, e.g. \"dataset:pg://crm/public.customers\"", found: token)
        }
    }

    /// value = string | number | time | relative_time | parameter | word
    private mutating func value() throws(LQLError) -> Located<LQLValue> {
        let token = current
        let value: LQLValue
        switch token.kind {
        case .string(let text): value = .string(text)
        case .number(let number): value = .number(number)
        case .time(let text): value = .time(text)
        case .relativeTime(let text): value = .relativeTime(text)
        case .parameter(let name): value = .parameter(name)
        case .word(let word): value = .word(word)
        default: throw error("expected a value", found: token)
        }
        try advance()
        return Located(value: value, location: token.location, length: token.length)
    }

    /// name_list = name { "," name }
    private mutating func nameList(_ what: String) throws(LQLError) -> [String] {
        var names: [String] = []
        repeat {
            guard case .word(let word) = current.kind else { throw error("expected \(what)", found: current) }
            names.append(word.lowercased())
            try advance()
        } while try accept(symbol: ",")
        return names
    }

    private mutating func integer(_ what: String) throws(LQLError) -> Int {
        guard case .number(let number) = current.kind, number >= 0, number == number.rounded(), number <= 1_000_000_000 else {
            throw error("expected \(what): a whole number", found: current)
        }
        try advance()
        return Int(number)
    }

    // MARK: Helpers

    private mutating func advance() throws(LQLError) {
        if case .end = current.kind { return }
        current = try lexer.nextToken()
    }

    private mutating func accept(_ keyword: String) throws(LQLError) -> Bool {
        guard current.keyword == keyword else { return false }
        try advance()
        return true
    }

    private mutating func accept(symbol: String) throws(LQLError) -> Bool {
        guard case .symbol(let found) = current.kind, found == symbol else { return false }
        try advance()
        return true
    }

    /// `,` or `OR` between list items.
    private mutating func acceptListSeparator() throws(LQLError) -> Bool {
        if try accept(symbol: ",") { return true }
        return try accept("OR")
    }

    private mutating func expect(_ keyword: String) throws(LQLError) {
        guard try accept(keyword) else { throw error("expected \(keyword)", found: current, among: [keyword]) }
    }

    private mutating func expect(symbol: String) throws(LQLError) {
        guard try accept(symbol: symbol) else { throw error("expected '\(symbol)'", found: current) }
    }

    /// After the last clause: the end, or a clause keyword misspelt.
    private func expectClauseEnd(_ clauses: [String]) throws(LQLError) {
        switch current.kind {
        case .end: return
        case .symbol(";"): return
        default: throw error("expected \(clauses.joined(separator: ", ")) or the end of the query", found: current, among: clauses)
        }
    }

    private func error(_ message: String, found token: Token, among candidates: [String] = []) -> LQLError {
        var suggestion: String?
        if case .word(let word) = token.kind {
            suggestion = closest(to: word, among: candidates.isEmpty ? Parser.keywords : candidates)
        }
        return LQLError("\(message), found \(token)", at: token.location, length: token.length, in: source, suggestion: suggestion)
    }
}
