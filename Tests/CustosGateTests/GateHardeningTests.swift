import CustosConfig
import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@testable import CustosGate

@Suite("Gate: scopes bound to their rule, stored numbers, masking of free text")
struct GateHardeningTests {
    @Test("a token's scope reaches only resources of the rule that decided it: * on an allowed public read does not open another rule's data")
    func scopeStaysUnderItsRule() async throws {
        let fixture = try GateFixture(policy: """
            version: 1
            rules:
              - name: public-reads
                action: read_sensitive
                resource: ["dataset:public/*"]
                decision: allow
              - name: other-reads
                action: read_sensitive
                decision: require_approval
            """)
        let gate = fixture.gate
        let asked = try await gate.request(
            GateAction("read_sensitive", resource: node("dataset:public/a"), scope: ["*"]), by: People.loneAgent, justification: "lookup"
        )
        #expect(asked.status == .approved && asked.rule == "public-reads")
        let token = try gate.token(for: asked.id, by: People.loneAgent)

        // In scope (`*`), but under the rule that needs a human: refused, and on record.
        #expect(throws: GateError.self) { _ = try gate.verify(token.compact, action: "read_sensitive", resource: "dataset:crm/customers") }
        do {
            _ = try await gate.redeem(token.compact, by: People.loneAgent, action: "read_sensitive", resource: "dataset:crm/customers")
            Issue.record("a public-reads token was redeemed for dataset:crm/customers")
        } catch GateError.invalidToken(let reason) {
            #expect(reason.contains("other-reads") && reason.contains("public-reads"), "\(reason)")
        }
        let refused = try fixture.events(GateKind.redeemRefused, about: asked.id)
        #expect(refused.count == 1)
        #expect(try fixture.events(.execute, about: asked.id).isEmpty)

        // Under its own rule it works, once.
        _ = try gate.verify(token.compact, action: "read_sensitive", resource: "dataset:public/b")
        let redeemed = try await gate.redeem(token.compact, by: People.loneAgent, action: "read_sensitive", resource: "dataset:public/b")
        #expect(redeemed.request.status == .executed)
    }

    @Test("a scope that reaches a tagged resource needs that resource's rule: a one-approver export does not open a pii one")
    func scopeDoesNotSkipAQuorum() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let raw = try node("dataset:pg://crm/customers")
        _ = try await fixture.ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [raw], attributes: ["tags": ["pii"]]))
        let asked = try await gate.request(.export(resource: node("dataset:pg://crm/regions"), scope: ["dataset:pg://crm/*"]), by: People.loneAgent, justification: "report")
        #expect(asked.rule == "exports" && asked.requiredApprovals == 1)
        _ = try await gate.approve(asked.id, by: People.alice)
        let token = try gate.token(for: asked.id, by: People.loneAgent)
        await #expect(throws: GateError.self) { _ = try await gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: raw.rawValue) }
        #expect(try fixture.events(GateKind.redeemRefused, about: asked.id).count == 1)
        _ = try await gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:pg://crm/regions")
    }

    @Test("numbers of a stored request that no integer holds are read bounded, not trapped on")
    func storedNumbersAreBounded() async throws {
        let fixture = try GateFixture()
        let id = try node("request:0123456789abcdef01234567")
        // Written straight to the ledger, as only a damaged or foreign store would hold it.
        _ = try await fixture.ledger.append(Event(kind: .request, actor: People.loneAgent, inputs: [node("dataset:x")], outputs: [id], attributes: [
            "action": "export", "requiredApprovals": 1e300, "ruleLine": 1e300, "tokenSeconds": 1e300, "payloadFindings": ["EMAIL": 1e300],
            "expiresAt": "2999-01-01T00:00:00Z",
        ]))
        let state = try fixture.gate.request(id)
        #expect(state.requiredApprovals == 1_000)
        #expect(state.ruleLine == 1_000_000_000)
        #expect(state.tokenSeconds == GatePolicy.maxDurationSeconds)
        #expect(state.payloadFindings["EMAIL"] == 1_000_000_000_000)
        #expect(ApprovalRequest.bounded(.nan, within: 0...1) == nil)
        #expect(ApprovalRequest.bounded(-.infinity, within: 0...1) == 0)
    }

    @Test("a policy refuses waits and token lifetimes over a year, with the line")
    func durationsAreCapped() throws {
        do {
            _ = try GatePolicy.parse("version: 1\nrules:\n  - action: export\n    decision: require_approval\n    tokenTTL: 400d\n", file: "gate.yaml")
            Issue.record("a 400-day token lifetime was accepted")
        } catch {
            #expect(error.line == 5 && error.description.contains("366d"), "\(error)")
        }
        #expect(throws: ConfigError.self) { _ = try GatePolicy.parse("version: 1\ndefaults:\n  wait: 1e13s\n", file: "gate.yaml") }
    }

    @Test("a rule whose only approvers are excluded or not human is refused with the policy; one whose only approver is the requester's own principal denies at once")
    func noPossibleApprover() async throws {
        for (policy, line) in [
            ("version: 1\nrules:\n  - name: interns-only\n    action: export\n    decision: require_approval\n    approvers: [human:intern@example.com]\nneverApprove:\n  - identities: [human:intern@example.com]\n    actions: [export]\n", 3),
            ("version: 1\ngroups:\n  robots: [service:deployer]\nrules:\n  - name: robots-only\n    action: escalate\n    decision: require_approval\n    approvers: [robots]\n", 5),
        ] {
            do {
                _ = try GatePolicy.parse(policy, file: "gate.yaml")
                Issue.record("accepted: \(policy)")
            } catch {
                #expect(error.line == line && error.description.contains("only 0 people"), "\(error)")
            }
        }
        // Known only once a request names its requester: alice cannot approve for her own agent.
        let fixture = try GateFixture(policy: """
            version: 1
            rules:
              - name: alice-only
                action: export
                decision: require_approval
                approvers: [human:alice@example.com]
            """)
        let exported = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.agent, justification: "j")
        #expect(exported.status == .denied && exported.statusReason?.contains("only 0") == true, "\(exported.statusReason ?? "")")
    }

    @Test("the justification and an outcome's attributes are masked before they are stored")
    func freeTextIsMasked() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let asked = try await gate.request(.readSensitive(resource: node("dataset:x")), by: People.loneAgent, justification: "customer jane.roe@example.com asked")
        #expect(!asked.justification.contains("jane.roe@example.com") && asked.justification.contains("customer"), "\(asked.justification)")
        let token = try gate.token(for: asked.id, by: People.loneAgent)
        _ = try await gate.redeem(token.compact, by: People.loneAgent, action: "read_sensitive", resource: "dataset:x")
        _ = try await gate.recordOutcome(asked.id, by: People.loneAgent, OutcomeReport(
            succeeded: false, attributes: ["error": "duplicate key (email)=(jane.roe@example.com)", "detail": ["rows": 3, "who": ["jane.roe@example.com"]]]
        ))
        let stored = try fixture.events().map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(!stored.contains { $0.contains("jane.roe@example.com") })
        let outcome = try #require(try fixture.events(GateKind.outcome, about: asked.id).first)
        #expect(outcome.event.attributes["detail"]?["rows"] == .number(3))
        #expect(outcome.event.attributes["error"]?.stringValue?.contains("duplicate key") == true)
    }

    @Test("a long poll tries again after an unreachable server or a gateway's 502, 503 or 504, and after nothing else")
    func transientErrors() {
        #expect(RemoteGate.isTransient(.unreachable("connection refused")))
        for status in [502, 503, 504] { #expect(RemoteGate.isTransient(.remote(status: status, message: "")), "\(status)") }
        for status in [400, 401, 403, 404, 500] { #expect(!RemoteGate.isTransient(.remote(status: status, message: "")), "\(status)") }
        #expect(!RemoteGate.isTransient(.notAllowed("no")))
        #expect(RemoteGate.pollSeconds < 60, "under a proxy's usual read timeout")
    }

    @Test("a lineage rule applies when the tag search was cut short: too deep a lineage fails closed")
    func truncatedLineageFailsClosed() async throws {
        let fixture = try GateFixture(policy: """
            version: 1
            rules:
              - name: no-pii-out
                action: export
                when: { inheritsTags: [pii] }
                decision: deny
              - name: the-rest
                action: export
                decision: allow
            """)
        let source = try node("dataset:src")
        _ = try await fixture.ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [source], attributes: ["tags": ["pii"]]))
        var previous = source
        for step in 1...55 {
            let next = try node("dataset:step-\(step)")
            _ = try await fixture.ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [previous], outputs: [next]))
            previous = next
        }
        // 55 hops: past the search's depth of 50, so the pii source is never reached.
        let asked = try await fixture.gate.request(.export(resource: previous), by: People.loneAgent, justification: "report")
        #expect(asked.status == .denied && asked.rule == "no-pii-out", "\(asked.status) under \(asked.rule)")
        // A resource whose lineage was read to its end still falls to the next rule.
        let clean = try node("dataset:clean")
        _ = try await fixture.ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [try node("dataset:other")], outputs: [clean]))
        #expect(try await fixture.gate.request(.export(resource: clean), by: People.loneAgent, justification: "report").status == .approved)
    }

    @Test("a resource or scope that climbs out of its path with .. is refused, at the request and at redemption")
    func pathTraversal() async throws {
        let fixture = try GateFixture(policy: """
            version: 1
            rules:
              - name: public
                action: export
                resource: ["dataset:s3://lake/public/*"]
                decision: allow
            """)
        #expect(throws: GateError.self) { _ = try GateAction("export", resource: node("dataset:s3://lake/public/../private/x")) }
        #expect(throws: GateError.self) { _ = try GateAction("export", resource: node("dataset:s3://lake/public/a"), scope: ["dataset:s3://lake/public/../*"]) }
        #expect(throws: Never.self) { _ = try GateAction("export", resource: node("dataset:s3://lake/public/a..b")) }
        let asked = try await fixture.gate.request(
            GateAction("export", resource: node("dataset:s3://lake/public/a"), scope: ["dataset:s3://lake/public/*"]), by: People.loneAgent, justification: "j"
        )
        let token = try fixture.gate.token(for: asked.id, by: People.loneAgent)
        await #expect(throws: GateError.self) {
            _ = try await fixture.gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:s3://lake/public/../private/x")
        }
        #expect(try fixture.events(GateKind.redeemRefused, about: asked.id).count == 1)
    }

    @Test("reasons and outcome attributes are masked as the justification is: a member's name counts, and numbers are read")
    func reasonsAndOutcomesMasked() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let denied = try await gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        _ = try await gate.deny(denied.id, by: People.alice, reason: "ask ann.lee@example.com first")
        let denial = try #require(try fixture.events(.deny, about: denied.id).last)
        #expect(denial.event.attributes["reason"]?.stringValue?.contains("ann.lee@example.com") == false, "\(denial.event.attributes)")

        let revoked = try await gate.request(.export(resource: node("dataset:y")), by: People.loneAgent, justification: "j")
        _ = try await gate.revoke(revoked.id, by: People.loneAgent, reason: "drop 123-45-6789")
        let revocation = try #require(try fixture.events(.revoke, about: revoked.id).last)
        #expect(revocation.event.attributes["reason"]?.stringValue?.contains("123-45-6789") == false)

        let asked = try await gate.request(.export(resource: node("dataset:z")), by: People.loneAgent, justification: "j")
        _ = try await gate.approve(asked.id, by: People.alice)
        let token = try gate.token(for: asked.id, by: People.loneAgent)
        _ = try await gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: "dataset:z")
        _ = try await gate.recordOutcome(asked.id, by: People.loneAgent, OutcomeReport(succeeded: true, attributes: [
            "password": "hunter2", "card": .number(4_111_111_111_111_111), "rows": .number(12),
        ]))
        let outcome = try #require(try fixture.events(GateKind.outcome, about: asked.id).last)
        let stored = outcome.event.attributes
        #expect(stored["password"]?.stringValue != "hunter2", "\(stored)")
        #expect(stored["card"] != .number(4_111_111_111_111_111), "\(stored)")
        #expect(stored["rows"] == .number(12), "numbers that are not personal data stay numbers: \(stored)")
    }
}
