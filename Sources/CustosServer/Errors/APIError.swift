public import Hummingbird
public import CustosLedger
import CustosGate
import NIOCore

/// An error the API answers with: an HTTP status and a JSON body that says what happened and
/// what to do.
///
/// ```json
/// {"error": {"code": "invalid_event", "message": "event 3: kind is required", "hint": "…"}}
/// ```
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code (`unauthenticated`, `forbidden`, `invalid_json`, …).
    public let code: String
    public let message: String
    /// What to do about it.
    public let hint: String?
    /// Extra response headers (`WWW-Authenticate` on 401).
    public var extraHeaders: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, hint: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public var headers: HTTPFields {
        var fields = extraHeaders
        fields[.contentType] = "application/json; charset=utf-8"
        return fields
    }

    /// The JSON body.
    public var json: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let hint { error["hint"] = .string(hint) }
        return .object(["error": .object(error)])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ByteBuffer(string: json.description + "\n")
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    // MARK: Common errors

    static func badRequest(_ code: String, _ message: String, hint: String? = nil) -> APIError {
        APIError(.badRequest, code, message, hint: hint)
    }

    static func notFound(_ message: String, hint: String? = nil) -> APIError {
        APIError(.notFound, "not_found", message, hint: hint)
    }

    static func tooLarge(_ what: String, limit: Int) -> APIError {
        APIError(.contentTooLarge, "too_large", "\(what) is over the limit of \(limit)", hint: "split it into smaller requests")
    }

    /// What a read-only server (`custos serve --read-only`) answers to a route that would
    /// change the store.
    static func readOnly(_ what: String) -> APIError {
        APIError(
            .forbidden, "read_only", "this server serves its store read-only, so \(what) is refused; nothing was written",
            hint: "send it to a server that writes the store (custos serve without --read-only)"
        )
    }

    /// The API error for a ledger error, with the status that fits it.
    static func from(_ error: LedgerError) -> APIError {
        switch error {
        case .invalidEvent, .idempotencyConflict:
            return APIError(.badRequest, error.code, "\(error)", hint: "fix the event; nothing of this batch was written")
        case .batchTooLarge:
            return APIError(.contentTooLarge, "batch_too_large", "\(error)", hint: "send fewer events per request")
        case .refused(let reason):
            return APIError(.conflict, "refused", reason, hint: "the request's state changed: read it again")
        case .noSuchEntry:
            return APIError(.notFound, "no_such_entry", "\(error)", hint: "GET /healthz gives the number of entries; seqs run from 0")
        case .invalidProofRange:
            return APIError(.badRequest, "invalid_proof_range", "\(error)", hint: "sizes run from 1 to the log's size, and a seq must be below the size")
        case .overloaded:
            var overloaded = APIError(.serviceUnavailable, "overloaded", "\(error)", hint: "retry after a short wait")
            overloaded.extraHeaders[.retryAfter] = "1"
            return overloaded
        case .noSigningKey:
            return APIError(.serviceUnavailable, "no_signing_key", "\(error)", hint: "the operator must restore checkpoint.key in the store")
        case .readOnly:
            return readOnly("a write to the store")
        case .closed:
            return APIError(.serviceUnavailable, "shutting_down", "the server is shutting down", hint: "retry against a running server")
        default:
            return APIError(.internalServerError, "storage_error", "\(error)", hint: "the operator should check the server's log and disk")
        }
    }
}

extension APIError {
    /// The API error for a gate error.
    static func from(_ error: GateError) -> APIError {
        switch error {
        case .unknownRequest:
            return APIError(.notFound, "unknown_request", error.description, hint: "GET /v1/approvals lists requests")
        case .notAllowed(let reason):
            return APIError(.forbidden, "not_allowed", reason, hint: "another person must decide; the attempt is on record")
        case .refused(let reason):
            return APIError(.conflict, "refused", reason, hint: "GET the request to see where it stands")
        case .notApproved:
            return APIError(.conflict, "not_approved", error.description, hint: "only an approved request has a token")
        case .timedOut:
            return APIError(.requestTimeout, "timed_out", error.description, hint: "wait again, or GET the request to see where it stands")
        case .invalidToken(let reason):
            return APIError(.forbidden, "invalid_token", reason, hint: "ask for the action again; the refused attempt is on record")
        case .invalidRequest(let reason):
            return APIError(.badRequest, "invalid_request", reason, hint: "docs/GATE.md describes requests")
        case .invalidPolicy:
            return APIError(.internalServerError, "invalid_policy", error.description, hint: "the operator must fix the gate policy")
        case .remote(let status, let message):
            return APIError(.badGateway, "remote_error", "\(status): \(message)")
        case .unreachable(let reason):
            return APIError(.badGateway, "unreachable", reason)
        }
    }
}

extension LedgerError {
    /// A stable code for API errors.
    var code: String {
        switch self {
        case .invalidEvent: return "invalid_event"
        case .idempotencyConflict: return "idempotency_conflict"
        default: return "ledger_error"
        }
    }
}
