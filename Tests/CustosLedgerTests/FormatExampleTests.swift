import Foundation
import Testing

@testable import CustosLedger

/// docs/FORMAT.md's worked examples are what the code produces.
@Suite("docs/FORMAT.md worked examples")
struct FormatExampleTests {
    static let formatDocument: String = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/FORMAT.md").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    @Test("entries 0 and 1, their leaf hashes and the root are as documented")
    func workedExample() throws {
        let first = try Event(json: #"{"kind":"transform","actor":{"id":"agent:etl-bot","onBehalfOf":"human:alice@example.com"},"inputs":["dataset:pg://crm/public.customers"],"outputs":["dataset:s3://lake/staging/customers"],"attributes":{"rows":1200}}"#)
        let entry0 = LedgerEntry.encode(content: first.canonicalContent(), prev: .zero, seq: 0, time: try #require(Timestamp(rfc3339: "2026-11-22T07:41:51.123456Z")))
        let leaf0 = Hash256.leaf(entry0)
        let second = try Event(json: #"{"kind":"mask","actor":"service:masker","inputs":["dataset:s3://lake/staging/customers"],"outputs":["dataset:s3://lake/masked/customers"],"attributes":{"counts":{"email":1200,"phone":877}},"clientEventId":"mask-run-7"}"#)
        let entry1 = LedgerEntry.encode(content: second.canonicalContent(), prev: leaf0, seq: 1, time: try #require(Timestamp(rfc3339: "2026-11-22T07:41:51.130002Z")))
        let leaf1 = Hash256.leaf(entry1)

        let document = Self.formatDocument
        #expect(!document.isEmpty)
        #expect(document.contains("\n" + String(decoding: entry0, as: UTF8.self) + "\n"))
        #expect(document.contains("\n" + String(decoding: entry1, as: UTF8.self) + "\n"))
        #expect(document.contains("Entry 0 (\(entry0.count) bytes)"))
        #expect(document.contains("Entry 1 (\(entry1.count) bytes)"))
        #expect(document.contains(Hex.encode(entry0.prefix(48))))
        #expect(document.contains("| entry 0 | `\(leaf0.hex)` |"))
        #expect(document.contains("| entry 1 | `\(leaf1.hex)` |"))

        var frontier = MerkleFrontier()
        frontier.append(leaf: leaf0) { _ in }
        frontier.append(leaf: leaf1) { _ in }
        #expect(document.contains("root is\n`\(frontier.root.hex)`"))
        #expect(document.contains("`\(MerkleFrontier().root.hex)`"))
    }
}
