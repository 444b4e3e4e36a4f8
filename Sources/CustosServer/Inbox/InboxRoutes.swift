import HTTPTypes
import Hummingbird

/// The approvers' web inbox: one page, its script and its style sheet, served from the binary.
/// The page holds no data: once the approver signs in with an API key, its script calls the
/// JSON API with that key, so the inbox can do exactly what the key's roles allow, no more.
enum InboxRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        routes.add(.get, "/inbox") { _, _ in
            Reply.bytes(Array(InboxAssets.page.utf8), contentType: "text/html; charset=utf-8", headers: securityHeaders)
        }
        routes.add(.get, "/inbox/{asset}") { _, context in
            switch context.parameters.get("asset") {
            case "inbox.js":
                return Reply.bytes(Array(InboxAssets.script.utf8), contentType: "text/javascript; charset=utf-8", headers: securityHeaders)
            case "inbox.css":
                return Reply.bytes(Array(InboxAssets.styleSheet.utf8), contentType: "text/css; charset=utf-8", headers: securityHeaders)
            default:
                throw APIError.notFound("the inbox has no such file", hint: "the inbox is at /inbox")
            }
        }
    }

    /// Only this server's own script and styles run, and only this server is called; the key
    /// never leaves in a referrer, and nothing is cached.
    static let securityHeaders: HTTPFields = {
        var fields = HTTPFields()
        fields[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        fields[.cacheControl] = "no-store"
        return fields
    }()
}
