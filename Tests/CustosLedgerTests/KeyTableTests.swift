import Testing

@testable import CustosLedger

/// A key whose word is chosen by the test, to force every key into one run of slots.
private struct ChosenWordKey: TableKey, Hashable {
    var id: Int
    var word: UInt64
    var tableWord: UInt64 { word }
}

@Suite("KeyTable: the hash table of the writer's and the verifier's caches")
struct KeyTableTests {
    @Test("inserts, updates, insert-if-absent, lookups, growth and removal agree with Dictionary, over random keys")
    func agreesWithDictionary() {
        var table = KeyTable<Key128, Int>()
        var model: [Key128: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        // A small pool of keys, so that repeats and misses both happen often.
        let pool = (0..<3_000).map { _ in Key128(high: generator.next(), low: generator.next()) }
        for step in 0..<40_000 {
            let key = pool[Int.random(in: 0..<pool.count)]
            switch Int.random(in: 0..<10) {
            case 0..<6:
                let added = table.insert(key, step)
                #expect(added == (model[key] == nil))
                if model[key] == nil { model[key] = step }
            case 6:
                if step % 2 == 0 {
                    table.update(key, -step)
                    model[key] = -step
                } else {
                    let (stored, inserted) = table.insertIfAbsent(key, step)
                    #expect(inserted == (model[key] == nil))
                    if model[key] == nil { model[key] = step }
                    #expect(stored == model[key])
                }
            case 7..<9:
                #expect(table[key] == model[key])
                #expect(table.contains(key) == (model[key] != nil))
            default:
                break
            }
            if step % 9_000 == 8_999 {
                table.removeAll()
                model.removeAll()
            }
            #expect(table.count == model.count)
        }
        var seen: [Key128: Int] = [:]
        table.forEach { seen[$0] = $1 }
        #expect(seen == model)
        #expect(table.isEmpty == model.isEmpty)
    }

    @Test("keys whose words are all the same still find their own values")
    func oneWordForEveryKey() {
        var table = KeyTable<ChosenWordKey, String>()
        for id in 0..<2_000 {
            let added = table.insert(ChosenWordKey(id: id, word: 42), "v\(id)")
            #expect(added)
        }
        #expect(table.count == 2_000)
        for id in 0..<2_000 { #expect(table[ChosenWordKey(id: id, word: 42)] == "v\(id)") }
        #expect(table[ChosenWordKey(id: 2_000, word: 42)] == nil)
        let addedAgain = table.insert(ChosenWordKey(id: 7, word: 42), "again")
        #expect(!addedAgain)
        #expect(table[ChosenWordKey(id: 7, word: 42)] == "v7")
    }

    @Test("as a set: insert says whether the key is new, and removeAll empties it for reuse")
    func asASet() {
        var set = KeyTable<WriterCache.EdgeRow, Void>()
        let a = Key128(high: 1, low: 2)
        let b = Key128(high: 3, low: 4)
        let row = WriterCache.EdgeRow(node: a, direction: 0, relation: b, other: a)
        // Rows that differ in one field only are different rows.
        let variants = [
            row, WriterCache.EdgeRow(node: a, direction: 1, relation: b, other: a), WriterCache.EdgeRow(node: b, direction: 0, relation: b, other: a),
            WriterCache.EdgeRow(node: a, direction: 0, relation: a, other: a), WriterCache.EdgeRow(node: a, direction: 0, relation: b, other: b),
        ]
        let first = variants.map { set.insert($0) }
        let second = variants.map { set.insert($0) }
        #expect(first == Array(repeating: true, count: variants.count))
        #expect(second == Array(repeating: false, count: variants.count))
        #expect(set.count == variants.count)
        set.removeAll()
        #expect(set.isEmpty && !set.contains(row))
        let reinserted = set.insert(row)
        #expect(reinserted)
    }
}
