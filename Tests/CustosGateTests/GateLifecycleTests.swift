import CustosLedger
import CustosLineage
import CustosTestSupport
import Foundation
import Testing

@testable import CustosGate

@Suite("Gate: the request lifecycle in-process")
struct GateLifecycleTests {
    @Test("request → approve → token → redeem → outcome, every step an event on the request node")
    func wholeLifecycle() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let resource = try node("dataset:s3://lake/orders")
        let asked = try await gate.request(
            .export(resource: resource), by: People.loneAgent, justification: "monthly revenue report",
            payload: "send to jane.doe@example.com, card 4111 1111 1111 1111"
        )
        #expect(asked.status == .pending && asked.rule == "exports" && asked.requiredApprovals == 1)
        #expect(asked.eligibleApprovers == ["human:alice@example.com", "human:bob@example.com", "human:sam@example.com", "human:sec@example.com"])
        let masked = try #require(asked.maskedPayload)
        #expect(!masked.contains("jane.doe@example.com") && !masked.contains("4111 1111 1111 1111"), "\(masked)")
        #expect(asked.payloadFindings["email"] == 1)

        let approved = try await gate.approve(asked.id, by: People.alice, reason: "looks fine")
        #expect(approved.status == .approved && approved.approvals.map(\.approver) == [People.alice.id])
        #expect(approved.approvedAt != nil && approved.tokenExpiresAt != nil)

        let token = try gate.token(for: asked.id, by: People.loneAgent)
        #expect(token.compact.hasPrefix("cgt1.") && token.claims.request == asked.id && token.claims.subject == People.loneAgent.id)
        #expect(token.claims.expires - token.claims.notBefore >= 300)

        let redeemed = try await gate.redeem(token.compact, by: People.loneAgent, action: "export", resource: resource.rawValue)
        #expect(redeemed.request.status == .executed)
        let recorded = try await gate.recordOutcome(asked.id, by: People.loneAgent, OutcomeReport(succeeded: true, output: Array("mailed jane.doe@example.com".utf8)))
        let (done, maskedOutput) = (recorded.request, recorded.maskedOutput)
        #expect(done.outcome?.succeeded == true)
        #expect(!String(decoding: maskedOutput ?? [], as: UTF8.self).contains("jane.doe"))

        let kinds = try fixture.events().map(\.event.kind.rawValue)
        #expect(kinds == ["request", "approve", "execute", "gate.outcome"])
        // The raw payload never reaches the store.
        let raw = try fixture.events().map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
        #expect(!raw.contains("jane.doe@example.com") && !raw.contains("4111 1111 1111 1111"))
        // The audit finders agree: the request stood approved at its execution.
        let graph = LineageGraph(ledger: fixture.ledger)
        let trail = try fixture.ledger.withSnapshot { try graph.approvalTrail(of: asked.id, in: $0) }
        #expect(trail.isApproved(before: redeemed.seq))
    }

    @Test("a quorum needs distinct approvers from the rule's groups")
    func quorum() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let raw = try node("dataset:pg://crm/customers")
        let report = try node("dataset:s3://lake/report")
        _ = try await fixture.ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [raw], attributes: ["tags": ["pii"]]))
        _ = try await fixture.ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [raw], outputs: [report]))
        let asked = try await gate.request(.export(resource: report), by: People.loneAgent, justification: "share with partner")
        #expect(asked.rule == "pii-exports" && asked.requiredApprovals == 2)
        // The decision shows the lineage path that made the rule match.
        let lineage = try #require(asked.lineage?.arrayValue?.first)
        #expect(lineage["tag"]?.stringValue == "pii" && lineage["source"]?.stringValue == raw.rawValue)
        #expect(lineage["path"]?.arrayValue?.count == 1)

        var state = try await gate.approve(asked.id, by: People.alice)
        #expect(state.status == .pending && state.approvals.count == 1)
        await #expect(throws: GateError.self) { _ = try await gate.approve(asked.id, by: People.alice) }
        state = try gate.request(asked.id)
        #expect(state.status == .pending && state.refusals.count == 1)
        #expect(state.refusals.first?.reason.contains("second approval by the same person") == true)
        state = try await gate.approve(asked.id, by: People.sec)
        #expect(state.status == .approved && Set(state.approvals.map(\.approver)) == [People.alice.id, People.sec.id])
    }

    @Test("a masked path does not carry the tag: the export falls to the plain rule")
    func maskedLineage() async throws {
        let fixture = try GateFixture()
        let raw = try node("dataset:pg://crm/customers")
        let safe = try node("dataset:s3://lake/customers_masked")
        _ = try await fixture.ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [raw], attributes: ["tags": ["pii"]]))
        _ = try await fixture.ledger.append(Event(kind: .mask, actor: .service("masker"), inputs: [raw], outputs: [safe]))
        let asked = try await fixture.gate.request(.export(resource: safe), by: People.loneAgent, justification: "masked copy")
        #expect(asked.rule == "exports" && asked.requiredApprovals == 1 && asked.lineage == nil)
    }

    @Test("allow rules approve at once, deny rules and unmatched actions deny at once, with reasons")
    func automaticDecisions() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let allowed = try await gate.request(.readSensitive(resource: node("dataset:x")), by: People.loneAgent, justification: "lookup")
        #expect(allowed.status == .approved && allowed.approvals.first?.automatic == true && allowed.approvals.first?.approver == GateIdentity.service)
        _ = try gate.token(for: allowed.id, by: People.loneAgent)

        let denied = try await gate.request(.delete(resource: node("dataset:x")), by: People.loneAgent, justification: "cleanup")
        #expect(denied.status == .denied && denied.statusReason == "deletes go through change management")
        #expect(throws: GateError.self) { _ = try gate.token(for: denied.id, by: People.loneAgent) }

        let unknown = try await gate.request(GateAction("launch", resource: node("infra:rocket")), by: People.loneAgent, justification: "why not")
        #expect(unknown.status == .denied && unknown.rule == "(no rule)" && unknown.statusReason?.contains("denies what it is not told to allow") == true)
    }

    @Test("a denial ends the request: later approvals, tokens and redemptions fail")
    func denial() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let asked = try await gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        await #expect(throws: GateError.self) { _ = try await gate.deny(asked.id, by: People.alice, reason: "  ") }
        let denied = try await gate.deny(asked.id, by: People.bob, reason: "not this quarter")
        #expect(denied.status == .denied && denied.statusReason == "not this quarter" && denied.endedBy == People.bob.id)
        await #expect(throws: GateError.refused("\(asked.id) is already denied")) { _ = try await gate.approve(asked.id, by: People.alice) }
        #expect(throws: GateError.self) { _ = try gate.token(for: asked.id, by: People.loneAgent) }
        #expect(try fixture.events(.approve, about: asked.id).isEmpty)
    }

    @Test("a request nobody decides expires, and the expiry is recorded once")
    func expiry() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let asked = try await gate.request(GateAction("hasty_export", resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        let waited = try await gate.wait(for: asked.id, timeout: .seconds(10))
        #expect(waited.status == .expired && waited.isLapsed == false)
        #expect(try fixture.events(.expire, about: asked.id).count == 1)
        await #expect(throws: GateError.self) { _ = try await gate.approve(asked.id, by: People.alice) }
        #expect(try await gate.expireLapsed().count == 0)
        #expect(try fixture.events(.expire, about: asked.id).count == 1)
    }

    @Test("the sweeper records the expiry of lapsed requests nobody waits on")
    func sweep() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(GateAction("hasty_export", resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try fixture.gate.request(asked.id).isLapsed)
        #expect(try await fixture.gate.expireLapsed().count == 1)
        #expect(try fixture.gate.request(asked.id).status == .expired)
        #expect(try fixture.events(.expire, about: asked.id).first?.event.actor.id == GateIdentity.service)
    }

    @Test("revoking an approval voids its token")
    func revocation() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let asked = try await gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        _ = try await gate.approve(asked.id, by: People.alice)
        let token = try gate.token(for: asked.id, by: People.loneAgent)
        await #expect(throws: GateError.self) { _ = try await gate.revoke(asked.id, by: People.outsider, reason: "meddling") }
        let revoked = try await gate.revoke(asked.id, by: People.bob, reason: "scope too wide")
        #expect(revoked.status == .revoked)
        await #expect(throws: GateError.self) { _ = try await gate.redeem(token.compact, by: People.loneAgent) }
        #expect(try fixture.events(GateKind.redeemRefused, about: asked.id).count == 1)
        #expect(throws: GateError.self) { _ = try gate.verify(token.compact) }
    }

    @Test("an idempotency key makes asking again return the first request")
    func idempotency() async throws {
        let fixture = try GateFixture()
        let first = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j", idempotencyKey: "job-42")
        let again = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j", idempotencyKey: "job-42")
        #expect(first.id == again.id)
        #expect(try fixture.events().count == 1)
        let list = try fixture.gate.requests(status: .pending)
        #expect(list.map(\.id) == [first.id])
    }

    @Test("listing filters by status and requester, newest first")
    func listing() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        let a = try await gate.request(.export(resource: node("dataset:a")), by: People.loneAgent, justification: "j")
        let b = try await gate.request(.export(resource: node("dataset:b")), by: People.agent, justification: "j")
        _ = try await gate.request(.delete(resource: node("dataset:c")), by: People.agent, justification: "j")
        #expect(try gate.requests(status: .pending).map(\.id) == [b.id, a.id])
        #expect(try gate.requests(status: .denied).count == 1)
        #expect(try gate.requests(requester: People.alice.id).count == 2)
        #expect(try gate.requests(limit: 1).count == 1)
    }
}
