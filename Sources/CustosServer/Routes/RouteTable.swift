public import HTTPTypes
import Hummingbird

/// One route of the API: method, path (OpenAPI style, `{seq}` for a parameter), the roles
/// that may call it, and whether it changes the store. Empty roles: no credentials needed.
public struct RouteSpec: Sendable, Hashable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    public let path: String
    public let roles: Set<Role>
    /// True when the route records events, issues tokens or changes the keys: a read-only
    /// server (`custos serve --read-only`) refuses it with 403 `read_only`.
    public let changesStore: Bool

    public init(method: HTTPRequest.Method, path: String, roles: Set<Role>, changesStore: Bool = false) {
        self.method = method
        self.path = path
        self.roles = roles
        self.changesStore = changesStore
    }

    public var description: String { "\(method.rawValue) \(path)" }

    /// The path in Hummingbird's syntax (`:seq`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}

/// Every route the server has, and who may call it. The router is built from this table only
/// (``RouteRegistrar`` refuses anything else), the OpenAPI document must list exactly these
/// routes, and the tests walk the whole route-by-role matrix over it.
public enum RouteTable {
    public static let all: [RouteSpec] = [
        RouteSpec(method: .post, path: "/v1/events", roles: [.agent], changesStore: true),
        RouteSpec(method: .get, path: "/v1/events", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/events/{seq}", roles: [.auditor]),
        RouteSpec(method: .post, path: "/v1/query", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/lineage", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/checkpoint", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/checkpoints", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/proofs/inclusion", roles: [.auditor]),
        RouteSpec(method: .get, path: "/v1/proofs/consistency", roles: [.auditor]),
        RouteSpec(method: .post, path: "/v1/verify", roles: [.auditor]),
        RouteSpec(method: .post, path: "/v1/evidence", roles: [.auditor]),
        RouteSpec(method: .post, path: "/v1/mask", roles: [.agent], changesStore: true),
        RouteSpec(method: .get, path: "/v1/keys", roles: [.admin]),
        RouteSpec(method: .post, path: "/v1/keys", roles: [.admin], changesStore: true),
        RouteSpec(method: .delete, path: "/v1/keys/{id}", roles: [.admin], changesStore: true),
        RouteSpec(method: .post, path: "/api/v1/lineage", roles: [.agent], changesStore: true),
        RouteSpec(method: .post, path: "/api/v1/lineage/batch", roles: [.agent], changesStore: true),
        RouteSpec(method: .get, path: "/api/v1/lineage", roles: [.auditor]),
        RouteSpec(method: .post, path: "/v1/approvals", roles: [.agent], changesStore: true),
        RouteSpec(method: .get, path: "/v1/approvals", roles: [.agent, .approver, .auditor]),
        RouteSpec(method: .get, path: "/v1/approvals/{id}", roles: [.agent, .approver, .auditor]),
        RouteSpec(method: .get, path: "/v1/approvals/{id}/wait", roles: [.agent, .approver, .auditor]),
        RouteSpec(method: .get, path: "/v1/approvals/{id}/context", roles: [.approver, .auditor]),
        RouteSpec(method: .post, path: "/v1/approvals/{id}/approve", roles: [.approver], changesStore: true),
        RouteSpec(method: .post, path: "/v1/approvals/{id}/deny", roles: [.approver], changesStore: true),
        RouteSpec(method: .post, path: "/v1/approvals/{id}/revoke", roles: [.agent, .approver, .admin], changesStore: true),
        RouteSpec(method: .get, path: "/v1/approvals/{id}/token", roles: [.agent], changesStore: true),
        RouteSpec(method: .post, path: "/v1/approvals/{id}/outcome", roles: [.agent], changesStore: true),
        RouteSpec(method: .post, path: "/v1/tokens/redeem", roles: [.agent], changesStore: true),
        RouteSpec(method: .post, path: "/v1/tokens/verify", roles: [.agent, .approver, .auditor]),
        RouteSpec(method: .get, path: "/v1/tokens/key", roles: []),
        RouteSpec(method: .get, path: "/v1/whoami", roles: Set(Role.allCases)),
        RouteSpec(method: .get, path: "/inbox", roles: []),
        RouteSpec(method: .get, path: "/inbox/{asset}", roles: []),
        RouteSpec(method: .get, path: "/healthz", roles: []),
        RouteSpec(method: .get, path: "/metrics", roles: []),
        RouteSpec(method: .get, path: "/openapi.json", roles: []),
    ]

    /// The route for a method and a path template.
    static func spec(_ method: HTTPRequest.Method, _ path: String) -> RouteSpec? {
        all.first { $0.method == method && $0.path == path }
    }
}

/// Adds routes to the router, each behind its role check; only routes of ``RouteTable``.
struct RouteRegistrar {
    typealias Handler = @Sendable (Request, CustosRequestContext) async throws -> Response

    let router: Router<CustosRequestContext>
    let state: ServerState
    /// What was registered, for the tests.
    private(set) var registered: [RouteSpec] = []

    init(router: Router<CustosRequestContext>, state: ServerState) {
        self.router = router
        self.state = state
    }

    mutating func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        guard var spec = RouteTable.spec(method, path) else {
            preconditionFailure("\(method) \(path) is not in RouteTable: add it there and to the OpenAPI document")
        }
        if path == "/metrics" && state.configuration.metricsNeedKey { spec = RouteSpec(method: method, path: path, roles: Set(Role.allCases)) }
        registered.append(spec)
        let state = self.state
        let route = spec
        router.on(RouterPath(spec.routerPath), method: method) { request, context in
            try await Self.authorize(route, request, context, state)
            // After the role check, so that a read-only server answers 401 and 403 as any other.
            if route.changesStore && state.readOnly { throw APIError.readOnly(route.description) }
            return try await handler(request, context)
        }
    }

    /// 401 without valid credentials, 403 without a role the route allows; both recorded.
    static func authorize(_ spec: RouteSpec, _ request: Request, _ context: CustosRequestContext, _ state: ServerState) async throws {
        guard !spec.roles.isEmpty else { return }
        guard let principal = context.principal else {
            let reason = context.credentialsRejected ? "the credentials are not valid" : "no credentials"
            await state.access.record(status: 401, method: spec.method.rawValue, route: spec.path, principal: nil, required: spec.roles, reason: reason)
            var error = APIError(
                .unauthorized, "unauthenticated", "\(spec) needs credentials: \(reason)",
                hint: "send Authorization: Bearer <API key or token>; an admin creates keys with `custos keys create`"
            )
            error.extraHeaders[.wwwAuthenticate] = "Bearer realm=\"custos\""
            throw error
        }
        guard !principal.roles.isDisjoint(with: spec.roles) else {
            let needed = spec.roles.sorted().map(\.rawValue).joined(separator: " or ")
            await state.access.record(status: 403, method: spec.method.rawValue, route: spec.path, principal: principal, required: spec.roles, reason: "missing role")
            throw APIError(
                .forbidden, "forbidden", "\(spec) needs the role \(needed); \(principal.identity) has \(principal.roles.sorted().map(\.rawValue).joined(separator: ", "))",
                hint: "ask an admin for a key with the role \(needed)"
            )
        }
    }
}
