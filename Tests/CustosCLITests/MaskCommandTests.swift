import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@Suite("custos mask")
struct MaskCommandTests {
    @Test("masks standard input to standard output and reports without values")
    func maskAndReport() throws {
        let input = "mail ana@example.com card 4111 1111 1111 1111 token=tok-9f8e7d ok\n"
        let result = try runCustos(["mask", "--report", "--store", "/nonexistent/store"], input: input)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "mail <EMAIL> card <CARD_NUMBER> token=<PASSWORD> ok\n")
        let report = try JSONParser.parse(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["counts"] == .object(["email": 1, "card_number": 1, "password": 1]))
        #expect(report["inputSha256"] == .string(Hash256.sha256(Array(input.utf8)).hex))
        #expect(report["outputSha256"] == .string(Hash256.sha256(Array(result.standardOutput.utf8)).hex))
        for value in ["ana@example.com", "4111", "tok-9f8e7d"] { #expect(!result.standardError.contains(value)) }
    }

    @Test("pseudonyms use the store's key, stable from run to run; a bad policy names its line")
    func policyAndKey() throws {
        let folder = TemporaryDirectory("custos-mask-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        var info = stat()
        #expect(stat(store + "/mask.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        let policy = folder.file("policy.yaml")
        try "name: joinable\ntypes:\n  email: pseudonym\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let first = try runCustos(["mask", "--store", store, "--policy", policy], input: "from ana@example.com\n")
        let second = try runCustos(["mask", "--store", store, "--policy", policy], input: "to ANA@example.com\n")
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)\(second.standardError)")
        #expect(first.standardOutput.hasPrefix("from <EMAIL:"))
        #expect(first.standardOutput.dropFirst(5) == second.standardOutput.dropFirst(3))
        // Without a store or a key file, a pseudonym policy is refused.
        let keyless = try runCustos(["mask", "--store", folder.file("none"), "--policy", policy], input: "a@example.com")
        #expect(keyless.status == 65)
        #expect(keyless.standardError.contains("need a key") || keyless.standardError.contains("needs a key"), "\(keyless.standardError)")
        try "types:\n  email: pseudonym\n  phnoe: redact\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let bad = try runCustos(["mask", "--store", store, "--policy", policy], input: "a@example.com")
        #expect(bad.status == 65)
        #expect(bad.standardError.contains("policy.yaml:3:"), "\(bad.standardError)")
        #expect(bad.standardError.contains("did you mean \"phone\""))
        #expect(bad.standardOutput.isEmpty)
    }

    @Test("--record appends a mask event with counts and hashes and no values")
    func record() throws {
        let folder = TemporaryDirectory("custos-mask-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let input = "ssn 123-45-6789 mail bo@example.com\n"
        let result = try runCustos([
            "mask", "--store", store, "--record", "--input", "dataset:s3://lake/raw/t", "--output", "dataset:s3://lake/masked/t",
        ], input: input)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("recorded the masking as seq 0"))
        let entry = try runCustos(["get", "--store", store, "0"]).standardOutput
        let parsed = try JSONParser.parse(entry.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(parsed["kind"] == .string("mask"))
        #expect(parsed["inputs"] == .array([.string("dataset:s3://lake/raw/t")]))
        #expect(parsed["attributes"]?["counts"] == .object(["ssn": 1, "email": 1]))
        #expect(parsed["attributes"]?["inputSha256"] == nil)
        #expect(parsed["attributes"]?["inputHmacSha256"]?.stringValue?.count == 64)
        #expect(!entry.contains(Hash256.sha256(Array(input.utf8)).hex), "no plain hash of the input in the ledger")
        #expect(!entry.contains("6789") && !entry.contains("bo@example.com"))
        let invalid = try runCustos(["mask", "--store", store, "--record", "--input", "not a node", "--output", "dataset:x"], input: "x")
        #expect(invalid.status == 65)
        #expect(try runCustos(["stats", "--store", store, "--json"]).standardOutput.contains("\"entries\":1"))
    }

    @Test("a large file streams through in small chunks with the output of one pass")
    func largeFile() throws {
        let folder = TemporaryDirectory("custos-mask-cli")
        let corpus = MaskingCorpus(size: 3_000_000, seed: 19)
        let path = folder.file("corpus.txt")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(corpus.bytes)))
        let small = try runCustos(["mask", "--store", folder.file("none"), "--format", "text", "--chunk-size", "1000", path])
        let large = try runCustos(["mask", "--store", folder.file("none"), "--format", "text", "--chunk-size", "4000000", path])
        #expect(small.status == 0 && large.status == 0)
        #expect(small.standardOutput == large.standardOutput)
        #expect(small.standardOutput.utf8.count < corpus.bytes.count)
        #expect(!small.standardOutput.contains("-----BEGIN RSA PRIVATE KEY-----\nM"))
    }
}
