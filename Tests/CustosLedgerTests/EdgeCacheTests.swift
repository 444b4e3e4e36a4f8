import CustosTestSupport
import Foundation
import Synchronization
import Testing

@testable import CustosLedger

/// The in-memory adjacency lists must never make a reader see a graph other than its
/// snapshot's: not older (an edge appended after the list was read), not newer.
@Suite("Edge cache: readers see exactly their snapshot")
struct EdgeCacheTests {
    private func transform(_ input: String, _ output: String) throws -> Event {
        try Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID(input)], outputs: [NodeID(output)])
    }

    /// The data edges out of `node`, as the snapshot's reader sees them.
    private func downstream(of node: String, in snapshot: borrowing LedgerSnapshot) throws -> Set<String> {
        guard let key = try snapshot.nodeKey(NodeID(node)) else { return [] }
        var found = Set<String>()
        try snapshot.forEachEdge(of: key, .outgoing) { edge in
            found.insert(try snapshot.nodeID(edge.other).rawValue)
            return true
        }
        return found
    }

    private func downstream(of node: String, in ledger: Ledger) throws -> Set<String> {
        try ledger.withSnapshot { try downstream(of: node, in: $0) }
    }

    @Test("an edge appended after its list was read is seen by the next reader")
    func appendAfterRead() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        _ = try await ledger.append(transform("dataset:a", "dataset:b"))
        #expect(try downstream(of: "dataset:a", in: ledger) == ["dataset:b"])
        #expect(ledger.edgeCache.listCount > 0)
        // Read again: from the cache now, the same answer.
        #expect(try downstream(of: "dataset:a", in: ledger) == ["dataset:b"])
        _ = try await ledger.append(transform("dataset:a", "dataset:c"))
        #expect(try downstream(of: "dataset:a", in: ledger) == ["dataset:b", "dataset:c"])
        // A repeat adds no edge and changes nothing.
        _ = try await ledger.append(transform("dataset:a", "dataset:c"))
        #expect(try downstream(of: "dataset:a", in: ledger) == ["dataset:b", "dataset:c"])
    }

    @Test("a snapshot taken before an append does not see its edges, even from a list read after it")
    func olderSnapshot() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        _ = try await ledger.append(transform("dataset:a", "dataset:b"))
        let firstRead = DispatchSemaphore(value: 0)
        let appended = DispatchSemaphore(value: 0)
        let seen = Mutex<(before: Set<String>, after: Set<String>)?>(nil)
        let holder = Thread {
            do {
                try ledger.withSnapshot { snapshot in
                    let before = try downstream(of: "dataset:a", in: snapshot)
                    firstRead.signal()
                    appended.wait()
                    // The list for dataset:a was since read again at the larger size.
                    let after = try downstream(of: "dataset:a", in: snapshot)
                    seen.withLock { $0 = (before, after) }
                }
            } catch {
                firstRead.signal()
            }
        }
        holder.start()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                firstRead.wait()
                continuation.resume()
            }
        }
        _ = try await ledger.append(transform("dataset:a", "dataset:c"))
        #expect(try downstream(of: "dataset:a", in: ledger) == ["dataset:b", "dataset:c"])
        appended.signal()
        while seen.withLock({ $0 == nil }) { try await Task.sleep(nanoseconds: 1_000_000) }
        let views = try #require(seen.withLock { $0 })
        #expect(views.before == ["dataset:b"])
        #expect(views.after == ["dataset:b"])
    }

    @Test("hub lists past the cache's bound are read from the index, whole")
    func hub() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let outputs = try (0..<(ledger.edgeCache.maxEdgesPerList + 10)).map { try NodeID("dataset:out-\($0)") }
        for start in stride(from: 0, to: outputs.count, by: 500) {
            let slice = Array(outputs[start..<min(start + 500, outputs.count)])
            _ = try await ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID("dataset:hub")], outputs: slice))
        }
        #expect(try downstream(of: "dataset:hub", in: ledger).count == outputs.count)
        #expect(try downstream(of: "dataset:hub", in: ledger).count == outputs.count)
    }

    @Test("node key maps hold what was set, through growth")
    func nodeKeyMap() throws {
        var map = NodeKeyMap<Int>()
        var expected: [NodeKey: Int] = [:]
        for index in 0..<5_000 {
            let key = NodeKey(key: Key128(hashing: "dataset:\(index)"))
            let added = map.set(index, for: key)
            #expect(added)
            expected[key] = index
        }
        let replaced = !map.set(-1, for: NodeKey(key: Key128(hashing: "dataset:7")))
        #expect(replaced)
        expected[NodeKey(key: Key128(hashing: "dataset:7"))] = -1
        #expect(map.count == 5_000)
        for (key, value) in expected { #expect(map[key] == value) }
        #expect(map[NodeKey(key: Key128(hashing: "dataset:absent"))] == nil)
    }
}

@Suite("Conditional appends")
struct ConditionalAppendTests {
    @Test("of fifty concurrent claims on one node, exactly one is appended; the others are refused")
    func oneWinner() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let claim = try NodeID("request:r-1")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let event = try? Event(kind: .execute, actor: .agent("worker-\(index)"), inputs: [claim])
                    guard let event else { return false }
                    do {
                        _ = try await ledger.append(contentsOf: [event]) { snapshot in
                            guard let key = try snapshot.nodeKey(claim) else { return nil }
                            var taken = false
                            try snapshot.forEachSeq(in: .node(key, .input), within: 0..<snapshot.head.size) { _ in
                                taken = true
                                return false
                            }
                            return taken ? "request:r-1 was already executed" : nil
                        }
                        return true
                    } catch let error as LedgerError {
                        #expect(error == .refused("request:r-1 was already executed"))
                        return false
                    } catch {
                        return false
                    }
                }
            }
            var results: [Bool] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try ledger.head().size == 1)
    }
}
