import CustosGate
import CustosLedger
import CustosServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The approvers' inbox in a real headless Chromium: sign in, see a request arrive live,
/// read its context, approve it, and the agent waiting at the gate goes on.
@Suite("Web inbox in a real browser", .serialized)
struct InboxBrowserTests {
    @Test("sign in, see a request arrive, approve it, and the waiting agent proceeds")
    func approveInTheBrowser() async throws {
        let fixture = try await ServerFixture()
        let approverKey = try fixture.state.keys.create(identity: NodeID("human:alice@example.com"), roles: [.approver]).key
        // Some history for the resource: a tagged source, two steps, one of them masking.
        let etl = try Actor.agent("etl-bot")
        _ = try await fixture.ledger.append(contentsOf: [
            try Event(kind: .classify, actor: etl, outputs: [NodeID("dataset:crm/raw")], attributes: ["tags": ["pii"]]),
            try Event(kind: .transform, actor: etl, inputs: [NodeID("dataset:crm/raw"), NodeID("dataset:crm/regions")], outputs: [NodeID("dataset:crm/staging")]),
            try Event(kind: .mask, actor: etl, inputs: [NodeID("dataset:crm/staging")], outputs: [NodeID("dataset:crm/customers")], attributes: ["counts": ["email": 120]]),
        ])
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            let server = "http://127.0.0.1:\(port)"
            let browser = try await WebDriver.start()
            do {
                try await browser.open(server + "/inbox")
                // A wrong key is refused with a message, and the inbox stays closed.
                try await browser.type("not-a-key", into: try await browser.element("#api-key"))
                try await browser.click(try await browser.element("#sign-in-button"))
                try await browser.waitForText("#sign-in-error") { $0.contains("not valid") }

                let field = try await browser.element("#api-key")
                _ = try await browser.execute("document.getElementById('api-key').value = ''; return true")
                try await browser.type(approverKey, into: field)
                try await browser.click(try await browser.element("#sign-in-button"))
                try await browser.waitForText("#identity") { $0 == "human:alice@example.com" }
                try await browser.waitForText("#requests") { $0.contains("No pending requests") }

                // The agent asks only now: the list must update by itself.
                let agent = RemoteGate(server: try #require(URL(string: server)), apiKey: fixture.key(.agent))
                let performing = Task {
                    try await agent.perform(
                        .export(resource: NodeID("dataset:crm/customers")), justification: "quarterly report for the partner",
                        payload: "send the file to ann.lee@example.com", timeout: .seconds(120)
                    ) { token in
                        "exported 3 rows for ops@example.com with \(token.claims.action)"
                    }
                }
                try await browser.waitForText("#live", timeout: .seconds(60)) { $0.contains("1 new request") }
                let row = try await browser.element("#requests li[data-request-id]")
                try await browser.click(row)

                let facts = try await browser.waitForText("#facts") { $0.contains("quarterly report for the partner") }
                #expect(facts.contains("agent:agent-one"))
                #expect(facts.contains("dataset:crm/customers"))
                #expect(facts.contains("Policy rule"))
                // The lineage picture: the resource and the three nodes upstream of it.
                let boxes = try await browser.execute("return document.querySelectorAll('svg.lineage rect').length")
                #expect(boxes.numberValue == 4, "\(boxes)")
                let labels = try await browser.execute("return Array.from(document.querySelectorAll('svg.lineage g title')).map(t => t.textContent).sort().join(' ')")
                #expect(labels.stringValue == "dataset:crm/customers dataset:crm/raw dataset:crm/regions dataset:crm/staging")
                let payload = try await browser.waitForText("#payload") { !$0.isEmpty }
                #expect(!payload.contains("ann.lee@example.com"), "the approver sees the payload masked")

                try await browser.type("checked the scope with the data owner", into: try await browser.element("#reason"))
                try await browser.click(try await browser.element("#approve"))
                try await browser.waitForText("#result") { $0.contains("Approved") }
                try await browser.waitForText("#detail h2") { $0.contains("approved") || $0.contains("executed") }

                let outcome = try await performing.value
                #expect(outcome.request.status == .executed)
                #expect(outcome.request.approvals.map(\.approver.rawValue) == ["human:alice@example.com"])
                #expect(outcome.request.approvals.first?.reason == "checked the scope with the data owner")
                #expect(!outcome.output.contains("ops@example.com") && outcome.output.hasPrefix("exported 3 rows"))

                let picture = try await browser.screenshot()
                #expect(picture.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                if let folder = ProcessInfo.processInfo.environment["CUSTOS_SCREENSHOTS"] {
                    try picture.write(to: URL(fileURLWithPath: folder).appendingPathComponent("inbox-approved.png"))
                }
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }

    @Test("a key without the approver role reads requests but cannot decide them; nobody approves their own request")
    func refusalsInTheBrowser() async throws {
        let fixture = try await ServerFixture()
        // An approver who is also an agent asks; the same identity then tries to approve.
        let both = try fixture.state.keys.create(identity: NodeID("human:carol@example.com"), roles: [.approver, .agent]).key
        let auditorKey = fixture.key(.auditor)
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            let server = "http://127.0.0.1:\(port)"
            let asker = RemoteGate(server: try #require(URL(string: server)), apiKey: both)
            let asked = try await asker.submit(.export(resource: NodeID("dataset:hr/salaries")), justification: "payroll audit", payload: nil, idempotencyKey: nil)

            let browser = try await WebDriver.start()
            do {
                try await browser.open(server + "/inbox")
                try await browser.type(auditorKey, into: try await browser.element("#api-key"))
                try await browser.click(try await browser.element("#sign-in-button"))
                try await browser.waitForText("#note") { $0.contains("no approver role") }
                try await browser.click(try await browser.element("#requests li[data-request-id]"))
                #expect(try await browser.isEnabled(try await browser.element("#approve")) == false)

                try await browser.click(try await browser.element("#sign-out"))
                try await browser.type(both, into: try await browser.element("#api-key"))
                try await browser.click(try await browser.element("#sign-in-button"))
                try await browser.waitForText("#identity") { $0 == "human:carol@example.com" }
                try await browser.click(try await browser.element("#requests li[data-request-id]"))
                try await browser.click(try await browser.element("#approve"))
                try await browser.waitForText("#result") { $0.contains("another person must decide") }
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
            let after = try await asker.status(of: asked.id)
            #expect(after.status == .pending && after.approvals.isEmpty)
            #expect(after.refusals.count == 1)
        }
    }

    @Test("ids that are not plain ASCII are flagged, a scope beyond the resource is warned about, whom a requester acts for says who vouches for it, and a late answer never replaces the request chosen after it")
    func lookalikesAndStaleAnswers() async throws {
        let fixture = try await ServerFixture()
        let approverKey = try fixture.state.keys.create(identity: NodeID("human:alice@example.com"), roles: [.approver]).key
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            let server = "http://127.0.0.1:\(port)"
            // "pаrtner" with a Cyrillic а (U+0430), and a scope that reaches every dataset.
            // Asked on behalf of bob by the agent's word alone; the plain one with credentials
            // that name carol.
            let lookalike = try await fixture.state.gate.request(
                .export(resource: NodeID("dataset:p\u{430}rtner/exports"), scope: ["dataset:p\u{430}rtner/exports", "dataset:*"]),
                by: Actor(id: "agent:agent-one", onBehalfOf: "human:bob@example.com"), justification: "to the partner"
            )
            let plain = try await fixture.state.gate.request(
                .export(resource: NodeID("dataset:plain")), by: Actor(id: "agent:agent-one", onBehalfOf: "human:carol@example.com"), justification: "plain one",
                onBehalfOfVouched: true
            )

            let browser = try await WebDriver.start()
            do {
                try await browser.open(server + "/inbox")
                try await browser.type(approverKey, into: try await browser.element("#api-key"))
                try await browser.click(try await browser.element("#sign-in-button"))
                try await browser.waitForText("#identity") { $0 == "human:alice@example.com" }
                #expect(try await browser.execute("return document.getElementById('api-key').value").stringValue == "")
                try await browser.click(try await browser.element("#requests li[data-request-id='\(lookalike.id.rawValue)']"))
                let facts = try await browser.waitForText("#facts") { $0.contains("to the partner") }
                #expect(facts.contains("not plain ASCII: U+0430"), "\(facts)")
                #expect(try await browser.waitForText("#scope-warning") { !$0.isEmpty }.contains("beyond the resource"))
                #expect(try await browser.waitForText("#on-behalf-of-source") { !$0.isEmpty }.contains("Only the requester says so"))

                // The lookalike's context now answers only after 1.5 s; the approver picks the
                // plain request meanwhile. The late answer must not take its place.
                _ = try await browser.execute("""
                    const original = window.fetch;
                    window.fetch = (url, options) => String(url).includes(encodeURIComponent('\(lookalike.id.rawValue)'))
                      ? new Promise((resolve) => setTimeout(() => resolve(original(url, options)), 1500))
                      : original(url, options);
                    return true
                    """)
                try await browser.click(try await browser.element("#requests li[data-request-id='\(lookalike.id.rawValue)']"))
                try await browser.click(try await browser.element("#requests li[data-request-id='\(plain.id.rawValue)']"))
                try await browser.waitForText("#detail h2") { $0.contains("dataset:plain") }
                try await Task.sleep(for: .milliseconds(2_500))
                let heading = try await browser.waitForText("#detail h2") { !$0.isEmpty }
                #expect(heading.contains("dataset:plain"), "\(heading)")
                #expect(try await browser.waitForText("#facts") { !$0.isEmpty }.contains("plain one"))
                #expect(try await browser.waitForText("#on-behalf-of-source") { !$0.isEmpty }.contains("Vouched for"))
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }
}
