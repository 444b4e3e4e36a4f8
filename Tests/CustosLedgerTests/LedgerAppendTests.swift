import CustosTestSupport
import Foundation
import Testing

@testable import CustosLedger

/// Opens a fresh ledger in a temporary folder; the folder lives as long as the returned value.
func makeLedger(_ configure: (inout LedgerConfiguration) -> Void = { _ in }) throws -> (Ledger, TemporaryDirectory) {
    let folder = TemporaryDirectory("custos-ledger")
    var configuration = LedgerConfiguration()
    configure(&configuration)
    let ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/log", configuration: configuration)
    return (ledger, folder)
}

@Suite("Ledger: appending and reading")
struct LedgerAppendTests {
    let factory = EventFactory()

    @Test("an appended event reads back byte for byte, hashed as RFC 9162 leaves")
    func appendAndRead() async throws {
        let (ledger, _folder) = try makeLedger()
        _ = _folder
        let event = factory.transform(1)
        let receipt = try await ledger.append(event)
        #expect(receipt.seq == 0)
        #expect(!receipt.isDuplicate)
        let entry = try ledger.entry(at: 0)
        #expect(entry.event == event)
        #expect(entry.prev == .zero)
        #expect(entry.time == receipt.time)
        #expect(entry.leafHash == receipt.leafHash)
        #expect(Hash256.sha256([0] + entry.bytes) == receipt.leafHash)
        #expect(try ledger.leafHash(at: 0) == receipt.leafHash)
        let head = try ledger.head()
        #expect(head == LogHead(size: 1, lastLeafHash: receipt.leafHash, lastTime: receipt.time))
        #expect(entry.bytes.count > 300 && entry.bytes.count < 600)
        #expect(throws: LedgerError.noSuchEntry(seq: 1, size: 1)) { try ledger.entry(at: 1) }
    }

    @Test("node ids are compared byte for byte: two spellings of one accented name are two nodes, and the store verifies")
    func exactNodeIDs() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // "é" precomposed (U+00E9) and decomposed (e + U+0301): equal as Swift strings, not as bytes.
        let composed = try NodeID("dataset:caf\u{E9}")
        let decomposed = try NodeID("dataset:cafe\u{301}")
        #expect(composed.rawValue == decomposed.rawValue && composed != decomposed)
        let event = try Event(kind: .transform, actor: .agent("a"), inputs: [composed, decomposed], outputs: [try NodeID("dataset:out")])
        _ = try await ledger.append(event)
        let report = try ledger.verify()
        #expect(report.isValid, "\(report)")
    }

    @Test("names written with escapes, events with many nodes and repeated edges, and tags verify, indexes and all")
    func escapedAndWideEvents() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        var events = try EntryViewTests.entries().map { try LedgerEntry(bytes: $0).event }
        let many = try (0..<24).map { try NodeID("dataset:w\"\($0 % 19)") }
        events.append(try Event(kind: .transform, actor: .agent("wide"), inputs: many, outputs: many.reversed() + [NodeID("dataset:plain")]))
        events.append(try Event(kind: .classify, actor: .service("scanner"), outputs: many, attributes: ["tags": ["pii", "phi"]]))
        // Twice, so that the second pass meets every name and edge again, from the caches.
        _ = try await ledger.append(contentsOf: events)
        _ = try await ledger.append(contentsOf: events.filter { $0.clientEventID == nil })
        let report = try ledger.verify()
        #expect(report.isValid, "\(report)")
        #expect(report.checkedIndexes)
    }

    @Test("an actor whose name starts with a combining mark keeps its type, on both sides, and the store verifies")
    func combiningMarkAfterTheType() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        // "agent:" + U+0301: as Swift characters the colon carries the accent, so the string
        // does not have the prefix "agent:"; as bytes, which is how ids are kept, it does.
        let actor = try Actor(id: "agent:\u{301}bot", onBehalfOf: "human:\u{301}ann")
        #expect(actor.kind == .agent && actor.id.rawValue.utf8.count == "agent:\u{301}bot".utf8.count)
        #expect(try Actor(id: "\u{301}bot", kind: .agent) == Actor(id: "agent:\u{301}bot"))
        _ = try await ledger.append(Event(kind: .read, actor: actor, inputs: [try NodeID("dataset:x")]))
        let report = try ledger.verify()
        #expect(report.isValid, "\(report)")
        // A node id's type and name split at the colon's byte too.
        let request = try NodeID("request:\u{301}x")
        #expect(request.type == "request" && request.hasType("request") && !request.hasType("reques"))
        #expect(request.name.unicodeScalars.elementsEqual("\u{301}x".unicodeScalars))
        #expect(try NodeID("dataset:a:b").name == "a:b")
    }

    @Test("each entry carries the previous leaf hash; times never go back")
    func chain() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let receipts = try await ledger.append(contentsOf: factory.transforms(300))
        #expect(receipts.map(\.seq) == Array(0..<300))
        let entries = try ledger.entries(from: 0, limit: 1_000)
        #expect(entries.count == 300)
        var previous = Hash256.zero
        var previousTime = Timestamp(microseconds: 0)
        for (index, entry) in entries.enumerated() {
            #expect(entry.seq == UInt64(index))
            #expect(entry.prev == previous)
            #expect(entry.time >= previousTime)
            #expect(entry.leafHash == receipts[index].leafHash)
            previous = entry.leafHash
            previousTime = entry.time
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("a batch is atomic: one bad event and nothing of it is written")
    func batchAtomicity() async throws {
        let (ledger, folder) = try makeLedger { $0.limits.maxEntryBytes = 900 }
        _ = folder
        _ = try await ledger.append(factory.transform(0))
        var events = factory.transforms(3, startingAt: 1)
        events[2].attributes["blob"] = .string(String(repeating: "x", count: 2_000))
        await #expect(throws: LedgerError.self) { try await ledger.append(contentsOf: events) }
        do {
            _ = try await ledger.append(contentsOf: events)
        } catch let error as LedgerError {
            guard case .invalidEvent(let index, let eventError) = error else { Issue.record("unexpected \(error)"); return }
            #expect(index == 2)
            #expect(eventError.reason.contains("the limit"))
        }
        #expect(try ledger.head().size == 1)
        #expect(try ledger.verify().isValid)
    }

    @Test("the same client event id appends once and answers the first receipt")
    func idempotency() async throws {
        let (ledger, folder) = try makeLedger()
        let first = try await ledger.append(factory.transform(5, clientEventID: "job-1"))
        let again = try await ledger.append(factory.transform(5, clientEventID: "job-1"))
        #expect(again.isDuplicate)
        #expect(again.seq == first.seq && again.leafHash == first.leafHash && again.time == first.time)
        #expect(try ledger.head().size == 1)

        // The same id with different content is a conflict, and writes nothing.
        await #expect(throws: LedgerError.idempotencyConflict(clientEventID: "job-1", seq: 0)) {
            try await ledger.append(factory.transform(12, clientEventID: "job-1"))  // same actor as 5
        }
        #expect(try ledger.head().size == 1)

        // Ids are scoped by actor: another actor may use the same id.
        var other = factory.transform(5, clientEventID: "job-1")
        other.actor = try .agent("someone-else")
        #expect(try await ledger.append(other).seq == 1)

        // Within one batch, a repeat is answered with the first one's receipt.
        let batch = try await ledger.append(contentsOf: [factory.transform(7, clientEventID: "b"), factory.transform(8), factory.transform(7, clientEventID: "b")])
        #expect(batch.map(\.seq) == [2, 3, 2])
        #expect(batch.map(\.isDuplicate) == [false, false, true])

        // A differing repeat inside one batch is refused before anything is written.
        await #expect(throws: LedgerError.self) {
            try await ledger.append(contentsOf: [factory.transform(9, clientEventID: "c"), factory.transform(16, clientEventID: "c")])
        }
        #expect(try ledger.head().size == 4)

        // It survives reopening.
        await ledger.close()
        let reopened = try Ledger.open(at: folder.file("store"))
        #expect(try await reopened.append(factory.transform(5, clientEventID: "job-1")) == again)
        #expect(try reopened.verify().isValid)
    }

    @Test("concurrent appenders get gap-free, distinct seqs in shared commits")
    func concurrency() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let tasks = 40
        let perTask = 50
        let seqs = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [UInt64] = []
                    for index in 0..<perTask {
                        mine.append(try await ledger.append(self.factory.transform(task * perTask + index)).seq)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [UInt64]()) { $0 += $1 }
        }
        #expect(seqs.count == tasks * perTask)
        #expect(Set(seqs).count == seqs.count)
        #expect(seqs.sorted() == Array(0..<UInt64(tasks * perTask)))
        let stats = ledger.writerStatistics
        #expect(stats.entriesAppended == tasks * perTask)
        #expect(stats.commits < tasks * perTask, "group commit should share commits between appenders")
        #expect(try ledger.verify().isValid)
    }

    @Test("a commit delay gathers appends into fewer commits, bounded by the batch size")
    func commitDelay() async throws {
        let (ledger, folder) = try makeLedger {
            $0.commitDelayMicroseconds = 20_000
            $0.maxEventsPerCommit = 64
        }
        _ = folder
        let seqs = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for index in 0..<200 { group.addTask { try await ledger.append(self.factory.transform(index)).seq } }
            return try await group.reduce(into: [UInt64]()) { $0.append($1) }
        }
        #expect(seqs.sorted() == Array(0..<200))
        let stats = ledger.writerStatistics
        #expect(stats.largestCommit <= 64)
        #expect(stats.commits >= 4 && stats.commits < 100, "\(stats)")
        #expect(try ledger.verify().isValid)
    }

    @Test("a ledger reopens where it left off")
    func reopen() async throws {
        let folder = TemporaryDirectory()
        let path = folder.file("store")
        let ledger = try Ledger.create(at: path, origin: "example.com/log")
        _ = try await ledger.append(contentsOf: factory.transforms(10))
        let head = try ledger.head()
        await ledger.close()
        await #expect(throws: LedgerError.closed) { try await ledger.append(factory.transform(99)) }

        let reopened = try Ledger.open(at: path)
        #expect(reopened.origin == "example.com/log")
        #expect(try reopened.head() == head)
        let next = try await reopened.append(factory.transform(10))
        #expect(next.seq == 10)
        #expect(try reopened.entry(at: 10).prev == head.lastLeafHash)
        #expect(try reopened.verify().isValid)
        #expect(throws: LedgerError.storeExists(path: path)) { try Ledger.create(at: path) }
        #expect(throws: LedgerError.noStore(path: folder.file("nothing"))) { try Ledger.open(at: folder.file("nothing")) }
    }

    @Test("the store folder and files are private to the owner")
    func permissions() throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let folderMode = try FileManager.default.attributesOfItem(atPath: ledger.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: ledger.path + "/data.mdb")[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(fileMode == 0o600)
    }

    @Test("appends keep going while the map grows")
    func mapGrowth() async throws {
        let (ledger, folder) = try makeLedger { $0.mapSize = 256 * 1024 }
        _ = folder
        for batch in 0..<20 {
            _ = try await ledger.append(contentsOf: factory.transforms(500, startingAt: batch * 500))
        }
        #expect(try ledger.head().size == 10_000)
        #expect(ledger.environment.mapSize > 256 * 1024)
        #expect(try ledger.verify().isValid)
    }

    @Test("the edge index holds each distinct edge once, with its first seq")
    func edgeIndex() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let lines = EventFactory.sampleLines.map { try? Event(json: $0) }.compactMap { $0 }
        _ = try await ledger.append(contentsOf: lines + lines.map { var copy = $0; copy.clientEventID = nil; return copy })
        let masked = try NodeID("dataset:s3://lake/masked/customers")
        let downstream = try ledger.edges(of: masked, .outgoing)
        #expect(Set(downstream.map(\.other.rawValue)) == ["request:r-1", "export:s3://partner/q3.csv"])
        #expect(downstream.first { $0.other.rawValue == "request:r-1" }?.firstSeq == 3)
        let upstream = try ledger.edges(of: masked, .incoming)
        #expect(upstream.map(\.other.rawValue) == ["dataset:s3://lake/staging/customers"])
        #expect(upstream.first?.relation == .mask)
        let approvals = try ledger.edges(of: NodeID("human:bob@example.com"), .outgoing, role: .actor)
        #expect(approvals.map(\.other.rawValue) == ["request:r-1"])
        #expect(try ledger.edges(of: NodeID("dataset:unknown"), .outgoing).isEmpty)
        let stats = try ledger.statistics()
        #expect(stats.head.size == 12)
        #expect(try ledger.verify().isValid)
    }
}
