import Benchmark
import BenchmarkSupport
import CReference
import CustosLedger
import CustosTestSupport
import Foundation

// Durable appends and verification of the ledger, with a plain-C reference in the same run.
// Run with `make bench`; the figures and the machine go into BENCHMARKS.md.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 2,
        maxDuration: .seconds(15),
        maxIterations: 10_000
    )

    // MARK: Durable appends

    let single = FixtureSlot<BenchmarkFixture>()
    Benchmark(
        "Append durable batch 1",
        configuration: .init(warmupIterations: 20, maxDuration: .seconds(10), maxIterations: 5_000),
        closure: { benchmark in
            guard let fixture = single.get() else { return }
            var index = 0
            for _ in benchmark.scaledIterations {
                index += 1
                blackHole(try await fixture.ledger.append(fixture.factory.transform(index)))
            }
        },
        setup: { single.set(try BenchmarkFixture()) },
        teardown: { single.set(nil) }
    )

    let hundred = FixtureSlot<BenchmarkFixture>()
    Benchmark(
        "Append durable batch 100",
        configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: 500),
        closure: { benchmark in
            guard let fixture = hundred.get() else { return }
            for round in 0..<10 {
                blackHole(try await fixture.ledger.append(contentsOf: fixture.factory.transforms(100, startingAt: round * 100)))
            }
        },
        setup: { hundred.set(try BenchmarkFixture()) },
        teardown: { hundred.set(nil) }
    )

    // One iteration is one durable commit of 10,000 events: events/s = throughput × 10,000.
    let tenThousand = FixtureSlot<(BenchmarkFixture, [[Event]])>()
    Benchmark(
        "Append durable batch 10000",
        configuration: .init(maxDuration: .seconds(15), maxIterations: 60),
        closure: { benchmark in
            guard let (fixture, batches) = tenThousand.get() else { return }
            for _ in benchmark.scaledIterations {
                let batch = batches[Int.random(in: 0..<batches.count)]
                blackHole(try await fixture.ledger.append(contentsOf: batch))
            }
        },
        setup: {
            let fixture = try BenchmarkFixture()
            // Events are built before measuring; the ledger still encodes, hashes and indexes them.
            let batches = (0..<4).map { fixture.factory.transforms(10_000, startingAt: $0 * 10_000) }
            print("event size: \(fixture.eventBytes) canonical bytes")
            tenThousand.set((fixture, batches))
        },
        teardown: {
            if let (fixture, _) = tenThousand.get() {
                let stats = fixture.ledger.writerStatistics
                let commits = UInt64(max(stats.commits, 1))
                recordFigure("Append durable batch 10000: \(stats.commits) commits, \(stats.commitNanoseconds / commits / 1000) µs per commit on average, of which \(stats.commitCPUNanoseconds / commits / 1000) µs the writer's CPU")
            }
            tenThousand.set(nil)
        }
    )

    // Throughput rather than latency: two clients append batches of 10,000, so one batch is
    // prepared while the other is committed (each is still its own 10,000-event commit,
    // answered once durable). One iteration is six batches, three per client:
    // events/s = throughput × 60,000.
    let twoClients = FixtureSlot<(BenchmarkFixture, [[Event]])>()
    Benchmark(
        "Append durable batch 10000 two clients",
        configuration: .init(maxDuration: .seconds(15), maxIterations: 20),
        closure: { benchmark in
            guard let (fixture, batches) = twoClients.get() else { return }
            for _ in benchmark.scaledIterations {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<2 {
                        group.addTask {
                            for round in 0..<3 { blackHole(try await fixture.ledger.append(contentsOf: batches[(client + 2 * round) % batches.count])) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        },
        setup: {
            let fixture = try BenchmarkFixture()
            twoClients.set((fixture, (0..<4).map { fixture.factory.transforms(10_000, startingAt: $0 * 10_000) }))
        },
        teardown: {
            if let (fixture, _) = twoClients.get() {
                let stats = fixture.ledger.writerStatistics
                recordFigure("Append durable batch 10000 two clients: \(stats.commits) commits, largest \(stats.largestCommit) events, \(stats.commitNanoseconds / UInt64(max(stats.commits, 1)) / 1000) µs per commit on average, of which \(stats.commitCPUNanoseconds / UInt64(max(stats.commits, 1)) / 1000) µs the writer's CPU")
            }
            twoClients.set(nil)
        }
    )

    // The plain-C reference, `eventsPerCommit` events per durable commit. With one event per
    // commit it is the floor for single durable appends on this disk (two puts, two SHA-256,
    // one LMDB commit with its two flushes).
    func referenceBenchmark(eventsPerCommit: Int, configuration: Benchmark.Configuration) {
        let reference = FixtureSlot<ReferenceStore>()
        Benchmark(
            "C reference durable batch \(eventsPerCommit)",
            configuration: configuration,
            closure: { benchmark in
                guard let store = reference.get() else { return }
                for _ in benchmark.scaledIterations {
                    let code = custos_reference_append(store.handle, eventsPerCommit)
                    if code != 0 { benchmark.error("LMDB error \(code)") }
                }
            },
            setup: {
                reference.set(try ReferenceStore(eventBytes: try BenchmarkFixture().eventBytes))
            },
            teardown: { reference.set(nil) }
        )
    }
    referenceBenchmark(eventsPerCommit: 10_000, configuration: .init(maxDuration: .seconds(15), maxIterations: 60))
    referenceBenchmark(eventsPerCommit: 1, configuration: .init(warmupIterations: 20, maxDuration: .seconds(10), maxIterations: 5_000))

    // MARK: Verification

    // One iteration verifies the whole store: entries/s = 1,000,000 × throughput.
    let verified = FixtureSlot<BenchmarkFixture>()
    Benchmark(
        "Verify 1M entries with indexes",
        configuration: .init(warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3),
        closure: { benchmark in
            guard let fixture = verified.get() else { return }
            let report = try fixture.ledger.verify()
            if !report.isValid { benchmark.error("verification failed: \(report.problems.prefix(3))") }
            blackHole(report)
        },
        setup: { verified.set(try await BenchmarkFixture.filled(count: 1_000_000)) },
        teardown: { verified.set(nil) }
    )
    Benchmark(
        "Verify 1M entries chain and tree only",
        configuration: .init(warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3),
        closure: { benchmark in
            guard let fixture = verified.get() else { return }
            var options = VerificationOptions()
            options.checkIndexes = false
            let report = try fixture.ledger.verify(options)
            if !report.isValid { benchmark.error("verification failed") }
            blackHole(report)
        },
        setup: { verified.set(try await BenchmarkFixture.filled(count: 1_000_000)) },
        teardown: { verified.set(nil) }
    )

    // MARK: Request bodies

    // One iteration decodes a body of 1,000 events, NDJSON as Benchmarks/HTTP/post-batch.lua
    // sends it: read straight from the bytes (`SubmittedEvent`, as `POST /v1/events` reads
    // plain bodies) against the JSON tree of the general parser, in the same run.
    let body = Array((1...1_000).map { index in
        #"{"kind":"transform","inputs":["dataset:bench/src-\#(index % 500)"],"outputs":["dataset:bench/out-\#(index % 700)"],"attributes":{"rows":\#(index),"job":"bench"}}"#
    }.joined(separator: "\n").utf8)
    let bodyActor = try? Actor(id: "agent:bench")
    Benchmark(
        "Decode 1000 events plain reader",
        configuration: .init(maxDuration: .seconds(5), maxIterations: 2_000),
        closure: { benchmark in
            guard let actor = bodyActor else { return }
            for _ in benchmark.scaledIterations {
                body.withUnsafeBytes { bytes in
                    guard let (submitted, _) = SubmittedEvent.scan(bytes, ndjson: true, limit: 10_000) else {
                        benchmark.error("the body was not read")
                        return
                    }
                    blackHole(submitted.map { $0.event(actor: actor, limits: .standard) })
                }
            }
        }
    )
    Benchmark(
        "Decode 1000 events JSON tree reference",
        configuration: .init(maxDuration: .seconds(5), maxIterations: 2_000),
        closure: { benchmark in
            for _ in benchmark.scaledIterations {
                body.withUnsafeBytes { bytes in
                    // As the server's general path: the whole body into JSON values first,
                    // then each value, its actor set, decoded.
                    var values: [JSONValue] = []
                    var start = 0
                    while start < bytes.count {
                        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                        if let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) { values.append(value) }
                        start = end + 1
                    }
                    var events: [Event] = []
                    for index in values.indices {
                        let value = values[index]
                        values[index] = .null
                        guard case .object(var members) = value else { continue }
                        _ = members.removeValue(forKey: "onBehalfOf")
                        members["actor"] = .object(["id": .string("agent:bench")])
                        if let event = try? Event(json: .object(members)) { events.append(event) }
                    }
                    if events.count != 1_000 { benchmark.error("decoded \(events.count) events") }
                    blackHole(events)
                }
            }
        }
    )

    // MARK: The Merkle tree

    // The tree alone, as the ledger maintains it: 10,000 leaves per durable commit.
    let treeOnly = FixtureSlot<TreeFixture>()
    Benchmark(
        "Merkle tree append batch 10000",
        configuration: .init(maxDuration: .seconds(10), maxIterations: 200),
        closure: { benchmark in
            guard let fixture = treeOnly.get() else { return }
            for _ in benchmark.scaledIterations {
                try fixture.store.append(fixture.leaves)
            }
        },
        setup: { treeOnly.set(try TreeFixture(leaves: 0)) },
        teardown: { treeOnly.set(nil) }
    )

    // Proofs in a tree of 10,000,000 leaves, built once by whichever runs first (the runner
    // goes in name order: consistency, then inclusion, which removes it).
    let bigTree = FixtureSlot<TreeFixture>()
    Benchmark(
        "Proof inclusion at 10M leaves",
        configuration: .init(metrics: [.wallClock, .throughput], warmupIterations: 1_000, maxDuration: .seconds(10), maxIterations: 100_000),
        closure: { benchmark in
            guard let fixture = bigTree.get() else { return }
            for _ in benchmark.scaledIterations {
                blackHole(try fixture.store.inclusionProof(index: UInt64.random(in: 0..<fixture.size), size: fixture.size))
            }
        },
        setup: { if bigTree.get() == nil { bigTree.set(try TreeFixture(leaves: 10_000_000)) } },
        teardown: { bigTree.set(nil) }
    )
    Benchmark(
        "Proof consistency at 10M leaves",
        configuration: .init(metrics: [.wallClock, .throughput], warmupIterations: 1_000, maxDuration: .seconds(10), maxIterations: 100_000),
        closure: { benchmark in
            guard let fixture = bigTree.get() else { return }
            for _ in benchmark.scaledIterations {
                blackHole(try fixture.store.consistencyProof(first: UInt64.random(in: 1...fixture.size), second: fixture.size))
            }
        },
        setup: { if bigTree.get() == nil { bigTree.set(try TreeFixture(leaves: 10_000_000)) } }
    )

}

/// The C reference's LMDB environment, closed when released.
final class ReferenceStore: @unchecked Sendable {
    // @unchecked: the handle is used by one benchmark closure at a time, as the runner calls them.
    let folder = TemporaryDirectory("custos-cref")
    let handle: OpaquePointer

    init(eventBytes: Int) throws {
        guard let handle = custos_reference_open(folder.path, eventBytes) else { throw CocoaError(.fileWriteUnknown) }
        self.handle = handle
    }

    deinit { custos_reference_close(handle) }
}

/// A tree-only store (as the ledger keeps its tree) with `leaves` leaves.
final class TreeFixture: Sendable {
    let folder = TemporaryDirectory("custos-tree")
    let store: MerkleTreeStore
    let size: UInt64
    /// 10,000 leaf hashes to append in the append benchmark.
    let leaves: [Hash256]

    init(leaves count: Int) throws {
        store = try MerkleTreeStore(path: folder.file("tree"), mapSize: 8 << 30)
        leaves = (0..<10_000).map { Hash256.sha256(Array("leaf \($0)".utf8)) }
        var appended = 0
        while appended < count {
            let batch = min(100_000, count - appended)
            try store.append((appended..<appended + batch).map { Hash256.sha256(Array("leaf \($0)".utf8)) })
            appended += batch
        }
        size = UInt64(count)
    }
}
