import CustosLedger
import CustosLineage

/// Resolves what a query names: parameters, node ids, times (absolute, relative, dates),
/// numbers, and the "as of" and window clauses, each with a positioned error.
struct Binder {
    let source: String
    let parameters: [String: String]
    let now: Timestamp
    /// The log size to read as of when a query names no AS OF (nil: the whole log).
    var asOfSize: UInt64? = nil

    private func fail(_ message: String, _ value: Located<LQLValue>) -> LQLError {
        LQLError(message, at: value.location, length: value.length, in: source)
    }

    /// The text of a parameter, or a positioned error naming it.
    func parameter(_ name: String, _ located: Located<LQLValue>) throws(LQLError) -> String {
        guard let text = parameters[name] else {
            throw fail("the parameter $\(name) has no value: pass it with --param \(name)=VALUE", located)
        }
        return text
    }

    func node(_ located: Located<LQLValue>) throws(LQLError) -> NodeID {
        let text: String
        switch located.value {
        case .string(let string): text = string
        case .parameter(let name): text = try parameter(name, located)
        case .word(let word): text = word
        default: throw fail("expected a node id, e.g. \"dataset:pg://crm/public.customers\"", located)
        }
        do { return try NodeID(text) } catch { throw fail(error.reason, located) }
    }

    /// A time; `upperBound` makes a bare date mean the end of that day.
    func time(_ located: Located<LQLValue>, upperBound: Bool = false) throws(LQLError) -> Timestamp {
        var text: String
        switch located.value {
        case .time(let value), .relativeTime(let value), .string(let value): text = value
        case .parameter(let name): text = try parameter(name, located)
        case .word(let word): text = word.uppercased()
        case .number: throw fail("expected a time: 2026-01-01, 2026-01-01T09:00:00Z, -30d, NOW or TODAY", located)
        }
        text = text.trimmingCharacters(in: .whitespaces)
        let day: Int64 = 86_400_000_000
        if text.uppercased() == "NOW" { return now }
        if text.uppercased() == "TODAY" {
            let start = now.microseconds - ((now.microseconds % day) + day) % day
            return Timestamp(microseconds: upperBound ? start + day : start)
        }
        if text.hasPrefix("-"), let unit = text.last, let amount = Int64(text.dropFirst().dropLast()) {
            let scale: Int64? = switch unit {
            case "s": 1_000_000
            case "m": 60_000_000
            case "h": 3_600_000_000
            case "d": day
            case "w": 7 * day
            default: nil
            }
            if let scale {
                let (span, overflow) = amount.multipliedReportingOverflow(by: scale)
                let (start, before) = now.microseconds.subtractingReportingOverflow(span)
                guard !overflow, !before else { throw fail("\"\(text)\" reaches before any time this log can hold: ask for less", located) }
                return Timestamp(microseconds: start)
            }
        }
        if text.count == 10, let date = Timestamp(dateOrTime: text) {
            return upperBound ? Timestamp(microseconds: date.microseconds + day) : date
        }
        if let time = Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text + "Z") { return time }
        throw fail("\"\(text)\" is not a time: use 2026-01-01, 2026-01-01T09:00:00Z, -30d, NOW or TODAY", located)
    }

    func number(_ located: Located<LQLValue>) throws(LQLError) -> Double {
        switch located.value {
        case .number(let number): return number
        case .parameter(let name):
            let text = try parameter(name, located)
            guard let number = Double(text) else { throw fail("the parameter $\(name) is \"\(text)\", not a number", located) }
            return number
        default: throw fail("expected a number", located)
        }
    }

    /// The text of a value that names something (a kind, a type, a string).
    func text(_ located: Located<LQLValue>) throws(LQLError) -> String {
        switch located.value {
        case .string(let text), .word(let text), .time(let text), .relativeTime(let text): return text
        case .number(let number): return Int64(exactly: number).map { String($0) } ?? String(number)
        case .parameter(let name): return try parameter(name, located)
        }
    }

    /// The graph view and the seq range a view clause selects.
    func view(_ clause: ViewClause, ledger: Ledger) throws -> (view: GraphView, seqs: Range<UInt64>, times: Range<Timestamp>?) {
        let head = try ledger.head().size
        var asOf = head
        switch clause.asOf {
        case .checkpoint(let located):
            let value = try number(located)
            guard let size = UInt64(exactly: value) else { throw fail("a checkpoint's size is a whole number from 0, not \(value)", located) }
            guard let checkpoint = try ledger.checkpoint(atSize: size) else {
                throw fail("no signed checkpoint of size \(size): `custos checkpoints` lists them", located)
            }
            asOf = checkpoint.size
        case .seq(let located):
            let value = try number(located)
            guard let seq = UInt64(exactly: value) else { throw fail("a seq is a whole number from 0, not \(value)", located) }
            asOf = seq >= head ? head : seq + 1
        case .time(let located):
            let time = try time(located, upperBound: true)
            asOf = try ledger.withSnapshot { try $0.seqRange(for: Timestamp(microseconds: 0)..<time).upperBound }
        case nil:
            if let asOfSize { asOf = min(head, asOfSize) }
        }
        var times: Range<Timestamp>?
        var window: ClosedRange<Timestamp>?
        if let from = clause.from {
            let start = try time(from)
            let end = try clause.to.map { try time($0, upperBound: true) } ?? Timestamp(microseconds: max(now.microseconds, start.microseconds) + 1)
            guard start < end else { throw fail("the window ends before it starts", clause.to ?? from) }
            times = start..<end
            window = start...Timestamp(microseconds: end.microseconds - 1)
        }
        var seqs: Range<UInt64> = 0..<asOf
        if let times {
            let range = try ledger.withSnapshot { try $0.seqRange(for: times) }
            let lower = max(seqs.lowerBound, range.lowerBound)
            seqs = lower..<max(lower, min(seqs.upperBound, range.upperBound))
        }
        let limited = clause.asOf != nil || asOfSize != nil
        return (GraphView(asOfSize: limited ? asOf : nil, window: window), seqs, times)
    }
}
