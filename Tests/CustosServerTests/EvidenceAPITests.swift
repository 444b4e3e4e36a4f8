import CustosEvidence
import CustosLedger
import CustosTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Server: evidence bundles over HTTP")
struct EvidenceAPITests {
    @Test("POST /v1/evidence streams the same bundle custos evidence makes, for auditors only")
    func evidence() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.ledger.append(contentsOf: EventFactory().transforms(120))
        let today = String(Timestamp.now().description.prefix(10))
        let folder = TemporaryDirectory("custos-evidence-api")
        try await fixture.application.test(.router) { client in
            let body = ByteBuffer(string: "{\"framework\":\"hipaa\",\"from\":\"\(today)\",\"to\":\"\(today)\"}")
            let answer = try await client.execute(uri: "/v1/evidence", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)), body: body)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/zip")
            #expect(answer.headers[.contentDisposition]?.contains("custos-hipaa-\(today)-\(today).zip") == true)
            let file = URL(fileURLWithPath: folder.file("bundle.zip"))
            try Data(answer.body.readableBytesView).write(to: file)
            let outcome = try BundleVerifier.verify(file, key: fixture.ledger.verifierKey)
            #expect(outcome.isValid, "\(outcome.failures)")

            let made = URL(fileURLWithPath: folder.file("cli.zip"))
            _ = try await EvidenceBuilder(ledger: fixture.ledger).build(framework: .hipaa, period: EvidencePeriod(from: today, to: today), to: made)
            #expect(try Data(contentsOf: made) == Data(answer.body.readableBytesView), "the same inputs give the same bytes, over HTTP or not")

            let agent = try await client.execute(uri: "/v1/evidence", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: body)
            #expect(agent.status == .forbidden)
            let bad = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: ServerFixture.headers(key: fixture.key(.auditor)),
                body: ByteBuffer(string: "{\"framework\":\"soc2\",\"from\":\"2026-02-30\",\"to\":\"2026-03-01\"}")
            )
            #expect(bad.status == .badRequest && bad.text.contains("invalid_period"))
        }
    }
}
