import LMDB

/// The rows one commit adds to a secondary index whose keys are a fixed-length prefix
/// followed by the seq (`by_kind`, `by_actor`, `by_node`, `tags`, `tagged`), held back and
/// written in key order (the first three as ``PostingBlock``s).
///
/// Events put their rows all over these B-trees: one insertion point per node, kind or
/// actor. Written as each event arrives, every put descends from the root to a leaf that is
/// rarely still in the CPU cache (a commit of 10,000 events touches a `by_node` leaf for
/// every row). Held and written one prefix after the other, in key order, the rows of one
/// insertion point go in together, on a page that is already in cache.
///
/// Rows are grouped by prefix as they are added (a ``KeyTable`` of the commit's prefixes),
/// so writing sorts only the distinct prefixes, a few thousand in a commit of 10,000 events,
/// rather than every row. Within a prefix the seqs come in the order the commit assigned
/// them, which is ascending.
///
/// Reads in the same transaction do not see held rows: ``BatchWriter`` writes them before
/// anything reads an index (a precondition) and before the commit.
struct PendingIndexRows {
    /// The shape of the prefix, which fixes how a row becomes key bytes.
    enum Prefix {
        /// One key (16 bytes): `by_kind`.
        case key
        /// One key and one byte (17 bytes): `by_actor`, `by_node`.
        case keyAndByte
        /// Two keys (32 bytes): `tags`, `tagged`.
        case twoKeys
    }

    /// A prefix as numbers that sort in the order of its key's bytes: up to four big-endian
    /// words, zero-padded.
    struct GroupKey: TableKey, Comparable {
        var word0: UInt64
        var word1: UInt64
        var word2: UInt64
        var word3: UInt64

        // Every word counts: the role byte of `by_node` and `by_actor` sits in the top bits
        // of the third.
        var tableWord: UInt64 {
            word0 ^ word1 &* 0x9E37_79B9_7F4A_7C15 ^ (word2 ^ word2 >> 56) &* 0xC2B2_AE3D_27D4_EB4F ^ word3
        }

        static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
            (lhs.word0, lhs.word1, lhs.word2, lhs.word3) < (rhs.word0, rhs.word1, rhs.word2, rhs.word3)
        }
    }

    /// The rows of one prefix.
    struct Group {
        var key: GroupKey
        /// The group's first and last rows in ``PendingIndexRows/seqs``, linked by `next`.
        var first: Int
        var last: Int
        /// Whether a row came with a seq below the one before it (never, as commits assign
        /// seqs; the rows are sorted when written if it happens).
        var unordered = false
    }

    let prefix: Prefix
    /// Every row's seq, in the order added.
    private var seqs: [UInt64] = []
    /// Per row, the next row of its group (-1 for none).
    private var next: [Int] = []
    private var groups: [Group] = []
    /// Each prefix's position in `groups`.
    private var groupIndex = KeyTable<GroupKey, Int>()

    init(prefix: Prefix) {
        self.prefix = prefix
    }

    var isEmpty: Bool { seqs.isEmpty }

    /// A `by_kind` row: key ‖ seq.
    mutating func add(_ key: Key128, seq: UInt64) {
        precondition(prefix == .key)
        add(GroupKey(word0: key.high, word1: key.low, word2: 0, word3: 0), seq: seq)
    }

    /// A `by_actor` or `by_node` row: key ‖ byte ‖ seq.
    mutating func add(_ key: Key128, _ byte: UInt8, seq: UInt64) {
        precondition(prefix == .keyAndByte)
        add(GroupKey(word0: key.high, word1: key.low, word2: UInt64(byte) << 56, word3: 0), seq: seq)
    }

    /// A `tags` or `tagged` row: first ‖ second ‖ seq.
    mutating func add(_ first: Key128, _ second: Key128, seq: UInt64) {
        precondition(prefix == .twoKeys)
        add(GroupKey(word0: first.high, word1: first.low, word2: second.high, word3: second.low), seq: seq)
    }

    private mutating func add(_ key: GroupKey, seq: UInt64) {
        let row = seqs.count
        seqs.append(seq)
        next.append(-1)
        let (index, isNew) = groupIndex.insertIfAbsent(key, groups.count)
        if isNew {
            groups.append(Group(key: key, first: row, last: row))
            return
        }
        let last = groups[index].last
        next[last] = row
        groups[index].last = row
        if seq < seqs[last] { groups[index].unordered = true }
    }

    /// Calls `body` with each group in key order and its seqs, ascending, then forgets
    /// every row.
    mutating func drain(_ body: (Group, [UInt64]) throws -> Void) rethrows {
        guard !seqs.isEmpty else { return }
        groups.sort { $0.key < $1.key }
        var groupSeqs: [UInt64] = []
        for group in groups {
            groupSeqs.removeAll(keepingCapacity: true)
            var row = group.first
            while row >= 0 {
                groupSeqs.append(seqs[row])
                row = next[row]
            }
            if group.unordered { groupSeqs.sort() }
            try body(group, groupSeqs)
        }
        seqs.removeAll(keepingCapacity: true)
        next.removeAll(keepingCapacity: true)
        groups.removeAll(keepingCapacity: true)
        // A new table rather than `removeAll`, whose cost is the table's size: an append with
        // a precondition drains in the middle of a commit that may have grown it large.
        groupIndex = KeyTable()
    }

    /// Writes held `by_node`, `by_actor` or `by_kind` rows as postings, one key and role after
    /// the other, and forgets them. Each key's rows join its open block: one read and one write
    /// per key and role instead of one B-tree put per row.
    mutating func write(to postings: PostingIndex, in txn: borrowing WriteTransaction) throws {
        precondition(prefix != .twoKeys)
        try drain { group, seqs in
            try postings.append(key: Key128(high: group.key.word0, low: group.key.word1), role: UInt8(truncatingIfNeeded: group.key.word2 >> 56), seqs: seqs, in: txn)
        }
    }

    /// Writes the held rows to `database` in key order, with empty values, and forgets them.
    mutating func write(to database: Database, in txn: borrowing WriteTransaction) throws {
        guard !seqs.isEmpty else { return }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let prefix = prefix
        try txn.withWriteCursor(on: database) { cursor in
            try drain { group, seqs in
                for seq in seqs {
                    try Self.key(prefix, group, seq: seq).withUnsafeBytes { try cursor.put(empty, forKey: $0) }
                }
            }
        }
    }

    /// The key bytes of a row, laid out by ``Keys`` (`by_actor` and `by_node` share a layout).
    static func key(_ prefix: Prefix, _ group: Group, seq: UInt64) -> KeyBuffer {
        let words = group.key
        let first = Key128(high: words.word0, low: words.word1)
        switch prefix {
        case .key:
            return Keys.kind(first, seq: seq)
        case .keyAndByte:
            return Keys.node(first, role: UInt8(truncatingIfNeeded: words.word2 >> 56), seq: seq)
        case .twoKeys:
            return Keys.tag(first, Key128(high: words.word2, low: words.word3), seq: seq)
        }
    }
}
