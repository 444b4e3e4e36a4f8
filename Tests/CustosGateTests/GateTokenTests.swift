import CustosLedger
import Foundation
import Testing

@testable import CustosGate

@Suite("Gate: just-in-time tokens")
struct GateTokenTests {
    /// An approved export of `dataset:x`, scoped to `dataset:x` and `export:x/*`.
    func approved(_ fixture: GateFixture, action: String = "export") async throws -> (ApprovalRequest, GateToken) {
        let asked = try await fixture.gate.request(
            GateAction(action, resource: node("dataset:x"), scope: ["dataset:x", "export:x/*"]), by: People.loneAgent, justification: "j"
        )
        _ = try await fixture.gate.approve(asked.id, by: People.sec)
        return (asked, try fixture.gate.token(for: asked.id, by: People.loneAgent))
    }

    @Test("verifies offline with gate.pub alone, and carries the request, action, scope, actor, window and nonce")
    func offline() async throws {
        let fixture = try GateFixture()
        let (asked, token) = try await approved(fixture)
        let publicText = try String(contentsOfFile: fixture.ledger.path + "/gate.pub", encoding: .utf8)
        let verifier = try GateVerifierKey(parsing: publicText)
        let read = try GateToken(parsing: token.compact, verifier: verifier)
        #expect(read.claims == token.claims)
        #expect(read.claims.request == asked.id && read.claims.action == "export" && read.claims.scope == ["dataset:x", "export:x/*"])
        #expect(read.claims.issuer == "test.example/gate" && read.claims.nonce.count == 32)
        try read.check(now: .now(), action: "export", resource: "export:x/2026-12.csv")
        // The private key file is not readable by others.
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.ledger.path + "/gate.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The token is the same however often it is fetched.
        #expect(try fixture.gate.token(for: asked.id, by: People.loneAgent) == token)
        // Only the requester side receives it.
        #expect(throws: GateError.self) { _ = try fixture.gate.token(for: asked.id, by: People.sec) }
    }

    @Test("a second redemption fails and is recorded: tokens are single use")
    func replay() async throws {
        let fixture = try GateFixture()
        let (asked, token) = try await approved(fixture)
        _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:x")
        do {
            _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:x")
            Issue.record("redeemed twice")
        } catch let error as GateError {
            #expect(error.description.contains("redeemed already"), "\(error)")
        }
        #expect(try fixture.events(.execute, about: asked.id).count == 1)
        let refused = try fixture.events(GateKind.redeemRefused, about: asked.id)
        #expect(refused.count == 1 && refused.first?.event.attributes["refused"]?.stringValue?.contains("single use") == true)
    }

    @Test("a token for one scope or action fails for another, and the attempt is recorded")
    func wrongScope() async throws {
        let fixture = try GateFixture()
        let (asked, token) = try await approved(fixture)
        await #expect(throws: GateError.self) { _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:y") }
        await #expect(throws: GateError.self) { _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "delete", resource: "dataset:x") }
        #expect(try fixture.events(GateKind.redeemRefused, about: asked.id).count == 2)
        #expect(try fixture.gate.request(asked.id).status == .approved)
        _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "export:x/file.csv")
    }

    @Test("the gate skips checking only the exact tokens it signed; another gate on the store checks them in full")
    func issuedTokens() async throws {
        let fixture = try GateFixture()
        let (asked, token) = try await approved(fixture)
        #expect(fixture.gate.issued.token(token.compact)?.claims == token.claims)
        // One character of the signature changed: not what the gate issued, so it is checked.
        var altered = Array(token.compact.utf8)
        altered[altered.count - 2] = altered[altered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let alteredText = String(decoding: altered, as: UTF8.self)
        #expect(fixture.gate.issued.token(alteredText) == nil)
        #expect(throws: GateError.self) { _ = try fixture.gate.verify(alteredText) }
        // A second gate on the same store (another process, say) remembers nothing and
        // verifies the signature before it redeems.
        let other = try Gate(ledger: fixture.ledger, policy: fixture.gate.policy)
        #expect(other.issued.count == 0)
        let redeemed = try await other.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:x")
        #expect(redeemed.request.id == asked.id && redeemed.request.status == .executed)
        // Bounded: the oldest are forgotten first, and a token fetched again is kept once.
        let memo = IssuedTokens(capacity: 2)
        let tokens = (0..<3).map { index in
            var claims = token.claims
            claims.nonce = String(repeating: "\(index)", count: 32)
            return GateToken(claims: claims, signingKey: fixture.gate.signingKey)
        }
        for token in tokens + [tokens[2]] { memo.remember(token) }
        #expect(memo.count == 2)
        #expect(memo.token(tokens[0].compact) == nil && memo.token(tokens[1].compact) != nil && memo.token(tokens[2].compact) != nil)
    }

    @Test("forged tokens fail: altered claims, another store's key, garbage")
    func forged() async throws {
        let fixture = try GateFixture()
        let (asked, token) = try await approved(fixture)
        // Widen the scope in the claims, keep the signature.
        var claims = token.claims
        claims.scope = ["*"]
        let otherKey = GateSigningKey.generate()
        let resigned = GateToken(claims: claims, signingKey: otherKey)
        let parts = token.compact.split(separator: ".")
        let altered = "cgt1." + resigned.compact.split(separator: ".")[1] + "." + parts[2]
        for forgery in [altered, resigned.compact, "cgt1.e30.AAAA", "not a token", token.compact + "x"] {
            await #expect(throws: GateError.self, "\(forgery)") { _ = try await fixture.gate.redeem(forgery, by: People.loneAgent) }
            #expect(throws: GateError.self) { _ = try fixture.gate.verify(forgery) }
        }
        #expect(try fixture.gate.request(asked.id).status == .approved)
        let refusals = try fixture.events().filter { $0.event.kind == GateKind.redeemRefused }
        #expect(refusals.count == 5)
    }

    @Test("an expired token fails, the attempt is recorded, and the request reads expired")
    func expired() async throws {
        let fixture = try GateFixture()
        // The request may wait an hour and its token lives five seconds, so that even a loaded
        // machine fetches the token in time; then the test waits for the token's expiry.
        let asked = try await fixture.gate.request(GateAction("brief_export", resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        _ = try await fixture.gate.approve(asked.id, by: People.alice)
        let token = try fixture.gate.token(for: asked.id, by: People.loneAgent)
        let expiry = Double(token.claims.expires) - Date().timeIntervalSince1970
        try await Task.sleep(for: .milliseconds(Int64(max(0, expiry) * 1_000) + 200))
        await #expect(throws: GateError.self) { _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent) }
        #expect(try fixture.events(GateKind.redeemRefused, about: asked.id).count == 1)
        #expect(try fixture.gate.request(asked.id).status == .expired)
        #expect(try await fixture.gate.expireLapsed().count == 1)
    }
}
