import CustosLedger

/// The OpenAPI 3.1 description of every route, served at `/openapi.json`. A test checks that
/// it lists exactly the routes of ``RouteTable``, with their roles, and that each answers.
enum OpenAPIDocument {
    static let json: String = document.description

    private static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    private static func query(_ name: String, _ description: String, type: String = "string", required: Bool = false) -> JSONValue {
        .object(["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description), "schema": .object(["type": .string(type)])])
    }

    private static func path(_ name: String, _ description: String, type: String = "string") -> JSONValue {
        .object(["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": .object(["type": .string(type)])])
    }

    private static func content(_ schema: JSONValue, type: String = "application/json") -> JSONValue {
        .object([type: .object(["schema": schema])])
    }

    private static func response(_ description: String, _ schema: JSONValue? = nil, type: String = "application/json") -> JSONValue {
        var members: [String: JSONValue] = ["description": .string(description)]
        if let schema { members["content"] = content(schema, type: type) }
        return .object(members)
    }

    /// The error answers a route can give, besides its own.
    private static func errors(_ statuses: [Int], of spec: RouteSpec) -> [String: JSONValue] {
        var all = statuses
        if !spec.roles.isEmpty { all += [401, 403] }
        // Every body is read under the size limit, gzipped or not.
        if spec.method == .post { all += [400, 413, 415] }
        let reasons: [Int: String] = [
            400: "The request is malformed; the body says what to fix. Nothing was written.",
            401: "No credentials, or credentials that do not hold (recorded as an access_denied event).",
            403: "The credentials lack a role this route needs (recorded as an access_denied event).",
            404: "No such entry, node, key or request.", 409: "The request's state does not allow the step (already decided, expired, not approved).", 413: "The body or the batch is over the server's limit.",
            415: "The Content-Encoding is not supported.", 422: "The request is well formed but cannot be carried out; the body says why.", 503: "The ledger is overloaded or shutting down, or the server holds all the request bodies it may (server_busy); retry (Retry-After).",
        ]
        var result: [String: JSONValue] = [:]
        for status in all + [503] {
            var reason = reasons[status] ?? "An error."
            if status == 403 && spec.changesStore { reason += " Also read_only: the server serves its store read-only (custos serve --read-only), and nothing was written." }
            result[String(status)] = response(reason, ref("Error"))
        }
        return result
    }

    private struct Operation {
        var method: String
        var path: String
        var summary: String
        var parameters: [JSONValue] = []
        var body: JSONValue?
        var ok: (status: Int, response: JSONValue)
        var errors: [Int] = [400]
        /// Another success answer, besides `ok`.
        var also: (status: Int, response: JSONValue)?
    }

    private static let operations: [Operation] = [
        Operation(
            method: "post", path: "/v1/events", summary: "Append one event (a JSON object), a batch (a JSON array) or NDJSON, atomically; answered once durable. The actor is the authenticated identity; a body may give only onBehalfOf.",
            body: .object(["required": true, "content": .object([
                "application/json": .object(["schema": .object(["oneOf": .array([ref("Event"), .object(["type": "array", "items": ref("Event")])])])]),
                "application/x-ndjson": .object(["schema": .object(["type": "string", "description": "one event object per line"])]),
            ])]),
            ok: (201, response("The receipt (one event) or the receipts (a batch), in order.", .object(["oneOf": .array([ref("Receipt"), ref("Receipts")])]))),
            errors: [400, 413, 415],
            also: (200, response("One event whose clientEventId was appended before: the first receipt, with duplicate true; nothing was written.", ref("Receipt")))
        ),
        Operation(
            method: "get", path: "/v1/events", summary: "Entries as stored, NDJSON, streamed. X-Custos-Next-After gives the next page's after.",
            parameters: [query("after", "the last seq already read (exclusive); from the start without it", type: "integer"), query("limit", "at most this many entries (default 1,000)", type: "integer")],
            ok: (200, response("The entries, one canonical JSON entry per line.", .object(["type": "string"]), type: "application/x-ndjson"))
        ),
        Operation(
            method: "get", path: "/v1/events/{seq}", summary: "One entry exactly as stored and hashed; its leaf hash in X-Custos-Leaf-Hash.",
            parameters: [path("seq", "the entry's position, from 0", type: "integer")],
            ok: (200, response("The entry's canonical bytes.", ref("Entry"))), errors: [400, 404]
        ),
        Operation(
            method: "post", path: "/v1/query", summary: "Run an LQL query (docs/LQL.md).",
            body: .object(["required": true, "content": content(ref("Query"))]),
            ok: (200, response("The result: columns, rows, count, plan, truncated, and details (JSON), or one row per line (NDJSON).", ref("QueryResult"))), errors: [400, 413]
        ),
        Operation(
            method: "get", path: "/v1/lineage", summary: "Trace a node upstream or downstream.",
            parameters: [
                query("node", "the node id, e.g. export:s3://partner/q3.csv", required: true), query("direction", "upstream (default) or downstream"),
                query("depth", "edges deep, 1 to the server's limit (default 10)", type: "integer"), query("asOf", "the log size to look at the graph as of", type: "integer"),
                query("relations", "only edges of these relations, comma-separated"), query("types", "report only nodes of these types, comma-separated"),
                query("limit", "at most this many nodes", type: "integer"),
            ],
            ok: (200, response("The nodes reached and the edges walked.", ref("Trace"))), errors: [400, 404]
        ),
        Operation(
            method: "get", path: "/v1/checkpoint", summary: "The log's current checkpoint (unsigned) and the latest signed one.",
            ok: (200, response("The checkpoint.", ref("CurrentCheckpoint"))), errors: []
        ),
        Operation(
            method: "get", path: "/v1/checkpoints", summary: "The signed checkpoints, oldest first, and the public key that checks them.",
            parameters: [query("from", "from this tree size on", type: "integer"), query("limit", "at most this many (default 100)", type: "integer")],
            ok: (200, response("The checkpoints.", ref("Checkpoints")))
        ),
        Operation(
            method: "get", path: "/v1/proofs/inclusion", summary: "A proof document that entry seq is in the log (docs/FORMAT.md, section 5).",
            parameters: [query("seq", "the entry", type: "integer", required: true), query("size", "the tree size; the latest signed checkpoint's by default", type: "integer")],
            ok: (200, response("The proof document.", ref("ProofDocument")))
        ),
        Operation(
            method: "get", path: "/v1/proofs/consistency", summary: "A proof document that the log at size from is a prefix of the log at size to.",
            parameters: [query("from", "the smaller size", type: "integer", required: true), query("to", "the larger size", type: "integer", required: true)],
            ok: (200, response("The proof document.", ref("ProofDocument")))
        ),
        Operation(
            method: "post", path: "/v1/verify", summary: "Verify the whole log; progress lines, then the report, as NDJSON. At most two run at once; another answers 503 overloaded (Retry-After).",
            body: .object(["required": false, "content": content(ref("VerifyRequest"))]),
            ok: (200, response("{\"progress\": {\"done\", \"total\"}} lines, then {\"report\": {...}} or {\"error\": {...}}.", .object(["type": "string"]), type: "application/x-ndjson"))
        ),
        Operation(
            method: "post", path: "/v1/mask", summary: "Mask personal data and secrets in the body by the server's policy (docs/MASKING.md); counts and hashes in X-Custos-Mask-* headers.",
            parameters: [
                query("format", "auto (default), text, json or kv"), query("record", "true to record a mask event"),
                query("input", "with record: the node masked"), query("output", "with record: the node produced"),
            ],
            body: .object(["required": true, "content": .object(["*/*": .object(["schema": .object(["type": "string", "format": "binary"])])])]),
            ok: (200, response("The masked body, in the request's content type.", .object(["type": "string", "format": "binary"]), type: "*/*")), errors: [400, 413, 415]
        ),
        Operation(
            method: "get", path: "/v1/keys", summary: "The API keys (never a secret).",
            ok: (200, response("The keys.", .object(["type": "object", "properties": .object(["keys": .object(["type": "array", "items": ref("APIKey")])])]))), errors: []
        ),
        Operation(
            method: "post", path: "/v1/keys", summary: "Create an API key; the key text is in the answer, once.",
            body: .object(["required": true, "content": content(ref("NewAPIKey"))]),
            ok: (201, response("The key's record and, once, the key.", ref("APIKey")))
        ),
        Operation(
            method: "delete", path: "/v1/keys/{id}", summary: "Revoke an API key.",
            parameters: [path("id", "the key's id (8 hex digits)")],
            ok: (200, response("The key is revoked.", .object(["type": "object"]))), errors: [404]
        ),
        Operation(
            method: "post", path: "/api/v1/lineage", summary: "Ingest one OpenLineage 2-0-2 RunEvent, DatasetEvent or JobEvent, as the OpenLineage HTTP transport sends it (JSON, optionally gzipped).",
            body: .object(["required": true, "content": content(ref("OpenLineageEvent"))]),
            ok: (201, response("The receipt of the ledger event it became.", ref("Receipt"))), errors: [400, 413, 415]
        ),
        Operation(
            method: "post", path: "/api/v1/lineage/batch", summary: "Ingest OpenLineage events: a JSON array, or {\"events\": [...]}, atomically.",
            body: .object(["required": true, "content": content(.object(["oneOf": .array([
                .object(["type": "array", "items": ref("OpenLineageEvent")]),
                .object(["type": "object", "properties": .object(["events": .object(["type": "array", "items": ref("OpenLineageEvent")])])]),
            ])]))]),
            ok: (201, response("The receipts.", ref("Receipts"))), errors: [400, 413, 415]
        ),
        Operation(
            method: "get", path: "/api/v1/lineage", summary: "The lineage graph around a node, in Marquez's shape: nodes with inEdges and outEdges.",
            parameters: [query("nodeId", "dataset:NAMESPACE:NAME or job:NAMESPACE:NAME", required: true), query("depth", "steps up and down (default 20)", type: "integer")],
            ok: (200, response("The graph.", ref("MarquezGraph"))), errors: [400, 404]
        ),
        Operation(
            method: "post", path: "/v1/approvals", summary: "Ask for approval of an action; the requester is the authenticated identity. The policy's first matching rule decides: allow and deny at once, require_approval leaves it pending. The payload is masked before it is stored or shown. An Idempotency-Key header (or idempotencyKey) makes a retry return the first request.",
            body: .object(["required": true, "content": content(ref("NewApprovalRequest"))]),
            ok: (201, response("The request as recorded.", ref("ApprovalRequest"))), errors: [400]
        ),
        Operation(
            method: "get", path: "/v1/approvals", summary: "Requests, newest first. Agents without another role see only their own.",
            parameters: [query("status", "pending, approved, denied, expired, revoked or executed"), query("limit", "at most this many (default 100, at most 1000)", type: "integer")],
            ok: (200, response("The requests.", ref("ApprovalRequests"))), errors: [400]
        ),
        Operation(
            method: "get", path: "/v1/approvals/{id}", summary: "One request: its context, the rule that matched, approvals, refusals and status.",
            parameters: [path("id", "request:ID, or the ID alone")],
            ok: (200, response("The request.", ref("ApprovalRequest"))), errors: [400, 404]
        ),
        Operation(
            method: "get", path: "/v1/approvals/{id}/wait", summary: "Long poll: answers when the request is decided (or, with after, has changed since that seq), or when the timeout passes, with the request as it then stands.",
            parameters: [
                path("id", "request:ID, or the ID alone"), query("timeout", "how long to wait: 30s by default, at most 120s"), query("after", "a lastSeq already seen", type: "integer"),
                query("token", "true: when the request is approved, the answer carries its token (only for an agent key of the requester or of whom it acts for: 403 otherwise)", type: "boolean"),
            ],
            ok: (200, response("The request; with token=true and the request approved, its token in token.", ref("DecidedRequest"))), errors: [400, 404]
        ),
        Operation(
            method: "get", path: "/v1/approvals/{id}/context", summary: "What an approver weighs: the request, the policy rule that matched (as the policy in force states it) and the resource's upstream lineage.",
            parameters: [path("id", "request:ID, or the ID alone"), query("depth", "how far upstream to trace: 6 by default", type: "integer")],
            ok: (200, response("The request, its rule and its resource's lineage.", ref("DecisionContext"))), errors: [400, 404]
        ),
        Operation(
            method: "post", path: "/v1/approvals/{id}/approve", summary: "Approve as the authenticated human. Refused (403, and recorded) for the requester, whom it acts for, anyone acting for them, agents, services, people outside the rule's approvers, those neverApprove excludes, and a second approval by the same person.",
            parameters: [path("id", "request:ID, or the ID alone")],
            body: .object(["required": false, "content": content(ref("Decision"))]),
            ok: (200, response("The request after the approval.", ref("ApprovalRequest"))), errors: [400, 404, 409]
        ),
        Operation(
            method: "post", path: "/v1/approvals/{id}/deny", summary: "Deny, with a reason; one denial ends the request. The same people may deny as may approve.",
            parameters: [path("id", "request:ID, or the ID alone")],
            body: .object(["required": true, "content": content(ref("Decision"))]),
            ok: (200, response("The request, denied.", ref("ApprovalRequest"))), errors: [400, 404, 409]
        ),
        Operation(
            method: "post", path: "/v1/approvals/{id}/revoke", summary: "Withdraw a pending request or void an approval before its token is redeemed: the requester, whom it acts for, an approver of its rule, or an admin.",
            parameters: [path("id", "request:ID, or the ID alone")],
            body: .object(["required": true, "content": content(ref("Decision"))]),
            ok: (200, response("The request, revoked.", ref("ApprovalRequest"))), errors: [400, 404, 409]
        ),
        Operation(
            method: "get", path: "/v1/approvals/{id}/token", summary: "The just-in-time token of an approved request, for its requester (or whom it acts for).",
            parameters: [path("id", "request:ID, or the ID alone")],
            ok: (200, response("The token.", ref("GateToken"))), errors: [400, 404, 409]
        ),
        Operation(
            method: "post", path: "/v1/approvals/{id}/outcome", summary: "Record what the executed action did. The output is hashed and masked, never stored; the answer holds the masked output.",
            parameters: [path("id", "request:ID, or the ID alone")],
            body: .object(["required": true, "content": content(ref("Outcome"))]),
            ok: (200, response("The request and the masked output.", .object(["type": "object", "properties": .object(["request": ref("ApprovalRequest"), "output": .object(["type": "string"]), "errorOutput": .object(["type": "string"])])]))), errors: [400, 404, 409]
        ),
        Operation(
            method: "post", path: "/v1/tokens/redeem", summary: "Redeem a token for an action on a resource in its scope, once: the execute event is recorded. Replayed, forged, expired, revoked and out-of-scope tokens fail (403) and the attempt is recorded.",
            body: .object(["required": true, "content": content(ref("TokenCheck"))]),
            ok: (200, response("The redemption.", .object(["type": "object", "properties": .object(["executeSeq": .object(["type": "integer"]), "claims": ref("TokenClaims"), "request": ref("ApprovalRequest")])]))), errors: [400]
        ),
        Operation(
            method: "post", path: "/v1/tokens/verify", summary: "Check a token without using it: signature, time window, scope, and whether its request still stands approved. Records nothing.",
            body: .object(["required": true, "content": content(ref("TokenCheck"))]),
            ok: (200, response("valid, with the claims, or not, with the reason.", .object(["type": "object", "properties": .object(["valid": .object(["type": "boolean"]), "reason": .object(["type": "string"]), "claims": ref("TokenClaims")])]))), errors: [400]
        ),
        Operation(
            method: "get", path: "/v1/tokens/key", summary: "The public key that verifies tokens offline (custos-gate+KEYID+BASE64).",
            ok: (200, response("The key, as text.", .object(["type": "string"]), type: "text/plain")), errors: []
        ),
        Operation(
            method: "post", path: "/v1/evidence", summary: "Build a SOC 2 or HIPAA evidence bundle for a period (as `custos evidence` does) and stream it back as a zip; docs/EVIDENCE.md.",
            body: .object(["required": true, "content": content(ref("EvidenceRequest"))]),
            ok: (200, response("The bundle.", .object(["type": "string", "format": "binary"]), type: "application/zip")), errors: [400, 422]
        ),
        Operation(method: "get", path: "/v1/whoami", summary: "The identity and roles the credentials prove.", ok: (200, response("Who you are.", ref("WhoAmI"))), errors: []),
        Operation(method: "get", path: "/inbox", summary: "The approvers' web inbox (HTML). It asks for an API key and calls this API with it.", ok: (200, response("The page.", .object(["type": "string"]), type: "text/html")), errors: []),
        Operation(
            method: "get", path: "/inbox/{asset}", summary: "The inbox's script and style sheet, served from the binary.",
            parameters: [path("asset", "inbox.js or inbox.css")],
            ok: (200, response("The file.", .object(["type": "string"]), type: "text/javascript")), errors: [404]
        ),
        Operation(method: "get", path: "/healthz", summary: "The server is up and the store readable.", ok: (200, response("Healthy.", ref("Health"))), errors: []),
        Operation(method: "get", path: "/metrics", summary: "Prometheus metrics (no key needed unless the configuration says so).", ok: (200, response("Prometheus text exposition.", .object(["type": "string"]), type: "text/plain")), errors: []),
        Operation(method: "get", path: "/openapi.json", summary: "This document.", ok: (200, response("OpenAPI 3.1.", .object(["type": "object"]))), errors: []),
    ]

    private static let schemas: [String: JSONValue] = {
        func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
            .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })])
        }
        let string: JSONValue = .object(["type": "string"])
        let integer: JSONValue = .object(["type": "integer"])
        let boolean: JSONValue = .object(["type": "boolean"])
        let strings: JSONValue = .object(["type": "array", "items": string])
        return [
            "Error": object(["error": object(["code": string, "message": string, "hint": string], required: ["code", "message"])], required: ["error"]),
            "Event": object([
                "kind": string, "actor": .object(["description": "optional: the authenticated identity is recorded; an object may give onBehalfOf"]),
                "onBehalfOf": string, "inputs": strings, "outputs": strings, "attributes": .object(["type": "object"]),
                "clientEventId": string, "clientTime": string, "edges": .object(["type": "array", "items": object(["from": string, "to": string, "relation": string], required: ["from", "to"])]),
            ], required: ["kind"]),
            "Entry": .object(["type": "object", "description": "An entry as stored: the event plus seq, time, prev and v (docs/FORMAT.md)."]),
            "Receipt": object(["seq": integer, "hash": string, "time": string, "duplicate": boolean], required: ["seq", "hash", "time", "duplicate"]),
            "Receipts": object(["count": integer, "receipts": .object(["type": "array", "items": ref("Receipt")])], required: ["count", "receipts"]),
            "Query": object(["query": string, "params": .object(["type": "object", "additionalProperties": .object(["type": .array(["string", "number", "boolean"])])]), "format": .object(["enum": ["json", "ndjson"]])], required: ["query"]),
            "QueryResult": object(["statement": string, "columns": strings, "rows": .object(["type": "array"]), "count": integer, "plan": string, "truncated": .object(["type": .array(["string", "boolean"])])]),
            "Trace": object([
                "start": string, "direction": string, "count": integer,
                "nodes": .object(["type": "array", "items": object(["id": string, "depth": integer])]),
                "edges": .object(["type": "array", "items": object(["from": string, "relation": string, "to": string, "firstSeq": integer])]),
                "truncated": .object(["type": .array(["string", "boolean"])]),
            ]),
            "StoredCheckpoint": object(["size": integer, "rootHash": string, "signedAt": string, "note": string]),
            "CurrentCheckpoint": object(["origin": string, "size": integer, "rootHash": string, "checkpoint": string, "publicKey": string, "latestSigned": ref("StoredCheckpoint")]),
            "Checkpoints": object(["publicKey": string, "checkpoints": .object(["type": "array", "items": ref("StoredCheckpoint")])]),
            "ProofDocument": .object(["type": "object", "description": "docs/FORMAT.md, section 5: checkable offline with custos verify-proof."]),
            "VerifyRequest": object(["indexes": boolean, "from": .object(["type": "string", "description": "SEQ:HASH, a trusted anchor"])]),
            "APIKey": object(["id": string, "identity": string, "roles": strings, "created": string, "revoked": string, "description": string, "onBehalfOf": string, "key": string]),
            "NewAPIKey": object(["identity": string, "roles": strings, "description": string, "onBehalfOf": string], required: ["identity", "roles"]),
            "OpenLineageEvent": .object(["type": "object", "description": "An OpenLineage 2-0-2 RunEvent, DatasetEvent or JobEvent."]),
            "MarquezGraph": object(["graph": .object(["type": "array", "items": object([
                "id": string, "type": string, "data": .object(["type": "object"]),
                "inEdges": .object(["type": "array", "items": object(["origin": string, "destination": string])]),
                "outEdges": .object(["type": "array", "items": object(["origin": string, "destination": string])]),
            ])])]),
            "NewApprovalRequest": object([
                "action": string, "resource": string, "scope": strings, "justification": string, "payload": string, "onBehalfOf": string, "idempotencyKey": string,
            ], required: ["action", "resource", "justification"]),
            "ApprovalRequest": object([
                "id": string, "requester": string, "onBehalfOf": string,
                "onBehalfOfSource": .object([
                    "enum": ["credentials", "request"],
                    "description": "with onBehalfOf: credentials when the requester's key or token names whom it acts for, request when only the request says so",
                ]),
                "action": string, "resource": string, "scope": strings, "justification": string,
                "payload": .object(["type": "string", "description": "masked"]), "payloadFindings": .object(["type": "object"]),
                "rule": object(["name": string, "line": integer, "decision": string]), "requiredApprovals": integer, "eligibleApprovers": strings, "approvers": strings,
                "lineage": .object(["type": "array", "description": "the tags that made a lineage rule match, each with its path"]),
                "status": .object(["enum": ["pending", "approved", "denied", "expired", "revoked", "executed"]]), "statusReason": string, "endedBy": string, "endedAt": string,
                "createdAt": string, "expiresAt": string, "approvedAt": string, "tokenExpiresAt": string, "tokenSeconds": .object(["type": "number"]),
                "approvals": .object(["type": "array", "items": object(["approver": string, "automatic": boolean, "reason": string, "seq": integer, "time": string])]),
                "refusals": .object(["type": "array", "items": object(["kind": string, "actor": string, "reason": string, "seq": integer, "time": string])]),
                "outcome": object(["succeeded": boolean, "seq": integer, "time": string, "attributes": .object(["type": "object"])]),
                "requestSeq": integer, "lastSeq": integer,
            ], required: ["id", "requester", "action", "resource", "status"]),
            "DecidedRequest": .object(["allOf": .array([ref("ApprovalRequest"), object(["token": ref("GateToken")])])]),
            "ApprovalRequests": object(["count": integer, "requests": .object(["type": "array", "items": ref("ApprovalRequest")])], required: ["count", "requests"]),
            "Decision": object(["reason": string]),
            "TokenClaims": object(["v": integer, "iss": string, "kid": string, "req": string, "act": string, "res": string, "scp": strings, "sub": string, "obo": string, "nbf": integer, "exp": integer, "nonce": string]),
            "GateToken": object(["token": string, "claims": ref("TokenClaims"), "expiresAt": string], required: ["token", "claims"]),
            "TokenCheck": object(["token": string, "action": string, "resource": string], required: ["token"]),
            "Outcome": object(["succeeded": boolean, "exitStatus": integer, "output": string, "errorOutput": string, "attributes": .object(["type": "object"])], required: ["succeeded"]),
            "Health": object(["status": string, "entries": integer, "origin": string, "readOnly": boolean]),
            "EvidenceRequest": object(["framework": .object(["enum": ["soc2", "hipaa"]]), "from": string, "to": string], required: ["framework", "from", "to"]),
            "WhoAmI": object(["identity": string, "roles": strings, "method": string, "onBehalfOf": string], required: ["identity", "roles"]),
            "DecisionContext": object([
                "request": ref("ApprovalRequest"),
                "rule": object(["name": string, "line": integer, "decision": string, "file": string, "actions": strings, "resources": strings, "inheritsTags": strings, "approvers": strings, "approvals": integer]),
                "lineage": ref("Trace"),
            ], required: ["request", "rule", "lineage"]),
        ]
    }()

    static let document: JSONValue = {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            guard let spec = RouteTable.all.first(where: { $0.method.rawValue.lowercased() == operation.method && $0.path == operation.path }) else { continue }
            var entry: [String: JSONValue] = [
                "summary": .string(operation.summary),
                "operationId": .string(operation.method + operation.path.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
                "x-custos-roles": .array(spec.roles.sorted().map { .string($0.rawValue) }),
                "x-custos-changes-store": .bool(spec.changesStore),
                "security": spec.roles.isEmpty ? .array([]) : .array([.object(["bearer": .array([])])]),
            ]
            if !operation.parameters.isEmpty { entry["parameters"] = .array(operation.parameters) }
            if let body = operation.body { entry["requestBody"] = body }
            var responses = errors(operation.errors, of: spec)
            responses[String(operation.ok.status)] = operation.ok.response
            if let also = operation.also { responses[String(also.status)] = also.response }
            entry["responses"] = .object(responses)
            var methods = paths[operation.path]?.objectValue ?? [:]
            methods[operation.method] = .object(entry)
            paths[operation.path] = .object(methods)
        }
        return .object([
            "openapi": "3.1.0",
            "info": .object([
                "title": "Custos", "version": .string(ServerVersion.current),
                "description": "A tamper-evident lineage ledger and action-level approval gate. Every route states the roles that may call it (x-custos-roles).",
            ]),
            "servers": .array([.object(["url": "http://127.0.0.1:8080"])]),
            "components": .object([
                "securitySchemes": .object(["bearer": .object(["type": "http", "scheme": "bearer", "description": "An API key (custos_…) or an OIDC JWT from the configured issuer."])]),
                "schemas": .object(schemas),
            ]),
            "paths": .object(paths),
        ])
    }()
}

/// The version the server reports.
public enum ServerVersion {
    public static let current = "0.2.0"
}
