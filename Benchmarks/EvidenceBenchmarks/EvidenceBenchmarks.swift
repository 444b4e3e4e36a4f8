import Benchmark
import BenchmarkSupport
import CustosEvidence
import CustosLedger
import CustosTestSupport
import Foundation

// Evidence bundles over a generated store of 1,000,000 events (a data platform's history with
// an approval story and its planted violations), built once and kept in the temporary folder:
// building the SOC 2 bundle for the whole period, and verifying it offline. The same for
// 100,000 events is the reference for memory: peak memory must not follow the period's size.
// Run with `make bench BENCH_FILTER='Evidence.*'`.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident],
        warmupIterations: 0,
        maxDuration: .seconds(120),
        maxIterations: 3
    )
    for count in [100_000, 1_000_000] {
        let store = FixtureSlot<EvidenceStore>()
        Benchmark(
            "Evidence build SOC 2 bundle, \(count) events",
            closure: { benchmark in
                guard let store = store.get() else { return }
                for _ in benchmark.scaledIterations {
                    let (summary, peak) = try await peakAnonymousMemory {
                        try await EvidenceBuilder(ledger: store.ledger).build(framework: .soc2, period: EvidenceStore.period, to: store.bundle)
                    }
                    if summary.eventCount != UInt64(count) { benchmark.error("the bundle holds \(summary.eventCount) events, not \(count)") }
                    recordFigure("Evidence build of \(count) events: peak anonymous memory (heap, not mapped files) \(peak >> 20) MiB")
                }
            },
            setup: { store.set(try await EvidenceStore(count: count)) }
        )
        Benchmark(
            "Evidence verify SOC 2 bundle, \(count) events",
            closure: { benchmark in
                guard let store = store.get() else { return }
                for _ in benchmark.scaledIterations {
                    let (outcome, peak) = try await peakAnonymousMemory { try BundleVerifier.verify(store.bundle, key: store.ledger.verifierKey) }
                    if !outcome.isValid { benchmark.error("the bundle does not verify: \(outcome.failures.prefix(3))") }
                    recordFigure("Evidence verify of \(count) events: peak anonymous memory (heap, not mapped files) \(peak >> 20) MiB")
                }
            },
            setup: {
                let fixture = try await EvidenceStore(count: count)
                if !FileManager.default.fileExists(atPath: fixture.bundle.path) {
                    _ = try await EvidenceBuilder(ledger: fixture.ledger).build(framework: .soc2, period: EvidenceStore.period, to: fixture.bundle)
                }
                let size = (try? FileManager.default.attributesOfItem(atPath: fixture.bundle.path))?[.size] as? Int ?? 0
                recordFigure("Evidence bundle of \(count) events: \(size / 1_000_000) MB")
                store.set(fixture)
            }
        )
    }
}

/// A store of `count` generated events in the temporary folder, made once and reopened after.
final class EvidenceStore: Sendable {
    let ledger: Ledger
    let bundle: URL
    /// Every event of the store falls in it.
    static let period: EvidencePeriod = {
        do { return try EvidencePeriod(from: "2000-01-01", to: "2099-12-31") } catch { fatalError("the benchmark's period is valid") }
    }()

    init(count: Int) async throws {
        let path = NSTemporaryDirectory() + "/custos-bench-evidence-\(count)-v1"
        bundle = URL(fileURLWithPath: path + "-soc2.zip")
        if FileManager.default.fileExists(atPath: path + "/ready") {
            ledger = try Ledger.open(at: path)
            return
        }
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(at: bundle)
        var configuration = LedgerConfiguration()
        configuration.mapSize = 8 << 30
        ledger = try Ledger.create(at: path, origin: "bench.example/evidence", configuration: configuration)
        let generator = PipelineGenerator(shape: PipelineGenerator.Shape(nodesPerLayer: max(100, count / 160)))
        let story = generator.approvalStory(requests: count / 1_000)
        let pipeline = count - story.events.count
        var start = 0
        while start < pipeline {
            let batch = min(10_000, pipeline - start)
            _ = try await ledger.append(contentsOf: generator.events(batch, startingAt: start))
            start += batch
        }
        _ = try await ledger.append(contentsOf: story.events)
        FileManager.default.createFile(atPath: path + "/ready", contents: nil)
    }
}
