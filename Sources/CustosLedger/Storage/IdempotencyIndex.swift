import LMDB

/// Client event ids already appended: one row per (actor id, client event id), found by the
/// XXH3-128 of `actor id ‖ 0x00 ‖ client event id` with the same probing as ``Interner``.
struct IdempotencyIndex {
    let database: Database
    let hasher: KeyHasher

    /// The scope a client event id is unique in: actor id ‖ 0x00 ‖ client event id.
    static func scope(actor: UnsafeRawBufferPointer, clientEventID: UnsafeRawBufferPointer) -> [UInt8] {
        var scope = Array(actor)
        scope.append(0)
        scope.append(contentsOf: clientEventID)
        return scope
    }

    /// The record for `scope`, or nil when that id was never appended.
    func find(scope: [UInt8], in txn: borrowing some TransactionReading & ~Copyable) throws -> IdempotencyRecord? {
        try scope.withUnsafeBytes { scopeBytes in
            for seed in 0..<Interner.maxProbes {
                var key = KeyBuffer()
                key.append(hasher.key(scopeBytes, seed))
                let stored = try key.withUnsafeBytes { k in
                    try txn.withValue(forKey: k, in: database) { IdempotencyRecord(encoded: $0) }
                }
                guard let stored else { return nil }  // an empty slot: never appended
                guard let record = stored else { throw LedgerError.corrupted("an idempotency record is malformed") }
                if record.scope == scope { return record }
            }
            return nil
        }
    }

    /// Stores `record` in the first free slot of its probe sequence.
    func store(_ record: IdempotencyRecord, in txn: borrowing WriteTransaction) throws {
        let value = record.encoded
        try record.scope.withUnsafeBytes { scope in
            for seed in 0..<Interner.maxProbes {
                var key = KeyBuffer()
                key.append(hasher.key(scope, seed))
                let occupied = try key.withUnsafeBytes { k in
                    try value.withUnsafeBytes { v in try txn.insert(v, forKey: k, in: database) { _ in true } }
                }
                if occupied == nil { return }
            }
            throw LedgerError.corrupted("could not store an idempotency record after \(Interner.maxProbes) hash collisions")
        }
    }
}

/// The value of an idempotency row: seq (8) ‖ content hash (32) ‖ leaf hash (32) ‖
/// time (8) ‖ scope (actor id ‖ 0x00 ‖ client event id).
struct IdempotencyRecord {
    var receipt: AppendReceipt
    var contentHash: Hash256
    var scope: [UInt8]

    var encoded: [UInt8] {
        var bytes = Keys.seq(receipt.seq).bytes
        bytes.append(contentsOf: contentHash.bytes)
        bytes.append(contentsOf: receipt.leafHash.bytes)
        bytes.append(contentsOf: Keys.seq(UInt64(bitPattern: receipt.time.microseconds)).bytes)
        bytes.append(contentsOf: scope)
        return bytes
    }

    init(receipt: AppendReceipt, contentHash: Hash256, scope: [UInt8]) {
        self.receipt = receipt
        self.contentHash = contentHash
        self.scope = scope
    }

    init?(encoded: UnsafeRawBufferPointer) {
        guard encoded.count > 80,
              let content = Hash256(bytes: UnsafeRawBufferPointer(rebasing: encoded[8..<40])),
              let leaf = Hash256(bytes: UnsafeRawBufferPointer(rebasing: encoded[40..<72]))
        else { return nil }
        receipt = AppendReceipt(
            seq: encoded.loadBigEndianUInt64(at: 0), leafHash: leaf,
            time: Timestamp(microseconds: Int64(bitPattern: encoded.loadBigEndianUInt64(at: 72))), isDuplicate: true
        )
        contentHash = content
        scope = Array(encoded[80...])
    }
}
