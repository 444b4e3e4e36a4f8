import CustosTestSupport
import Foundation
import Synchronization
import Testing

@testable import CustosLedger

/// Large unconditional appends are prepared while the writer stores them (`PreparedStream`);
/// they must behave exactly as appends prepared all at once.
@Suite("Ledger: large appends prepared while they are written")
struct StreamedAppendTests {
    let factory = EventFactory()

    @Test("10,000 events in one call: one commit, in order, byte for byte")
    func largeAppend() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let events = factory.transforms(10_000)
        let receipts = try await ledger.append(contentsOf: events)
        #expect(receipts.map(\.seq) == Array(0..<10_000))
        #expect(ledger.writerStatistics.commits == 1)
        for seq in [0, 1_023, 1_024, 5_000, 9_999] {
            let entry = try ledger.entry(at: UInt64(seq))
            #expect(entry.event == events[seq])
            #expect(entry.leafHash == receipts[seq].leafHash)
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("a bad event late in a large append refuses all of it; appends sharing its commit go in")
    func badEventLate() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // Hold the writer inside a commit (a precondition runs in the write transaction)
        // until the large append and the small ones are all queued: the writer then takes
        // them into one commit.
        let release = DispatchSemaphore(value: 0)
        let blocking = Atomic<Bool>(false)
        let blocker = Task {
            try await ledger.append(contentsOf: factory.transforms(10)) { _ in
                blocking.store(true, ordering: .relaxed)
                release.wait()
                return nil
            }
        }
        // Queue the others only once the writer is inside the blocker's commit, or they
        // could be taken into it.
        try #require(try await eventually { blocking.load(ordering: .relaxed) })
        var events = factory.transforms(5_000, startingAt: 10)
        events[4_500].clientTime = "yesterday"
        let large = Task { try await ledger.append(contentsOf: events) }
        let small = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<20 {
                    group.addTask { try await ledger.append(factory.transform(20_000 + index)).isDuplicate ? 0 : 1 }
                }
                return try await group.reduce(0, +)
            }
        }
        let queued = try await eventually { ledger.writerStatistics.queuedEvents >= 5_020 }
        if !queued { release.signal() }
        try #require(queued)
        release.signal()
        _ = try await blocker.value
        switch await large.result {
        case .success:
            Issue.record("an append with a bad event went in")
        case .failure(LedgerError.invalidEvent(let index, _)):
            #expect(index == 4_500)
        case .failure(let error):
            Issue.record("unexpected error: \(error)")
        }
        #expect(try await small.value == 20)
        #expect(try ledger.head().size == 30)
        let statistics = ledger.writerStatistics
        #expect(statistics.failedAppends == 1)
        // The blocker's commit, then the small appends' one: they shared the abandoned one.
        #expect(statistics.commits == 2)
        #expect(try ledger.verify().isValid)
    }

    @Test("a bad first event refuses a large append alone in its commit; the writer goes on")
    func badFirstEvent() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        var events = factory.transforms(5_000)
        events[0].clientTime = "soon"
        do {
            _ = try await ledger.append(contentsOf: events)
            Issue.record("an append with a bad event went in")
        } catch LedgerError.invalidEvent(let index, _) {
            #expect(index == 0)
        }
        #expect(try ledger.head().size == 0)
        #expect(ledger.writerStatistics.commits == 0)
        #expect(ledger.writerStatistics.failedAppends == 1)
        _ = try await ledger.append(contentsOf: factory.transforms(5_000))
        #expect(try ledger.head().size == 5_000)
        #expect(try ledger.verify().isValid)
    }

    @Test("a large append that fills the map is written again after the map grows")
    func mapGrowth() async throws {
        let (ledger, folder) = try makeLedger { $0.mapSize = 2 << 20 }
        _ = folder
        let receipts = try await ledger.append(contentsOf: factory.transforms(10_000))
        #expect(receipts.count == 10_000)
        #expect(try ledger.head().size == 10_000)
        #expect(ledger.environment.mapSize > 2 << 20)
        #expect(try ledger.verify().isValid)
    }
}
