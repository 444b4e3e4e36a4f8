import CustosLedger
import CustosServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Server routes: the table, the OpenAPI document and the role matrix")
struct RouteTests {
    @Test("every route the router has is in the OpenAPI document, and every documented route answers")
    func routesMatchTheDocument() async throws {
        let fixture = try await ServerFixture()
        let (_, registered) = CustosServer.makeRouter(state: fixture.state)
        #expect(Set(registered) == Set(RouteTable.all))
        #expect(registered.count == RouteTable.all.count)
        try await fixture.application.test(.router) { client in
            let document = try await client.execute(uri: "/openapi.json", method: .get).json
            #expect(document?["openapi"] == .string("3.1.0"))
            guard case .object(let paths)? = document?["paths"] else {
                Issue.record("no paths")
                return
            }
            var documented = Set<String>()
            for (path, methods) in paths {
                for (method, operation) in methods.objectValue ?? [:] {
                    documented.insert("\(method.uppercased()) \(path)")
                    let roles = Set((operation["x-custos-roles"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Role.init(rawValue:)) })
                    let spec = RouteTable.all.first { $0.method.rawValue == method.uppercased() && $0.path == path }
                    #expect(spec?.roles == roles, "\(method) \(path)")
                    #expect(operation["responses"]?["401"] != nil || roles.isEmpty)
                }
            }
            #expect(documented == Set(RouteTable.all.map(\.description)))
            // Each route answers something other than "no such route".
            for spec in RouteTable.all {
                let uri = spec.path.replacingOccurrences(of: "{seq}", with: "0").replacingOccurrences(of: "{id}", with: "00000000")
                let response = try await client.execute(uri: uri, method: spec.method, headers: ServerFixture.headers(key: fixture.allRoles), body: ByteBuffer(string: "{}"))
                #expect(!(response.status == .notFound && response.json?["error"]?["code"] == .string("not_found") && response.text.contains("no such route")), "\(spec)")
            }
            let unknown = try await client.execute(uri: "/v1/nothing-here", method: .get, headers: ServerFixture.headers(key: fixture.allRoles))
            #expect(unknown.status == .notFound)
            #expect(unknown.json?["error"]?["code"] == .string("not_found"))
        }
    }

    @Test("the route-by-role matrix: 401 without credentials, 403 without the role, and every refusal recorded")
    func roleMatrix() async throws {
        let fixture = try await ServerFixture { $0.limits.deniedRecordBurst = 10_000 }
        let refusals = try await fixture.application.test(.router) { client -> Int in
            var refusals = 0
            for spec in RouteTable.all {
                let uri = spec.path.replacingOccurrences(of: "{seq}", with: "0").replacingOccurrences(of: "{id}", with: "00000000")
                let body = ByteBuffer(string: "{}")
                let anonymous = try await client.execute(uri: uri, method: spec.method, headers: ServerFixture.headers(key: nil), body: body)
                let forged = try await client.execute(uri: uri, method: spec.method, headers: ServerFixture.headers(key: "custos_12345678_forged"), body: body)
                if spec.roles.isEmpty {
                    #expect(anonymous.status != .unauthorized && anonymous.status != .forbidden, "\(spec) needs no key")
                    continue
                }
                #expect(anonymous.status == .unauthorized, "\(spec) without a key")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(forged.status == .unauthorized, "\(spec) with a forged key")
                refusals += 2
                for role in Role.allCases {
                    let response = try await client.execute(uri: uri, method: spec.method, headers: ServerFixture.headers(key: fixture.key(role)), body: body)
                    if spec.roles.contains(role) {
                        #expect(response.status != .unauthorized && response.status != .forbidden, "\(spec) as \(role): \(response.status)")
                    } else {
                        #expect(response.status == .forbidden, "\(spec) as \(role): \(response.status)")
                        #expect(response.json?["error"]?["code"] == .string("forbidden"))
                        refusals += 1
                    }
                }
            }
            return refusals
        }
        // Every refusal is an access_denied event, with who and what, never the key.
        var recorded = 0
        try fixture.ledger.forEachEntry { _, bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains(#""kind":"access_denied""#) {
                recorded += 1
                #expect(!text.contains("custos_"), "a key in the log")
            }
            return true
        }
        #expect(recorded == refusals)
        #expect(refusals > 50)
    }
}
