import CustosGate
import CustosLedger
import CustosLineage
import Foundation
import HTTPTypes
import Hummingbird

/// The approval gate over HTTP: `/v1/approvals…` and `/v1/tokens…` (docs/API.md, "Approvals").
/// The requester and the decider are always the authenticated identity.
enum GateRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        let gate = state.gate
        routes.add(.post, "/v1/approvals") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state)
            let resource = try node(body, "resource")
            var scope: [String]?
            if let value = body["scope"] {
                guard let items = value.arrayValue?.compactMap(\.stringValue), items.count == value.arrayValue?.count else {
                    throw APIError.badRequest("invalid_request", "scope must be an array of resource patterns")
                }
                scope = items
            }
            let action = try GateAction(try text(body, "action"), resource: resource, scope: scope)
            let actor = try principal.actor(onBehalfOf: body["onBehalfOf"]?.stringValue)
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? body["idempotencyKey"]?.stringValue
            let asked = try await gate.request(
                action, by: actor, justification: try text(body, "justification"), payload: body["payload"]?.stringValue, idempotencyKey: key,
                onBehalfOfVouched: principal.onBehalfOf != nil
            )
            await state.notifier?.announce(asked)
            var headers = HTTPFields()
            headers[.location] = "/v1/approvals/\(asked.id.rawValue)"
            return Reply.json(asked.jsonValue, status: .created, headers: headers)
        }
        routes.add(.get, "/v1/approvals") { request, context in
            let principal = try context.requirePrincipal()
            var status: ApprovalStatus?
            if let text = request.text("status") {
                guard let known = ApprovalStatus(rawValue: text) else {
                    throw APIError.badRequest("invalid_parameter", "status must be one of \(ApprovalStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = known
            }
            let limit = try request.integer("limit", in: 1...1_000) ?? 100
            let found = try gate.requests(status: status, requester: seesOnlyOwn(principal) ? principal.identity : nil, limit: limit)
            return Reply.json(["count": .number(Double(found.count)), "requests": .array(found.map(\.jsonValue))])
        }
        routes.add(.get, "/v1/approvals/{id}") { _, context in
            let found = try visibleRequest(context, gate)
            return Reply.json(found.jsonValue)
        }
        routes.add(.get, "/v1/approvals/{id}/wait") { request, context in
            let found = try visibleRequest(context, gate)
            let timeout = try seconds(request.text("timeout") ?? "30s", max: 120)
            let after = try request.integer("after", in: 0...Int.max).map(UInt64.init)
            // An agent that asks for the token with the decision saves a round trip. Refused
            // before the wait, not after it, to anyone `GET …/token` would refuse: a key
            // without the agent role, or anyone but the requester and whom it acts for.
            var holder: Actor?
            if try request.boolean("token") {
                let principal = try context.requirePrincipal()
                guard principal.roles.contains(.agent) else { throw GateError.notAllowed("only an agent key receives tokens; this key has no agent role") }
                let actor = try principal.actor()
                try found.checkTokenHolder(actor)
                holder = actor
            }
            let waited = try await gate.wait(for: found.id, timeout: .milliseconds(Int64(timeout * 1_000)), changedAfter: after)
            guard let holder, waited.status == .approved, var answer = waited.jsonValue.objectValue else { return Reply.json(waited.jsonValue) }
            do {
                answer["token"] = tokenJSON(try gate.token(for: waited.id, by: holder))
            } catch GateError.notApproved {
                // Revoked or lapsed in between: the request as it now stands, without a token.
                return Reply.json(try gate.request(waited.id).jsonValue)
            }
            return Reply.json(.object(answer))
        }
        routes.add(.get, "/v1/approvals/{id}/context") { request, context in
            let found = try visibleRequest(context, gate)
            let depth = try request.integer("depth", in: 1...state.limits.maxTraceDepth) ?? 6
            return Reply.json(try decisionContext(found, depth: depth, state))
        }
        routes.add(.post, "/v1/approvals/{id}/approve") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state, optional: true)
            let decided = try await gate.approve(try requestID(context), by: try principal.actor(), reason: body["reason"]?.stringValue)
            if decided.status != .pending { await state.notifier?.announce(decided) }
            return Reply.json(decided.jsonValue)
        }
        routes.add(.post, "/v1/approvals/{id}/deny") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state)
            let decided = try await gate.deny(try requestID(context), by: try principal.actor(), reason: try text(body, "reason"))
            await state.notifier?.announce(decided)
            return Reply.json(decided.jsonValue)
        }
        routes.add(.post, "/v1/approvals/{id}/revoke") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state)
            let revoked = try await gate.revoke(
                try requestID(context), by: try principal.actor(), reason: try text(body, "reason"), asAdministrator: principal.roles.contains(.admin)
            )
            await state.notifier?.announce(revoked)
            return Reply.json(revoked.jsonValue)
        }
        routes.add(.get, "/v1/approvals/{id}/token") { _, context in
            let principal = try context.requirePrincipal()
            let token = try gate.token(for: try requestID(context), by: try principal.actor())
            return Reply.json(tokenJSON(token))
        }
        routes.add(.post, "/v1/approvals/{id}/outcome") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state, limit: state.limits.maxBodyBytes)
            guard let succeeded = body["succeeded"]?.boolValue else { throw APIError.badRequest("invalid_request", "succeeded (true or false) is required") }
            var attributes = body["attributes"]?.objectValue ?? [:]
            if let status = body["exitStatus"]?.numberValue { attributes["exitStatus"] = .number(status) }
            let report = OutcomeReport(
                succeeded: succeeded, output: body["output"]?.stringValue.map { Array($0.utf8) },
                errorOutput: body["errorOutput"]?.stringValue.map { Array($0.utf8) }, attributes: attributes
            )
            let recorded = try await gate.recordOutcome(try requestID(context), by: try principal.actor(), report)
            var answer: [String: JSONValue] = ["request": recorded.request.jsonValue]
            if let masked = recorded.maskedOutput { answer["output"] = .string(String(decoding: masked, as: UTF8.self)) }
            if let masked = recorded.maskedErrorOutput { answer["errorOutput"] = .string(String(decoding: masked, as: UTF8.self)) }
            return Reply.json(.object(answer))
        }
        routes.add(.post, "/v1/tokens/redeem") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await object(of: request, state)
            let redeemed = try await gate.redeem(
                try text(body, "token"), by: try principal.actor(), action: body["action"]?.stringValue, resource: body["resource"]?.stringValue
            )
            return Reply.json(["executeSeq": .number(Double(redeemed.seq)), "claims": redeemed.token.claims.jsonValue, "request": redeemed.request.jsonValue])
        }
        routes.add(.post, "/v1/tokens/verify") { request, _ in
            let body = try await object(of: request, state)
            do {
                let (token, found) = try gate.verify(try text(body, "token"), action: body["action"]?.stringValue, resource: body["resource"]?.stringValue)
                return Reply.json(["valid": true, "claims": token.claims.jsonValue, "request": ["id": .string(found.id.rawValue), "status": .string(found.status.rawValue)]])
            } catch let error as GateError {
                return Reply.json(["valid": false, "reason": .string(error.description)])
            }
        }
        routes.add(.get, "/v1/tokens/key") { _, _ in
            Reply.bytes(Array((gate.verifierKey.description + "\n").utf8), contentType: "text/plain; charset=utf-8")
        }
    }

    // MARK: Helpers

    /// What an approver needs beside the request: the rule that matched, as the policy in force
    /// states it, and the resource's upstream lineage (at most 200 nodes; the trace says when
    /// it was cut).
    static func decisionContext(_ found: ApprovalRequest, depth: Int, _ state: ServerState) throws -> JSONWriter {
        var options = TraceOptions(direction: .upstream)
        options.maxDepth = depth
        options.maxNodes = 200
        var rule: [String: JSONValue] = ["name": .string(found.rule), "line": .number(Double(found.ruleLine)), "decision": .string(found.decision.rawValue)]
        // The rule as the policy in force states it (it may have been reloaded since).
        let policy = state.gate.policy
        if let current = policy.rules.first(where: { $0.name == found.rule }) {
            rule["file"] = .string(policy.file)
            rule["actions"] = .array(current.actions.map(JSONValue.string))
            rule["resources"] = .array(current.resources.map(JSONValue.string))
            if !current.inheritsTags.isEmpty { rule["inheritsTags"] = .array(current.inheritsTags.map(JSONValue.string)) }
            rule["approvers"] = .array(current.approvers.map(JSONValue.string))
            rule["approvals"] = .number(Double(current.approvals))
        }
        var json = JSONWriter(capacity: 4_096)
        json.beginObject()
        json.key("request"); json.raw(found.jsonValue.description)
        json.key("rule"); json.raw(JSONValue.object(rule).description)
        json.key("lineage")
        do {
            QueryRoutes.writeTrace(try state.graph.trace(from: found.resource, options), into: &json)
        } catch let error as LineageError {
            // A resource with no history yet: say so rather than fail the whole answer.
            json.raw(JSONValue.object(["start": .string(found.resource.rawValue), "count": 0, "nodes": [], "edges": [], "note": .string("\(error)")]).description)
        }
        json.endObject()
        return json
    }

    static func tokenJSON(_ token: GateToken) -> JSONValue {
        [
            "token": .string(token.compact), "claims": token.claims.jsonValue,
            "expiresAt": .string(Timestamp(microseconds: token.claims.expires * 1_000_000).description),
        ]
    }

    /// Agents that are not also approvers or auditors see only their own requests.
    static func seesOnlyOwn(_ principal: Principal) -> Bool {
        principal.roles.isDisjoint(with: [.approver, .auditor, .admin])
    }

    static func visibleRequest(_ context: CustosRequestContext, _ gate: Gate) throws -> ApprovalRequest {
        let principal = try context.requirePrincipal()
        let found = try gate.request(try requestID(context))
        if seesOnlyOwn(principal), !found.isRequesterSide(principal.identity) {
            // Someone else's request: answer as if there were none.
            throw GateError.unknownRequest(found.id.rawValue)
        }
        return found
    }

    /// The `{id}` of the path: `request:…`, or the part after `request:`.
    static func requestID(_ context: CustosRequestContext) throws -> NodeID {
        guard let text = context.parameters.get("id"), !text.isEmpty else { throw APIError.badRequest("invalid_parameter", "the request id is missing") }
        let decoded = text.removingPercentEncoding ?? text
        guard let id = try? NodeID(decoded.utf8.starts(with: "request:".utf8) ? decoded : "request:" + decoded) else {
            throw APIError.badRequest("invalid_parameter", "\"\(decoded)\" is not a request id")
        }
        return id
    }

    static func object(of request: Request, _ state: ServerState, optional: Bool = false, limit: Int = 1 << 20) async throws -> [String: JSONValue] {
        let buffer = try await state.body(of: request, limit: limit)
        if optional && buffer.readableBytes == 0 { return [:] }
        let value: JSONValue
        do { value = try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) } } catch {
            throw APIError.badRequest("invalid_json", "the body is not valid JSON: \(error)", hint: "send one JSON object")
        }
        guard case .object(let members) = value else { throw APIError.badRequest("invalid_json", "the body must be a JSON object") }
        return members
    }

    static func text(_ body: [String: JSONValue], _ key: String) throws -> String {
        guard let value = body[key]?.stringValue else { throw APIError.badRequest("invalid_request", "\(key) (a string) is required") }
        return value
    }

    static func node(_ body: [String: JSONValue], _ key: String) throws -> NodeID {
        let value = try text(body, key)
        do { return try NodeID(value) } catch { throw APIError.badRequest("invalid_request", "\(key): \(error)") }
    }

    /// `30s`, `2m`, `1500ms`, or a number of seconds, at most `max`.
    static func seconds(_ text: String, max: Double) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var value = Double(text)
        for (suffix, scale) in units where value == nil && text.hasSuffix(suffix) {
            value = Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        guard let value, value >= 0, value <= max else {
            throw APIError.badRequest("invalid_parameter", "timeout must be a duration from 0 to \(Int(max))s, such as 30s")
        }
        return value
    }
}

extension CustosRequestContext {
    /// The authenticated principal; the route's role check has run, so it is there.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError(.unauthorized, "unauthenticated", "no identity") }
        return principal
    }
}
