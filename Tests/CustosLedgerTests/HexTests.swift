@testable import CustosLedger
import Foundation
import Synchronization
import Testing

@Suite("Hex")
struct HexTests {
    @Test("every byte encodes to its two lower-case digits, from any kind of byte sequence")
    func encode() {
        let all = (0...255).map { UInt8($0) }
        let text = Hex.encode(all)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102030405060708090a0b0c0d0e0f10"))
        #expect(text.hasSuffix("f9fafbfcfdfeff"))
        #expect(Hex.decode(text) == all)
        // A sequence without contiguous storage takes the other path and agrees.
        #expect(Hex.encode(all.lazy.map { $0 }) == text)
        #expect(Hex.encode(all[16..<18]) == "1011")
        #expect(Hex.encode([UInt8]()) == "")
        #expect(all.withUnsafeBytes { Hex.encode($0) } == text)
        #expect(Hash256.leaf([]).hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }

    @Test("a stored hash's 64 lower-case digits parse to the hash; any other byte anywhere is refused")
    func lowercaseDigits() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let digits = Array(Hex.encode(bytes).utf8)
            #expect(digits.withUnsafeBytes { Hash256(lowercaseHexUTF8: $0) } == Hash256(bytes: bytes))
        }
        let digits = Array("00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210".utf8)
        for position in 0..<64 {
            for byte in 0...255 {
                var changed = digits
                changed[position] = UInt8(byte)
                let parsed = changed.withUnsafeBytes { Hash256(lowercaseHexUTF8: $0) }
                let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(UInt8(byte)) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(UInt8(byte))
                #expect((parsed != nil) == isDigit, "byte \(byte) at \(position)")
                if isDigit { #expect(parsed?.hex == String(decoding: changed, as: UTF8.self)) }
            }
        }
        #expect(digits.dropLast().withUnsafeBytes { Hash256(lowercaseHexUTF8: $0) } == nil)
    }

    @Test("bytes that come in one piece (digests, MACs) are read in one piece, not byte by byte")
    func contiguousBytes() {
        let digest = DigestLike(bytes: [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(Hex.encode(digest) == "deadbeef")
        #expect(digest.iterations.withLock { $0 } == 0)
    }

    @Test("appending hex after existing bytes gives what encoding gives, for buffers, arrays and other sequences")
    func appending() {
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        let expected = Array("ab".utf8) + Array(Hex.encode(bytes).utf8)
        var fromBuffer = Array("ab".utf8)
        bytes.withUnsafeBytes { Hex.append($0, to: &fromBuffer) }
        var fromArray = Array("ab".utf8)
        Hex.append(bytes, to: &fromArray)
        var fromSequence = Array("ab".utf8)
        Hex.append(bytes.lazy.map { $0 }, to: &fromSequence)
        var fromHash = Array("ab".utf8)
        let hash = Hash256.sha256(bytes)
        hash.appendHex(to: &fromHash)
        #expect(fromBuffer == expected)
        #expect(fromArray == expected)
        #expect(fromSequence == expected)
        #expect(fromHash == Array("ab".utf8) + Array(hash.hex.utf8))
    }
}

/// Like a swift-crypto digest: a sequence of bytes without contiguous storage of its own,
/// which can still lend its bytes in one piece; counts how often it is iterated.
private final class DigestLike: Sequence, ContiguousBytes, Sendable {
    let bytes: [UInt8]
    let iterations = Mutex(0)
    init(bytes: [UInt8]) { self.bytes = bytes }
    func makeIterator() -> IndexingIterator<[UInt8]> {
        iterations.withLock { $0 += 1 }
        return bytes.makeIterator()
    }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
}
