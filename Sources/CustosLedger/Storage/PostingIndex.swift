import LMDB

/// An index from a name (a node, an actor, a kind) to the seqs of the events that carry it:
/// `by_node`, `by_actor` and `by_kind`. Each keeps ``PostingBlock``s in two databases:
///
/// - `<index>_open`: name key (16) ‖ role (1) → the newest block, still growing.
/// - `<index>_blocks`: name key (16) ‖ role (1) ‖ first seq (8) → a closed block.
///
/// The role byte tells apart how the name figures in the event: for `by_node` 0 input,
/// 1 output, 2 end of an explicit edge; for `by_actor` 0 actor, 1 on behalf of; for `by_kind`
/// always 0. Every seq of a closed block is below every seq of the open block of the same
/// key and role, and closed blocks of one key and role never overlap.
struct PostingIndex {
    /// The index's name in messages, e.g. `by_node`.
    let name: String
    let blocks: Database
    let open: Database

    /// The 17-byte key of a name and role in the open database (and the prefix of its
    /// closed blocks).
    static func prefix(_ key: Key128, role: UInt8) -> KeyBuffer {
        var prefix = KeyBuffer()
        prefix.append(key)
        prefix.append(role)
        return prefix
    }

    // MARK: Writing

    /// Adds `seqs` (ascending) to the postings of `key` in `role`. A seq equal to the newest
    /// one stored is skipped (an event naming a node twice in one role has one posting); a
    /// seq below it means the index runs ahead of the log, and is refused.
    func append(key: Key128, role: UInt8, seqs: some Sequence<UInt64>, in txn: borrowing WriteTransaction) throws {
        let prefix = Self.prefix(key, role: role)
        try prefix.withUnsafeBytes { prefixBytes in
            var pending = seqs.makeIterator()
            var block: PostingBlock
            let stored: PostingBlock?
            do {
                stored = try txn.withValue(forKey: prefixBytes, in: open) { try PostingBlock(copying: $0) }
            } catch let malformed as PostingBlock.Malformed {
                throw LedgerError.corrupted("the \(name) index is damaged (\(malformed)); run `custos verify`")
            }
            if let stored {
                block = stored
            } else if let first = pending.next() {
                block = PostingBlock(first: first)
            } else {
                return
            }
            while let seq = pending.next() {
                if seq == block.last { continue }
                guard seq > block.last else {
                    throw LedgerError.corrupted("the \(name) index holds seq \(block.last), past the seq \(seq) being appended; run `custos verify`")
                }
                if block.hasRoom(for: seq) {
                    block.append(seq)
                } else {
                    try close(block, prefix: prefix, in: txn)
                    block = PostingBlock(first: seq)
                }
            }
            try block.bytes.withUnsafeBytes { try txn.put($0, forKey: prefixBytes, in: open) }
        }
    }

    private func close(_ block: PostingBlock, prefix: KeyBuffer, in txn: borrowing WriteTransaction) throws {
        var key = prefix
        key.append(block.first)
        try key.withUnsafeBytes { key in
            try block.bytes.withUnsafeBytes { try txn.put($0, forKey: key, in: blocks) }
        }
    }

    // MARK: Reading

    /// Visits the seqs of `key` in `role` within `range`, oldest or newest first, while
    /// `body` returns true. Costs one seek per block read plus the seqs decoded.
    func forEachSeq(
        of key: Key128, role: UInt8, within range: Range<UInt64>, newestFirst: Bool,
        in txn: borrowing some TransactionReading & ~Copyable,
        _ body: (UInt64) throws -> Bool
    ) throws {
        guard !range.isEmpty else { return }
        let prefix = Self.prefix(key, role: role)
        do {
            if newestFirst {
                try forEachNewestFirst(prefix: prefix, within: range, in: txn, body)
            } else {
                try forEachOldestFirst(prefix: prefix, within: range, in: txn, body)
            }
        } catch let malformed as PostingBlock.Malformed {
            throw LedgerError.corrupted("the \(name) index is damaged (\(malformed)); run `custos verify`")
        }
    }

    private func forEachOldestFirst(
        prefix: KeyBuffer, within range: Range<UInt64>,
        in txn: borrowing some TransactionReading & ~Copyable, _ body: (UInt64) throws -> Bool
    ) throws {
        var stopped = false
        func visit(_ seq: UInt64) throws -> Bool {
            if seq < range.lowerBound { return true }
            guard seq < range.upperBound, try body(seq) else {
                stopped = true
                return false
            }
            return true
        }
        var start = prefix
        start.append(range.lowerBound)
        try txn.withCursor(on: blocks) { cursor in
            // The block holding the lower bound starts at or before it; later ones after it.
            var found = try start.withUnsafeBytes { try cursor.seek(atMost: $0) }
            if !(found && Self.isBlock(cursor.key, of: prefix)) {
                found = try start.withUnsafeBytes { try cursor.seek(atLeast: $0) }
            }
            while found, Self.isBlock(cursor.key, of: prefix) {
                if cursor.key.loadBigEndianUInt64(at: 17) >= range.upperBound {
                    stopped = true
                    return
                }
                guard try PostingBlock.forEach(in: cursor.value, visit) else { return }
                found = try cursor.next()
            }
        }
        guard !stopped else { return }
        _ = try prefix.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: open) { try PostingBlock.forEach(in: $0, visit) }
        }
    }

    private func forEachNewestFirst(
        prefix: KeyBuffer, within range: Range<UInt64>,
        in txn: borrowing some TransactionReading & ~Copyable, _ body: (UInt64) throws -> Bool
    ) throws {
        var seqs: [UInt64] = []
        // Decodes a block and visits it backwards; false once done.
        func visitBackwards(_ stored: UnsafeRawBufferPointer) throws -> Bool {
            seqs.removeAll(keepingCapacity: true)
            try PostingBlock.decode(stored, into: &seqs)
            for seq in seqs.reversed() where seq < range.upperBound {
                guard seq >= range.lowerBound, try body(seq) else { return false }
            }
            return true
        }
        let goOn = try prefix.withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: open) { try visitBackwards($0) }
        } ?? true
        guard goOn else { return }
        var start = prefix
        start.append(range.upperBound - 1)
        try txn.withCursor(on: blocks) { cursor in
            var found = try start.withUnsafeBytes { try cursor.seek(atMost: $0) }
            while found, Self.isBlock(cursor.key, of: prefix) {
                guard try visitBackwards(cursor.value) else { return }
                found = try cursor.previous()
            }
        }
    }

    private static func isBlock(_ key: UnsafeRawBufferPointer, of prefix: KeyBuffer) -> Bool {
        key.count == 25 && prefix.withUnsafeBytes { key.starts(with: $0) }
    }

    // MARK: Whole-index scans, for verification

    /// Visits every posting as (key, role, seq), key by key, in ascending order within each;
    /// checks the structure of every block as it goes.
    func forEachPosting(in txn: borrowing some TransactionReading & ~Copyable, _ body: (Key128, UInt8, UInt64) throws -> Bool) throws {
        var lastPrefix: [UInt8] = []
        var lastSeq: UInt64 = 0
        func check(_ prefix: UnsafeRawBufferPointer, _ seq: UInt64) throws {
            if prefix.hasSameBytes(as: lastPrefix) {
                guard seq > lastSeq else { throw PostingBlock.Malformed(description: "blocks of one key overlap at seq \(seq)") }
            } else {
                lastPrefix = Array(prefix)
            }
            lastSeq = seq
        }
        // Closed blocks of a key, then its open block: walk both databases in key order.
        try txn.withCursor(on: blocks) { closed in
            var hasClosed = try closed.first()
            try txn.withCursor(on: open) { newest in
                var hasOpen = try newest.first()
                while hasClosed || hasOpen {
                    let takeClosed: Bool
                    if hasClosed && hasOpen {
                        guard closed.key.count == 25, newest.key.count == 17 else { throw PostingBlock.Malformed(description: "a key of \(name) has the wrong length") }
                        // A key's closed blocks come before its open block.
                        takeClosed = !newest.key.lexicographicallyPrecedes(UnsafeRawBufferPointer(rebasing: closed.key[0..<17]))
                    } else {
                        takeClosed = hasClosed
                    }
                    let key = takeClosed ? closed.key : newest.key
                    guard key.count == (takeClosed ? 25 : 17), let postingKey = Key128(bytes: UnsafeRawBufferPointer(rebasing: key[0..<16])) else {
                        throw PostingBlock.Malformed(description: "a key of \(name) has the wrong length")
                    }
                    let role = key[16]
                    let prefix = UnsafeRawBufferPointer(rebasing: key[0..<17])
                    let value = takeClosed ? closed.value : newest.value
                    if takeClosed, try PostingBlock.header(of: value).first != key.loadBigEndianUInt64(at: 17) {
                        throw PostingBlock.Malformed(description: "a closed block's key and first seq disagree")
                    }
                    var goOn = true
                    try PostingBlock.forEach(in: value) { seq in
                        try check(prefix, seq)
                        goOn = try body(postingKey, role, seq)
                        return goOn
                    }
                    guard goOn else { return }
                    if takeClosed { hasClosed = try closed.next() } else { hasOpen = try newest.next() }
                }
            }
        }
    }
}
