import Testing

@testable import CustosLedger

@Suite("Timestamps")
struct TimestampTests {
    @Test("the ledger's form has six fraction digits and Z")
    func format() {
        #expect(Timestamp(microseconds: 0).description == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp(microseconds: 1_700_000_000_123_456).description == "2023-11-14T22:13:20.123456Z")
        #expect(Timestamp(microseconds: -1).description == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: 951_782_400_000_000).description == "2000-02-29T00:00:00.000000Z")
    }

    @Test("RFC 3339 parses with offsets and fractions", arguments: [
        ("2023-11-14T22:13:20.123456Z", Int64(1_700_000_000_123_456)),
        ("2023-11-15T00:13:20.123456789+02:00", Int64(1_700_000_000_123_456)),
        ("2023-11-14t22:13:20z", Int64(1_700_000_000_000_000)),
        ("2023-11-14T21:13:20.5-01:00", Int64(1_700_000_000_500_000)),
    ])
    func parse(text: String, micros: Int64) {
        #expect(Timestamp(rfc3339: text)?.microseconds == micros)
    }

    @Test("not RFC 3339", arguments: ["2023-11-14", "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+0200", "x"])
    func reject(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("formatting and parsing agree over a wide range")
    func roundTrip() {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<5_000 {
            let micros = Int64(bitPattern: generator.next() % 253_402_300_799_000_000)  // up to 9999-12-31
            let time = Timestamp(microseconds: micros)
            #expect(Timestamp(rfc3339: time.description) == time)
        }
        #expect(Timestamp(dateOrTime: "2026-01-01")?.description == "2026-01-01T00:00:00.000000Z")
    }
}
