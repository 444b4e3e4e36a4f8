import LMDB

/// Answers "does this posting index hold this seq for this key and role?" for a pass of the
/// verifier, which asks about seqs in ascending order: it keeps the last block it decoded for
/// each key and role, so most questions cost a binary search in memory.
struct PostingLookup {
    private struct Prefix: TableKey {
        var key: Key128
        var role: UInt8

        var tableWord: UInt64 { key.tableWord ^ UInt64(role) &* 0xC2B2_AE3D_27D4_EB4F }
    }

    private struct Run {
        var seqs: [UInt64]
        var covers: ClosedRange<UInt64>
    }

    let postings: PostingIndex
    private var runs = KeyTable<Prefix, Run>()
    /// Decoded blocks kept at most; then the cache starts over (at most 32 MB of seqs: a
    /// block holds up to about 1,000).
    private let limit = 4_096

    init(postings: PostingIndex) {
        self.postings = postings
    }

    /// Whether the postings of `key` in `role` hold `seq`. Throws
    /// ``PostingBlock/Malformed`` when the block that should hold it is damaged.
    mutating func contains(_ seq: UInt64, key: Key128, role: UInt8, in txn: borrowing some TransactionReading & ~Copyable) throws -> Bool {
        let prefix = Prefix(key: key, role: role)
        if let run = runs[prefix], run.covers.contains(seq) {
            return Self.search(run.seqs, seq)
        }
        guard let run = try load(prefix, around: seq, in: txn) else { return false }
        if runs.count >= limit { runs.removeAll() }
        runs.update(prefix, run)
        return run.covers.contains(seq) && Self.search(run.seqs, seq)
    }

    /// The block whose span holds `seq`: the closed block starting at or before it, or else
    /// the open block.
    private func load(_ prefix: Prefix, around seq: UInt64, in txn: borrowing some TransactionReading & ~Copyable) throws -> Run? {
        let key = PostingIndex.prefix(prefix.key, role: prefix.role)
        var start = key
        start.append(seq)
        let closed = try txn.withCursor(on: postings.blocks) { cursor -> Run? in
            guard try start.withUnsafeBytes({ try cursor.seek(atMost: $0) }),
                  cursor.key.count == 25,
                  key.withUnsafeBytes({ cursor.key.starts(with: $0) })
            else { return nil }
            let (first, last, _) = try PostingBlock.header(of: cursor.value)
            guard last >= seq else { return nil }
            return try Self.run(cursor.value, first: first, last: last)
        }
        if let closed { return closed }
        return try key.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: postings.open) { stored -> Run in
                let (first, last, _) = try PostingBlock.header(of: stored)
                return try Self.run(stored, first: first, last: last)
            }
        }
    }

    private static func run(_ stored: UnsafeRawBufferPointer, first: UInt64, last: UInt64) throws -> Run {
        var seqs: [UInt64] = []
        try PostingBlock.decode(stored, into: &seqs)
        return Run(seqs: seqs, covers: first...last)
    }

    private static func search(_ seqs: [UInt64], _ seq: UInt64) -> Bool {
        var low = 0
        var high = seqs.count
        while low < high {
            let middle = (low + high) / 2
            if seqs[middle] < seq { low = middle + 1 } else { high = middle }
        }
        return low < seqs.count && seqs[low] == seq
    }
}

/// The verifier's lookups into the three posting indexes, one pass's worth.
struct PostingLookups {
    var kind: PostingLookup
    var actor: PostingLookup
    var node: PostingLookup

    init(schema: Schema) {
        kind = PostingLookup(postings: schema.kindPostings)
        actor = PostingLookup(postings: schema.actorPostings)
        node = PostingLookup(postings: schema.nodePostings)
    }
}
