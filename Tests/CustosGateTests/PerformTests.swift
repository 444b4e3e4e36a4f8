import CustosLedger
import Testing

@testable import CustosGate

@Suite("Gate: perform, the agent's one call")
struct PerformTests {
    /// Approves the first pending request that appears, as `approver`.
    func approveWhenAsked(_ gate: Gate, by approver: Actor, deny: Bool = false) -> Task<Void, any Error> {
        Task {
            while true {
                if let pending = try gate.requests(status: .pending).first {
                    if deny { _ = try await gate.deny(pending.id, by: approver, reason: "not today") } else { _ = try await gate.approve(pending.id, by: approver) }
                    return
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    @Test("asks, waits, runs the closure with a redeemed token, masks its result and records the outcome")
    func approvedRun() async throws {
        let fixture = try GateFixture()
        let approver = approveWhenAsked(fixture.gate, by: People.bob)
        let agent = fixture.gate.client(as: People.loneAgent)
        let outcome = try await agent.perform(.export(resource: node("dataset:s3://lake/orders")), justification: "weekly export", timeout: .seconds(20)) { token in
            #expect(token.claims.action == "export")
            #expect(throws: GateError.self) { _ = try fixture.gate.verify(token.compact) }  // already redeemed
            return "exported 3 rows; contact ops@example.com"
        }
        try await approver.value
        #expect(!outcome.output.contains("ops@example.com") && outcome.output.hasPrefix("exported 3 rows"))
        #expect(outcome.request.status == .executed && outcome.request.outcome?.succeeded == true)
        #expect(outcome.request.outcome?.attributes["outputFindings"]?["email"]?.numberValue == 1)
        #expect(try fixture.events().map(\.event.kind.rawValue) == ["request", "approve", "execute", "gate.outcome"])
    }

    @Test("a denied request never runs the closure")
    func deniedRun() async throws {
        let fixture = try GateFixture()
        let approver = approveWhenAsked(fixture.gate, by: People.alice, deny: true)
        let agent = fixture.gate.client(as: People.loneAgent)
        await #expect(throws: GateError.self) {
            _ = try await agent.perform(.export(resource: node("dataset:x")), justification: "j", timeout: .seconds(20)) { _ in
                Issue.record("ran without approval")
                return ""
            }
        }
        try await approver.value
    }

    @Test("a timeout withdraws the request and never runs the closure")
    func timeout() async throws {
        let fixture = try GateFixture()
        let agent = fixture.gate.client(as: People.loneAgent)
        do {
            _ = try await agent.perform(.export(resource: node("dataset:x")), justification: "j", timeout: .milliseconds(200)) { _ in
                Issue.record("ran without approval")
                return ""
            }
            Issue.record("no timeout")
        } catch GateError.timedOut {
        }
        #expect(try fixture.gate.requests().first?.status == .revoked)
    }

    @Test("cancelling the waiting task withdraws the request")
    func cancellation() async throws {
        let fixture = try GateFixture()
        let agent = fixture.gate.client(as: People.loneAgent)
        let task = Task {
            try await agent.perform(.export(resource: node("dataset:x")), justification: "j", timeout: .seconds(60)) { _ in "" }
        }
        while try fixture.gate.requests(status: .pending).isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(try fixture.gate.requests().first?.status == .revoked)
    }

    @Test("an error from the closure is recorded as a failed outcome")
    func failure() async throws {
        struct Broken: Error {}
        let fixture = try GateFixture(policy: "version: 1\nrules:\n  - action: read_sensitive\n    decision: allow\n")
        let agent = fixture.gate.client(as: People.loneAgent)
        await #expect(throws: Broken.self) {
            _ = try await agent.perform(.readSensitive(resource: node("dataset:x")), justification: "j") { _ -> String in throw Broken() }
        }
        let request = try #require(try fixture.gate.requests().first)
        #expect(request.status == .executed && request.outcome?.succeeded == false)
    }

    @Test("a thousand agents wait at once; each wakes when its own request is decided")
    func manyWaiters() async throws {
        let fixture = try GateFixture(policy: "version: 1\nrules:\n  - action: export\n    decision: require_approval\n")
        let gate = fixture.gate
        var ids: [NodeID] = []
        for index in 0..<1_000 {
            ids.append(try await gate.request(.export(resource: node("dataset:d\(index)")), by: People.loneAgent, justification: "j").id)
        }
        let requests = ids
        try await withThrowingTaskGroup(of: ApprovalStatus.self) { group in
            for id in requests {
                group.addTask { try await gate.wait(for: id, timeout: .seconds(60)).status }
            }
            while gate.waiterCount < 1_000 { try await Task.sleep(for: .milliseconds(10)) }
            for (index, id) in requests.enumerated() {
                if index % 2 == 0 { _ = try await gate.approve(id, by: People.alice) } else { _ = try await gate.deny(id, by: People.alice, reason: "odd") }
            }
            var counts: [ApprovalStatus: Int] = [:]
            for try await status in group { counts[status, default: 0] += 1 }
            #expect(counts == [.approved: 500, .denied: 500])
        }
        #expect(gate.waiterCount == 0)
    }
}
