import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@testable import CustosEvidence

/// A realistic generated store with known violations, built once per test run: a data
/// platform's history, an approval story with planted exceptions, a leak past masking and an
/// infrastructure change nobody approved.
final class EvidenceStore: Sendable {
    let folder = TemporaryDirectory("custos-evidence")
    let ledger: Ledger
    let story: PipelineGenerator.ApprovalStory
    let storyStart: UInt64
    let leakSeq: UInt64
    let infraSeq: UInt64
    /// An approval by the requester itself that got into the log (appended around the gate).
    let selfApprovalSeq: UInt64
    /// Today (UTC), the day every event is in.
    let today: String

    static let shared = Task { try await EvidenceStore() }

    private init() async throws {
        ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/evidence")
        let generator = PipelineGenerator(shape: PipelineGenerator.Shape(nodesPerLayer: 30))
        let pipeline = generator.events(2_000)
        for start in stride(from: 0, to: pipeline.count, by: 500) {
            _ = try await ledger.append(contentsOf: Array(pipeline[start..<min(pipeline.count, start + 500)]))
        }
        story = generator.approvalStory(requests: 30)
        storyStart = try ledger.head().size
        _ = try await ledger.append(contentsOf: story.events)
        leakSeq = try await ledger.append(try Event(kind: .export, actor: .agent("leaky-bot"), inputs: [generator.node(2, 0)], outputs: [NodeID("export:s3://leak/0.csv")])).seq
        infraSeq = try await ledger.append(try Event(kind: "infra_change", actor: .agent("deploy-bot"), inputs: [NodeID("service:payments-db")], attributes: ["change": "open port 5432"])).seq
        let sneaky = try Actor.agent("sneaky-bot")
        let receipts = try await ledger.append(contentsOf: [
            try Event(kind: .request, actor: sneaky, inputs: [NodeID("dataset:crm/customers")], outputs: [NodeID("request:sneaky")], attributes: ["action": "export"]),
            try Event(kind: .approve, actor: sneaky, inputs: [NodeID("request:sneaky")]),
        ])
        selfApprovalSeq = receipts[1].seq
        today = String(Timestamp.now().description.prefix(10))
    }

    /// Builds a bundle into `folder` under `name`.
    func bundle(_ framework: EvidenceFramework, from: String? = nil, to: String? = nil, previous: URL? = nil, name: String, in folder: TemporaryDirectory) async throws -> URL {
        let url = URL(fileURLWithPath: folder.file(name))
        _ = try await EvidenceBuilder(ledger: ledger).build(framework: framework, period: EvidencePeriod(from: from ?? today, to: to ?? today), previous: previous, to: url)
        return url
    }
}

/// Reads every file of a bundle, and writes a bundle back with changes: for tamper tests.
enum BundleSurgery {
    static func files(of url: URL) throws -> [(path: String, bytes: [UInt8])] {
        let reader = try BundleReader(url)
        return try reader.files.map { file in (file.path, try reader.read(file.path) ?? []) }
    }

    static func write(_ files: [(path: String, bytes: [UInt8])], to url: URL) throws {
        let writer = try BundleWriter(creating: url, date: Date(timeIntervalSince1970: 1_700_000_000))
        for file in files { try writer.add(file.path, bytes: file.bytes) }
    }

    static func json(_ files: [(path: String, bytes: [UInt8])], _ path: String) throws -> JSONValue {
        try JSONParser.parse(try #require(files.first { $0.path == path }).bytes)
    }
}
