import LMDB

/// The tip of the log: how many entries it holds, the last leaf hash, and the last time.
public struct LogHead: Sendable, Hashable {
    /// Number of entries; the next entry gets this seq.
    public var size: UInt64
    /// Leaf hash of the last entry, or zero when the log is empty: the next entry's `prev`.
    public var lastLeafHash: Hash256
    /// Time of the last entry; the next entry's time is never earlier.
    public var lastTime: Timestamp

    public static let empty = LogHead(size: 0, lastLeafHash: .zero, lastTime: Timestamp(microseconds: 0))

    public init(size: UInt64, lastLeafHash: Hash256, lastTime: Timestamp) {
        self.size = size
        self.lastLeafHash = lastLeafHash
        self.lastTime = lastTime
    }

    /// size (8) ‖ last leaf hash (32) ‖ last time in microseconds (8).
    var encoded: [UInt8] {
        var bytes = Keys.seq(size).bytes
        bytes.append(contentsOf: lastLeafHash.bytes)
        bytes.append(contentsOf: Keys.seq(UInt64(bitPattern: lastTime.microseconds)).bytes)
        return bytes
    }

    init?(encoded: UnsafeRawBufferPointer) {
        guard encoded.count == 48, let hash = Hash256(bytes: UnsafeRawBufferPointer(rebasing: encoded[8..<40])) else { return nil }
        size = encoded.loadBigEndianUInt64(at: 0)
        lastLeafHash = hash
        lastTime = Timestamp(microseconds: Int64(bitPattern: encoded.loadBigEndianUInt64(at: 40)))
    }

    static func read(in txn: borrowing some TransactionReading & ~Copyable, schema: Schema) throws -> LogHead {
        guard let head = try txn.withValue(forKey: MetaKey.head, in: schema.meta, { LogHead(encoded: $0) }) else {
            return .empty
        }
        guard let head else { throw LedgerError.corrupted("the head record in the meta database is malformed") }
        return head
    }
}
