import Testing

@testable import CustosLedger

@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    @Test("the validator's eight-byte fast path takes exactly the words of plain printable ASCII, without quote or backslash")
    func plainASCIIWords() {
        func plain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C }
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } }
        let base = Array("dataset:".utf8)
        for position in 0..<8 {
            for byte in 0...255 {
                var bytes = base
                bytes[position] = UInt8(byte)
                #expect(CanonicalJSONValidator.isPlainASCII(word(bytes)) == plain(UInt8(byte)), "byte \(byte) at \(position)")
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in UInt8.random(in: 0x18...0x60, using: &generator) }
            #expect(CanonicalJSONValidator.isPlainASCII(word(bytes)) == bytes.allSatisfy(plain))
        }
    }

    /// The number vectors of RFC 8785, Appendix B: IEEE 754 bits and the expected text.
    static let numberVectors: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ]

    @Test("numbers follow ECMAScript's Number.prototype.toString (RFC 8785, Appendix B)", arguments: numberVectors)
    func numbers(bits: UInt64, expected: String) {
        #expect(ECMAScriptNumber.format(Double(bitPattern: bits)) == expected)
    }

    @Test("the RFC 8785 section 3.2.2 example canonicalizes exactly")
    func rfcExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        let value = try JSONParser.parse(input)
        #expect(String(decoding: CanonicalJSON.encode(value), as: UTF8.self) == expected)
    }

    @Test("members sort by UTF-16 code units (RFC 8785 section 3.2.3)")
    func utf16Sorting() throws {
        let input = #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let value = try JSONParser.parse(input)
        let keys = CanonicalJSON.sortedKeys(value.objectValue ?? [:])
        #expect(keys == ["\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1F600}", "\u{fb33}"])
    }

    @Test("an object's members are written in the order sortedKeys gives, for any keys")
    func memberOrder() throws {
        let input = #"{"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7}"#
        let encoded = String(decoding: CanonicalJSON.encode(try JSONParser.parse(input)), as: UTF8.self)
        #expect(encoded == "{\"\\r\":2,\"1\":4,\"\u{80}\":6,\"\u{f6}\":7,\"\u{20ac}\":1,\"\u{1F600}\":5,\"\u{fb33}\":3}")
        var generator = SplitMix64(seed: 11)
        let names = ["a", "B", "\u{e9}", "\u{1F600}", "\u{FB33}", "ab", "", "\u{e000}", "Z9", "rows", "job"]
        for _ in 0..<500 {
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(generator.next() % 12) { members[names[Int(generator.next() % UInt64(names.count))]] = .number(Double(generator.next() % 100)) }
            var expected: [UInt8] = [UInt8(ascii: "{")]
            for (position, key) in CanonicalJSON.sortedKeys(members).enumerated() {
                if position > 0 { expected.append(UInt8(ascii: ",")) }
                CanonicalJSON.appendString(key, to: &expected)
                expected.append(UInt8(ascii: ":"))
                CanonicalJSON.append(members[key] ?? .null, to: &expected)
            }
            expected.append(UInt8(ascii: "}"))
            #expect(CanonicalJSON.encode(.object(members)) == expected)
        }
        // Many members take the general sort, not the insertion sort kept for few.
        var many: [String: JSONValue] = [:]
        for index in 0..<10_000 { many["k\((index * 7_919) % 10_000)"] = .number(Double(index)) }
        let keys = CanonicalJSON.sortedKeys(many)
        let text = String(decoding: CanonicalJSON.encode(.object(many)), as: UTF8.self)
        #expect(text.hasPrefix("{\"\(keys[0])\":") && text.contains(",\"\(keys[1])\":") && keys[0] == "k0" && keys[1] == "k1" && keys[2] == "k10")
        let positions = keys.prefix(200).map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! })
    }

    @Test("integers below 2^53 are written as their digits; every number reads back as itself")
    func numberText() {
        var generator = SplitMix64(seed: 5)
        var values: [Double] = Self.numberVectors.map { Double(bitPattern: $0.0) }.filter(\.isFinite)
        values += [0, -0.0, 1, -1, 9, 10, -10, 1_234_567, 9_007_199_254_740_991, -9_007_199_254_740_991, 9_007_199_254_740_992, 1e21, 1e22, -5e-7, 0.5, 123.0]
        for _ in 0..<2_000 {
            let bits = generator.next()
            values.append(generator.next() % 2 == 0 ? Double(Int64(bitPattern: bits) % 10_000_000_000) : Double(bitPattern: bits))
        }
        for value in values where value.isFinite {
            var output: [UInt8] = []
            CanonicalJSON.appendNumber(value, to: &output)
            let text = String(decoding: output, as: UTF8.self)
            if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
                #expect(text == (value == 0 ? "0" : String(Int64(value))), "\(value)")
            }
            #expect(Double(text) == value, "\(value) wrote \(text)")
        }
    }

    @Test("control characters escape as lower-case \\u00xx, others stay literal")
    func stringEscapes() {
        var output: [UInt8] = []
        CanonicalJSON.appendString("a\u{01}\u{1f}\t\u{7f}\u{2028}é\"\\/", to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "\"a\\u0001\\u001f\\t\u{7f}\u{2028}é\\\"\\\\/\"")
    }

    @Test("canonical encoding is a fixed point over random values")
    func roundTripProperty() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let value = randomValue(depth: 0, using: &generator)
            let bytes = CanonicalJSON.encode(value)
            let reparsed = try JSONParser.parse(bytes)
            #expect(CanonicalJSON.encode(reparsed) == bytes)
            #expect(reparsed == value)
        }
    }

    private func randomValue(depth: Int, using generator: inout SplitMix64) -> JSONValue {
        let choice = depth > 3 ? Int(generator.next() % 4) : Int(generator.next() % 6)
        switch choice {
        case 0: return .null
        case 1: return .bool(generator.next() % 2 == 0)
        case 2:
            let bits = generator.next()
            let double = Double(bitPattern: bits)
            if double.isFinite { return .number(double == 0 ? 0 : double) }
            return .number(Double(Int64(bitPattern: bits) % 1_000_000))
        case 3:
            let scalars = (0..<Int(generator.next() % 12)).compactMap { _ -> Character? in
                let pick = generator.next() % 5
                let value: UInt32 = pick == 0 ? UInt32(generator.next() % 0x20) : pick == 1 ? 0x1F600 + UInt32(generator.next() % 50) : pick == 2 ? 0xE000 + UInt32(generator.next() % 0x1000) : 0x20 + UInt32(generator.next() % 0x5F)
                return Unicode.Scalar(value).map(Character.init)
            }
            return .string(String(scalars))
        case 4: return .array((0..<Int(generator.next() % 4)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int(generator.next() % 4) {
                let key = ["a", "B", "\u{e9}", "\u{1F600}", "\u{FB33}", "key\(index)"][Int(generator.next() % 6)]
                members[key] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}

/// A small deterministic random generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
