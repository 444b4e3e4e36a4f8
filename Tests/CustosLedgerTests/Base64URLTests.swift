import CustosLedger
import Foundation
import Testing

@Suite("Base64URL")
struct Base64URLTests {
    @Test("RFC 4648's test vectors, without padding, both ways")
    func vectors() {
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded[...]) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test("agrees with Foundation's base64 (alphabet swapped, padding dropped) for every length up to 100")
    func agreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
            #expect(Base64URL.decode(expected[...]) == bytes)
        }
    }

    @Test("decoding takes only the canonical text; the lenient form takes what a scanner meets")
    func canonicalOnly() {
        // Padding, the standard alphabet, a lone character, non-zero unused bits, other bytes.
        for text in ["Zg==", "Zm9v+/", "Z", "Zh", "Zm9", "Zm9vY", "Zm 9v", "Zm9v\n"] {
            #expect(Base64URL.decode(text[...]) == nil, "\(text)")
        }
        let lenient = Array("Zm9v+/Zh".utf8).withUnsafeBufferPointer { Base64URL.decode($0, lenient: true) }
        #expect(lenient == [0x66, 0x6F, 0x6F, 0xFB, 0xF6, 0x61])
        let limited = Array("Zm9vYmFy".utf8).withUnsafeBufferPointer { Base64URL.decode($0, lenient: true, limit: 4) }
        #expect(limited == Array("foob".utf8))
    }
}
