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

/// Samples this process's anonymous resident memory (heap and stacks, not the files it maps:
/// LMDB's map pages count in the resident peak but belong to the page cache) while `body`
/// runs, and returns the peak in bytes.
public func peakAnonymousMemory<R>(during body: () async throws -> R) async rethrows -> (result: R, peak: Int) {
    let peak = AnonymousMemorySampler()
    peak.start()
    let result = try await body()
    return (result, peak.stop())
}

/// Reads `RssAnon` from /proc/self/status every 10 ms on a thread of its own.
final class AnonymousMemorySampler: @unchecked Sendable {
    // @unchecked: `peak` and `running` are only touched under `lock`.
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    func start() {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let now = Self.anonymousBytes()
                lock.withLock { peak = max(peak, now) }
                Thread.sleep(forTimeInterval: 0.01)
            }
            done.signal()
        }
    }

    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { max(peak, Self.anonymousBytes()) }
    }

    static func anonymousBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}

/// Figures a benchmark computes beside its own metrics (the runner keeps the measured runs'
/// output to itself): appended to `custos-bench-figures.txt` in the temporary folder, which
/// `make bench` prints at the end.
public func recordFigure(_ line: String) {
    let path = NSTemporaryDirectory() + "/custos-bench-figures.txt"
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    guard let handle = FileHandle(forWritingAtPath: path) else { return }
    defer { try? handle.close() }
    _ = try? handle.seekToEnd()
    try? handle.write(contentsOf: Data((line + "\n").utf8))
}
