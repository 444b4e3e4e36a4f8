import CustosLedger
import Testing

@testable import CustosServer

/// The writer behind the busy routes' answers must write exactly the JSON a parser reads back.
@Suite("JSON writer")
struct JSONWriterTests {
    @Test("strings, escapes, keys, integers and nesting read back as written")
    func roundTrip() throws {
        let texts = ["", "plain", "dataset:pg://crm/public.customers", "quote \" and backslash \\", "line\nbreak\ttab\r", "\u{1}\u{1F}", "é 😀", String(repeating: "x", count: 5_000)]
        let integers: [Int] = [0, 7, -1, 42, -9_007_199_254_740_991, Int.max, Int.min]
        var json = JSONWriter(capacity: 16)
        json.beginObject()
        json.key("texts"); json.beginArray()
        for text in texts { json.string(text) }
        json.endArray()
        json.key("integers"); json.beginArray()
        for value in integers { json.integer(value) }
        json.endArray()
        json.key("unsigned"); json.integer(UInt64.max)
        json.key("empty"); json.beginObject(); json.endObject()
        json.key("flag"); json.bool(true)
        json.key("a_member_name_longer_than_sixty_bytes_goes_the_slow_way_round_"); json.bool(false)
        json.endObject()

        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"texts":["","plain","dataset:pg://crm/public.customers","quote \" and backslash \\","line\nbreak\ttab\r","\u0001\u001f""#))
        #expect(text.contains(#""integers":[0,7,-1,42,-9007199254740991,9223372036854775807,-9223372036854775808]"#))
        #expect(text.contains(#""unsigned":18446744073709551615"#))
        #expect(text.hasSuffix(#""empty":{},"flag":true,"a_member_name_longer_than_sixty_bytes_goes_the_slow_way_round_":false}"#))
        // The strings read back through a strict parser (the integers above were checked as
        // text: beyond 2^53 the parser refuses them, rightly).
        var stringsOnly = JSONWriter()
        stringsOnly.beginArray()
        for text in texts { stringsOnly.string(text) }
        stringsOnly.endArray()
        guard case .array(let strings) = try JSONParser.parse(stringsOnly.bytes) else {
            Issue.record("not an array")
            return
        }
        #expect(strings == texts.map { JSONValue.string($0) })
    }
}
