import CustosGate
import CustosLedger
import CustosQuery
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a JSON error body, counts and times every request, and logs one line
/// per request: method, route (the template, never the query string), status, time, identity.
/// Never a body, a header value or a credential.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let state: ServerState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - started
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            let route = context.endpointPath ?? "unmatched"
            state.metrics.request(route: route, method: request.method.rawValue, status: status, nanoseconds: nanoseconds)
            context.logger.info(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(status),
                    "ms": .stringConvertible(Double(nanoseconds / 10_000) / 100),
                    "identity": .string(context.principal?.identity.rawValue ?? "-"),
                ]
            )
        }
        do {
            var response: Response
            if request.method == .get || request.method == .head {
                response = try await next(request, context)
            } else {
                // The request's share of the server's body budget, given back once it is answered.
                let reservation = BodyReservation(budget: state.bodyBudget)
                do {
                    response = try await BodyReservation.$current.withValue(reservation) { try await next(request, context) }
                } catch {
                    reservation.giveBack()
                    throw error
                }
                Self.giveBack(reservation, after: &response)
            }
            status = Int(response.status.code)
            response.headers[Self.noSniff] = "nosniff"
            return response
        } catch {
            let apiError = Self.apiError(for: error)
            status = Int(apiError.status.code)
            if apiError.status.code >= 500 { context.logger.error("request failed", metadata: ["error": .string("\(error)")]) }
            var response = try apiError.response(from: request, context: context)
            response.headers[Self.noSniff] = "nosniff"
            return response
        }
    }

    /// A large body's bytes are given back once the answer is written, not when the handler
    /// returns: an answer can hold a copy the size of the body (`POST /v1/mask`) while a slow
    /// client reads it. Small ones at once, which saves wrapping every answer. A response
    /// dropped unwritten releases the reservation with the closure, which gives back then.
    static func giveBack(_ reservation: BodyReservation, after response: inout Response) {
        guard reservation.bytes >= heldThroughAnswerBytes else {
            reservation.giveBack()
            return
        }
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { reservation.giveBack() }
            try await body.write(writer)
        }
    }

    /// Bodies of at least this many bytes stay counted until their answer is written.
    static let heldThroughAnswerBytes = 64 << 10

    /// Every answer says what it is by its content type alone (browsers must not guess).
    static let noSniff = HTTPField.Name("X-Content-Type-Options")!

    static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as LedgerError: return APIError.from(error)
        case let error as GateError: return APIError.from(error)
        case let error as LQLError: return APIError.badRequest("invalid_query", "\(error)", hint: "docs/LQL.md lists what LQL accepts")
        case let error as EventError: return APIError.badRequest("invalid_event", "\(error)", hint: "fix the event (docs/FORMAT.md describes one); nothing was written")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError.notFound("no such route", hint: "GET /openapi.json lists the routes")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "this route does not take that method", hint: "GET /openapi.json lists the routes")
            case .contentTooLarge: return APIError(.contentTooLarge, "too_large", "the request body is too large", hint: "split it into smaller requests")
            default: return APIError(error.status, "http_error", error.body ?? error.status.reasonPhrase, hint: "GET /openapi.json describes every route")
            }
        default:
            return APIError(.internalServerError, "internal_error", "the request failed: \(error)", hint: "the operator should check the server's log")
        }
    }
}
