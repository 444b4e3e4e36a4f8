import CustosTestSupport
import Synchronization
import Testing

@testable import CustosLedger

/// `custos verify` runs against live stores: a server may commit while it checks. Appends that
/// land meanwhile are a writer's progress, never a problem to report.
@Suite("Verification while the log grows")
struct LiveVerificationTests {
    @Test("verifying while another task appends finds nothing wrong, with and without indexes")
    func verifyWhileAppending() async throws {
        let (ledger, folder) = try makeLedger()
        let factory = EventFactory()
        for start in stride(from: 0, to: 6_000, by: 2_000) {
            _ = try await ledger.append(contentsOf: factory.transforms(2_000, startingAt: start))
        }
        let stop = Atomic<Bool>(false)
        let appender = Task {
            var next = 6_000
            while !stop.load(ordering: .relaxed) {
                _ = try await ledger.append(contentsOf: factory.transforms(20, startingAt: next))
                next += 20
            }
            return next
        }
        // Verification outruns small stores: start checking only once appends are landing,
        // and go on until the checks have seen the log at two sizes at least.
        try #require(try await eventually { try ledger.head().size > 6_000 })
        var checkedSizes: [UInt64] = []
        var round = 0
        while round < 4 || (Set(checkedSizes).count < 2 && round < 500) {
            defer { round += 1 }
            var options = VerificationOptions()
            options.checkIndexes = round % 2 == 0
            let report = try ledger.verify(options)
            #expect(report.isValid, "round \(round): \(report.problems.prefix(3))")
            #expect(report.problems.isEmpty)
            #expect(report.headSize >= 6_000)
            checkedSizes.append(report.headSize)
        }
        stop.store(true, ordering: .relaxed)
        let appended = try await appender.value
        // The appender really ran during the checks: the log grew between them.
        #expect(appended > 6_000)
        #expect(Set(checkedSizes).count > 1)
        let final = try ledger.verify()
        #expect(final.isValid)
        #expect(final.headSize == UInt64(appended))
        withExtendedLifetime(folder) {}
    }

    @Test("progress never goes back when the check starts again in one snapshot")
    func progressFloor() {
        let floor = ProgressFloor()
        // A first pass reached 8,192 before a commit landed; the second counts from zero.
        let shown = [4_096, 8_192, 0, 4_096, 8_192, 12_288].map { floor.raise(to: $0) }
        #expect(shown == [4_096, 8_192, 8_192, 8_192, 8_192, 12_288])
    }

    @Test("a check told to stop ends with CancellationError instead of reading on; not told, it runs to its end")
    func cancelled() async throws {
        let (ledger, _folder) = try makeLedger()
        _ = _folder
        let factory = EventFactory()
        for start in stride(from: 0, to: 20_000, by: 5_000) {
            _ = try await ledger.append(contentsOf: factory.transforms(5_000, startingAt: start))
        }
        let asked = Atomic<Int>(0)
        var options = VerificationOptions()
        options.isCancelled = { asked.add(1, ordering: .relaxed).newValue >= 2 }
        #expect(throws: CancellationError.self) { _ = try ledger.verify(options) }
        #expect(asked.load(ordering: .relaxed) >= 2)
        options.isCancelled = { false }
        #expect(try ledger.verify(options).isValid)
        await ledger.close()
    }
}

