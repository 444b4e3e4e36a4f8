import CustosTestSupport
import Testing

@testable import CustosLedger

private func hx(_ text: String) -> Hash256 {
    Hash256(hex: text) ?? .zero
}

@Suite("RFC 9162 Merkle tree, roots and proofs")
struct MerkleProofTests {
    /// The eight leaves of the Certificate Transparency reference tests.
    static let referenceLeaves: [Hash256] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ].map { Hash256.leaf($0) }

    /// Their published roots for sizes 1 to 8.
    static let referenceRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map(hx)

    static let referenceInclusion: [(index: UInt64, size: UInt64, path: [String])] = [
        (0, 1, []),
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    static let referenceConsistency: [(first: UInt64, second: UInt64, proof: [String])] = [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]

    private func referenceStore() throws -> (MerkleTreeStore, TemporaryDirectory) {
        let folder = TemporaryDirectory("custos-merkle")
        let store = try MerkleTreeStore(path: folder.file("tree"))
        // Appended one by one, so every intermediate size exists as it would in a log.
        for leaf in Self.referenceLeaves { try store.append([leaf]) }
        return (store, folder)
    }

    @Test("roots of the reference tree at every size")
    func referenceRootsMatch() throws {
        let (store, folder) = try referenceStore()
        _ = folder
        #expect(try store.root(size: 0) == hx("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        for (index, root) in Self.referenceRoots.enumerated() {
            #expect(try store.root(size: UInt64(index + 1)) == root, "size \(index + 1)")
            #expect(InMemoryMerkleTree.root(Self.referenceLeaves[0...index]) == root)
        }
    }

    @Test("published inclusion proofs are produced and verify")
    func referenceInclusionProofs() throws {
        let (store, folder) = try referenceStore()
        _ = folder
        for vector in Self.referenceInclusion {
            let proof = try store.inclusionProof(index: vector.index, size: vector.size)
            #expect(proof.hashes == vector.path.map(hx), "\(vector.index)/\(vector.size)")
            let root = Self.referenceRoots[Int(vector.size) - 1]
            #expect(proof.verify(leafHash: Self.referenceLeaves[Int(vector.index)], root: root))
            #expect(!proof.verify(leafHash: Self.referenceLeaves[(Int(vector.index) + 1) % 8], root: root))
        }
    }

    @Test("published consistency proofs are produced and verify")
    func referenceConsistencyProofs() throws {
        let (store, folder) = try referenceStore()
        _ = folder
        for vector in Self.referenceConsistency {
            let proof = try store.consistencyProof(first: vector.first, second: vector.second)
            #expect(proof.hashes == vector.proof.map(hx), "\(vector.first)→\(vector.second)")
            let first = Self.referenceRoots[Int(vector.first) - 1]
            let second = Self.referenceRoots[Int(vector.second) - 1]
            #expect(proof.verify(firstRoot: first, secondRoot: second))
            if vector.first != vector.second {
                #expect(!proof.verify(firstRoot: second, secondRoot: first))
            }
        }
    }

    @Test("edge cases: bad indexes, sizes, empty and swapped proofs fail")
    func edgeCases() {
        let leaf = Self.referenceLeaves[0]
        #expect(InclusionProof(leafIndex: 0, treeSize: 1, hashes: []).verify(leafHash: leaf, root: leaf))
        #expect(!InclusionProof(leafIndex: 1, treeSize: 1, hashes: []).verify(leafHash: leaf, root: leaf))
        #expect(!InclusionProof(leafIndex: 0, treeSize: 0, hashes: []).verify(leafHash: leaf, root: leaf))
        #expect(!InclusionProof(leafIndex: 0, treeSize: 2, hashes: []).verify(leafHash: leaf, root: leaf))
        let root8 = Self.referenceRoots[7]
        let path = Self.referenceInclusion[1].path.map(hx)
        #expect(!InclusionProof(leafIndex: 0, treeSize: 8, hashes: path + [leaf]).verify(leafHash: leaf, root: root8))
        #expect(!InclusionProof(leafIndex: 0, treeSize: 8, hashes: Array(path.dropLast())).verify(leafHash: leaf, root: root8))
        #expect(!InclusionProof(leafIndex: 0, treeSize: 9, hashes: path).verify(leafHash: leaf, root: root8))
        // Consistency: equal sizes need equal roots and no hashes; sizes may not shrink.
        #expect(ConsistencyProof(firstSize: 8, secondSize: 8, hashes: []).verify(firstRoot: root8, secondRoot: root8))
        #expect(!ConsistencyProof(firstSize: 8, secondSize: 8, hashes: [leaf]).verify(firstRoot: root8, secondRoot: root8))
        #expect(!ConsistencyProof(firstSize: 8, secondSize: 4, hashes: []).verify(firstRoot: root8, secondRoot: root8))
        #expect(!ConsistencyProof(firstSize: 4, secondSize: 8, hashes: []).verify(firstRoot: Self.referenceRoots[3], secondRoot: root8))
        #expect(ConsistencyProof(firstSize: 0, secondSize: 8, hashes: []).verify(firstRoot: Hash256.sha256([]), secondRoot: root8))
    }

    @Test("random trees up to 20,000 leaves: stored roots and proofs match the definition; one altered hash fails")
    func property() throws {
        var generator = SplitMix64(seed: 9162)
        let total = 20_000
        let leaves = (0..<total).map { index in Hash256.leaf(Array("leaf-\(index)-\(generator.next())".utf8)) }
        let folder = TemporaryDirectory("custos-merkle")
        let store = try MerkleTreeStore(path: folder.file("tree"))
        // Uneven batches, so the frontier crosses commit boundaries at odd places.
        var appended = 0
        while appended < total {
            let batch = min(total - appended, 1 + Int(generator.next() % 3_000))
            try store.append(Array(leaves[appended..<appended + batch]))
            appended += batch
        }
        var sizes: [UInt64] = [1, 2, 3, 4, 5, 7, 8, 9, 1_023, 1_024, 1_025, 16_384, 19_999, 20_000]
        sizes += (0..<16).map { _ in 1 + generator.next() % UInt64(total) }
        var roots: [UInt64: Hash256] = [:]
        for size in sizes {
            let root = InMemoryMerkleTree.root(leaves[0..<Int(size)])
            roots[size] = root
            #expect(try store.root(size: size) == root, "root at \(size)")
        }
        var checkedAgainstDefinition = 0
        for size in sizes {
            let root = try #require(roots[size])
            let indexes: [UInt64] = [0, size - 1, size / 2] + (0..<12).map { _ in generator.next() % size }
            for index in indexes {
                let proof = try store.inclusionProof(index: index, size: size)
                #expect(proof.verify(leafHash: leaves[Int(index)], root: root), "leaf \(index) of \(size)")
                if size <= 2_048 && checkedAgainstDefinition < 200 {
                    #expect(proof.hashes == InMemoryMerkleTree.inclusionPath(Int(index), leaves[0..<Int(size)]))
                    checkedAgainstDefinition += 1
                }
                for position in proof.hashes.indices {
                    var altered = proof.hashes
                    altered[position] = Hash256.node(altered[position], altered[position])
                    #expect(!InclusionProof(leafIndex: index, treeSize: size, hashes: altered).verify(leafHash: leaves[Int(index)], root: root))
                }
            }
            let firsts: [UInt64] = [1, size, size / 2 + 1, 1 << UInt64(63 - (size.leadingZeroBitCount))] + (0..<8).map { _ in 1 + generator.next() % size }
            for first in firsts where first >= 1 && first <= size {
                let firstRoot = try store.root(size: first)
                let proof = try store.consistencyProof(first: first, second: size)
                #expect(proof.verify(firstRoot: firstRoot, secondRoot: root), "\(first)→\(size)")
                if size <= 2_048 {
                    #expect(proof.hashes == InMemoryMerkleTree.consistencyProof(Int(first), leaves[0..<Int(size)]))
                }
                for position in proof.hashes.indices {
                    var altered = proof.hashes
                    altered[position] = Hash256.node(altered[position], altered[position])
                    #expect(!ConsistencyProof(firstSize: first, secondSize: size, hashes: altered).verify(firstRoot: firstRoot, secondRoot: root))
                }
                if first < size {
                    #expect(!proof.verify(firstRoot: Hash256.node(firstRoot, firstRoot), secondRoot: root))
                }
            }
        }
        #expect(checkedAgainstDefinition > 50)
    }

    @Test("the ledger's own tree gives roots and proofs over its entries")
    func ledgerProofs() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let receipts = try await ledger.append(contentsOf: EventFactory().transforms(777))
        let leaves = receipts.map(\.leafHash)
        #expect(try ledger.rootHash(atSize: 777) == InMemoryMerkleTree.root(leaves[...]))
        #expect(try ledger.statistics().treeRoot == InMemoryMerkleTree.root(leaves[...]))
        let proof = try ledger.inclusionProof(seq: 300, treeSize: 500)
        #expect(proof.verify(leafHash: leaves[300], root: InMemoryMerkleTree.root(leaves[0..<500])))
        let consistency = try ledger.consistencyProof(from: 500, to: 777)
        #expect(consistency.verify(firstRoot: try ledger.rootHash(atSize: 500), secondRoot: try ledger.rootHash(atSize: 777)))
        #expect(throws: LedgerError.self) { try ledger.inclusionProof(seq: 500, treeSize: 500) }
        #expect(throws: LedgerError.self) { try ledger.rootHash(atSize: 778) }
        #expect(throws: LedgerError.self) { try ledger.consistencyProof(from: 600, to: 500) }
    }
}
