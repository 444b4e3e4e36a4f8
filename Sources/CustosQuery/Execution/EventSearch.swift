import CustosLedger
import Foundation

/// Plans and runs event searches (EVENTS, COUNT EVENTS): picks an index from the
/// conditions so that a search by actor, node or kind, within a time window, reads only the
/// events that index lists in that window and never scans the log; then checks every
/// condition on each event.
struct EventSearch {
    let binder: Binder
    let conditions: [Condition]

    /// A condition resolved to values it can test.
    private enum Test {
        case equal(String), notEqual(String), oneOf(Set<String>)
        case number(Comparison, Double)
        case time(Comparison, Timestamp)
        case missing(Bool)
        case attribute(Comparison, JSONValue)
        case attributeOneOf([JSONValue])
    }

    private struct Bound {
        var field: EventField
        var test: Test
    }

    /// The index the search reads, as text for the plan.
    private enum Driver {
        case index(EventIndex, String)
        case merged([EventIndex], String)
        case all
        case nothing(String)
    }

    /// Runs the search over `seqs`, calling `body` with each matching entry, newest or oldest
    /// first, until it returns false. Returns the plan and whether a budget stopped it.
    func run(
        ledger: Ledger, seqs baseRange: Range<UInt64>, newestFirst: Bool, budget: SearchBudget,
        _ body: (inout EntryFields) throws -> Bool
    ) throws -> (plan: String, stopped: String?) {
        let bound = try conditions.map(bind)
        return try ledger.withSnapshot { snapshot in
            var range = baseRange
            for condition in bound {
                switch (condition.field, condition.test) {
                case (.seq, .number(let comparison, let value)):
                    range = Self.narrow(range, seq: comparison, value)
                case (.time, .time(let comparison, let value)):
                    let times: Range<Timestamp> = switch comparison {
                    case .less: Timestamp(microseconds: .min)..<value
                    case .lessOrEqual: Timestamp(microseconds: .min)..<Timestamp(microseconds: value.microseconds + 1)
                    case .greater: Timestamp(microseconds: value.microseconds + 1)..<Timestamp(microseconds: .max)
                    case .greaterOrEqual: value..<Timestamp(microseconds: .max)
                    case .equal: value..<Timestamp(microseconds: value.microseconds + 1)
                    case .notEqual: Timestamp(microseconds: .min)..<Timestamp(microseconds: .max)
                    }
                    let seqs = try snapshot.seqRange(for: times)
                    let lower = max(range.lowerBound, seqs.lowerBound)
                    range = lower..<max(lower, min(range.upperBound, seqs.upperBound))
                default:
                    break
                }
            }
            let driver = try chooseDriver(bound, in: snapshot)
            var plan: String
            var indexes: [EventIndex]
            switch driver {
            case .index(let index, let label): plan = label; indexes = [index]
            case .merged(let merged, let label): plan = label; indexes = merged
            case .all: plan = "the log itself"; indexes = [.all]
            case .nothing(let reason): return ("no index entry: \(reason)", nil)
            }
            plan += ", seq \(range.lowerBound)..<\(range.upperBound), \(newestFirst ? "newest" : "oldest") first"
            var stopped: String?
            var scanned = 0
            let deadline = Date().addingTimeInterval(budget.seconds)
            try Self.merge(indexes, within: range, newestFirst: newestFirst, in: snapshot) { seq in
                scanned += 1
                if scanned > budget.maxScanned {
                    stopped = "stopped after reading \(budget.maxScanned) events: narrow the search (a window, an actor, a kind)"
                    return false
                }
                if scanned % 1024 == 0 && Date() > deadline {
                    stopped = "stopped after \(budget.seconds) seconds: narrow the search"
                    return false
                }
                return try snapshot.withEntryFields(at: seq) { fields in
                    for condition in bound where !(try Self.matches(condition, &fields)) { return true }
                    return try body(&fields)
                }
            }
            return (plan, stopped)
        }
    }

    // MARK: Planning

    private func chooseDriver(_ bound: [Bound], in snapshot: borrowing LedgerSnapshot) throws -> Driver {
        func node(_ text: String) throws -> NodeKey? { try snapshot.nodeKey(NodeID(text)) }
        // Most selective first: a node, then an actor, then a principal, then kinds.
        for condition in bound {
            guard case .equal(let value) = condition.test else { continue }
            switch condition.field {
            case .input, .output, .node:
                guard let key = try node(value) else { return .nothing("no event names \(value)") }
                let roles: [NodeRole] = condition.field == .input ? [.input] : condition.field == .output ? [.output] : NodeRole.allCases
                return .merged(roles.map { .node(key, $0) }, "by_node index \(value)")
            default: continue
            }
        }
        for condition in bound {
            guard case .equal(let value) = condition.test else { continue }
            if condition.field == .actor {
                guard let key = try node(value) else { return .nothing("no event by \(value)") }
                return .index(.actor(key), "by_actor index \(value)")
            }
            if condition.field == .onBehalfOf {
                guard let key = try node(value) else { return .nothing("no event on behalf of \(value)") }
                return .index(.onBehalfOf(key), "by_actor index, on behalf of \(value)")
            }
        }
        for condition in bound where condition.field == .kind {
            let kinds: [String]
            switch condition.test {
            case .equal(let kind): kinds = [kind]
            case .oneOf(let set): kinds = set.sorted()
            default: continue
            }
            let keys = try kinds.compactMap { try snapshot.termKey($0) }
            guard !keys.isEmpty else { return .nothing("no event of kind \(kinds.joined(separator: ", "))") }
            return .merged(keys.map { .kind($0) }, "by_kind index \(kinds.joined(separator: ", "))")
        }
        return .all
    }

    private static func narrow(_ range: Range<UInt64>, seq comparison: Comparison, _ number: Double) -> Range<UInt64> {
        // NaN equals nothing; infinities and huge values behave as the largest seq would.
        if number.isNaN { return comparison == .notEqual ? range : range.lowerBound..<range.lowerBound }
        let value = min(max(number, -1), Double(UInt64.max / 2))
        let v = value < 0 ? 0 : UInt64(value.rounded(.down))
        let fractional = value != value.rounded(.down)
        var lower = range.lowerBound
        var upper = range.upperBound
        switch comparison {
        case .equal: if fractional || value < 0 { return range.lowerBound..<range.lowerBound }; lower = max(lower, v); upper = min(upper, v + 1)
        case .less: upper = min(upper, value <= 0 ? 0 : (fractional ? v + 1 : v))
        case .lessOrEqual: upper = min(upper, value < 0 ? 0 : v + 1)
        case .greater: lower = max(lower, value < 0 ? 0 : v + 1)
        case .greaterOrEqual: lower = max(lower, value <= 0 ? 0 : (fractional ? v + 1 : v))
        case .notEqual: break
        }
        return lower..<max(lower, upper)
    }

    // MARK: Binding

    private func bind(_ condition: Condition) throws -> Bound {
        switch (condition.field, condition.test) {
        case (.time, .compare(let comparison, let value)):
            return Bound(field: .time, test: .time(comparison, try binder.time(value, upperBound: comparison == .lessOrEqual || comparison == .greater)))
        case (.seq, .compare(let comparison, let value)):
            return Bound(field: .seq, test: .number(comparison, try binder.number(value)))
        case (.attribute, .compare(let comparison, let value)):
            return Bound(field: condition.field, test: .attribute(comparison, try attributeValue(value)))
        case (.attribute, .oneOf(let values)):
            return Bound(field: condition.field, test: .attributeOneOf(try values.map(attributeValue)))
        case (_, .missing(let missing)):
            return Bound(field: condition.field, test: .missing(missing))
        case (.time, _), (.seq, _):
            throw LQLError("\(condition.field) takes a comparison (=, !=, <, <=, >, >=)", at: condition.location, in: binder.source)
        case (_, .compare(let comparison, let value)):
            let text = try nameValue(condition.field, value)
            switch comparison {
            case .equal: return Bound(field: condition.field, test: .equal(text))
            case .notEqual: return Bound(field: condition.field, test: .notEqual(text))
            default: throw LQLError("\(condition.field) can only be compared with = or != (or IN)", at: condition.location, in: binder.source)
            }
        case (_, .oneOf(let values)):
            return Bound(field: condition.field, test: .oneOf(Set(try values.map { try nameValue(condition.field, $0) })))
        }
    }

    /// Node fields take node ids (validated); the others take names.
    private func nameValue(_ field: EventField, _ value: Located<LQLValue>) throws -> String {
        switch field {
        case .actor, .onBehalfOf, .input, .output, .node: return try binder.node(value).rawValue
        case .kind, .actorType: return try binder.text(value).lowercased()
        default: return try binder.text(value)
        }
    }

    private func attributeValue(_ value: Located<LQLValue>) throws -> JSONValue {
        switch value.value {
        case .number(let number): return .number(number)
        case .word(let word) where ["true", "false"].contains(word.lowercased()): return .bool(word.lowercased() == "true")
        case .word(let word) where word.lowercased() == "null": return .null
        case .parameter:
            // As the same text written in the query would read: true, false and null as
            // themselves, a JSON number as a number (not "0x10", "nan" or "inf"), else text.
            let text = try binder.text(value)
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                return Self.jsonNumber(text).map(JSONValue.number) ?? .string(text)
            }
        default: return .string(try binder.text(value))
        }
    }

    // MARK: Matching

    private static func matches(_ bound: Bound, _ fields: inout EntryFields) throws -> Bool {
        switch bound.field {
        case .time:
            if case .time(let comparison, let value) = bound.test { return compare(fields.time.microseconds, comparison, value.microseconds) }
            // Every entry has a time and a seq: none is missing one.
            if case .missing(let missing) = bound.test { return !missing }
            return true
        case .seq:
            if case .number(let comparison, let value) = bound.test { return compare(Double(fields.seq), comparison, value) }
            if case .missing(let missing) = bound.test { return !missing }
            return true
        case .attribute(let path):
            var current: JSONValue? = .object(try fields.attributes())
            for key in path { current = current?[key] }
            switch bound.test {
            case .missing(let missing): return (current == nil) == missing
            case .attribute(let comparison, let value):
                guard let current else { return comparison == .notEqual }
                return compareJSON(current, comparison, value)
            case .attributeOneOf(let values):
                guard let current else { return false }
                return values.contains { compareJSON(current, .equal, $0) }
            default: return true
            }
        default:
            let values: [String]
            switch bound.field {
            case .actor: values = [fields.actorID]
            case .actorType: values = [fields.actorType.rawValue]
            case .onBehalfOf: values = fields.onBehalfOf.map { [$0] } ?? []
            case .kind: values = [fields.kind]
            case .input: values = fields.inputs
            case .output: values = fields.outputs
            case .node: values = fields.inputs + fields.outputs + fields.edgeEnds
            case .clientEventID: values = fields.clientEventID.map { [$0] } ?? []
            default: values = []
            }
            switch bound.test {
            case .equal(let value): return values.contains(value)
            case .notEqual(let value): return !values.contains(value)
            case .oneOf(let set): return values.contains(where: set.contains)
            case .missing(let missing): return values.isEmpty == missing
            default: return true
            }
        }
    }

    private static func compare<T: Comparable>(_ a: T, _ comparison: Comparison, _ b: T) -> Bool {
        switch comparison {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        }
    }

    /// The number `text` spells in JSON's syntax: "16" and "1e3", not "0x10", "nan" or "inf"
    /// (which Swift's `Double(_:)` reads).
    static func jsonNumber(_ text: String) -> Double? {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
              case .number(let number)? = try? JSONParser.parse(text)
        else { return nil }
        return number
    }

    private static func compareJSON(_ a: JSONValue, _ comparison: Comparison, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return compare(x, comparison, y)
        case (.string(let x), .string(let y)): return compare(x, comparison, y)
        case (.string(let x), .number(let y)): return jsonNumber(x).map { compare($0, comparison, y) } ?? (comparison == .notEqual)
        case (.number(let x), .string(let y)): return jsonNumber(y).map { compare(x, comparison, $0) } ?? (comparison == .notEqual)
        default:
            switch comparison {
            case .equal: return a == b
            case .notEqual: return a != b
            default: return false
            }
        }
    }

    // MARK: Merging index streams

    /// Visits the union of the seqs of `indexes` within `range`, in order, once each, reading
    /// each index a page at a time.
    static func merge(_ indexes: [EventIndex], within range: Range<UInt64>, newestFirst: Bool, in snapshot: borrowing LedgerSnapshot, _ body: (UInt64) throws -> Bool) throws {
        if indexes.count == 1 {
            try snapshot.forEachSeq(in: indexes[0], within: range, newestFirst: newestFirst, body)
            return
        }
        struct Stream {
            var index: EventIndex
            var remaining: Range<UInt64>
            var buffer: [UInt64] = []
            var position = 0
            var exhausted = false
        }
        var streams = indexes.map { Stream(index: $0, remaining: range) }
        let page = 256
        func refill(_ stream: inout Stream, _ snapshot: borrowing LedgerSnapshot) throws {
            guard stream.position >= stream.buffer.count, !stream.exhausted else { return }
            stream.buffer.removeAll(keepingCapacity: true)
            stream.position = 0
            try snapshot.forEachSeq(in: stream.index, within: stream.remaining, newestFirst: newestFirst) { seq in
                stream.buffer.append(seq)
                return stream.buffer.count < page
            }
            if stream.buffer.count < page { stream.exhausted = true }
            if let last = stream.buffer.last {
                stream.remaining = newestFirst ? stream.remaining.lowerBound..<last : (last + 1)..<stream.remaining.upperBound
            }
        }
        var lastEmitted: UInt64?
        while true {
            var best: Int?
            for index in streams.indices {
                try refill(&streams[index], snapshot)
                guard streams[index].position < streams[index].buffer.count else { continue }
                let candidate = streams[index].buffer[streams[index].position]
                if let current = best {
                    let other = streams[current].buffer[streams[current].position]
                    if newestFirst ? candidate > other : candidate < other { best = index }
                } else {
                    best = index
                }
            }
            guard let chosen = best else { return }
            let seq = streams[chosen].buffer[streams[chosen].position]
            streams[chosen].position += 1
            if seq == lastEmitted { continue }
            lastEmitted = seq
            guard try body(seq) else { return }
        }
    }
}

/// Bounds on the work one search may do.
struct SearchBudget {
    var maxScanned: Int
    var seconds: Double
}
