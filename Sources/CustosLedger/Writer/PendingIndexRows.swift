import LMDB

/// The rows one commit adds to a secondary index whose keys are a fixed-length prefix
/// followed by the seq (`by_kind`, `by_actor`, `by_node`, `tags`, `tagged`), held back and
/// written in key order (the first three as ``PostingBlock``s).
///
/// Events put their rows all over these B-trees: one insertion point per node, kind or
/// actor. Written as each event arrives, every put descends from the root to a leaf that is
/// rarely still in the CPU cache (a commit of 10,000 events touches a `by_node` leaf for
/// every row). Sorted, the rows of one insertion point go in one after the other through
/// one cursor, which LMDB keeps on its page, so each put after the first is a search within
/// a page that is already in cache.
///
/// Reads in the same transaction do not see held rows: ``BatchWriter`` writes them before
/// anything reads an index (a precondition) and before the commit.
struct PendingIndexRows {
    /// A row as numbers that sort in the order of its key's bytes: the prefix as up to four
    /// big-endian words, zero-padded, then the seq.
    struct Row: Comparable {
        var prefix0: UInt64
        var prefix1: UInt64
        var prefix2: UInt64
        var prefix3: UInt64
        var seq: UInt64

        static func < (lhs: Row, rhs: Row) -> Bool {
            (lhs.prefix0, lhs.prefix1, lhs.prefix2, lhs.prefix3, lhs.seq) < (rhs.prefix0, rhs.prefix1, rhs.prefix2, rhs.prefix3, rhs.seq)
        }
    }

    /// The shape of the prefix, which fixes how a row becomes key bytes.
    enum Prefix {
        /// One key (16 bytes): `by_kind`.
        case key
        /// One key and one byte (17 bytes): `by_actor`, `by_node`.
        case keyAndByte
        /// Two keys (32 bytes): `tags`, `tagged`.
        case twoKeys
    }

    let prefix: Prefix
    private(set) var rows: [Row] = []

    init(prefix: Prefix) {
        self.prefix = prefix
    }

    var isEmpty: Bool { rows.isEmpty }

    /// A `by_kind` row: key ‖ seq.
    mutating func add(_ key: Key128, seq: UInt64) {
        precondition(prefix == .key)
        rows.append(Row(prefix0: key.high, prefix1: key.low, prefix2: 0, prefix3: 0, seq: seq))
    }

    /// A `by_actor` or `by_node` row: key ‖ byte ‖ seq.
    mutating func add(_ key: Key128, _ byte: UInt8, seq: UInt64) {
        precondition(prefix == .keyAndByte)
        rows.append(Row(prefix0: key.high, prefix1: key.low, prefix2: UInt64(byte) << 56, prefix3: 0, seq: seq))
    }

    /// A `tags` or `tagged` row: first ‖ second ‖ seq.
    mutating func add(_ first: Key128, _ second: Key128, seq: UInt64) {
        precondition(prefix == .twoKeys)
        rows.append(Row(prefix0: first.high, prefix1: first.low, prefix2: second.high, prefix3: second.low, seq: seq))
    }

    /// The key bytes of `row`, laid out by ``Keys`` (`by_actor` and `by_node` share a layout).
    func key(of row: Row) -> KeyBuffer {
        let first = Key128(high: row.prefix0, low: row.prefix1)
        switch prefix {
        case .key:
            return Keys.kind(first, seq: row.seq)
        case .keyAndByte:
            return Keys.node(first, role: UInt8(truncatingIfNeeded: row.prefix2 >> 56), seq: row.seq)
        case .twoKeys:
            return Keys.tag(first, Key128(high: row.prefix2, low: row.prefix3), seq: row.seq)
        }
    }

    /// Writes held `by_node`, `by_actor` or `by_kind` rows as postings, one key and role after
    /// the other, and forgets them. Each key's rows join its open block: one read and one write
    /// per key and role instead of one B-tree put per row.
    mutating func write(to postings: PostingIndex, in txn: borrowing WriteTransaction) throws {
        precondition(prefix != .twoKeys)
        guard !rows.isEmpty else { return }
        rows.sort()
        var start = 0
        while start < rows.count {
            let head = rows[start]
            var end = start + 1
            while end < rows.count, rows[end].prefix0 == head.prefix0, rows[end].prefix1 == head.prefix1, rows[end].prefix2 == head.prefix2 {
                end += 1
            }
            let key = Key128(high: head.prefix0, low: head.prefix1)
            try postings.append(key: key, role: UInt8(truncatingIfNeeded: head.prefix2 >> 56), seqs: rows[start..<end].lazy.map(\.seq), in: txn)
            start = end
        }
        rows.removeAll(keepingCapacity: true)
    }

    /// Writes the held rows to `database` in key order, with empty values, and forgets them.
    mutating func write(to database: Database, in txn: borrowing WriteTransaction) throws {
        guard !rows.isEmpty else { return }
        rows.sort()
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try txn.withWriteCursor(on: database) { cursor in
            for row in rows {
                try key(of: row).withUnsafeBytes { try cursor.put(empty, forKey: $0) }
            }
        }
        rows.removeAll(keepingCapacity: true)
    }
}
