import CustosLedger
import CustosTestSupport
import Foundation

/// A realistic generated store with a known approval story, built once per test run.
final class GeneratedStore: Sendable {
    let folder = TemporaryDirectory("custos-query")
    let ledger: Ledger
    let generator: PipelineGenerator
    let pipeline: [Event]
    let story: PipelineGenerator.ApprovalStory
    /// The seq of the story's first event.
    let storyStart: UInt64
    /// A checkpoint signed after the pipeline, before the story.
    let checkpointSize: UInt64

    static let shared = Task { try await GeneratedStore() }

    private init() async throws {
        var configuration = LedgerConfiguration()
        configuration.checkpointPolicy = .manual
        ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/query", configuration: configuration)
        generator = PipelineGenerator(shape: PipelineGenerator.Shape(nodesPerLayer: 40))
        pipeline = generator.events(4_000)
        for start in stride(from: 0, to: pipeline.count, by: 1_000) {
            _ = try await ledger.append(contentsOf: Array(pipeline[start..<min(pipeline.count, start + 1_000)]))
        }
        checkpointSize = try await ledger.signCheckpoint().size
        story = generator.approvalStory(requests: 40)
        storyStart = try ledger.head().size
        _ = try await ledger.append(contentsOf: story.events)
        // A leak: a staging dataset exported directly, skipping masking.
        _ = try await ledger.append(try Event(kind: .export, actor: .agent("leaky-bot"), inputs: [generator.node(2, 0)], outputs: [NodeID("export:s3://leak/0.csv")]))
    }

    /// Every event with its seq, for brute-force answers.
    func all() throws -> [LedgerEntry] {
        try ledger.entries(from: 0, limit: .max)
    }
}
