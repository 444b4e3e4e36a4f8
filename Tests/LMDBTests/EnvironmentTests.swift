import Foundation
import LMDB
import Testing

@testable import LMDB

private func makeEnvironment(_ directory: String, mapSize: Int = 1 << 24, maxMapSize: Int = 1 << 34) throws -> Environment {
    var options = EnvironmentOptions()
    options.mapSize = mapSize
    options.maxMapSize = maxMapSize
    return try Environment(path: directory, options: options)
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private final class Folder: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "/lmdb-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("LMDB environment and transactions")
struct EnvironmentTests {
    @Test("put, get, overwrite and delete round-trip through a real file")
    func putGetDelete() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in
            try txn.put(bytes("one"), forKey: bytes("a"), in: db)
            try txn.put(bytes("two"), forKey: bytes("b"), in: db)
            try txn.put(bytes("uno"), forKey: bytes("a"), in: db)
        }
        try env.read { txn throws in
            #expect(try txn.value(forKey: bytes("a"), in: db) == bytes("uno"))
            #expect(try txn.value(forKey: bytes("b"), in: db) == bytes("two"))
            #expect(try txn.value(forKey: bytes("c"), in: db) == nil)
        }
        try env.write { txn throws in
            #expect(try txn.delete(bytes("a"), in: db))
            #expect(try !txn.delete(bytes("a"), in: db))
        }
        try env.read { txn throws in #expect(try txn.value(forKey: bytes("a"), in: db) == nil) }
        #expect(FileManager.default.fileExists(atPath: folder.path + "/data.mdb"))
    }

    @Test("a write that throws leaves nothing behind")
    func abortOnThrow() throws {
        struct Boom: Error {}
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        #expect(throws: Boom.self) {
            try env.write { txn throws in
                try txn.put(bytes("v"), forKey: bytes("k"), in: db)
                throw Boom()
            }
        }
        try env.read { txn throws in #expect(try txn.value(forKey: bytes("k"), in: db) == nil) }
    }

    @Test("a read snapshot does not see later commits")
    func snapshotIsolation() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in try txn.put(bytes("1"), forKey: bytes("k"), in: db) }
        try env.read { reader throws in
            // The writer commits while this snapshot is open; MDB_NOTLS lets another thread write.
            let done = DispatchSemaphore(value: 0)
            Thread {
                try? env.write { txn throws in try txn.put(bytes("2"), forKey: bytes("k"), in: db) }
                done.signal()
            }.start()
            done.wait()
            #expect(try reader.value(forKey: bytes("k"), in: db) == bytes("1"))
        }
        try env.read { txn throws in #expect(try txn.value(forKey: bytes("k"), in: db) == bytes("2")) }
    }

    @Test("insert refuses to overwrite and shows the existing value")
    func insertIfAbsent() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in
            let first = try bytes("k").withUnsafeBytes { k in
                try bytes("first").withUnsafeBytes { v in try txn.insert(v, forKey: k, in: db) { Array($0) } }
            }
            #expect(first == nil)
            let second = try bytes("k").withUnsafeBytes { k in
                try bytes("second").withUnsafeBytes { v in try txn.insert(v, forKey: k, in: db) { Array($0) } }
            }
            #expect(second == bytes("first"))
        }
    }

    @Test("append requires ascending keys")
    func appendOrder() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in
            try txn.put(bytes("x"), forKey: bytes("b"), in: db, append: true)
            try txn.put(bytes("y"), forKey: bytes("c"), in: db, append: true)
        }
        #expect(throws: LMDBError.keyExists) {
            try env.write { txn throws in try txn.put(bytes("z"), forKey: bytes("a"), in: db, append: true) }
        }
    }

    @Test("cursors walk in key order and seek")
    func cursorWalk() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in
            for key in ["d", "b", "a", "c", "f"] { try txn.put(bytes(key.uppercased()), forKey: bytes(key), in: db) }
        }
        try env.read { txn throws in
            var keys: [String] = []
            try txn.forEach(in: db) { key, _ in
                keys.append(String(decoding: key, as: UTF8.self))
                return true
            }
            #expect(keys == ["a", "b", "c", "d", "f"])
            var fromC: [String] = []
            try bytes("c").withUnsafeBytes { start in
                try txn.forEach(in: db, from: start) { key, value in
                    fromC.append(String(decoding: value, as: UTF8.self))
                    return key.first != UInt8(ascii: "d")
                }
            }
            #expect(fromC == ["C", "D"])
            try txn.withCursor(on: db) { cursor throws in
                #expect(try bytes("e").withUnsafeBytes { try cursor.seek(atMost: $0) })
                #expect(Array(cursor.key) == bytes("d"))
                #expect(try bytes("e").withUnsafeBytes { try cursor.seek(atLeast: $0) })
                #expect(Array(cursor.key) == bytes("f"))
                #expect(try !cursor.next())
                #expect(try bytes("a").withUnsafeBytes { try cursor.seek(exactly: $0) })
                #expect(try !cursor.previous())
                #expect(try cursor.last())
                #expect(Array(cursor.value) == bytes("F"))
            }
        }
    }

    @Test("a write cursor stores keys in any order, next to existing ones, across page splits")
    func writeCursor() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "rows")
        func key(_ group: Int, _ n: Int) -> [UInt8] { Array(String(format: "g%03d-%06d", group, n).utf8) }
        // Existing rows in every group, then new rows after each group's last, in order,
        // through one cursor: thousands of them, so that pages split under the cursor.
        try env.write { txn throws in
            for group in 0..<20 { try txn.put(bytes("old"), forKey: key(group, 0), in: db) }
        }
        func put(_ value: String, _ key: [UInt8], _ cursor: inout WriteCursor) throws {
            try key.withUnsafeBytes { key in try bytes(value).withUnsafeBytes { try cursor.put($0, forKey: key) } }
        }
        try env.write { txn throws in
            try txn.withWriteCursor(on: db) { cursor throws in
                for group in 0..<20 {
                    for n in 1...500 { try put("new", key(group, n), &cursor) }
                }
                // Out of order, and over an existing key.
                try put("late", key(3, 999_999), &cursor)
                try put("replaced", key(0, 0), &cursor)
            }
        }
        try env.read { txn throws in
            var keys: [[UInt8]] = []
            try txn.forEach(in: db) { key, _ in
                keys.append(Array(key))
                return true
            }
            var expected = (0..<20).flatMap { group in (0...500).map { key(group, $0) } } + [key(3, 999_999)]
            expected.sort { $0.lexicographicallyPrecedes($1) }
            #expect(keys == expected)
            #expect(try txn.value(forKey: key(0, 0), in: db) == bytes("replaced"))
            #expect(try txn.value(forKey: key(7, 0), in: db) == bytes("old"))
            #expect(try txn.value(forKey: key(19, 500), in: db) == bytes("new"))
            #expect(try txn.value(forKey: key(3, 999_999), in: db) == bytes("late"))
        }
    }

    @Test("lookup cursors answer like plain lookups, whatever the slots, across databases")
    func lookupCursors() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let odd = try env.openDatabase(named: "odd")
        let even = try env.openDatabase(named: "even")
        func key(_ n: Int) -> [UInt8] { Array(String(format: "%07d", n).utf8) }
        try env.write { txn throws in
            for n in 0..<20_000 { try txn.put([], forKey: key(n), in: n % 2 == 0 ? even : odd) }
        }
        try env.read { txn throws in
            try txn.withLookupCursors(slots: 3) { lookups throws in
                // Forward runs, a jump back, slots shared by unrelated runs, keys past the end.
                for n in Array(0..<3_000) + Array(500..<700) + [19_999, 20_000, 25_000, 0] {
                    for (database, slot) in [(odd, n % 5), (even, 7)] {
                        let present = try key(n).withUnsafeBytes { try lookups.contains($0, in: database, slot: slot) }
                        let expected = try txn.value(forKey: key(n), in: database) != nil
                        #expect(present == expected, "key \(n)")
                    }
                }
            }
        }
    }

    @Test("reserved values are written in place")
    func reserve() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "things")
        try env.write { txn throws in
            try bytes("k").withUnsafeBytes { key in
                try txn.put(reserving: 3, forKey: key, in: db) { buffer in
                    buffer.copyBytes(from: bytes("abc"))
                }
            }
        }
        try env.read { txn throws in #expect(try txn.value(forKey: bytes("k"), in: db) == bytes("abc")) }
    }

    @Test("a full map grows on its own and nothing is lost")
    func mapGrowth() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path, mapSize: 256 * 1024)
        let db = try env.openDatabase(named: "things")
        let value = [UInt8](repeating: 7, count: 1_000)
        for batch in 0..<20 {
            try env.write { txn throws in
                for index in 0..<500 {
                    var key = UInt64(batch * 500 + index).bigEndian
                    try withUnsafeBytes(of: &key) { k in try value.withUnsafeBytes { v in try txn.put(v, forKey: k, in: db) } }
                }
            }
        }
        #expect(env.mapSize > 256 * 1024)
        try env.read { txn throws in #expect(try txn.statistics(of: db).entries == 10_000) }
    }

    @Test("growth stops at the configured maximum with mapFull")
    func mapGrowthLimit() throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path, mapSize: 128 * 1024, maxMapSize: 512 * 1024)
        let db = try env.openDatabase(named: "things")
        let value = [UInt8](repeating: 1, count: 4_000)
        #expect(throws: LMDBError.mapFull) {
            for index in 0..<1_000 {
                try env.write { txn throws in
                    var key = UInt64(index).bigEndian
                    try withUnsafeBytes(of: &key) { k in try value.withUnsafeBytes { v in try txn.put(v, forKey: k, in: db) } }
                }
            }
        }
        #expect(env.mapSize == 512 * 1024)
    }

    @Test("another environment on the same files adopts a grown map")
    func adoptResizedMap() throws {
        let folder = Folder()
        let first = try makeEnvironment(folder.path, mapSize: 256 * 1024)
        let second = try makeEnvironment(folder.path, mapSize: 256 * 1024)
        let db1 = try first.openDatabase(named: "things")
        let db2 = try second.openDatabase(named: "things")
        let value = [UInt8](repeating: 3, count: 2_000)
        try first.write { txn throws in
            for index in 0..<2_000 {
                var key = UInt64(index).bigEndian
                try withUnsafeBytes(of: &key) { k in try value.withUnsafeBytes { v in try txn.put(v, forKey: k, in: db1) } }
            }
        }
        #expect(first.mapSize > 256 * 1024)
        // Opening a database is the first transaction a new process makes: it adopts too.
        _ = try second.openDatabase(named: "others")
        try second.read { txn throws in #expect(try txn.statistics(of: db2).entries == 2_000) }
        try second.write { txn throws in try txn.put(bytes("x"), forKey: bytes("y"), in: db2) }
    }

    @Test("read-only environments refuse writes with a clear error")
    func readOnly() throws {
        let folder = Folder()
        do {
            let env = try makeEnvironment(folder.path)
            _ = try env.openDatabase(named: "things")
        }
        var options = EnvironmentOptions()
        options.readOnly = true
        let env = try Environment(path: folder.path, options: options)
        let db = try env.openDatabase(named: "things", create: false)
        #expect(throws: LMDBError.self) { try env.write { txn throws in try txn.put(bytes("v"), forKey: bytes("k"), in: db) } }
        try env.read { txn throws in #expect(try txn.value(forKey: bytes("k"), in: db) == nil) }
    }

    @Test("opening a folder that does not exist names the problem")
    func missingFolder() {
        #expect(throws: LMDBError.system(code: ENOENT)) {
            _ = try Environment(path: "/nonexistent/custos/\(UUID().uuidString)")
        }
        #expect(LMDBError.system(code: ENOENT).description.contains("custos init"))
        #expect(LMDBError.system(code: ENOSPC).isDiskFull)
        #expect(LMDBError(code: -30792) == .mapFull)
        #expect(LMDBError(code: -30796).isCorruption)
    }

    @Test("many readers on many threads while one writer commits")
    func concurrentReaders() async throws {
        let folder = Folder()
        let env = try makeEnvironment(folder.path)
        let db = try env.openDatabase(named: "counter")
        try env.write { txn throws in try txn.put([0, 0, 0, 0, 0, 0, 0, 0], forKey: bytes("n"), in: db) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for value in 1...200 {
                    try env.write { txn throws in
                        var encoded = UInt64(value).bigEndian
                        try withUnsafeBytes(of: &encoded) { v in try bytes("n").withUnsafeBytes { k in try txn.put(v, forKey: k, in: db) } }
                    }
                }
            }
            for _ in 0..<8 {
                group.addTask {
                    var last: UInt64 = 0
                    for _ in 0..<500 {
                        let current = try env.read { txn throws in
                            try txn.withValue(forKey: bytes("n"), in: db) { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) } ?? 0
                        }
                        #expect(current >= last)  // snapshots never go back in time
                        last = current
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
