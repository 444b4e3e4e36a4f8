import CustosTestSupport
import LMDB
import Testing

@testable import CustosLedger

@Suite("Time ranges: found by binary search over the entries")
struct TimeRangeTests {
    /// Seqs whose time is in `times`, by reading every entry.
    private func scan(_ times: [Timestamp], _ range: Range<Timestamp>) -> Range<UInt64> {
        let inside = times.indices.filter { range.contains(times[$0]) }
        guard let first = inside.first, let last = inside.last else {
            // An empty range sits where the window would start.
            let start = UInt64(times.firstIndex { $0 >= range.lowerBound } ?? times.count)
            return start..<start
        }
        return UInt64(first)..<UInt64(last + 1)
    }

    @Test("every window, on and off the entries' times, gives the seqs a full scan gives")
    func windowsMatchAScan() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // Commits at distinct times, each giving its events one time, so that windows can
        // start and end inside runs of equal times.
        for commit in 0..<12 {
            let events = try (0..<(1 + commit % 4)).map { index in
                try Event(kind: .read, actor: .agent("reader"), inputs: [NodeID("dataset:t-\(commit)-\(index)")])
            }
            _ = try await ledger.append(contentsOf: events)
            try await Task.sleep(for: .milliseconds(2))
        }
        let size = try ledger.head().size
        let times = try (0..<size).map { try ledger.entry(at: $0).time }
        #expect(times == times.sorted())
        #expect(Set(times).count == 12)

        var bounds: [Timestamp] = [Timestamp(microseconds: 0), Timestamp(microseconds: Int64.max / 2)]
        for time in Set(times) {
            bounds += [-1, 0, 1].map { Timestamp(microseconds: time.microseconds + $0) }
        }
        var windows = 0
        for lower in bounds {
            for upper in bounds where lower <= upper {
                let expected = scan(times, lower..<upper)
                let found = try ledger.withSnapshot { try $0.seqRange(for: lower..<upper) }
                #expect(found == expected, "\(lower)..<\(upper)")
                windows += 1
            }
        }
        #expect(windows > 500)
        // A store without entries has no seqs in any window.
        let (empty, emptyFolder) = try makeLedger()
        _ = emptyFolder
        #expect(try empty.withSnapshot { try $0.seqRange(for: Timestamp(microseconds: 0)..<Timestamp.now()) } == 0..<0)
    }

    @Test("a format-2 store loses its by_time index when opened, and its time windows read the same")
    func upgradeFromFormatTwo() async throws {
        let (ledger, folder) = try makeLedger()
        let path = folder.file("store")
        for commit in 0..<5 {
            _ = try await ledger.append(contentsOf: try (0..<3).map { _ in try Event(kind: .read, actor: .agent("reader"), inputs: [NodeID("dataset:c-\(commit)")]) })
            try await Task.sleep(for: .milliseconds(2))
        }
        let times = try (0..<15).map { try ledger.entry(at: $0).time }
        let window = times[4]..<times[11]
        let before = try ledger.withSnapshot { try $0.seqRange(for: window) }
        #expect(before == 3..<9)
        try ledger.writeFormatTwoTimeIndex()
        try ledger.environment.write { txn in try txn.put(Array("2".utf8), forKey: MetaKey.format, in: ledger.schema.meta) }
        let names = try await ledger.upgradeInChild(path: path)
        try ledger.environment.read { txn throws in
            #expect(try txn.value(forKey: MetaKey.format, in: ledger.schema.meta) == Array("3".utf8))
            #expect(try txn.value(forKey: Array("by_time".utf8), in: names) == nil)
        }
        #expect(try ledger.withSnapshot { try $0.seqRange(for: window) } == before)
        #expect(try ledger.verify().isValid)
    }

    @Test("an emptied database of an earlier format, left by an upgrade interrupted before deleting it, is deleted at the next open")
    func leftoverDatabasesDeleted() async throws {
        let (ledger, folder) = try makeLedger()
        _ = try await ledger.append(Event(kind: .read, actor: .agent("reader"), inputs: [NodeID("dataset:x")]))
        // Format 3 already, with the empty by_time and by_node an upgrade empties but had not yet deleted.
        for name in ["by_time", "by_node"] { _ = try ledger.environment.openDatabase(named: name) }
        let names = try await ledger.upgradeInChild(path: folder.file("store"))
        try ledger.environment.read { txn throws in
            #expect(try txn.value(forKey: MetaKey.format, in: ledger.schema.meta) == Array("3".utf8))
            for name in FormatUpgrade.retiredDatabases {
                #expect(try txn.value(forKey: Array(name.utf8), in: names) == nil, "\(name)")
            }
            #expect(try txn.value(forKey: Array("by_node_open".utf8), in: names) != nil)
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("a store of a newer format is refused with a message that says to upgrade")
    func newerFormatRefused() async throws {
        let (ledger, folder) = try makeLedger()
        let path = folder.file("store")
        try ledger.environment.write { txn in try txn.put(Array("4".utf8), forKey: MetaKey.format, in: ledger.schema.meta) }
        await ledger.close()
        let opened = try runCustos(["verify", "--store", path])
        #expect(opened.status != 0)
        #expect(opened.standardError.contains("has format 4"), "\(opened.standardError)")
        #expect(opened.standardError.contains("upgrade custos"), "\(opened.standardError)")
    }
}
