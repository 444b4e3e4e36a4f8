import CustosTestSupport
import Foundation
import Testing

@testable import CustosLedger

@Suite("Ledger: conditional appends")
struct PreconditionTests {
    let factory = EventFactory()

    /// The writer holds index rows back to write them sorted at the end of a commit; a
    /// precondition must still see the rows of every append made before it in the commit.
    @Test("a precondition sees the index rows of appends earlier in the same commit")
    func preconditionSeesEarlierRowsOfItsCommit() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // Every event is a transform on behalf of the same person, so both index counts
        // must equal the log's size whenever a precondition runs.
        let tasks = 64
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<tasks {
                group.addTask {
                    _ = try await ledger.append(contentsOf: [factory.transform(index)]) { snapshot in
                        let size = snapshot.head.size
                        guard size > 0 else { return nil }
                        guard let kind = try snapshot.termKey("transform"),
                              let principal = try snapshot.nodeKey(NodeID("human:data-eng@example.com"))
                        else { return "the kind or the principal is not interned at size \(size)" }
                        var byKind: UInt64 = 0
                        try snapshot.forEachSeq(in: .kind(kind), within: 0..<size) { _ in byKind += 1; return true }
                        var byPrincipal: UInt64 = 0
                        try snapshot.forEachSeq(in: .onBehalfOf(principal), within: 0..<size) { _ in byPrincipal += 1; return true }
                        guard byKind == size, byPrincipal == size else {
                            return "at size \(size) the kind index holds \(byKind) rows and the on-behalf-of index \(byPrincipal)"
                        }
                        return nil
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try ledger.head().size == UInt64(tasks))
        // Several appends shared a commit, or this test could not fail.
        #expect(ledger.writerStatistics.commits < tasks)
        #expect(try ledger.verify().isValid)
    }
}
