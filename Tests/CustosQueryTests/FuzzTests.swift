import CustosLedger
import CustosLineage
import CustosTestSupport
import Foundation
import Testing

@testable import CustosQuery

/// Thousands of random and mutated queries: never a crash or a hang; always a result or a
/// positioned error.
@Suite("LQL fuzzing")
struct FuzzTests {
    static let seeds = [
        #"TRACE UPSTREAM FROM "dataset:mart/1" DEPTH 4 THROUGH transform, mask ONLY dataset LIMIT 20"#,
        #"PATHS FROM dataset TAGGED pii TO export AVOIDING mask DEPTH 6 LIMIT 5"#,
        #"EVENTS WHERE actor = "agent:pipeline-1" AND time >= -30d AND attributes.rows > 5 NEWEST FIRST LIMIT 10"#,
        #"COUNT EVENTS WHERE kind IN (transform, mask) BY kind, day DURING 2026-01-01 TO 2027-01-01"#,
        #"FIND EXPORTS WITHOUT APPROVAL AS OF SEQ 4100"#,
        #"FIND EXECUTIONS AFTER DENIAL OR REVOCATION LIMIT 3"#,
        #"TAGS OF "dataset:staging/0" AS OF 2030-01-01"#,
        #"EVENTS WHERE node = "request:r-1" AND on_behalf_of IS NOT MISSING"#,
    ]

    static let vocabulary = Parser.keywords + [
        "\"dataset:mart/1\"", "\"export:s3://partner/1.csv\"", "\"request:r-3\"", "dataset", "export", "pii", "transform", "mask",
        "actor", "kind", "time", "seq", "attributes.rows", "=", "!=", "<", ">=", "(", ")", ",", ";", "3", "0", "99999999999", "-5",
        "-30d", "2026-01-01", "$p", "$missing", "'x'", "\"", "--", "\n", "@", "1.5", "agent", "export,", "IN (",
    ]

    func check(_ engine: QueryEngine, _ query: String) {
        let options = QueryOptions(parameters: ["p": "dataset:mart/1"], defaultLimit: 50, maxScannedEvents: 20_000, timeLimitSeconds: 2)
        do {
            _ = try engine.run(query, options: options)
        } catch let error as LQLError {
            #expect(error.location.line >= 1 && error.location.column >= 1, "\(query)")
            #expect(!error.message.isEmpty)
        } catch {
            Issue.record("\(query) failed without a position: \(error)")
        }
    }

    @Test("random token sequences")
    func randomTokens() async throws {
        let store = try await GeneratedStore.shared.value
        let engine = QueryEngine(ledger: store.ledger)
        var random = SeededRandom(seed: 17)
        for _ in 0..<3_000 {
            let length = 1 + Int(random.next() % 12)
            let query = (0..<length).map { _ in Self.vocabulary[Int(random.next() % UInt64(Self.vocabulary.count))] }.joined(separator: " ")
            check(engine, query)
        }
    }

    @Test("mutations of valid queries")
    func mutations() async throws {
        let store = try await GeneratedStore.shared.value
        let engine = QueryEngine(ledger: store.ledger)
        var random = SeededRandom(seed: 23)
        let alphabet = Array(#"abcXYZ019 "'(),;=<>-$.:\@#"#) + ["\n", "é", "😀"]
        for _ in 0..<3_000 {
            var characters = Array(Self.seeds[Int(random.next() % UInt64(Self.seeds.count))])
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(characters.count + 1))
                switch random.next() % 3 {
                case 0 where position < characters.count: characters.remove(at: position)
                case 1 where position < characters.count: characters[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                default: characters.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            check(engine, String(characters))
        }
    }
}
