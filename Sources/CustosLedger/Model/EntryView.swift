#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stored entry bytes, checked in one pass to be exactly the canonical form of an entry
/// (docs/FORMAT.md), with the positions of its fields. Nothing is copied and no JSON tree
/// is built: verification and index reads go through here.
///
/// Valid only while the bytes are (inside the read transaction that handed them out).
struct EntryView {
    typealias StringRef = CanonicalJSONValidator.StringRef

    let bytes: UnsafeRawBufferPointer
    private(set) var actorID = StringRef(range: 0..<0, hasEscapes: false)
    private(set) var actorKind = Actor.Kind.agent
    private(set) var onBehalfOf: StringRef?
    private(set) var attributes: Range<Int> = 0..<0
    private(set) var clientEventID: StringRef?
    private(set) var clientTime: StringRef?
    /// Explicit edges: from, relation (nil: the kind), to.
    private(set) var explicitEdges: [(from: StringRef, relation: StringRef?, to: StringRef)] = []
    private(set) var inputs: [StringRef] = []
    private(set) var kind = StringRef(range: 0..<0, hasEscapes: false)
    private(set) var outputs: [StringRef] = []
    /// Where the event's own members end: `prev` follows.
    private(set) var contentEnd = 0
    /// Where the 64 hex digits of `prev` are.
    private(set) var prevRange = 0..<0
    private(set) var seq: UInt64 = 0
    private(set) var time = Timestamp(microseconds: 0)
    /// Where the text of `time` is.
    private(set) var timeText = StringRef(range: 0..<0, hasEscapes: false)

    /// Checks `bytes` and finds the fields; throws when they are not a canonical entry.
    /// `strict: false` only finds the fields, trusting the bytes to be what the ledger wrote:
    /// for reading entries back (queries), not for verifying them.
    init(_ bytes: UnsafeRawBufferPointer, strict: Bool = true) throws(EntryDecodingError) {
        self.bytes = bytes
        var reader = CanonicalJSONValidator(bytes, strict: strict)
        do throws(CanonicalJSONValidator.Failure) {
            try expect(#"{"actor":{"id":"#, &reader)
            actorID = try reader.string()
            if reader.peek(UInt8(ascii: ",")) && matches(#","onBehalfOf":"#, reader) {
                try expect(#","onBehalfOf":"#, &reader)
                onBehalfOf = try reader.string()
            }
            try expect(#","type":"#, &reader)
            let type = try reader.string()
            guard !type.hasEscapes, let kind = Actor.Kind(rawValue: String(decoding: slice(type.range), as: UTF8.self)) else {
                throw reader.fail("the actor type is not human, agent or service")
            }
            actorKind = kind
            try expect(#"},"attributes":"#, &reader)
            guard reader.peek(UInt8(ascii: "{")) else { throw reader.fail("attributes must be an object") }
            let attributesStart = reader.position
            if strict { try reader.value() } else { try reader.skipValue() }
            attributes = attributesStart..<reader.position
            if matches(#","clientEventId":"#, reader) {
                try expect(#","clientEventId":"#, &reader)
                clientEventID = try reader.string()
            }
            if matches(#","clientTime":"#, reader) {
                try expect(#","clientTime":"#, &reader)
                clientTime = try reader.string()
            }
            if matches(#","edges":"#, reader) {
                try expect(#","edges":["#, &reader)
                repeat {
                    try expect(#"{"from":"#, &reader)
                    let from = try reader.string()
                    var relation: StringRef?
                    if matches(#","relation":"#, reader) {
                        try expect(#","relation":"#, &reader)
                        relation = try reader.string()
                    }
                    try expect(#","to":"#, &reader)
                    explicitEdges.append((from, relation, try reader.string()))
                    try expect("}", &reader)
                } while try consume(",", &reader)
                try expect("]", &reader)
                guard !explicitEdges.isEmpty else { throw reader.fail("edges must not be empty when present") }
            }
            try expect(#","inputs":"#, &reader)
            inputs = try stringArray(&reader)
            try expect(#","kind":"#, &reader)
            self.kind = try reader.string()
            try expect(#","outputs":"#, &reader)
            outputs = try stringArray(&reader)
            contentEnd = reader.position
            try expect(#","prev":"#, &reader)
            let prevString = try reader.string()
            guard !prevString.hasEscapes, prevString.range.count == 64, !strict || Hash256(lowercaseHexUTF8: slice(prevString.range)) != nil
            else { throw reader.fail("prev is not 64 lower-case hex digits") }
            prevRange = prevString.range
            try expect(#","seq":"#, &reader)
            seq = try canonicalInteger(&reader)
            try expect(#","time":"#, &reader)
            let timeString = try reader.string()
            let timeText = slice(timeString.range)
            guard let time = Timestamp(rfc3339UTF8: timeText), !strict || time.isCanonicalText(timeText) else {
                throw reader.fail("time is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
            }
            self.time = time
            self.timeText = timeString
            try expect(#","v":1}"#, &reader)
            guard reader.position == bytes.count else { throw reader.fail("bytes after the entry") }
        } catch {
            throw .invalid("not a canonical entry: \(error.reason) at byte \(error.offset)")
        }
        if strict { try checkSemantics() }
    }

    /// The field checks that the shape alone does not make.
    private func checkSemantics() throws(EntryDecodingError) {
        do throws(EventError) {
            let actor = string(actorID)
            try NodeID.validate(actor, limits: .unbounded)
            guard actor.hasPrefix(actorKind.rawValue + ":") else { throw EventError(field: "actor.id", reason: "does not match the actor type") }
            if let onBehalfOf {
                let principal = string(onBehalfOf)
                try NodeID.validate(principal, limits: .unbounded)
                guard Actor.Kind.allCases.contains(where: { principal.hasPrefix($0.rawValue + ":") }) else {
                    throw EventError(field: "actor.onBehalfOf", reason: "is not a human, agent or service")
                }
            }
            for node in inputs + outputs + explicitEdges.flatMap({ [$0.from, $0.to] }) {
                try NodeID.validate(string(node), limits: .unbounded)
            }
            _ = try EventKind(string(kind))
            for relation in explicitEdges.compactMap(\.relation) { _ = try EventKind(string(relation)) }
            if let clientEventID, clientEventID.range.isEmpty { throw EventError(field: "clientEventId", reason: "is empty") }
            if let clientTime, Timestamp(rfc3339: string(clientTime)) == nil { throw EventError(field: "clientTime", reason: "is not RFC 3339") }
        } catch {
            throw .invalidEvent(error)
        }
        // A classify event's rules look inside its attributes: check the whole event.
        if slice(kind.range).elementsEqual("classify".utf8) { _ = try event(checkingAgain: true) }
    }

    // MARK: Reading fields

    /// The leaf hash of the entry before (checked when the view was made strictly).
    var prev: Hash256 { Hash256(lowercaseHexUTF8: slice(prevRange)) ?? .zero }

    /// The text of a string field.
    func string(_ field: StringRef) -> String {
        CanonicalJSONValidator(bytes).decode(field)
    }

    /// Calls `body` with the UTF-8 of a string field, without copying when it has no escapes.
    func withUTF8<R>(_ field: StringRef, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if !field.hasEscapes { return try body(slice(field.range)) }
        var text = string(field)
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    /// True when two string fields denote the same text.
    func equal(_ a: StringRef, _ b: StringRef) -> Bool {
        if !a.hasEscapes && !b.hasEscapes { return slice(a.range).elementsEqual(slice(b.range)) }
        return string(a) == string(b)
    }

    /// The bytes of the event's own members: everything before `,"prev":`.
    var content: UnsafeRawBufferPointer { slice(0..<contentEnd) }

    /// The index rows the entry implies, with its tables of distinct node ids and terms as
    /// UTF-8 (``IndexPlan``). Parses the attributes only for a classify event, for its tags.
    typealias Parts = (plan: IndexPlan, nodes: [[UInt8]], terms: [[UInt8]])

    func indexPlan() throws(EntryDecodingError) -> Parts {
        func text(_ field: StringRef) -> [UInt8] { withUTF8(field) { Array($0) } }
        var tagNames: [[UInt8]] = []
        if slice(kind.range).elementsEqual("classify".utf8) {
            tagNames = try event().classifiedTags.map { Array($0.utf8) }
        }
        var nodes: [[UInt8]] = []
        var terms: [[UInt8]] = []
        let plan = IndexPlan(
            actor: text(actorID), onBehalfOf: onBehalfOf.map(text), inputs: inputs.map(text), outputs: outputs.map(text),
            explicit: explicitEdges.map { (text($0.from), text($0.to), $0.relation.map(text)) },
            kind: text(kind), tags: tagNames, nodes: &nodes, terms: &terms
        )
        return (plan, nodes, terms)
    }

    /// The whole event, decoded (parses the attributes).
    func event(checkingAgain: Bool = false) throws(EntryDecodingError) -> Event {
        let attributeValues = try attributeValues()
        var edges: [ExplicitEdge] = []
        for edge in explicitEdges {
            edges.append(ExplicitEdge(
                from: NodeID(unchecked: string(edge.from)), to: NodeID(unchecked: string(edge.to)),
                relation: edge.relation.map { EventKind(trusted: string($0)) }
            ))
        }
        // The view checked every part but the rules inside attributes (a classify event's tags).
        let event = Event(
            trusted: EventKind(trusted: string(kind)),
            actor: Actor(trusted: NodeID(unchecked: string(actorID)), kind: actorKind, onBehalfOf: onBehalfOf.map { NodeID(unchecked: string($0)) }),
            inputs: inputs.map { NodeID(unchecked: string($0)) }, outputs: outputs.map { NodeID(unchecked: string($0)) },
            attributes: attributeValues, clientEventID: clientEventID.map(string), clientTime: clientTime.map(string),
            edges: edges
        )
        if checkingAgain {
            do { try event.validate(limits: .unbounded) } catch { throw .invalidEvent(error) }
        }
        return event
    }

    /// The attributes object, parsed.
    func attributeValues() throws(EntryDecodingError) -> [String: JSONValue] {
        do {
            return try JSONParser.parse(slice(attributes)).objectValue ?? [:]
        } catch {
            throw .malformedJSON(error)
        }
    }

    // MARK: Helpers

    private func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    private func matches(_ literal: StaticString, _ reader: CanonicalJSONValidator) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard reader.position + count <= bytes.count, let base = bytes.baseAddress else { return false }
        return memcmp(literal.utf8Start, base + reader.position, count) == 0
    }

    private func expect(_ literal: StaticString, _ reader: inout CanonicalJSONValidator) throws(CanonicalJSONValidator.Failure) {
        guard matches(literal, reader) else {
            throw reader.fail("expected \(String(describing: literal).replacingOccurrences(of: "\"", with: "'"))")
        }
        reader.position += literal.utf8CodeUnitCount
    }

    private func consume(_ literal: StaticString, _ reader: inout CanonicalJSONValidator) throws(CanonicalJSONValidator.Failure) -> Bool {
        guard matches(literal, reader) else { return false }
        reader.position += literal.utf8CodeUnitCount
        return true
    }

    private func stringArray(_ reader: inout CanonicalJSONValidator) throws(CanonicalJSONValidator.Failure) -> [StringRef] {
        guard reader.peek(UInt8(ascii: "[")) else { throw reader.fail("expected an array") }
        reader.position += 1
        var strings: [StringRef] = []
        strings.reserveCapacity(4)
        if reader.peek(UInt8(ascii: "]")) {
            reader.position += 1
            return strings
        }
        while true {
            strings.append(try reader.string())
            if reader.peek(UInt8(ascii: ",")) {
                reader.position += 1
            } else if reader.peek(UInt8(ascii: "]")) {
                reader.position += 1
                return strings
            } else {
                throw reader.fail("expected ',' or ']'")
            }
        }
    }

    private func canonicalInteger(_ reader: inout CanonicalJSONValidator) throws(CanonicalJSONValidator.Failure) -> UInt64 {
        let start = reader.position
        var value: UInt64 = 0
        while reader.position < bytes.count, bytes[reader.position] >= UInt8(ascii: "0"), bytes[reader.position] <= UInt8(ascii: "9") {
            guard reader.position - start < 16 else { throw reader.fail("seq is too large") }
            value = value * 10 + UInt64(bytes[reader.position] - UInt8(ascii: "0"))
            reader.position += 1
        }
        let count = reader.position - start
        guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0") else { throw reader.fail("seq is not a canonical integer") }
        return value
    }
}
