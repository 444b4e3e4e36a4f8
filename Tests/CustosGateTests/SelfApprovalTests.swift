import CustosLedger
import Testing

@testable import CustosGate

@Suite("Gate: nobody approves their own request")
struct SelfApprovalTests {
    /// Each attempt is refused, recorded as a refused approval, and counts for nothing.
    func expectRefused(_ fixture: GateFixture, _ request: NodeID, by approver: Actor, saying fragment: String) async throws {
        let before = try fixture.events(.approve, about: request).count
        do {
            _ = try await fixture.gate.approve(request, by: approver)
            Issue.record("\(approver.id) approved \(request)")
        } catch let error as GateError {
            #expect(error.description.contains(fragment), "\(error)")
        }
        let attempts = try fixture.events(.approve, about: request)
        #expect(attempts.count == before + 1)
        #expect(attempts.last?.event.attributes["refused"]?.stringValue?.contains(fragment) == true)
        #expect(attempts.last?.event.actor.id == approver.id)
        let state = try fixture.gate.request(request)
        #expect(state.status == .pending && state.approvals.isEmpty)
    }

    @Test("not the requester, a human asking for themselves")
    func requester() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.escalate(resource: node("role:prod-admin")), by: People.bob, justification: "on call")
        try await expectRefused(fixture, asked.id, by: People.bob, saying: "made the request")
    }

    @Test("not the human an agent acts for")
    func principal() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.agent, justification: "j")
        try await expectRefused(fixture, asked.id, by: People.alice, saying: "acts on behalf of human:alice@example.com")
    }

    @Test("not someone acting for the requester, nor for its principal")
    func delegate() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.escalate(resource: node("role:x")), by: People.agent, justification: "j")
        let assistant = People.human("assistant@example.com", onBehalfOf: "human:alice@example.com")
        try await expectRefused(fixture, asked.id, by: assistant, saying: "acts on behalf of the requester side")
        let proxy = People.human("proxy@example.com", onBehalfOf: People.agent.id.rawValue)
        try await expectRefused(fixture, asked.id, by: proxy, saying: "acts on behalf of the requester side")
    }

    @Test("not any agent, nor a service")
    func machines() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.escalate(resource: node("role:x")), by: People.loneAgent, justification: "j")
        try await expectRefused(fixture, asked.id, by: People.agentActor("helpful-bot"), saying: "is an agent")
        try await expectRefused(fixture, asked.id, by: People.agentActor("boss-bot", onBehalfOf: "human:sec@example.com"), saying: "is an agent")
        let service = try Actor.service("ci")
        try await expectRefused(fixture, asked.id, by: service, saying: "is a service")
        // The gate's own identity cannot be borrowed to approve either.
        try await expectRefused(fixture, asked.id, by: GateIdentity.actor, saying: "is a service")
    }

    @Test("not a human outside the rule's approvers, nor one the policy excludes")
    func ineligible() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        try await expectRefused(fixture, asked.id, by: People.outsider, saying: "is not among the approvers of rule exports")
        let open = try await fixture.gate.request(.escalate(resource: node("role:x")), by: People.loneAgent, justification: "j")
        try await expectRefused(fixture, open.id, by: People.intern, saying: "may never approve escalate")
    }

    @Test("a rule whose approvers are all on the requester's side denies at once")
    func impossibleQuorum() async throws {
        let fixture = try GateFixture(policy: """
        version: 1
        groups:
          owners: [human:alice@example.com, human:bob@example.com]
        rules:
          - action: export
            decision: require_approval
            approvals: 2
            approvers: [owners]
        """)
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.agent, justification: "j")
        #expect(asked.status == .denied)
        #expect(asked.statusReason?.contains("only 1 of its approvers are not the requester") == true)
    }

    @Test("approve events appended around the gate by the requester's side never count")
    func forgedDecisionsDoNotCount() async throws {
        let fixture = try GateFixture()
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.agent, justification: "j")
        _ = try await fixture.ledger.append(Event(kind: .approve, actor: People.agent, inputs: [asked.id]))
        _ = try await fixture.ledger.append(Event(kind: .approve, actor: People.alice, inputs: [asked.id]))
        _ = try await fixture.ledger.append(Event(kind: .approve, actor: People.agentActor("x"), inputs: [asked.id], attributes: ["automatic": true]))
        #expect(try fixture.gate.request(asked.id).status == .pending)
    }

    @Test("identities compare without regard to case: one person spelled two ways neither approves their own request nor counts twice")
    func spellings() async throws {
        let fixture = try GateFixture()
        let gate = fixture.gate
        // The agent acts for human:alice@example.com; her other spelling is refused too.
        let asked = try await gate.request(.export(resource: node("dataset:x")), by: People.agent, justification: "j")
        try await expectRefused(fixture, asked.id, by: People.human("Alice@Example.com"), saying: "acts on behalf of")

        // A quorum of two: bob, then BOB, is one approver.
        let raw = try node("dataset:pg://crm/customers")
        _ = try await fixture.ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [raw], attributes: ["tags": ["pii"]]))
        let sensitive = try await gate.request(.export(resource: raw), by: People.loneAgent, justification: "j")
        #expect(sensitive.requiredApprovals == 2)
        _ = try await gate.approve(sensitive.id, by: People.bob)
        await #expect(throws: GateError.self) { _ = try await gate.approve(sensitive.id, by: People.human("BOB@example.com")) }
        // Even an approve event appended around the gate under the other spelling adds nothing.
        _ = try await fixture.ledger.append(Event(kind: .approve, actor: People.human("Bob@Example.com"), inputs: [sensitive.id]))
        #expect(try gate.request(sensitive.id).status == .pending)
        #expect(try gate.request(sensitive.id).approvals.count == 1)

        // neverApprove and the rule's approvers match any spelling.
        let hire = try await gate.request(.export(resource: node("dataset:y")), by: People.loneAgent, justification: "j")
        #expect(gate.policy.isExcluded(try node("human:Intern@Example.com"), from: "export"))
        #expect(!gate.policy.isExcluded(try node("human:alice@example.com"), from: "export"))
        _ = try await gate.approve(hire.id, by: People.human("SEC@example.com"))
        #expect(try gate.request(hire.id).status == .approved)

        // What gives a right compares exactly: another spelling is another key, and does not
        // get the requester's token, list or withdrawal.
        let approved = try gate.request(hire.id)
        #expect(approved.isRequesterSide(try node("agent:etl-bot")))
        #expect(!approved.isRequesterSide(try node("agent:ETL-bot")))
        #expect(throws: GateError.self) { _ = try gate.token(for: hire.id, by: People.agentActor("ETL-Bot")) }
        #expect(throws: Never.self) { _ = try gate.token(for: hire.id, by: People.loneAgent) }
        #expect(try !gate.requests(status: .approved, requester: try node("agent:Etl-Bot")).map(\.id).contains(hire.id))
    }
}
