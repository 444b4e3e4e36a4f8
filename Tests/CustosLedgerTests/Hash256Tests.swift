@testable import CustosLedger
import Crypto
import Testing

/// `Hash256` hashes with BoringSSL's one-shot SHA-256 on Linux (CBoringSHA256); these tests
/// hold it to swift-crypto's `SHA256`, across every length that changes the padding.
@Suite("Hash256")
struct Hash256Tests {
    private static func reference(_ bytes: [UInt8]) -> Hash256 {
        Hash256(bytes: Array(SHA256.hash(data: bytes))) ?? .zero
    }

    @Test("SHA-256 and the leaf hash agree with swift-crypto for lengths 0 to 300, around the stack limit, and large entries")
    func agreesWithSwiftCrypto() {
        var generator = SystemRandomNumberGenerator()
        var lengths = Array(0...300)
        // Around the largest entry hashed from a copy on the stack, and far beyond it.
        lengths += [1_000, Hash256.stackLeafLimit - 1, Hash256.stackLeafLimit, Hash256.stackLeafLimit + 1, 4_096, 65_537, 2_000_003]
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Hash256.sha256(bytes) == Self.reference(bytes), "length \(length)")
            #expect(Hash256.leaf(bytes) == Self.reference([0] + bytes), "leaf of length \(length)")
            // From the middle of a buffer, as entries are hashed where LMDB keeps them.
            let padded = [0xAA] + bytes + [0xBB]
            let leaf = padded.withUnsafeBytes { Hash256.leaf(UnsafeRawBufferPointer(rebasing: $0[1..<(1 + length)])) }
            #expect(leaf == Self.reference([0] + bytes), "leaf of a slice of length \(length)")
        }
        // The FIPS 180-2 example and the hash of nothing.
        #expect(Hash256.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash256.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("the node hash is SHA-256 of 0x01, the left hash and the right hash")
    func nodeHash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let left = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let right = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let (l, r) = (Hash256(bytes: left) ?? .zero, Hash256(bytes: right) ?? .zero)
            #expect(Hash256.node(l, r) == Self.reference([1] + left + right))
            #expect(Hash256.node(l, r) != Hash256.node(r, l))
        }
    }
}
