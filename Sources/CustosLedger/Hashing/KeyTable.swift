/// A key the ledger's hash tables can place without `Hasher`: its bits are already a hash
/// (XXH3 keys of names, and rows made of them), so one 64-bit word of them, mixed with the
/// table's random seed, is enough.
protocol TableKey: Equatable {
    /// A word of the key's bits. Keys that are equal must give the same word.
    var tableWord: UInt64 { get }
}

extension Key128: TableKey {
    var tableWord: UInt64 { high ^ low &* 0x9E37_79B9_7F4A_7C15 }
}

/// A hash table from ``TableKey``s to values, for the caches the writer and the verifier
/// consult for every name and edge of every entry.
///
/// `Dictionary` and `Set` hash each key with SipHash through `Hasher`, which cost the writer
/// and the verifier about a tenth of their time on keys that are hashes already. Here a slot is
/// found from the key's word mixed with the table's random ``TableSeed``. Open addressing with
/// linear probing, at most half full; a slot keeps the mixed hash (never 0) beside its key, so
/// a probe compares keys only when the hashes agree. At most half full with optional keys, a
/// table takes about twice the memory a `Set` of the same keys takes.
struct KeyTable<Key: TableKey, Value> {
    private var hashes: [UInt64] = []
    private var keys: [Key?] = []
    private var values: [Value?] = []
    private(set) var count = 0
    private let seed = TableSeed()

    init() {}

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func mixed(_ key: Key) -> UInt64 { seed.mix(key.tableWord) }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func slot(of key: Key, hash: UInt64) -> (index: Int, found: Bool) {
        let mask = hashes.count - 1
        var index = Int(truncatingIfNeeded: hash >> 1) & mask
        while true {
            let stored = hashes[index]
            if stored == 0 { return (index, false) }
            if stored == hash, keys[index] == key { return (index, true) }
            index = (index + 1) & mask
        }
    }

    subscript(key: Key) -> Value? {
        guard count > 0 else { return nil }
        let (index, found) = slot(of: key, hash: mixed(key))
        return found ? values[index] : nil
    }

    func contains(_ key: Key) -> Bool {
        guard count > 0 else { return false }
        return slot(of: key, hash: mixed(key)).found
    }

    /// Stores `value` for `key` unless the key is present; true when it was added.
    @discardableResult
    mutating func insert(_ key: Key, _ value: Value) -> Bool {
        insertIfAbsent(key, value).inserted
    }

    /// The value stored for `key`, after storing `value` for it if it had none: one probe
    /// where a lookup then an insert would take two.
    mutating func insertIfAbsent(_ key: Key, _ value: Value) -> (stored: Value, inserted: Bool) {
        let (index, found) = claimSlot(for: key)
        if found, let stored = values[index] { return (stored, false) }
        values[index] = value
        return (value, true)
    }

    /// Stores `value` for `key`, replacing the value it had.
    mutating func update(_ key: Key, _ value: Value) {
        values[claimSlot(for: key).index] = value
    }

    /// The slot of `key`, which takes the empty one where it goes when it is absent (its
    /// value left for the caller to store); grows first if one more key could make the
    /// table more than half full.
    private mutating func claimSlot(for key: Key) -> (index: Int, found: Bool) {
        if (count + 1) * 2 > hashes.count { grow() }
        let hash = mixed(key)
        let (index, found) = slot(of: key, hash: hash)
        if !found {
            hashes[index] = hash
            keys[index] = key
            count += 1
        }
        return (index, found)
    }

    /// Forgets every key, keeping the room.
    mutating func removeAll() {
        guard count > 0 else { return }
        for index in hashes.indices where hashes[index] != 0 {
            hashes[index] = 0
            keys[index] = nil
            values[index] = nil
        }
        count = 0
    }

    /// Calls `body` with every key and value, in no particular order.
    func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for index in hashes.indices where hashes[index] != 0 {
            if let key = keys[index], let value = values[index] { try body(key, value) }
        }
    }

    private mutating func grow() {
        let size = max(16, hashes.count * 2)
        let (oldHashes, oldKeys, oldValues) = (hashes, keys, values)
        hashes = Array(repeating: 0, count: size)
        keys = Array(repeating: nil, count: size)
        values = Array(repeating: nil, count: size)
        let mask = size - 1
        for old in oldHashes.indices where oldHashes[old] != 0 {
            var index = Int(truncatingIfNeeded: oldHashes[old] >> 1) & mask
            while hashes[index] != 0 { index = (index + 1) & mask }
            hashes[index] = oldHashes[old]
            keys[index] = oldKeys[old]
            values[index] = oldValues[old]
        }
    }
}

extension KeyTable where Value == Void {
    /// Adds `key`; true when it was not there before.
    @discardableResult
    mutating func insert(_ key: Key) -> Bool { insert(key, ()) }

    /// Calls `body` with every key, in no particular order.
    func forEach(_ body: (Key) throws -> Void) rethrows {
        try forEach { key, _ in try body(key) }
    }
}

extension KeyTable: Sendable where Key: Sendable, Value: Sendable {}
