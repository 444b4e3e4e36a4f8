/// What a verifier needs of an entry, read from its bytes: checked exactly as
/// ``LedgerEntry/init(bytes:)`` checks them (canonical form, members, values), but without
/// building the event, which makes it several times faster when only the chain matters.
public struct EntrySummary: Sendable, Hashable {
    public let seq: UInt64
    public let time: Timestamp
    /// The leaf hash of the entry before it.
    public let prev: Hash256
    public let kind: String
    /// `SHA-256(0x00 ‖ bytes)`.
    public let leafHash: Hash256

    public init(bytes: UnsafeRawBufferPointer) throws(EntryDecodingError) {
        let view = try EntryView(bytes)
        seq = view.seq
        time = view.time
        prev = view.prev
        kind = view.string(view.kind)
        leafHash = Hash256.leaf(bytes)
    }
}
