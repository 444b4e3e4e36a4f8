/// A run of the seqs at which one name (node, actor or kind) figures in one role, as the
/// posting indexes store them (``PostingIndex``): ascending, each once, packed into one
/// value instead of one B-tree row per seq.
///
/// Layout (docs/FORMAT.md, "Storage"): first seq (8) ‖ last seq (8) ‖ count (4) ‖ the
/// `count − 1` gaps between consecutive seqs, each an unsigned LEB128 varint above zero.
///
/// Why blocks: a commit of many events touches the postings of every node it names. As one
/// row per seq, each such node dirtied its own leaf page at its place in the key order (a
/// 10,000-event commit over 1,500 nodes wrote about 6 MB of `by_node` pages). A node's newest
/// postings now sit in a small open block in `by_node_open`, where many nodes share a page,
/// and only a full block moves to `by_node_blocks`. `by_actor` and `by_kind` gain the same
/// way on a smaller scale: their rows were few insertion points, but one B-tree put each.
struct PostingBlock {
    static let headerSize = 20

    /// A block reaching this many bytes is closed: small enough to stay inside an LMDB leaf
    /// page (no overflow pages), large enough that a busy node closes one rarely.
    static let capacity = 1_024

    /// Why stored bytes are not a block.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var bytes: [UInt8]

    /// A block holding `seq` alone.
    init(first seq: UInt64) {
        bytes = []
        bytes.reserveCapacity(Self.capacity + 10)
        Self.appendBigEndian(seq, to: &bytes)
        Self.appendBigEndian(seq, to: &bytes)
        Self.appendBigEndian(UInt32(1), to: &bytes)
    }

    /// A copy of stored bytes, with the header checked (the gaps are checked as they are read).
    init(copying stored: UnsafeRawBufferPointer) throws(Malformed) {
        try Self.checkHeader(stored)
        bytes = []
        bytes.reserveCapacity(Self.capacity + 10)
        bytes.append(contentsOf: stored)
    }

    var first: UInt64 { bytes.withUnsafeBytes { $0.loadBigEndianUInt64(at: 0) } }
    var last: UInt64 { bytes.withUnsafeBytes { $0.loadBigEndianUInt64(at: 8) } }
    var count: Int { bytes.withUnsafeBytes { Int($0.loadBigEndianUInt32(at: 16)) } }

    /// Whether `seq` (above ``last``) can join without the block passing its capacity.
    func hasRoom(for seq: UInt64) -> Bool {
        bytes.count + Self.varintSize(seq &- last) <= Self.capacity
    }

    /// Adds `seq`, which must be above ``last``.
    mutating func append(_ seq: UInt64) {
        let gap = seq - last
        var rest = gap
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        let count = UInt32(self.count + 1)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: seq.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: count.bigEndian, toByteOffset: 16, as: UInt32.self)
        }
    }

    // MARK: Reading stored blocks

    /// The header of stored bytes: first, last and count.
    static func header(of stored: UnsafeRawBufferPointer) throws(Malformed) -> (first: UInt64, last: UInt64, count: Int) {
        try checkHeader(stored)
        return (stored.loadBigEndianUInt64(at: 0), stored.loadBigEndianUInt64(at: 8), Int(stored.loadBigEndianUInt32(at: 16)))
    }

    /// Visits the seqs of a stored block in ascending order while `body` returns true; returns
    /// false when `body` stopped. Checks the whole block it reads: the gaps, the count and the
    /// last seq must agree with the header.
    @discardableResult
    static func forEach(in stored: UnsafeRawBufferPointer, _ body: (UInt64) throws -> Bool) throws -> Bool {
        let (first, last, count) = try header(of: stored)
        var seq = first
        guard try body(seq) else { return false }
        var offset = headerSize
        var seen = 1
        while offset < stored.count {
            var gap: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < stored.count, shift < 64 else { throw Malformed(description: "a gap of the block starting at seq \(first) is cut short or too long") }
                let byte = stored[offset]
                offset += 1
                gap |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            let (next, overflow) = seq.addingReportingOverflow(gap)
            guard gap > 0, !overflow else { throw Malformed(description: "the block starting at seq \(first) does not ascend") }
            seq = next
            seen += 1
            guard try body(seq) else { return false }
        }
        guard seen == count, seq == last else {
            throw Malformed(description: "the block starting at seq \(first) holds \(seen) seqs up to \(seq), but its header says \(count) up to \(last)")
        }
        return true
    }

    /// The seqs of a stored block, appended to `seqs` in ascending order.
    static func decode(_ stored: UnsafeRawBufferPointer, into seqs: inout [UInt64]) throws {
        try forEach(in: stored) { seqs.append($0); return true }
    }

    // MARK: Helpers

    private static func checkHeader(_ stored: UnsafeRawBufferPointer) throws(Malformed) {
        guard stored.count >= headerSize else { throw Malformed(description: "a block of \(stored.count) bytes is shorter than its header") }
        let first = stored.loadBigEndianUInt64(at: 0)
        let last = stored.loadBigEndianUInt64(at: 8)
        let count = stored.loadBigEndianUInt32(at: 16)
        // Every seq after the first takes at least one byte: a larger count is damage.
        guard count >= 1, first <= last, (count == 1) == (first == last), Int(count) <= stored.count - headerSize + 1 else {
            throw Malformed(description: "the block starting at seq \(first) has an impossible header (last \(last), count \(count))")
        }
    }

    private static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    private static func appendBigEndian(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
