public import CustosLineage

/// A value as written in a query, before parameters and relative times are resolved.
public enum LQLValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case time(String)
    case relativeTime(String)
    case parameter(String)
    /// A bare word: a kind, a type, an actor type.
    case word(String)

    public var description: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .number(let number): return String(number)
        case .time(let text), .relativeTime(let text), .word(let text): return text
        case .parameter(let name): return "$" + name
        }
    }
}

/// A value with where it was written, for errors.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public let value: Value
    public let location: SourceLocation
    public let length: Int
}

/// What the query looks at: "as of" a point in the log, and a time window.
public struct ViewClause: Sendable, Hashable {
    public enum AsOf: Sendable, Hashable {
        case checkpoint(Located<LQLValue>)
        case seq(Located<LQLValue>)
        case time(Located<LQLValue>)
    }

    public var asOf: AsOf?
    /// From, to (inclusive days for traces; a half-open time range for events).
    public var from: Located<LQLValue>?
    public var to: Located<LQLValue>?
}

/// The statements of LQL (docs/LQL.md).
public enum Statement: Sendable, Hashable {
    case trace(TraceStatement)
    case paths(PathsStatement)
    case events(EventsStatement)
    case count(CountStatement)
    case find(FindStatement)
    case tags(TagsStatement)
}

public struct TraceStatement: Sendable, Hashable {
    public var direction: LineageDirection
    public var start: Located<LQLValue>
    public var depth: Int?
    public var through: [String]?
    public var only: [String]?
    public var limit: Int?
    public var view = ViewClause()
}

public enum NodeSet: Sendable, Hashable {
    case node(Located<LQLValue>)
    case type(String, tagged: [String])
    case any
}

public struct PathsStatement: Sendable, Hashable {
    public var from: NodeSet
    public var to: NodeSet
    public var avoiding: [String] = []
    public var through: [String] = []
    public var depth: Int?
    public var limit: Int?
    public var view = ViewClause()
}

/// An event field a condition can test.
public enum EventField: Sendable, Hashable, CustomStringConvertible {
    case actor, actorType, onBehalfOf, kind, time, seq, input, output, node, clientEventID
    /// `attributes.a.b`: the path below `attributes`.
    case attribute([String])

    public var description: String {
        switch self {
        case .actor: return "actor"
        case .actorType: return "actor_type"
        case .onBehalfOf: return "on_behalf_of"
        case .kind: return "kind"
        case .time: return "time"
        case .seq: return "seq"
        case .input: return "input"
        case .output: return "output"
        case .node: return "node"
        case .clientEventID: return "client_event_id"
        case .attribute(let path): return "attributes." + path.joined(separator: ".")
        }
    }
}

public enum Comparison: String, Sendable, Hashable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

public struct Condition: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        case compare(Comparison, Located<LQLValue>)
        case oneOf([Located<LQLValue>])
        case missing(Bool)
    }

    public var field: EventField
    public var test: Test
    public var location: SourceLocation
}

public struct EventsStatement: Sendable, Hashable {
    public var conditions: [Condition] = []
    public var newestFirst = true
    public var limit: Int?
    public var view = ViewClause()
}

public enum Grouping: Sendable, Hashable, CustomStringConvertible {
    case kind, actor, actorType, day, month, attribute([String])

    public var description: String {
        switch self {
        case .kind: return "kind"
        case .actor: return "actor"
        case .actorType: return "actor_type"
        case .day: return "day"
        case .month: return "month"
        case .attribute(let path): return "attributes." + path.joined(separator: ".")
        }
    }
}

public struct CountStatement: Sendable, Hashable {
    public var conditions: [Condition] = []
    public var groups: [Grouping] = []
    public var view = ViewClause()
}

public struct FindStatement: Sendable, Hashable {
    public enum Finder: Sendable, Hashable {
        /// Actions of these kinds with no approved request behind them.
        case withoutApproval([String])
        case selfApprovals
        /// Executions after one of these endings (deny, expire, revoke), or without approval.
        case executionsAfter([String])
    }

    public var finder: Finder
    public var limit: Int?
    public var view = ViewClause()
}

public struct TagsStatement: Sendable, Hashable {
    public var node: Located<LQLValue>
    public var view = ViewClause()
}
