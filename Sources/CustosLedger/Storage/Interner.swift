import LMDB

/// Maps names (node ids, kinds) to compact ``Key128``s and back, in one database.
///
/// A name's key is `XXH3-128(name, seed 0)`. When that key already belongs to another name
/// (a collision), the next seeds are tried in turn. Names are never removed, so a name's
/// key never changes and a lookup that finds an empty slot knows the name is absent.
struct Interner: Sendable {
    let database: Database
    let hasher: KeyHasher

    /// How many seeds are tried before giving up. A 128-bit collision is already beyond
    /// reach; this bounds the work for a hostile or broken hash function.
    static let maxProbes: UInt64 = 16

    /// The key of `name`, storing it if it is new.
    func intern(_ name: String, firstKey: Key128? = nil, in txn: borrowing WriteTransaction) throws -> Key128 {
        var name = name
        return try name.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            for seed in 0..<Interner.maxProbes {
                let key = seed == 0 ? (firstKey ?? hasher.key(bytes, 0)) : hasher.key(bytes, seed)
                var keyBytes = KeyBuffer()
                keyBytes.append(key)
                let clash = try keyBytes.withUnsafeBytes { keyPointer in
                    try txn.insert(bytes, forKey: keyPointer, in: database) { existing in !existing.elementsEqual(bytes) }
                }
                if clash != true { return key }  // stored now, or already stored for this name
            }
            throw LedgerError.corrupted("could not intern a name after \(Interner.maxProbes) hash collisions")
        }
    }

    /// The key of `name`, or nil when it was never interned.
    func lookup(_ name: String, in txn: borrowing some TransactionReading & ~Copyable) throws -> Key128? {
        var name = name
        return try name.withUTF8 { try lookup(bytes: UnsafeRawBufferPointer($0), in: txn) }
    }

    /// The key of the name whose UTF-8 is `bytes`, or nil when it was never interned.
    func lookup(bytes: UnsafeRawBufferPointer, in txn: borrowing some TransactionReading & ~Copyable) throws -> Key128? {
        for seed in 0..<Interner.maxProbes {
            let key = hasher.key(bytes, seed)
            var keyBytes = KeyBuffer()
            keyBytes.append(key)
            let match = try keyBytes.withUnsafeBytes { keyPointer in
                try txn.withValue(forKey: keyPointer, in: database) { $0.elementsEqual(bytes) }
            }
            switch match {
            case nil: return nil
            case true?: return key
            case false?: continue
            }
        }
        return nil
    }

    /// The name behind `key`, or nil.
    func name(of key: Key128, in txn: borrowing some TransactionReading & ~Copyable) throws -> String? {
        var keyBytes = KeyBuffer()
        keyBytes.append(key)
        return try keyBytes.withUnsafeBytes { keyPointer in
            try txn.withValue(forKey: keyPointer, in: database) { String(decoding: $0, as: UTF8.self) }
        }
    }
}

/// The hash function behind interned keys: XXH3-128 in production; tests substitute a
/// deliberately weak one to force collisions.
struct KeyHasher: Sendable {
    let key: @Sendable (UnsafeRawBufferPointer, UInt64) -> Key128

    static let xxh3 = KeyHasher { bytes, seed in Key128(hashing: bytes, seed: seed) }

    func key(_ string: String, _ seed: UInt64 = 0) -> Key128 {
        var string = string
        return string.withUTF8 { key(UnsafeRawBufferPointer($0), seed) }
    }
}
