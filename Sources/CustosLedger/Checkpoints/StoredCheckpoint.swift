import LMDB

/// A checkpoint the ledger signed and keeps.
public struct StoredCheckpoint: Sendable, Hashable {
    public let signed: SignedCheckpoint
    /// When the ledger signed it.
    public let signedAt: Timestamp

    public var size: UInt64 { signed.checkpoint.size }
    public var rootHash: Hash256 { signed.checkpoint.rootHash }

    /// signing time in µs (8) ‖ the note's text.
    var encoded: [UInt8] {
        Keys.seq(UInt64(bitPattern: signedAt.microseconds)).bytes + Array(signed.text.utf8)
    }

    init(signed: SignedCheckpoint, signedAt: Timestamp) {
        self.signed = signed
        self.signedAt = signedAt
    }

    init(encoded: UnsafeRawBufferPointer) throws(NoteError) {
        guard encoded.count > 8 else { throw .invalidCheckpoint("a stored checkpoint record is too short") }
        signedAt = Timestamp(microseconds: Int64(bitPattern: encoded.loadBigEndianUInt64(at: 0)))
        signed = try SignedCheckpoint(parsing: String(decoding: encoded[8...], as: UTF8.self))
    }

    /// The last stored checkpoint, if any.
    static func latest(in txn: borrowing some TransactionReading & ~Copyable, schema: Schema) throws -> StoredCheckpoint? {
        try latest(in: txn, schema: schema, known: nil)?.checkpoint
    }

    /// A checkpoint with its record as stored, so that the store's copy can be recognized
    /// without parsing it.
    struct Known: Sendable {
        var checkpoint: StoredCheckpoint
        var record: [UInt8]

        init(_ checkpoint: StoredCheckpoint) {
            self.checkpoint = checkpoint
            record = checkpoint.encoded
        }
    }

    /// The last stored checkpoint, if any. `known`, when its record is the one stored last,
    /// is returned as it is: the writer reads the last checkpoint on every commit, and
    /// parsing the note each time would cost more than the rest of a small commit's reads.
    static func latest(in txn: borrowing some TransactionReading & ~Copyable, schema: Schema, known: Known?) throws -> Known? {
        try txn.withCursor(on: schema.checkpoints) { cursor in
            guard try cursor.last() else { return nil }
            if let known, cursor.value.elementsEqual(known.record) { return known }
            do {
                return Known(try StoredCheckpoint(encoded: cursor.value))
            } catch {
                throw LedgerError.corrupted("the last stored checkpoint: \(error)")
            }
        }
    }
}

/// When the ledger signs checkpoints on its own, besides on request.
public struct CheckpointPolicy: Sendable, Equatable {
    /// Sign once this many entries were appended since the last checkpoint; nil never.
    public var everyEntries: UInt64? = 10_000
    /// Sign once this many seconds passed since the last checkpoint and entries were
    /// appended meanwhile; nil never.
    public var everySeconds: Int? = 60

    public init(everyEntries: UInt64? = 10_000, everySeconds: Int? = 60) {
        self.everyEntries = everyEntries
        self.everySeconds = everySeconds
    }

    /// Only on request.
    public static let manual = CheckpointPolicy(everyEntries: nil, everySeconds: nil)

    func isDue(size: UInt64, now: Timestamp, last: StoredCheckpoint?) -> Bool {
        guard size > (last?.size ?? 0) else { return false }
        if let everyEntries, size - (last?.size ?? 0) >= everyEntries { return true }
        if let everySeconds {
            // A damaged signing time must not trap the writer: it makes a checkpoint due.
            let (elapsed, overflow) = now.microseconds.subtractingReportingOverflow(last?.signedAt.microseconds ?? 0)
            if overflow || elapsed >= Int64(everySeconds) * 1_000_000 { return true }
        }
        return false
    }
}

extension StoredCheckpoint {
    /// `{"size": …, "rootHash": "…", "signedAt": "…", "note": "…"}`: the signed note in full.
    public var jsonValue: JSONValue {
        .object([
            "size": .number(Double(size)), "rootHash": .string(rootHash.hex),
            "signedAt": .string(signedAt.description), "note": .string(signed.text),
        ])
    }
}
