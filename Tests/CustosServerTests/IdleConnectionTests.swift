import CustosGate
import CustosLedger
@testable import CustosServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Server: connections that go silent are closed, answers being prepared are not")
struct IdleConnectionTests {
    @Test("a client that stops sending in the middle of its body is cut off after idleTimeout, and gives its bytes back")
    func stalledBodyIsClosed() async throws {
        let fixture = try await ServerFixture { $0.limits.idleTimeoutSeconds = 1 }
        try await fixture.application.test(.live) { client in
            let raw = try RawConnection(port: try #require(client.port))
            // The server reads the last byte after this, so it cannot cut before a second from here.
            let started = ContinuousClock.now
            try await raw.send(Array("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(fixture.key(.agent))\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"kind\":".utf8))
            try await waitUntil { fixture.state.bodyBudget.inUse > 0 }
            #expect(try await raw.closedByServer(within: .seconds(30)))
            #expect(ContinuousClock.now - started >= .seconds(1))
            raw.close()
            try await waitUntil { fixture.state.bodyBudget.inUse == 0 }
            // An idle connection between requests goes the same way.
            let idle = try RawConnection(port: try #require(client.port))
            #expect(try await idle.closedByServer(within: .seconds(30)))
            idle.close()
        }
        #expect(try fixture.ledger.head().size == 0)
    }

    @Test("a long poll that outlasts idleTimeout is answered, not cut")
    func longPollOutlastsTheIdleTimeout() async throws {
        let fixture = try await ServerFixture { $0.limits.idleTimeoutSeconds = 1 }
        let asked = try await fixture.state.gate.request(.export(resource: NodeID("dataset:x")), by: Actor(id: "agent:agent-one"), justification: "long poll")
        try await fixture.application.test(.live) { client in
            let started = ContinuousClock.now
            let waited = try await client.execute(
                uri: "/v1/approvals/\(asked.id.rawValue)/wait?timeout=3s", method: .get, headers: ServerFixture.headers(key: fixture.key(.agent))
            )
            #expect(waited.status == .ok, "\(waited.text)")
            #expect(waited.json?["status"] == .string("pending"), "\(waited.text)")
            #expect(ContinuousClock.now - started >= .seconds(2.5))
        }
    }
}
