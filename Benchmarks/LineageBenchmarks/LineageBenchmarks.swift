import Benchmark
import BenchmarkSupport
import CustosLedger
import CustosLineage
import CustosQuery
import CustosTestSupport
import Foundation
import Synchronization

// Traces and event searches on a generated store of 1,000,000 events over 50,000 datasets in
// eight layers (fan-in 1 to 4), every derivation re-run some twenty times.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 200,
        maxDuration: .seconds(10),
        maxIterations: 20_000
    )
    let store = FixtureSlot<LineageStore>()
    let build: @Sendable () async throws -> Void = { if store.get() == nil { store.set(try await LineageStore()) } }
    let uncached = FixtureSlot<LineageStore>()
    let buildUncached: @Sendable () async throws -> Void = { if uncached.get() == nil { uncached.set(try await LineageStore(edgeCacheCapacity: 0)) } }

    // Each benchmark runs in its own process: the store is built once, kept in the temporary
    // folder, and reopened by the others and by later runs.
    Benchmark(
        "Lineage event search by actor and time window, 100 events",
        closure: { benchmark in
            guard let fixture = store.get() else { return }
            for _ in benchmark.scaledIterations {
                let actor = "agent:pipeline-\(fixture.random() % 13)"
                // A window of 100,000 events, anywhere in the log: the actor has about 7,700 in it.
                let start = Int(fixture.random() % UInt64(fixture.times.count - 200))
                let query = #"EVENTS WHERE actor = "\#(actor)" AND time >= \#(fixture.times[start]) AND time < \#(fixture.times[start + 100]) OLDEST FIRST LIMIT 100"#
                let result = try fixture.engine.run(query)
                if result.rows.count != 100 { benchmark.error("expected 100 rows, got \(result.rows.count)") }
            }
        },
        setup: build
    )
    // What an event search spends most of its time on: reading entries back as values.
    Benchmark(
        "Lineage read 100 entries back as events",
        closure: { benchmark in
            guard let fixture = store.get() else { return }
            for _ in benchmark.scaledIterations {
                let start = fixture.random() % 999_000
                try fixture.ledger.withSnapshot { snapshot in
                    for seq in start..<start + 100 { blackHole(try snapshot.entry(at: seq)) }
                }
            }
        },
        setup: build
    )
    Benchmark(
        "Lineage trace downstream from a source depth 10",
        closure: { benchmark in
            guard let fixture = store.get() else { return }
            for _ in benchmark.scaledIterations {
                let source = fixture.sources[Int(fixture.random() % UInt64(fixture.sources.count))]
                blackHole(try fixture.graph.trace(from: source, TraceOptions(direction: .downstream, maxDepth: 10)))
            }
        },
        setup: build
    )
    Benchmark(
        "Lineage trace upstream from an export depth 10",
        closure: { benchmark in
            guard let fixture = store.get() else { return }
            for _ in benchmark.scaledIterations {
                let export = fixture.exports[Int(fixture.random() % UInt64(fixture.exports.count))]
                let trace = try fixture.graph.trace(from: export, TraceOptions(direction: .upstream, maxDepth: 10, relations: ["transform", "mask"]))
                if trace.nodes.isEmpty { benchmark.error("empty trace from \(export)") }
                blackHole(trace)
            }
        },
        setup: build
    )
    // The same with the in-memory edge cache off: every step reads the edge index.
    Benchmark(
        "Lineage trace upstream from an export depth 10, edge cache off",
        closure: { benchmark in
            guard let fixture = uncached.get() else { return }
            for _ in benchmark.scaledIterations {
                let export = fixture.exports[Int(fixture.random() % UInt64(fixture.exports.count))]
                blackHole(try fixture.graph.trace(from: export, TraceOptions(direction: .upstream, maxDepth: 10, relations: ["transform", "mask"])))
            }
        },
        setup: buildUncached
    )
}

final class LineageStore: Sendable {
    let ledger: Ledger
    let generator = PipelineGenerator(shape: PipelineGenerator.Shape(nodesPerLayer: 6_250))
    let graph: LineageGraph
    let engine: QueryEngine
    /// The time of every 1,000th entry, for windows.
    let times: [String]
    /// Start nodes, made before measuring.
    let sources: [NodeID]
    let exports: [NodeID]
    /// A different start for every iteration, across iterations.
    private let randomState = Mutex(SeededRandom(seed: 11))

    func random() -> UInt64 { randomState.withLock { $0.next() } }

    static let path = NSTemporaryDirectory() + "/custos-bench-lineage-1M-v2"

    init(edgeCacheCapacity: Int = LedgerConfiguration().edgeCacheCapacity) async throws {
        let ready = Self.path + "/ready"
        if FileManager.default.fileExists(atPath: ready) {
            var configuration = LedgerConfiguration()
            configuration.edgeCacheCapacity = edgeCacheCapacity
            ledger = try Ledger.open(at: Self.path, configuration: configuration)
        } else {
            try? FileManager.default.removeItem(atPath: Self.path)
            var configuration = LedgerConfiguration()
            configuration.mapSize = 8 << 30
            configuration.edgeCacheCapacity = edgeCacheCapacity
            ledger = try Ledger.create(at: Self.path, origin: "bench.example/lineage", configuration: configuration)
            let total = 1_000_000
            var start = 0
            while start < total {
                let batch = min(10_000, total - start)
                _ = try await ledger.append(contentsOf: generator.events(batch, startingAt: start))
                start += batch
            }
            await ledger.close()
            FileManager.default.createFile(atPath: ready, contents: nil)
        }
        graph = LineageGraph(ledger: ledger)
        engine = QueryEngine(ledger: ledger)
        let shape = generator.shape
        sources = (0..<shape.nodesPerLayer).map { PipelineGenerator.node(0, $0, shape) }
        exports = (0..<shape.nodesPerLayer).map { PipelineGenerator.node(shape.layers.count - 1, $0, shape) }
        let opened = ledger
        times = try stride(from: UInt64(0), to: try opened.head().size, by: 1_000).map { try opened.entry(at: $0).time.description }
        // What a trace returns here, for BENCHMARKS.md.
        var random = SeededRandom(seed: 11)
        var nodes = 0
        var edges = 0
        for _ in 0..<200 {
            let export = generator.node(generator.shape.layers.count - 1, Int(random.next() % UInt64(generator.shape.nodesPerLayer)))
            let trace = try graph.trace(from: export, TraceOptions(direction: .upstream, maxDepth: 10, relations: ["transform", "mask"]))
            nodes += trace.nodes.count
            edges += trace.edges.count
        }
        var downNodes = 0
        for _ in 0..<200 {
            let source = generator.node(0, Int(random.next() % UInt64(generator.shape.nodesPerLayer)))
            downNodes += try graph.trace(from: source, TraceOptions(direction: .downstream, maxDepth: 10)).nodes.count
        }
        let stats = try ledger.statistics()
        print("store: \(stats.head.size) events, \(stats.nodeCount) nodes, \(stats.edgeCount) distinct edges; upstream traces return \(nodes / 200) nodes and \(edges / 200) edges on average, downstream \(downNodes / 200) nodes")
    }
}
