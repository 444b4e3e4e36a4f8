import CustosLedger
import Testing

@testable import CustosGate

@Suite("Gate: races end in one consistent outcome")
struct GateRaceTests {
    @Test("twenty concurrent approvals and denials of a one-approval request: exactly one wins")
    func decide() async throws {
        let fixture = try GateFixture(policy: "version: 1\nrules:\n  - action: export\n    decision: require_approval\n")
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "j")
        let gate = fixture.gate
        let wins = await withTaskGroup(of: String?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let person = People.human("approver-\(index)@example.com")
                    do {
                        if index % 2 == 0 { _ = try await gate.approve(asked.id, by: person) } else { _ = try await gate.deny(asked.id, by: person, reason: "no") }
                        return index % 2 == 0 ? "approved" : "denied"
                    } catch { return nil }
                }
            }
            var wins: [String] = []
            for await win in group { if let win { wins.append(win) } }
            return wins
        }
        #expect(wins.count == 1)
        let state = try gate.request(asked.id)
        #expect(state.status.rawValue == wins.first)
        let decisions = try fixture.events().filter { [.approve, .deny].contains($0.event.kind) }
        #expect(decisions.count == 1)
    }

    @Test("concurrent redemptions, revocations and an expiry sweep of one approval: one outcome")
    func redeem() async throws {
        let fixture = try GateFixture(policy: "version: 1\nrules:\n  - action: export\n    decision: require_approval\n")
        let gate = fixture.gate
        for round in 0..<5 {
            let asked = try await gate.request(.export(resource: node("dataset:r\(round)")), by: People.loneAgent, justification: "j")
            _ = try await gate.approve(asked.id, by: People.alice)
            let token = try gate.token(for: asked.id, by: People.loneAgent).compact
            let outcomes = await withTaskGroup(of: String?.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        do {
                            if index % 4 == 3 {
                                _ = try await gate.revoke(asked.id, by: People.loneAgent, reason: "changed my mind")
                                return "revoked"
                            }
                            _ = try await gate.redeem(token, by: People.agentActor("worker-\(index)"))
                            return "executed"
                        } catch { return nil }
                    }
                }
                group.addTask { _ = try? await gate.expireLapsed(); return nil }
                var outcomes: [String] = []
                for await outcome in group { if let outcome { outcomes.append(outcome) } }
                return outcomes
            }
            #expect(outcomes.count == 1, "round \(round): \(outcomes)")
            let state = try gate.request(asked.id)
            #expect(state.status.rawValue == outcomes.first)
            let endings = try fixture.events().filter { [.execute, .revoke, .expire].contains($0.event.kind) && $0.event.inputs.contains(asked.id) }
            #expect(endings.count == 1)
        }
    }
}
