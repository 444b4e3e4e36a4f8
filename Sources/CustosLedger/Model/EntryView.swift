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
    private(set) var prev = Hash256.zero
    private(set) var seq: UInt64 = 0
    private(set) var time = Timestamp(microseconds: 0)

    /// Checks `bytes` and finds the fields; throws when they are not a canonical entry.
    init(_ bytes: UnsafeRawBufferPointer) throws(EntryDecodingError) {
        self.bytes = bytes
        var reader = CanonicalJSONValidator(bytes)
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
            try reader.value()
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
            guard !prevString.hasEscapes, prevString.range.count == 64,
                  slice(prevString.range).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
                  let prev = Hash256(hex: String(decoding: slice(prevString.range), as: UTF8.self))
            else { throw reader.fail("prev is not 64 lower-case hex digits") }
            self.prev = prev
            try expect(#","seq":"#, &reader)
            seq = try canonicalInteger(&reader)
            try expect(#","time":"#, &reader)
            let timeString = try reader.string()
            let timeText = String(decoding: slice(timeString.range), as: UTF8.self)
            guard let time = Timestamp(rfc3339: timeText), time.description == timeText else {
                throw reader.fail("time is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
            }
            self.time = time
            try expect(#","v":1}"#, &reader)
            guard reader.position == bytes.count else { throw reader.fail("bytes after the entry") }
        } catch {
            throw .invalid("not a canonical entry: \(error.reason) at byte \(error.offset)")
        }
        try checkSemantics()
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
        if slice(kind.range).elementsEqual("classify".utf8) { _ = try event() }
    }

    // MARK: Reading fields

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
    func event() throws(EntryDecodingError) -> Event {
        let attributeValue: JSONValue
        do {
            attributeValue = try JSONParser.parse(slice(attributes))
        } catch {
            throw .malformedJSON(error)
        }
        do throws(EventError) {
            var edges: [ExplicitEdge] = []
            for edge in explicitEdges {
                let relation = try edge.relation.map { (field) throws(EventError) in try EventKind(string(field)) }
                edges.append(ExplicitEdge(from: NodeID(unchecked: string(edge.from)), to: NodeID(unchecked: string(edge.to)), relation: relation))
            }
            return try Event(
                kind: EventKind(string(kind)),
                actor: Actor(id: string(actorID), kind: actorKind, onBehalfOf: onBehalfOf.map(string), limits: .unbounded),
                inputs: inputs.map { NodeID(unchecked: string($0)) },
                outputs: outputs.map { NodeID(unchecked: string($0)) },
                attributes: attributeValue.objectValue ?? [:],
                clientEventID: clientEventID.map(string),
                clientTime: clientTime.map(string),
                edges: edges,
                limits: .unbounded
            )
        } catch {
            throw .invalidEvent(error)
        }
    }

    // MARK: Helpers

    private func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    private func matches(_ literal: StaticString, _ reader: CanonicalJSONValidator) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard reader.position + count <= bytes.count else { return false }
        return UnsafeRawBufferPointer(start: literal.utf8Start, count: count).elementsEqual(slice(reader.position..<reader.position + count))
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
