import Testing

@testable import CustosLedger

@Suite("Strict JSON parser")
struct JSONParserTests {
    @Test("valid documents parse to the expected values")
    func valid() throws {
        #expect(try JSONParser.parse(#" {"a":[1,-2.5,true,false,null,"x"]} "#) == ["a": [1, -2.5, true, false, nil, "x"]])
        #expect(try JSONParser.parse(#""\ud83d\ude00 \u00e9\n""#) == .string("\u{1F600} é\n"))
        #expect(try JSONParser.parse("9007199254740992") == .number(9_007_199_254_740_992))
        #expect(try JSONParser.parse("-0") == .number(0))
        #expect(try JSONParser.parse("117376061535447840000") == .number(117_376_061_535_447_840_000))
    }

    @Test("errors say what is wrong, with line and column", arguments: [
        ("{\"a\":1,}", 1, 8, "expected a quoted member name"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("[1,2\n,3", 2, 3, "expected ',' or ']'"),
        ("{\"a\":1,\"a\":2}", 1, 8, "duplicate member name \"a\""),
        ("01", 1, 1, "leading zeros"),
        ("\"abc", 1, 1, "unterminated string"),
        ("\"\\ud800\"", 1, 2, "lone high surrogate"),
        ("\"tab\there\"", 1, 5, "control character"),
        ("12345678901234567890", 1, 1, "too large to be held exactly"),
        ("1e999", 1, 1, "outside the range"),
        ("[1] 2", 1, 5, "after the JSON value"),
        ("nul", 1, 1, "expected a value"),
        ("", 1, 1, "unexpected end of input"),
    ])
    func errors(input: String, line: Int, column: Int, reason: String) {
        do {
            _ = try JSONParser.parse(input)
            Issue.record("expected an error for \(input)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test("invalid UTF-8 is an error, never a crash")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("deep nesting is refused before it exhausts the stack")
    func depthLimit() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test("a document of more values than the limit is refused, not held")
    func valueLimit() throws {
        var limits = JSONParser.Limits()
        limits.maxValues = 1_000
        let exactly = "[" + Array(repeating: "0", count: 999).joined(separator: ",") + "]"
        #expect(try JSONParser.parse(exactly, limits: limits).arrayValue?.count == 999)
        let over = "[" + Array(repeating: "{}", count: 1_000).joined(separator: ",") + "]"
        do {
            _ = try JSONParser.parse(over, limits: limits)
            Issue.record("1,001 values passed a limit of 1,000")
        } catch {
            #expect(error.reason.contains("more than 1000 values"), "\(error)")
        }
        // The default: an 8 MiB body of zeros is refused long before it is all held.
        let zeros = [UInt8(ascii: "[")] + Array(repeating: Array("0,".utf8), count: 4 << 20).joined() + Array("0]".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(zeros) }
    }

    @Test("random bytes never crash the parser")
    func fuzz() {
        var generator = SplitMix64(seed: 99)
        let alphabet = Array(#"{}[]:,"\ 0123456789-+.eEtruefalsn\u"#.utf8) + [0x00, 0x0A, 0xC3, 0xFF]
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 40)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = try? JSONParser.parse(bytes)
        }
    }
}
