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

    /// The field checks that the shape alone does not make. They read the stored bytes in
    /// place: verification runs them for every entry.
    private func checkSemantics() throws(EntryDecodingError) {
        do throws(EventError) {
            try withUTF8(actorID) { (actor) throws(EventError) in
                try NodeID.validate(utf8: actor, limits: .unbounded)
                guard Actor.kindPrefix(utf8: actor) == actorKind else { throw EventError(field: "actor.id", reason: "does not match the actor type") }
            }
            if let onBehalfOf {
                try withUTF8(onBehalfOf) { (principal) throws(EventError) in
                    try NodeID.validate(utf8: principal, limits: .unbounded)
                    guard Actor.kindPrefix(utf8: principal) != nil else {
                        throw EventError(field: "actor.onBehalfOf", reason: "is not a human, agent or service")
                    }
                }
            }
            for node in inputs { try withUTF8(node) { (id) throws(EventError) in try NodeID.validate(utf8: id, limits: .unbounded) } }
            for node in outputs { try withUTF8(node) { (id) throws(EventError) in try NodeID.validate(utf8: id, limits: .unbounded) } }
            for edge in explicitEdges {
                try withUTF8(edge.from) { (id) throws(EventError) in try NodeID.validate(utf8: id, limits: .unbounded) }
                try withUTF8(edge.to) { (id) throws(EventError) in try NodeID.validate(utf8: id, limits: .unbounded) }
            }
            try withUTF8(kind) { (name) throws(EventError) in try EventKind.validate(utf8: name) }
            for relation in explicitEdges.compactMap(\.relation) {
                try withUTF8(relation) { (name) throws(EventError) in try EventKind.validate(utf8: name) }
            }
            if let clientEventID, clientEventID.range.isEmpty { throw EventError(field: "clientEventId", reason: "is empty") }
            if let clientTime, Timestamp(rfc3339: string(clientTime)) == nil { throw EventError(field: "clientTime", reason: "is not RFC 3339") }
        } catch {
            throw .invalidEvent(error)
        }
        // A classify event's rules look inside its attributes: check the whole event.
        if slice(kind.range).hasSameBytes(as: "classify") { _ = try event(checkingAgain: true) }
    }

    // MARK: Reading fields

    /// The leaf hash of the entry before (checked when the view was made strictly).
    var prev: Hash256 { Hash256(lowercaseHexUTF8: slice(prevRange)) ?? .zero }

    /// The text of a string field.
    func string(_ field: StringRef) -> String {
        CanonicalJSONValidator(bytes).decode(field)
    }

    /// Calls `body` with the UTF-8 of a string field, without copying when it has no escapes.
    func withUTF8<R, E: Error>(_ field: StringRef, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        if !field.hasEscapes { return try body(slice(field.range)) }
        return try string(field).withUTF8Bytes(body)
    }

    /// True when two string fields denote the same text.
    func equal(_ a: StringRef, _ b: StringRef) -> Bool {
        if !a.hasEscapes && !b.hasEscapes { return slice(a.range).hasSameBytes(as: slice(b.range)) }
        return string(a) == string(b)
    }

    /// The bytes of the event's own members: everything before `,"prev":`.
    var content: UnsafeRawBufferPointer { slice(0..<contentEnd) }

    /// The index rows an entry implies (``IndexPlan``), with its tables of distinct node ids
    /// and terms as the UTF-8 bytes they have in the entry.
    ///
    /// The names point into the entry's bytes (or, for the rare name written with escapes or
    /// a tag from the attributes, into copies these parts own): valid while both are. Built
    /// again for the next entry, the parts reuse their room.
    struct Parts {
        private(set) var plan = IndexPlan()
        private(set) var nodes: [Name] = []
        private(set) var terms: [Name] = []
        /// Decoded copies that some names point into.
        fileprivate var copies: [NameCopy] = []

        init() {}

        /// Forgets the names with the copies they may point into, keeping the room.
        fileprivate mutating func empty() {
            nodes.removeAll(keepingCapacity: true)
            terms.removeAll(keepingCapacity: true)
            copies.removeAll(keepingCapacity: true)
        }

        fileprivate mutating func build<Nodes: Collection<Name>, Edges: Collection<(from: Name, to: Name, relation: Name?)>>(
            actor: Name, onBehalfOf: Name?, inputs: Nodes, outputs: Nodes, explicit: Edges, kind: Name, tags: [Name]
        ) {
            plan.build(
                actor: actor, onBehalfOf: onBehalfOf, inputs: inputs, outputs: outputs, explicit: explicit,
                kind: kind, tags: tags, nodes: &nodes, terms: &terms
            )
        }
    }

    /// A name's UTF-8 bytes, compared and hashed by content.
    struct Name: Hashable {
        let utf8: UnsafeRawBufferPointer

        static func == (lhs: Name, rhs: Name) -> Bool { lhs.utf8.hasSameBytes(as: rhs.utf8) }
        func hash(into hasher: inout Hasher) { hasher.combine(bytes: utf8) }
        /// The name as text, for messages.
        var text: String { String(decoding: utf8, as: UTF8.self) }
    }

    /// Bytes decoded from a name, kept while a ``Name`` points into them.
    fileprivate final class NameCopy {
        let bytes: UnsafeMutableRawBufferPointer

        init(_ text: String) {
            var text = text
            bytes = text.withUTF8 { utf8 in
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(utf8.count, 1), alignment: 1)
                copy.copyMemory(from: UnsafeRawBufferPointer(utf8))
                return UnsafeMutableRawBufferPointer(rebasing: copy[..<utf8.count])
            }
        }

        deinit { bytes.deallocate() }
    }

    /// Parses the attributes only for a classify event, for its tags. Verification runs it for
    /// every entry: apart from escaped names, nothing is copied.
    func indexPlan() throws(EntryDecodingError) -> Parts {
        var parts = Parts()
        try indexPlan(into: &parts)
        return parts
    }

    /// Builds the parts into `parts`, reusing their room: verification builds them for
    /// every entry and, for an entry whose names have no escapes and that is not a classify
    /// event, usually allocates nothing here.
    func indexPlan(into parts: inout Parts) throws(EntryDecodingError) {
        parts.empty()
        func copy(_ text: String) -> Name {
            let owned = NameCopy(text)
            parts.copies.append(owned)
            return Name(utf8: UnsafeRawBufferPointer(owned.bytes))
        }
        func name(_ field: StringRef) -> Name {
            field.hasEscapes ? copy(string(field)) : Name(utf8: slice(field.range))
        }
        var tagNames: [Name] = []
        if slice(kind.range).hasSameBytes(as: "classify") {
            tagNames = try event().classifiedTags.map(copy)
        }
        let escaped = inputs.contains(where: \.hasEscapes) || outputs.contains(where: \.hasEscapes)
            || explicitEdges.contains { $0.from.hasEscapes || $0.to.hasEscapes || $0.relation?.hasEscapes == true }
        if escaped {
            parts.build(
                actor: name(actorID), onBehalfOf: onBehalfOf.map(name), inputs: inputs.map(name), outputs: outputs.map(name),
                explicit: explicitEdges.map { (from: name($0.from), to: name($0.to), relation: $0.relation.map(name)) },
                kind: name(kind), tags: tagNames
            )
        } else {
            // Names in place, read through lazy views: no arrays of names to allocate.
            let bytes = self.bytes
            func inPlace(_ field: StringRef) -> Name { Name(utf8: UnsafeRawBufferPointer(rebasing: bytes[field.range])) }
            parts.build(
                actor: name(actorID), onBehalfOf: onBehalfOf.map(name),
                inputs: inputs.lazy.map(inPlace), outputs: outputs.lazy.map(inPlace),
                explicit: explicitEdges.lazy.map { (from: inPlace($0.from), to: inPlace($0.to), relation: $0.relation.map(inPlace)) },
                kind: name(kind), tags: tagNames
            )
        }
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
