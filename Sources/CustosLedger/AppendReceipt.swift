/// The ledger's answer to an append, given only once the entry is durable on disk.
public struct AppendReceipt: Sendable, Hashable {
    /// The entry's position in the log.
    public let seq: UInt64
    /// The entry's leaf hash, `SHA-256(0x00 || entry)`.
    public let leafHash: Hash256
    /// The time the ledger gave the entry.
    public let time: Timestamp
    /// True when the event's client event id was appended before: nothing new was written,
    /// and the receipt is that of the first entry.
    public let isDuplicate: Bool

    public init(seq: UInt64, leafHash: Hash256, time: Timestamp, isDuplicate: Bool) {
        self.seq = seq
        self.leafHash = leafHash
        self.time = time
        self.isDuplicate = isDuplicate
    }
}
