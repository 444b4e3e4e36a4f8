public import CustosLedger
public import CustosTestSupport
import Foundation

/// Stores and events for the benchmarks, on the real disk (durable commits need fsync to
/// mean something), removed when released.
public final class BenchmarkFixture: Sendable {
    public let folder: TemporaryDirectory
    public let ledger: Ledger
    public let factory = EventFactory()

    /// A fresh, empty ledger.
    public init(configure: (inout LedgerConfiguration) -> Void = { _ in }) throws {
        folder = TemporaryDirectory("custos-bench")
        var configuration = LedgerConfiguration()
        configuration.mapSize = 4 << 30
        configure(&configuration)
        ledger = try Ledger.create(at: folder.file("store"), origin: "bench.example/log", configuration: configuration)
    }

    /// A ledger holding `count` events, appended in batches of 10,000.
    public static func filled(count: Int) async throws -> BenchmarkFixture {
        let fixture = try BenchmarkFixture()
        var start = 0
        while start < count {
            let batch = min(10_000, count - start)
            _ = try await fixture.ledger.append(contentsOf: fixture.factory.transforms(batch, startingAt: start))
            start += batch
        }
        return fixture
    }

    /// Canonical size of the events this fixture appends, for the record.
    public var eventBytes: Int {
        let event = factory.transform(123_456)
        return LedgerEntry.encodedSize(of: event, seq: 123_456)
    }
}

/// Something the benchmark setup hands to the measured closure.
public final class FixtureSlot<Value: Sendable>: @unchecked Sendable {
    // @unchecked: written in a benchmark's setup hook and read by its closure and teardown,
    // which the benchmark runner calls one after another, never at once; the lock orders them.
    private var value: Value?
    private let lock = NSLock()

    public init() {}

    public func set(_ newValue: Value?) {
        lock.lock()
        value = newValue
        lock.unlock()
    }

    public func get() -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
