import CustosTestSupport
import Foundation
import LMDB
import Testing

@testable import CustosLedger

@Suite("Ledger: opening read-only")
struct ReadOnlyTests {
    /// A closed store of `count` events at `folder/store`: the ledger that wrote it is gone, so
    /// that this process may open the file again (LMDB allows one environment per file).
    static func writtenStore(events count: Int, in folder: TemporaryDirectory, format: String? = nil) async throws -> String {
        let path = folder.file("store")
        let ledger = try Ledger.create(at: path, origin: "test.example/read-only")
        _ = try await ledger.append(contentsOf: try (0..<count).map { index in
            try Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID("dataset:in-\(index % 7)")], outputs: [NodeID("dataset:out-\(index)")])
        })
        _ = try await ledger.signCheckpoint()
        if let format {
            try ledger.environment.write { txn in try txn.put(Array(format.utf8), forKey: MetaKey.format, in: ledger.schema.meta) }
        }
        await ledger.close()
        return path
    }

    /// The format record of the store at `path`, read through LMDB alone, read-only.
    static func storedFormat(at path: String) throws -> String? {
        var options = EnvironmentOptions()
        options.readOnly = true
        let environment = try Environment(path: path, options: options)
        let meta = try environment.openDatabase(named: "meta", create: false)
        return try environment.read { txn in try txn.value(forKey: MetaKey.format, in: meta) }.map { String(decoding: $0, as: UTF8.self) }
    }

    static func readOnly() -> LedgerConfiguration {
        var configuration = LedgerConfiguration()
        configuration.readOnly = true
        return configuration
    }

    @Test("a read-only ledger reads and verifies everything, refuses appends and checkpoints, and leaves the data file as it was")
    func readsWithoutWriting() async throws {
        let folder = TemporaryDirectory("custos-read-only")
        let path = try await Self.writtenStore(events: 40, in: folder)
        let dataFile = path + "/data.mdb"
        let before = try Data(contentsOf: URL(fileURLWithPath: dataFile))
        let modifiedBefore = try FileManager.default.attributesOfItem(atPath: dataFile)[.modificationDate] as? Date

        let ledger = try Ledger.open(at: path, configuration: Self.readOnly())
        // LMDB itself refuses to write, not only the ledger's own checks.
        #expect(ledger.environment.options.readOnly)
        #expect(throws: LMDBError.self) { try ledger.environment.write { txn in try txn.put([1], forKey: [1], in: ledger.schema.meta) } }
        #expect(try ledger.head().size == 40)
        #expect(try ledger.entry(at: 39).event.outputs == [NodeID("dataset:out-39")])
        #expect(try ledger.checkpoints().count == 1)
        let report = try ledger.verify()
        #expect(report.isValid, "\(report)")
        #expect(report.checkedIndexes)
        #expect(report.checkpointsChecked == 1)
        let event = try Event(kind: .read, actor: .agent("etl"), inputs: [NodeID("dataset:in-0")])
        await #expect(throws: LedgerError.readOnly(path: path)) { try await ledger.append(event) }
        await #expect(throws: LedgerError.readOnly(path: path)) { try await ledger.append(contentsOf: Array(repeating: event, count: 5_000)) }
        await #expect(throws: LedgerError.readOnly(path: path)) { try await ledger.signCheckpoint() }
        #expect(LedgerError.readOnly(path: path).description.contains("without --read-only"))
        await ledger.close()

        #expect(try Data(contentsOf: URL(fileURLWithPath: dataFile)) == before)
        #expect(try FileManager.default.attributesOfItem(atPath: dataFile)[.modificationDate] as? Date == modifiedBefore)
    }

    @Test("read-only, a store in an earlier format is refused with what to do; opened for writing, it is upgraded")
    func olderFormatNotUpgraded() async throws {
        let folder = TemporaryDirectory("custos-read-only")
        let path = try await Self.writtenStore(events: 3, in: folder, format: "2")
        #expect(throws: LedgerError.needsUpgrade(path: path, found: "2")) { try Ledger.open(at: path, configuration: Self.readOnly()) }
        #expect(LedgerError.needsUpgrade(path: path, found: "2").description.contains("open it once for writing"))
        #expect(try Self.storedFormat(at: path) == "2")
        // Opened for writing, the same store is upgraded and reads.
        let ledger = try Ledger.open(at: path)
        try ledger.environment.read { txn throws in
            #expect(try txn.value(forKey: MetaKey.format, in: ledger.schema.meta) == Array(Ledger.formatVersion.utf8))
        }
        #expect(try ledger.verify().isValid)
    }

    @Test("read-only, a newer format is refused as before, and a missing store is not created")
    func newerFormatAndMissingStore() async throws {
        let folder = TemporaryDirectory("custos-read-only")
        let path = try await Self.writtenStore(events: 1, in: folder, format: "9")
        #expect(throws: LedgerError.incompatibleStore(path: path, found: "9")) { try Ledger.open(at: path, configuration: Self.readOnly()) }

        let missing = folder.file("missing")
        #expect(throws: LedgerError.noStore(path: missing)) { try Ledger.open(at: missing, configuration: Self.readOnly(), createIfMissing: true) }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
