/// An RFC 9162 inclusion proof: the audit path of one leaf in a tree of a given size.
public struct InclusionProof: Sendable, Hashable {
    /// The leaf's index (the entry's seq).
    public let leafIndex: UInt64
    /// The size of the tree the proof is for.
    public let treeSize: UInt64
    /// The sibling hashes from the leaf up to the root (RFC 9162, section 2.1.3.1).
    public let hashes: [Hash256]

    public init(leafIndex: UInt64, treeSize: UInt64, hashes: [Hash256]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.hashes = hashes
    }

    /// The root the proof leads to from `leafHash`, by RFC 9162 section 2.1.3.2; nil when
    /// the proof cannot be valid for any root (wrong length, index out of range).
    public func root(from leafHash: Hash256) -> Hash256? {
        guard leafIndex < treeSize else { return nil }
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in hashes {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = Hash256.node(p, r)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                r = Hash256.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// True when the proof shows that `leafHash` is leaf ``leafIndex`` of the tree of size
    /// ``treeSize`` whose root is `root`.
    public func verify(leafHash: Hash256, root: Hash256) -> Bool {
        self.root(from: leafHash) == root
    }
}

/// An RFC 9162 consistency proof: that the tree of size ``firstSize`` is a prefix of the tree
/// of size ``secondSize``, so the log only grew between them.
public struct ConsistencyProof: Sendable, Hashable {
    public let firstSize: UInt64
    public let secondSize: UInt64
    /// The proof hashes (RFC 9162, section 2.1.4.1).
    public let hashes: [Hash256]

    public init(firstSize: UInt64, secondSize: UInt64, hashes: [Hash256]) {
        self.firstSize = firstSize
        self.secondSize = secondSize
        self.hashes = hashes
    }

    /// True when the proof shows that the tree with root `firstRoot` at ``firstSize`` is a
    /// prefix of the tree with root `secondRoot` at ``secondSize`` (RFC 9162, section 2.1.4.2).
    /// Equal sizes need an empty proof and equal roots; a first size of 0 is consistent with
    /// anything (the empty tree is a prefix of every tree) and needs an empty proof.
    public func verify(firstRoot: Hash256, secondRoot: Hash256) -> Bool {
        guard firstSize <= secondSize else { return false }
        if firstSize == secondSize { return hashes.isEmpty && firstRoot == secondRoot }
        if firstSize == 0 { return hashes.isEmpty }
        guard !hashes.isEmpty else { return false }
        var path = hashes
        // A first tree that is a complete subtree is its own first node.
        if firstSize & (firstSize - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = firstSize - 1
        var sn = secondSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = Hash256.node(c, fr)
                sr = Hash256.node(c, sr)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                sr = Hash256.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}

/// RFC 9162 over leaf hashes held in memory: the reference the stored tree is tested
/// against, and what small tools use.
public enum InMemoryMerkleTree {
    /// MTH(D[0:n]) of the leaf hashes.
    public static func root(_ leaves: ArraySlice<Hash256>) -> Hash256 {
        switch leaves.count {
        case 0: return Hash256.sha256([])
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: UInt64(leaves.count))
            let split = leaves.startIndex + Int(k)
            return Hash256.node(root(leaves[..<split]), root(leaves[split...]))
        }
    }

    /// PATH(m, D[n]) by the recursive definition of RFC 9162 section 2.1.3.1.
    public static func inclusionPath(_ m: Int, _ leaves: ArraySlice<Hash256>) -> [Hash256] {
        guard leaves.count > 1 else { return [] }
        let k = Int(largestPowerOfTwo(below: UInt64(leaves.count)))
        let split = leaves.startIndex + k
        if m < k { return inclusionPath(m, leaves[..<split]) + [root(leaves[split...])] }
        return inclusionPath(m - k, leaves[split...]) + [root(leaves[..<split])]
    }

    /// PROOF(m, D[n]) by the recursive definition of RFC 9162 section 2.1.4.1.
    public static func consistencyProof(_ m: Int, _ leaves: ArraySlice<Hash256>) -> [Hash256] {
        guard m > 0, m < leaves.count else { return [] }
        return subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Hash256>, _ complete: Bool) -> [Hash256] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = Int(largestPowerOfTwo(below: UInt64(n)))
        let split = leaves.startIndex + k
        if m <= k { return subproof(m, leaves[..<split], complete) + [root(leaves[split...])] }
        return subproof(m - k, leaves[split...], false) + [root(leaves[..<split])]
    }
}

/// The largest power of two strictly below `n` (n ≥ 2).
@inline(__always)
func largestPowerOfTwo(below n: UInt64) -> UInt64 {
    1 << (63 - UInt64((n - 1).leadingZeroBitCount))
}
