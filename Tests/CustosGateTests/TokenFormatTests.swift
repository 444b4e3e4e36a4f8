import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@testable import CustosGate

/// docs/FORMAT.md's gate-token example (computed there with Python's `cryptography`) is what
/// this code produces, and docs/tools/verify_token.py, written from the document alone,
/// agrees with the gate on real tokens.
@Suite("Gate tokens as docs/FORMAT.md specifies them")
struct TokenFormatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let document = (try? String(contentsOf: root.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)) ?? ""

    static func line(startingWith prefix: String) throws -> String {
        try #require(document.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init))
    }

    @Test("the documented key, claims and token are what the gate makes and accepts")
    func workedExample() throws {
        let key = try GateSigningKey(rawRepresentation: Array(0..<32))
        #expect(key.verifier.description == (try Self.line(startingWith: "custos-gate+56")))
        let claims = GateToken.Claims(
            request: try NodeID("request:0123456789abcdef01234567"), action: "export", resource: try NodeID("dataset:crm/customers"),
            scope: ["dataset:crm/customers"], subject: try NodeID("agent:report-bot"), onBehalfOf: try NodeID("human:alice@example.com"),
            notBefore: 1_767_225_600, expires: 1_767_225_900, nonce: "6f1c2a9e0b7d4e35a8c1f20d", issuer: "example.com/custos/demo", keyID: key.verifier.keyID
        )
        #expect(String(decoding: CanonicalJSON.encode(claims.jsonValue), as: UTF8.self) == (try Self.line(startingWith: "{\"act\":\"export\"")))
        let token = GateToken(claims: claims, signingKey: key)
        #expect(token.compact == (try Self.line(startingWith: "cgt1.eyJ")))

        let parsed = try GateToken(parsing: token.compact, verifier: key.verifier)
        #expect(parsed.claims == claims)
        let inside = Timestamp(microseconds: 1_767_225_700 * 1_000_000)
        try parsed.check(now: inside, action: "export", resource: "dataset:crm/customers")
        #expect(throws: GateError.self) { try parsed.check(now: Timestamp(microseconds: 1_767_225_900 * 1_000_000)) }
        #expect(throws: GateError.self) { try parsed.check(now: inside, resource: "dataset:crm/other") }
        #expect(throws: GateError.self) { try parsed.check(now: inside, action: "delete") }
    }

    @Test("docs/tools/verify_token.py accepts a real token and refuses it altered, out of scope, or under another key")
    func offlineScript() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(
            .export(resource: NodeID("dataset:crm/customers"), scope: ["dataset:crm/*"]), by: People.loneAgent, justification: "report"
        )
        _ = try await fixture.gate.approve(asked.id, by: People.alice)
        let token = try fixture.gate.token(for: asked.id, by: People.loneAgent).compact
        let key = try String(contentsOfFile: fixture.ledger.path + "/gate.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key == fixture.gate.verifierKey.description)

        let good = try verifyToken([token, "--key", key, "--action", "export", "--resource", "dataset:crm/orders"])
        #expect(good.status == 0 && good.output.hasSuffix("OK\n"), "\(good.output)")
        #expect(good.output.contains("\"req\": \"\(asked.id)\""))

        var flipped = Array(token.utf8)
        let middle = flipped.count / 3
        flipped[middle] = flipped[middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        for (arguments, reason) in [
            ([String(decoding: flipped, as: UTF8.self), "--key", key], "signature"),
            ([token, "--key", key, "--resource", "dataset:hr/salaries"], "outside the scope"),
            ([token, "--key", key, "--action", "delete"], "issued for export"),
            ([token, "--key", GateSigningKey.generate().verifier.description], "signature"),
            ([token, "--key", key, "--now", "4102444800"], "expired"),
        ] {
            let result = try verifyToken(arguments)
            #expect(result.status == 1 && result.output.contains("FAILED") && result.output.contains(reason), "\(reason): \(result.output)")
        }
    }

    private func verifyToken(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram("/usr/bin/env", ["python3", Self.root.appendingPathComponent("docs/tools/verify_token.py").path] + arguments)
    }
}
