import CustosLedger
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
}
