import CustosLedger
import CustosMasking
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Masking for agents, API keys for admins, and the routes that need no key.
enum AdminRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        routes.add(.post, "/v1/mask") { request, context in try await mask(request, context, state) }
        routes.add(.get, "/v1/keys") { _, _ in
            let records = try state.keys.list()
            return Reply.json(.object(["keys": .array(records.map(recordJSON))]))
        }
        routes.add(.post, "/v1/keys") { request, _ in
            let body = try await state.json(of: request)
            guard let identityText = body["identity"]?.stringValue, let identity = try? NodeID(identityText) else {
                throw APIError.badRequest("invalid_key", "identity is required: a human:, agent: or service: id")
            }
            guard case .array(let roleValues)? = body["roles"] else { throw APIError.badRequest("invalid_key", "roles is required: a list of agent, approver, auditor, admin") }
            var roles = Set<Role>()
            for value in roleValues {
                guard let name = value.stringValue, let role = Role(rawValue: name) else {
                    throw APIError.badRequest("invalid_key", "\(value) is not a role: use agent, approver, auditor or admin")
                }
                roles.insert(role)
            }
            var onBehalfOf: NodeID?
            if let text = body["onBehalfOf"]?.stringValue {
                guard let id = try? NodeID(text) else { throw APIError.badRequest("invalid_key", "onBehalfOf must be a human:, agent: or service: id") }
                onBehalfOf = id
            }
            let created: (record: APIKeyStore.Record, key: String)
            do {
                created = try state.keys.create(identity: identity, roles: roles, description: body["description"]?.stringValue ?? "", onBehalfOf: onBehalfOf)
            } catch {
                throw APIError.badRequest("invalid_key", "\(error)")
            }
            var json = recordJSON(created.record)
            if case .object(var members) = json {
                members["key"] = .string(created.key)
                json = .object(members)
            }
            return Reply.json(json, status: .created)
        }
        routes.add(.delete, "/v1/keys/{id}") { _, context in
            guard let id = context.parameters.get("id") else { throw APIError.badRequest("invalid_parameter", "the key id is missing") }
            guard try state.keys.revoke(id: id) else { throw APIError.notFound("no key \(id)", hint: "GET /v1/keys lists the keys") }
            return Reply.json(.object(["id": .string(id), "revoked": .bool(true)]))
        }
        routes.add(.get, "/v1/whoami") { _, context in
            let principal = try context.requirePrincipal()
            return Reply.json([
                "identity": .string(principal.identity.rawValue), "roles": .array(principal.roles.sorted().map { .string($0.rawValue) }),
                "method": .string(principal.method.rawValue), "onBehalfOf": principal.onBehalfOf.map { .string($0.rawValue) } ?? .null,
            ])
        }
        routes.add(.get, "/healthz") { _, _ in
            let head = try state.ledger.head()
            return Reply.json(.object(["status": "ok", "entries": .number(Double(head.size)), "origin": .string(state.ledger.origin), "readOnly": .bool(state.readOnly)]))
        }
        routes.add(.get, "/metrics") { _, _ in
            Reply.bytes(state.metrics.render(ledger: state.ledger, webhooks: state.notifier?.counts), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.add(.get, "/openapi.json") { _, _ in
            Reply.bytes(Array(OpenAPIDocument.json.utf8), contentType: "application/json; charset=utf-8")
        }
    }

    static func recordJSON(_ record: APIKeyStore.Record) -> JSONValue {
        .object([
            "id": .string(record.id), "identity": .string(record.identity.rawValue), "roles": .array(record.roles.sorted().map { .string($0.rawValue) }),
            "created": .string(record.created), "revoked": record.revoked.map { .string($0) } ?? .null, "description": .string(record.description),
            "onBehalfOf": record.onBehalfOf.map { .string($0.rawValue) } ?? .null,
        ])
    }

    /// The body masked by the server's policy; what was masked in `X-Custos-Mask-*` headers;
    /// with `?record=true&input=NODE&output=NODE`, a mask event recorded first.
    static func mask(_ request: Request, _ context: CustosRequestContext, _ state: ServerState) async throws -> Response {
        guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no identity") }
        let format = try request.text("format").map { text -> InputFormat in
            guard let format = InputFormat(rawValue: text) else { throw APIError.badRequest("invalid_parameter", "format must be auto, text, json or kv") }
            return format
        } ?? .auto
        let record = try request.boolean("record")
        var nodes: (NodeID, NodeID)?
        if record {
            guard let input = request.text("input"), let output = request.text("output") else {
                throw APIError.badRequest("invalid_parameter", "record=true needs input=NODE and output=NODE")
            }
            do { nodes = (try NodeID(input), try NodeID(output)) } catch { throw APIError.badRequest("invalid_parameter", "\(error)") }
        }
        let body = try await state.body(of: request)
        var stream = state.masker.stream(format: format)
        var output: [UInt8] = []
        output.reserveCapacity(body.readableBytes)
        body.withUnsafeReadableBytes { bytes in stream.write(bytes) { output.append(contentsOf: $0) } }
        let summary = stream.finish { output.append(contentsOf: $0) }
        state.metrics.masked(summary.counts)
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Custos-Mask-Total")!] = String(summary.total)
        headers[HTTPField.Name("X-Custos-Mask-Counts")!] = JSONValue.object(summary.counts.mapValues { .number(Double($0)) }).description
        headers[HTTPField.Name("X-Custos-Input-Sha256")!] = summary.inputSHA256
        headers[HTTPField.Name("X-Custos-Output-Sha256")!] = summary.outputSHA256
        if let (input, outputNode) = nodes {
            let receipt = try await state.ledger.recordMasking(summary, input: input, output: outputNode, actor: try principal.actor())
            headers[HTTPField.Name("X-Custos-Recorded-Seq")!] = String(receipt.seq)
        }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        // The body comes back in the caller's own content type: never as a page that runs.
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        return Reply.bytes(output, contentType: contentType, headers: headers)
    }
}
