import CustosConfig
import CustosLedger
import CustosLineage
import CustosMasking
import CustosTestSupport
import Foundation
import Testing

@Suite("Masking: operators, policies, structure, streaming")
struct MaskingTests {
    // MARK: Operators

    @Test("redact, placeholder and keep-last replace values and keep the rest")
    func operators() throws {
        let text = "card 4111 1111 1111 1111, mail ana@example.com"
        #expect(Masker().mask(text).output == "card <CARD_NUMBER>, mail <EMAIL>")
        let redacting = MaskingPolicy(defaultOperator: .redact)
        #expect(Masker(policy: redacting).mask(text).output == "card [REDACTED], mail [REDACTED]")
        let keepLast = MaskingPolicy(rules: ["card_number": .init(.keepLast(4))])
        #expect(Masker(policy: keepLast).mask(text).output == "card **** **** **** 1111, mail <EMAIL>")
        // A value no longer than what would be kept is masked whole.
        let keepMany = MaskingPolicy(rules: ["ssn": .init(.keepLast(9))])
        #expect(Masker(policy: keepMany).mask("ssn 123-45-6789").output == "ssn ***-**-****")
    }

    @Test("pseudonyms are stable under one key, differ under another, and join spellings of one value")
    func pseudonyms() throws {
        let policy = MaskingPolicy(defaultOperator: .pseudonym)
        let key = PseudonymKey(bytes: Array(repeating: 7, count: 32))
        let first = Masker(policy: policy, key: key).mask("from Alice@Example.com").output
        let second = Masker(policy: policy, key: key).mask("to alice@example.com").output
        #expect(first.hasPrefix("from <EMAIL:"))
        let pseudonym = String(first.dropFirst("from ".count))
        #expect(second == "to " + pseudonym)
        #expect(pseudonym.count == "<EMAIL:>".count + 16)
        #expect(!pseudonym.lowercased().contains("alice"))
        let other = Masker(policy: policy, key: PseudonymKey(bytes: Array(repeating: 8, count: 32))).mask("to alice@example.com").output
        #expect(other != second)
        // Phone spellings of one number share a pseudonym.
        let phones = Masker(policy: policy, key: key).mask("(415) 555-2671 and +1 415 555 2671").output
        let parts = phones.components(separatedBy: " and ")
        #expect(parts.count == 2 && parts[0] == parts[1], "\(phones)")
        // Without a key, nothing reversible and nothing keyed: the placeholder.
        #expect(Masker(policy: policy).mask("to alice@example.com").output == "to <EMAIL>")
    }

    @Test("the pseudonym key file is created with mode 0600 and read back")
    func pseudonymKeyFile() throws {
        let folder = TemporaryDirectory("custos-masking")
        let path = folder.file("mask.key")
        #expect(throws: SecretFile.Failure.self) { try PseudonymKey.load(from: path, createIfMissing: false) }
        let created = try PseudonymKey.load(from: path, createIfMissing: true)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let again = try PseudonymKey.load(from: path, createIfMissing: false)
        let policy = MaskingPolicy(defaultOperator: .pseudonym)
        #expect(Masker(policy: policy, key: created).mask("a@example.com").output == Masker(policy: policy, key: again).mask("a@example.com").output)
        chmod(path, 0o644)
        #expect(throws: SecretFile.Failure.self) { try PseudonymKey.load(from: path, createIfMissing: false) }
    }

    // MARK: Policies

    @Test("a policy file chooses operators per type and thresholds")
    func policyFile() throws {
        let policy = try MaskingPolicy.parse("""
            name: partner-export
            threshold: 0.7
            default: redact
            types:
              email: pseudonym
              card_number: { operator: keep_last, keep: 4 }
              person_name: { operator: placeholder, threshold: 0.9 }
              ip_address: off
            """, file: "partner.yaml")
        #expect(policy.name == "partner-export")
        #expect(policy.threshold == 0.7)
        #expect(policy.rule(for: .email)?.maskingOperator == .pseudonym)
        #expect(policy.rule(for: .cardNumber) == .init(.keepLast(4)))
        #expect(policy.rule(for: .ipAddress) == nil)
        #expect(policy.rule(for: .ssn)?.maskingOperator == .redact)
        let masked = Masker(policy: policy).mask("Dear John Smith, from 10.0.0.7 card 4111111111111111 ssn 123-45-6789").output
        // The name (0.8) is below its own threshold, the address is off.
        #expect(masked == "Dear John Smith, from 10.0.0.7 card ************1111 ssn [REDACTED]")
        // ip_address is off: pii and phi are not covered; pci and secret are.
        #expect(policy.covers == ["pci", "secret"])
        #expect(MaskingPolicy.standard.covers == ["pci", "pii", "phi", "secret"])
        // The same settings give the same digest; another setting, another.
        #expect(try MaskingPolicy.parse(#"{"name": "partner-export", "threshold": 0.7, "default": "redact", "types": {"email": "pseudonym", "card_number": {"operator": "keep_last", "keep": 4}, "person_name": {"operator": "placeholder", "threshold": 0.9}, "ip_address": "off"}}"#).digest == policy.digest)
        #expect(MaskingPolicy.standard.digest != policy.digest)
    }

    @Test("a bad policy is refused with the line, the column and what to write")
    func policyErrors() {
        func failure(_ text: String) -> ConfigError? {
            do {
                _ = try MaskingPolicy.parse(text, file: "p.yaml")
                return nil
            } catch {
                return error
            }
        }
        let unknownType = failure("types:\n  emial: redact\n")
        #expect(unknownType?.line == 2)
        #expect(unknownType?.message.contains(#"did you mean "email""#) == true, "\(String(describing: unknownType))")
        let unknownOperator = failure("default: redacted\n")
        #expect(unknownOperator?.message.contains(#"did you mean "redact""#) == true)
        #expect(failure("threshold: 2\n")?.message.contains("out of range") == true)
        #expect(failure("treshold: 0.5\n")?.message.contains(#"did you mean "threshold""#) == true)
        let syntax = failure("types:\n  email: [redact\n")
        #expect(syntax?.line ?? 0 >= 2, "\(String(describing: syntax))")
        #expect(failure("types:\n  email: { operator: keep_last, keep: many }\n")?.message.contains("whole number") == true)
        #expect(failure("default: off\n") != nil)
        #expect(unknownType?.description.hasPrefix("p.yaml:2:") == true)
    }

    // MARK: Structure

    @Test("JSON stays JSON: string values masked in place, bare numbers quoted, sensitive keys masked")
    func jsonStructure() throws {
        let input = #"{"user":{"email":"ana@example.com","ssn":123456789,"tags":["card 4111111111111111"]},"ana@example.com":true,"note":"call 555-234-5678"}"#
        let (output, summary) = Masker().mask(input)
        #expect(summary.format == .json)
        let parsed = try JSONParser.parse(output)
        #expect(parsed["user"]?["email"] == .string("<EMAIL>"))
        #expect(parsed["user"]?["ssn"] == .string("<SSN>"))
        #expect(parsed["user"]?["tags"] == .array([.string("card <CARD_NUMBER>")]))
        #expect(parsed["<EMAIL#1>"] == .bool(true), "\(output)")
        #expect(parsed["note"] == .string("call <PHONE>"))
        #expect(summary.counts == ["email": 2, "ssn": 1, "card_number": 1, "phone": 1])
        // NDJSON: every line still parses.
        let lines = (0..<50).map { #"{"n":\#($0),"email":"u\#($0)@example.com","card":4111111111111111}"# }.joined(separator: "\n")
        let masked = Masker().mask(lines).output
        for line in masked.split(separator: "\n") { _ = try JSONParser.parse(String(line)) }
        #expect(!masked.contains("@example.com"))
    }

    @Test("sensitive object keys stay distinct: numbered placeholders within a run, or pseudonyms; the same value gets the same name")
    func jsonKeys() throws {
        let input = #"{"by_user":{"ann@example.com":3,"bob@example.com":5},"again":{"ann@example.com":{"card 4111111111111111":1}}}"#
        let (output, summary) = Masker().mask(input)
        let parsed = try JSONParser.parse(output)
        #expect(parsed["by_user"] == .object(["<EMAIL#1>": .number(3), "<EMAIL#2>": .number(5)]), "\(output)")
        #expect(parsed["again"]?["<EMAIL#1>"]?.objectValue?.keys.first == "card <CARD_NUMBER#1>", "\(output)")
        #expect(summary.counts == ["email": 3, "card_number": 1])
        #expect(!output.contains("example.com") && !output.contains("4111"))
        // With pseudonyms, keys take the value's pseudonym, as values do.
        let policy = try MaskingPolicy.parse("name: pseudonyms\ntypes:\n  email: pseudonym\n", file: "p.yaml")
        let keyed = Masker(policy: policy, key: PseudonymKey.random())
        let pseudonymized = keyed.mask(#"{"ann@example.com":1,"bob@example.com":2,"to":"ann@example.com"}"#).output
        let members = try #require(try JSONParser.parse(pseudonymized).objectValue)
        #expect(members.count == 3 && members.keys.allSatisfy { !$0.contains("example.com") }, "\(pseudonymized)")
        #expect(members.keys.contains(members["to"]?.stringValue ?? "-"), "\(pseudonymized)")
        // Two spellings of one address share a pseudonym as values; as keys of one object they
        // must not become one key.
        let spellings = keyed.mask(#"{"Ann@Example.com":1,"ann@example.com":2,"ANN@example.com":3}"#).output
        let spelled = try #require(try JSONParser.parse(spellings).objectValue, "\(spellings)")
        #expect(spelled.count == 3 && Set(spelled.values) == [.number(1), .number(2), .number(3)], "\(spellings)")
        let base = try #require(spelled.keys.first { !$0.contains("#") })
        #expect(spelled.keys.sorted() == [base, String(base.dropLast()) + "#2>", String(base.dropLast()) + "#3>"].sorted(), "\(spellings)")
    }

    @Test("JSON stays JSON around escapes and a key inside a string, and a value of many separators masks in linear time")
    func jsonStaysValid() throws {
        for input in [#"{"note":"hi\nbob@example.com"}"#, #"{"to":"bob\u002Btag@example.com"}"#, #"{"note": "password: hunter2"}"#, #"{"a":"x\u00e9 4111111111111111"}"#] {
            let output = Masker().mask(input).output
            #expect((try? JSONParser.parse(output)) != nil, "\(input) became \(output)")
            #expect(!output.contains("bob") && !output.contains("hunter2") && !output.contains("4111111111111111"), "\(output)")
        }
        let csv = #"1,"password: hunter2",bob"#
        #expect(Masker().mask(csv).output == #"1,"password: <PASSWORD>",bob"#)
        // Each = after a secret's key once read the rest of the run again.
        let repeated = String(repeating: "pass=", count: 200_000)
        let (output, summary) = Masker().mask(repeated)
        #expect(!output.isEmpty && summary.counts["password", default: 0] > 0)
    }

    @Test("key=value input keeps its keys")
    func keyValueStructure() {
        let (output, summary) = Masker().mask("user=bob email=bob@example.com bob@example.com=admin password=x1", format: .keyValue)
        #expect(output == "user=bob email=<EMAIL> bob@example.com=admin password=<PASSWORD>")
        #expect(summary.counts == ["email": 1, "password": 1])
    }

    @Test("masking what is masked changes nothing")
    func idempotent() {
        let corpus = MaskingCorpus(size: 200_000, seed: 3)
        let once = Masker().mask(corpus.bytes, format: .text).output
        let (twice, summary) = Masker().mask(once, format: .text)
        let again = summary.findings.prefix(5).map { String(decoding: once[max(0, $0.range.lowerBound - 30)..<min(once.count, $0.range.upperBound + 10)], as: UTF8.self) }
        let unchanged = twice == once
        #expect(unchanged, "found again: \(again)")
        #expect(summary.total == 0, "\(summary.counts)")
    }

    // MARK: Streaming

    @Test("any chunking gives the same output and counts as the whole input at once")
    func chunkingIsInvisible() {
        let corpus = MaskingCorpus(size: 300_000, seed: 11)
        let masker = Masker()
        let (whole, wholeSummary) = masker.mask(corpus.bytes, format: .text)
        var random = SeededRandom(seed: 5)
        for round in 0..<6 {
            var stream = masker.stream(format: .text)
            var output: [UInt8] = []
            var offset = 0
            while offset < corpus.bytes.count {
                let size: Int
                switch round {
                case 0: size = 1 + Int(random.next() % 7)
                case 1: size = 4_096
                case 2: size = TextScanner_lookAheadPlusOne
                default: size = 1 + Int(random.next() % 70_000)
                }
                let end = min(corpus.bytes.count, offset + size)
                stream.write(Array(corpus.bytes[offset..<end])) { output.append(contentsOf: $0) }
                offset = end
            }
            let summary = stream.finish { output.append(contentsOf: $0) }
            let same = output == whole
            #expect(same, "round \(round)")
            #expect(summary.counts == wholeSummary.counts, "round \(round)")
            #expect(summary.inputSHA256 == wholeSummary.inputSHA256 && summary.outputSHA256 == wholeSummary.outputSHA256)
        }
    }

    @Test("a value cut by a chunk boundary at any byte is still found")
    func boundaries() {
        let text = Array("id 9 card 4111 1111 1111 1111; mail ana.lima@example.com; key AKIAIOSFODNN7EXAMPLE; ok".utf8)
        let expected = Masker().mask(text, format: .text).output
        for cut in 1..<text.count {
            var stream = Masker().stream(format: .text)
            var output: [UInt8] = []
            stream.write(Array(text[..<cut])) { output.append(contentsOf: $0) }
            stream.write(Array(text[cut...])) { output.append(contentsOf: $0) }
            _ = stream.finish { output.append(contentsOf: $0) }
            let same = output == expected
            #expect(same, "cut at \(cut)")
        }
    }

    @Test("memory stays bounded however long the input")
    func boundedMemory() {
        let corpus = MaskingCorpus(size: 1_000_000, seed: 13)
        var stream = Masker().stream(format: .text)
        var bytesOut = 0
        let chunk = 65_536
        for _ in 0..<24 {
            var offset = 0
            while offset < corpus.bytes.count {
                let end = min(corpus.bytes.count, offset + chunk)
                stream.write(Array(corpus.bytes[offset..<end])) { bytesOut += $0.count }
                offset = end
            }
        }
        let summary = stream.finish { bytesOut += $0.count }
        #expect(summary.bytesIn == 24 * corpus.bytes.count)
        #expect(summary.bytesOut == bytesOut)
        // The chunk, the scanner's look-ahead and look-behind, and the longest finding.
        #expect(stream.peakBufferedBytes <= chunk + 16_384 + 512 + 16_384, "\(stream.peakBufferedBytes)")
    }

    @Test("offsets are byte offsets in non-ASCII text, and invalid UTF-8 passes through")
    func utf8() {
        let text = "Grüße aus München — 東京 📦 contact ana@example.com now"
        let bytes = Array(text.utf8)
        let (_, summary) = Masker().mask(bytes, format: .text)
        let start = text.utf8.distance(from: text.utf8.startIndex, to: text.range(of: "ana@")!.lowerBound)
        #expect(summary.findings.map(\.range) == [start..<(start + "ana@example.com".utf8.count)])
        #expect(finds("email", "josé.garcía@exemplo.es", in: "para josé.garcía@exemplo.es hoy"))
        var random = SeededRandom(seed: 21)
        for _ in 0..<300 {
            var junk = (0..<Int(random.next() % 600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            junk.insert(contentsOf: Array(" 4111111111111111 a@b.co \u{FF}".utf8) + [0xC3], at: Int(random.next() % UInt64(junk.count + 1)))
            let (output, junkSummary) = Masker().mask(junk, format: .auto)
            #expect(junkSummary.bytesIn == junk.count)
            #expect(junkSummary.bytesOut == output.count)
        }
        let invalid: [UInt8] = [0xFF, 0xFE] + Array(" mail a@example.com ".utf8) + [0xC3, 0x28]
        let (output, _) = Masker().mask(invalid, format: .text)
        #expect(output == [0xFF, 0xFE] + Array(" mail <EMAIL> ".utf8) + [0xC3, 0x28])
    }

    // MARK: Recording

    @Test("a masking run is recorded as a mask event with counts and hashes, never a value, and stops taint")
    func recording() async throws {
        let folder = TemporaryDirectory("custos-masking")
        var configuration = LedgerConfiguration()
        configuration.checkpointPolicy = .manual
        let ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/masking", configuration: configuration)
        let raw = try NodeID("dataset:s3://lake/raw/tickets")
        let masked = try NodeID("dataset:s3://lake/masked/tickets")
        _ = try await ledger.append(Event(kind: .classify, actor: .service("scanner"), outputs: [raw], attributes: ["tags": ["pii"]]))
        let text = "ana@example.com 4111111111111111 123-45-6789 password=hunter22 AKIAIOSFODNN7EXAMPLE"
        let key = PseudonymKey.random()
        let (_, summary) = Masker(key: key).mask(text)
        let receipt = try await ledger.recordMasking(summary, input: raw, output: masked, actor: .service("masker"))
        let entry = try ledger.entry(at: receipt.seq)
        #expect(entry.event.kind == .mask)
        #expect(entry.event.attributes["counts"] == .object(["email": 1, "card_number": 1, "ssn": 1, "password": 1, "aws_access_key_id": 1]))
        // The input only as a keyed digest: a plain SHA-256 of a short input is undone by guessing.
        #expect(entry.event.attributes["inputSha256"] == nil)
        let keyed = try #require(entry.event.attributes["inputHmacSha256"]?.stringValue)
        #expect(keyed.count == 64 && keyed != Hash256.sha256(Array(text.utf8)).hex)
        #expect(Masker(key: key).mask(text).summary.inputKeyedDigest == keyed, "the key holder can check it")
        #expect(Masker(key: PseudonymKey.random()).mask(text).summary.inputKeyedDigest != keyed)
        #expect(Masker().mask(text).summary.inputKeyedDigest.isEmpty, "no key, no digest of the input")
        let stored = String(decoding: entry.bytes, as: UTF8.self)
        for value in ["ana@example.com", "4111111111111111", "123-45-6789", "hunter22", "AKIAIOSFODNN7EXAMPLE", "example.com", "4111", "6789", "hunter"] {
            #expect(!stored.contains(value), "the event holds \(value)")
        }
        // The masked dataset does not inherit pii through the masking that covers it.
        let tags = try LineageGraph(ledger: ledger).tags(of: masked)
        #expect(!tags.all.contains("pii"))
        let copy = try NodeID("dataset:s3://lake/copy/tickets")
        _ = try await ledger.append(Event(kind: .transform, actor: .agent("etl"), inputs: [raw], outputs: [copy]))
        #expect(try LineageGraph(ledger: ledger).tags(of: copy).all.contains("pii"))
        await ledger.close()
    }
}

/// One byte more than the scanner's look-ahead: chunks that end just past where tokens stop.
private let TextScanner_lookAheadPlusOne = 16_385
