import HTTPTypes
import Hummingbird

/// Finds who is asking from `Authorization: Bearer …` (an API key `custos_…`, or a JWT when an
/// issuer is configured) or `X-API-Key: …`. It never refuses a request itself: each route
/// decides (``RouteRegistrar``), so that public routes stay public.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CustosRequestContext
    let state: ServerState
    private static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var credential: String?
        if let header = request.headers.value(.authorization) {
            if let bearer = HeaderText.credential(of: header, scheme: "bearer") {
                credential = String(bearer)
            } else {
                context.credentialsRejected = true
            }
        } else if let key = request.headers.value(Self.apiKeyHeader) {
            credential = String(HeaderText.trimmed(key[...]))
        }
        if let credential {
            if credential.utf8.starts(with: APIKeyStore.prefix.utf8) {
                context.principal = state.keys.authenticate(credential)
            } else if let jwt = state.jwt {
                context.principal = await jwt.authenticate(credential)
            }
            context.credentialsRejected = context.principal == nil
        }
        return try await next(request, context)
    }
}
