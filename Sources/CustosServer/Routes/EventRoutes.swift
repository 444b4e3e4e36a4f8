import CustosLedger
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/events`, `GET /v1/events`, `GET /v1/events/{seq}`.
enum EventRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        routes.add(.post, "/v1/events") { request, context in try await append(request, context, state) }
        routes.add(.get, "/v1/events") { request, _ in try list(request, state) }
        routes.add(.get, "/v1/events/{seq}") { _, context in
            guard let text = context.parameters.get("seq"), let seq = UInt64(text) else {
                throw APIError.badRequest("invalid_parameter", "seq must be a whole number from 0")
            }
            let bytes = try state.ledger.withEntryBytes(at: seq) { Array($0) }
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Custos-Leaf-Hash")!] = Hash256.leaf(bytes).hex
            return Reply.bytes(bytes + [0x0A], contentType: "application/json; charset=utf-8", headers: headers)
        }
    }

    // MARK: Appending

    /// One event (a JSON object), a batch (a JSON array), or NDJSON; all or nothing, answered
    /// once durable. The actor is the authenticated identity.
    static func append(_ request: Request, _ context: CustosRequestContext, _ state: ServerState) async throws -> Response {
        guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no identity") }
        let body = try await state.body(of: request)
        let (events, single) = try events(
            in: body, contentType: request.headers.value(.contentType), principal: principal,
            limits: state.ledger.configuration.limits, maxEvents: state.limits.maxBatchEvents
        )
        state.metrics.appendBatch(events.count)
        let receipts = try await state.ledger.append(contentsOf: events)
        return reply(receipts, single: single)
    }

    /// The events of a body, recorded as `principal`: read straight from the bytes when the
    /// body has the plain shape (``SubmittedEvent``), else, and for every body with a fault,
    /// through the general JSON parser, which says what is wrong.
    static func events(
        in body: ByteBuffer, contentType: String?, principal: Principal, limits: EventLimits, maxEvents: Int
    ) throws -> (events: [Event], single: Bool) {
        if let read = plainEvents(in: body, contentType: contentType, principal: principal, limits: limits, maxEvents: maxEvents) {
            return read
        }
        return try parsedEvents(in: body, contentType: contentType, principal: principal, limits: limits, maxEvents: maxEvents)
    }

    /// The events of any body, through the general JSON parser: what it refuses, it names.
    static func parsedEvents(
        in body: ByteBuffer, contentType: String?, principal: Principal, limits: EventLimits, maxEvents: Int
    ) throws -> (events: [Event], single: Bool) {
        var (values, single) = try parseEvents(body, contentType: contentType, limit: maxEvents)
        var events: [Event] = []
        events.reserveCapacity(values.count)
        for index in values.indices {
            // Taken out of the array, the event's members are referenced once, so the
            // actor can be set in place instead of in a copy of the whole object.
            let value = values[index]
            values[index] = .null
            do {
                events.append(try event(from: value, principal: principal, limits: limits))
            } catch let error as APIError {
                throw single ? error : APIError(error.status, error.code, "event \(index): \(error.message)", hint: "nothing of this batch was written")
            }
        }
        return (events, single)
    }

    /// The events of a body of the plain shape, with the same actor rules as
    /// ``event(from:principal:limits:)``; nil for any other body, or when any event is
    /// invalid or may not be sent here.
    static func plainEvents(
        in body: ByteBuffer, contentType: String?, principal: Principal, limits: EventLimits, maxEvents: Int
    ) -> (events: [Event], single: Bool)? {
        guard let (submitted, single) = body.withUnsafeReadableBytes({ SubmittedEvent.scan($0, ndjson: isNDJSON(contentType), limit: maxEvents) }) else {
            return nil
        }
        var events: [Event] = []
        events.reserveCapacity(submitted.count)
        for fields in submitted {
            let claimed: ClaimedActor
            switch fields.actor {
            case .absent: claimed = (nil, nil)
            case .id(let id): claimed = (id, nil)
            case .object(let id, let onBehalfOf): claimed = (id, onBehalfOf)
            }
            // A mismatch is the general reader's to refuse, with its message.
            let onBehalfOf: String?
            do { onBehalfOf = try recordedOnBehalfOf(claimed, topLevel: fields.onBehalfOf, principal: principal) } catch { return nil }
            guard let actor = try? Actor(id: principal.identity.rawValue, onBehalfOf: onBehalfOf, limits: limits),
                  let event = fields.event(actor: actor, limits: limits),
                  (try? refuseGateEvents(event)) != nil
            else { return nil }
            events.append(event)
        }
        return (events, single)
    }

    /// One receipt (201, or 200 for a repeated client event id), or `{"count", "receipts"}`.
    static func reply(_ receipts: [AppendReceipt], single: Bool) -> Response {
        var json = JSONWriter(capacity: 160 * receipts.count + 32)
        if single, let first = receipts.first {
            write(first, to: &json)
            return Reply.json(json, status: first.isDuplicate ? .ok : .created)
        }
        json.beginObject()
        json.key("count"); json.integer(receipts.count)
        json.key("receipts"); json.beginArray()
        for receipt in receipts { write(receipt, to: &json) }
        json.endArray()
        json.endObject()
        return Reply.json(json, status: .created)
    }

    /// `{"seq":…,"hash":"…","time":"…","duplicate":…}`.
    static func write(_ receipt: AppendReceipt, to json: inout JSONWriter) {
        json.beginObject()
        json.key("seq"); json.integer(receipt.seq)
        json.key("hash"); json.plainString { receipt.leafHash.appendHex(to: &$0) }
        json.key("time"); json.plainString { receipt.time.append(to: &$0) }
        json.key("duplicate"); json.bool(receipt.isDuplicate)
        json.endObject()
    }

    /// Whether a body of `contentType` is one event per line.
    static func isNDJSON(_ contentType: String?) -> Bool {
        contentType.map { HeaderText.contains($0, "ndjson") || HeaderText.contains($0, "jsonl") } ?? false
    }

    /// The events of a body: `[…]`, `{…}`, or one object per line.
    static func parseEvents(_ body: ByteBuffer, contentType: String?, limit: Int) throws -> (values: [JSONValue], single: Bool) {
        let ndjson = isNDJSON(contentType)
        var values: [JSONValue] = []
        var single = false
        try body.withUnsafeReadableBytes { bytes in
            if !ndjson {
                do {
                    let value = try JSONParser.parse(bytes)
                    switch value {
                    case .array(let elements): values = elements
                    case .object: values = [value]; single = true
                    default: throw APIError.badRequest("invalid_event", "the body must be an event (a JSON object), an array of events, or NDJSON")
                    }
                    return
                } catch let error as JSONParseError {
                    // Several objects, one per line, without the NDJSON content type.
                    guard bytes.contains(0x0A) else { throw APIError.badRequest("invalid_json", "the body is not valid JSON: \(error)") }
                }
            }
            try NDJSONLines.forEach(in: bytes) { slice, line in
                do {
                    values.append(try JSONParser.parse(slice))
                } catch {
                    throw APIError.badRequest("invalid_json", "line \(line) is not valid JSON: \(error)", hint: "send one event object per line; nothing was written")
                }
                guard values.count <= limit else { throw APIError.tooLarge("the batch", limit: limit) }
                return true
            }
        }
        guard !values.isEmpty else { throw APIError.badRequest("invalid_event", "the body holds no event") }
        guard values.count <= limit else { throw APIError.tooLarge("a batch of \(values.count) events", limit: limit) }
        return (values, single)
    }

    /// An event whose actor is `principal`: the body may leave `actor` out, give the same
    /// identity, or say on whose behalf (`"actor": {"onBehalfOf": "human:…"}` or a top-level
    /// `"onBehalfOf"`), which is recorded beside it.
    static func event(from value: consuming JSONValue, principal: Principal, limits: EventLimits) throws -> Event {
        guard case .object(var members) = consume value else { throw APIError.badRequest("invalid_event", "an event must be a JSON object") }
        let topLevel = members.removeValue(forKey: "onBehalfOf")?.stringValue
        let claimed: ClaimedActor
        switch members["actor"] {
        case nil: claimed = (nil, nil)
        case .string(let id)?: claimed = (id, nil)
        case .object(let actor)?: claimed = (actor["id"]?.stringValue, actor["onBehalfOf"]?.stringValue)
        default: throw APIError.badRequest("invalid_event", "actor must be an object or a string")
        }
        let onBehalfOf = try recordedOnBehalfOf(claimed, topLevel: topLevel, principal: principal)
        var actor: [String: JSONValue] = ["id": .string(principal.identity.rawValue)]
        if let onBehalfOf { actor["onBehalfOf"] = .string(onBehalfOf) }
        members["actor"] = .object(actor)
        let event: Event
        do {
            event = try Event(json: .object(members), limits: limits)
        } catch {
            throw APIError.badRequest("invalid_event", "\(error)", hint: "docs/FORMAT.md describes events")
        }
        try refuseGateEvents(event)
        return event
    }

    /// The kinds that make up an approval trail.
    static let gateKinds: Set<EventKind> = [.request, .approve, .deny, .expire, .revoke, .execute, "gate.outcome", "gate.redeem_refused"]

    /// Approval trails are written by the gate alone, which checks who may decide: an event
    /// of those kinds that names a `request:` node, sent here, could forge a request or a
    /// decision around those checks.
    static func refuseGateEvents(_ event: Event) throws {
        guard gateKinds.contains(event.kind) else { return }
        if (event.inputs + event.outputs).contains(where: { $0.hasType("request") }) {
            throw APIError(
                .forbidden, "gate_event", "\(event.kind) events about request: nodes are recorded by the approval gate only",
                hint: "use POST /v1/approvals and /v1/approvals/{id}/approve|deny|revoke; docs/GATE.md"
            )
        }
    }

    /// What an event's `actor` member says: an id and an on-behalf-of, each when given.
    private typealias ClaimedActor = (id: String?, onBehalfOf: String?)

    /// The actor rule of both readers: an event may name its actor only as the authenticated
    /// identity; on whose behalf it acts comes from the actor's `onBehalfOf`, else the event's.
    private static func recordedOnBehalfOf(_ claimed: ClaimedActor, topLevel: String?, principal: Principal) throws -> String? {
        if let id = claimed.id, id != principal.identity.rawValue { throw actorMismatch(id, principal) }
        return try principal.recordedOnBehalfOf(claimed.onBehalfOf ?? topLevel)
    }

    private static func actorMismatch(_ id: String, _ principal: Principal) -> APIError {
        APIError.badRequest(
            "actor_mismatch", "the event says its actor is \(id), but the credentials are \(principal.identity)",
            hint: "leave actor out (the server records the authenticated identity), or give only onBehalfOf"
        )
    }

    // MARK: Listing

    /// Entries after `after` (exclusive; from the start without it), at most `limit`, as NDJSON,
    /// streamed a page at a time.
    static func list(_ request: Request, _ state: ServerState) throws -> Response {
        // Int.max - 1 at most, so that the next seq (after + 1) cannot overflow.
        let after = try request.integer("after", in: -1...(Int.max - 1))
        let limit = try request.integer("limit", in: 1...state.limits.maxListEntries) ?? 1_000
        let size = try state.ledger.head().size
        let start = UInt64(max(0, (after ?? -1) + 1))
        let end = min(size, start + UInt64(limit))
        var headers = HTTPFields()
        headers[.contentType] = Reply.ndjson
        headers[HTTPField.Name("X-Custos-Log-Size")!] = String(size)
        if end < size { headers[HTTPField.Name("X-Custos-Next-After")!] = String(end - 1) }
        let ledger = state.ledger
        let body = ResponseBody { writer in
            var next = start
            while next < end {
                // One short read transaction per page: none is held across a write.
                var page = ByteBuffer()
                var read = 0
                try ledger.forEachEntry(from: next) { seq, bytes in
                    guard seq < end, read < 256 else { return false }
                    page.writeBytes(bytes)
                    page.writeInteger(UInt8(0x0A))
                    read += 1
                    return true
                }
                guard read > 0 else { break }
                next += UInt64(read)
                try await writer.write(page)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
