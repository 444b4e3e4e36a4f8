import LMDB

/// Reads roots and proofs from the stored tree: every complete subtree's hash is stored at
/// (last leaf it covers, level), so any root or proof costs O(log n) point reads and never a
/// pass over the log.
struct TreeReader {
    typealias Transaction = TransactionReading & ~Copyable

    let tree: Database

    /// The hash of the complete subtree of `2^level` leaves starting at leaf `start`.
    func completeSubtree(start: UInt64, level: UInt8, in txn: borrowing some Transaction) throws -> Hash256 {
        let end = start + (1 << UInt64(level)) - 1
        let stored = try Keys.tree(end: end, level: level).withUnsafeBytes { key in
            try txn.withValue(forKey: key, in: tree) { Hash256(bytes: $0) }
        }
        guard let stored, let hash = stored else {
            throw LedgerError.corrupted("the Merkle tree node at level \(level) ending at leaf \(end) is missing")
        }
        return hash
    }

    /// MTH(D[start:end]) for a range that starts on a multiple of the smallest power of two
    /// at least as large as the range, as every range in RFC 9162's recursion does.
    func rangeHash(_ start: UInt64, _ end: UInt64, in txn: borrowing some Transaction) throws -> Hash256 {
        let n = end - start
        if n == 0 { return Hash256.sha256([]) }
        if n & (n - 1) == 0 { return try completeSubtree(start: start, level: UInt8(n.trailingZeroBitCount), in: txn) }
        // Complete subtrees from the left, one per bit of n, folded from the right.
        var subtrees: [Hash256] = []
        var offset = start
        var bit: UInt64 = 1 << (63 - UInt64(n.leadingZeroBitCount))
        while bit > 0 {
            if n & bit != 0 {
                subtrees.append(try completeSubtree(start: offset, level: UInt8(bit.trailingZeroBitCount), in: txn))
                offset += bit
            }
            bit >>= 1
        }
        var hash = subtrees.removeLast()
        while let left = subtrees.popLast() { hash = Hash256.node(left, hash) }
        return hash
    }

    /// The root of the tree of the first `size` leaves.
    func root(size: UInt64, in txn: borrowing some Transaction) throws -> Hash256 {
        try rangeHash(0, size, in: txn)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
    func inclusionPath(index: UInt64, size: UInt64, in txn: borrowing some Transaction) throws -> [Hash256] {
        var path: [Hash256] = []
        var start: UInt64 = 0
        var end = size
        var m = index
        // Walk down from the root, collecting siblings; the path lists them bottom-up.
        while end - start > 1 {
            let k = largestPowerOfTwo(below: end - start)
            if m < k {
                path.append(try rangeHash(start + k, end, in: txn))
                end = start + k
            } else {
                path.append(try completeSubtree(start: start, level: UInt8(k.trailingZeroBitCount), in: txn))
                start += k
                m -= k
            }
        }
        return path.reversed()
    }

    /// The consistency proof from the tree of `first` leaves to that of `second` leaves
    /// (RFC 9162 2.1.4.1); 0 < first ≤ second.
    func consistencyProof(first: UInt64, second: UInt64, in txn: borrowing some Transaction) throws -> [Hash256] {
        guard first > 0, first < second else { return [] }
        var proof: [Hash256] = []
        var start: UInt64 = 0
        var end = second
        var m = first
        var complete = true
        while true {
            let n = end - start
            if m == n {
                if !complete { proof.append(try rangeHash(start, end, in: txn)) }
                break
            }
            let k = largestPowerOfTwo(below: n)
            if m <= k {
                proof.append(try rangeHash(start + k, end, in: txn))
                end = start + k
            } else {
                proof.append(try completeSubtree(start: start, level: UInt8(k.trailingZeroBitCount), in: txn))
                start += k
                m -= k
                complete = false
            }
        }
        return proof.reversed()
    }
}

