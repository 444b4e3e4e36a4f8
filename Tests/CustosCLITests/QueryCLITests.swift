import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@Suite("custos query and custos trace")
struct QueryCLITests {
    @Test("queries run from the command line, from files, with parameters, in every format")
    func queries() throws {
        let folder = TemporaryDirectory("custos-query-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        #expect(try runCustos(["append", "--store", store, "--quiet"], input: EventFactory.sampleLines.joined(separator: "\n")).status == 0)

        let trace = try runCustos(["trace", "--store", store, "export:s3://partner/q3.csv", "--format", "json"])
        #expect(trace.status == 0, "\(trace.standardError)")
        let traced = try JSONParser.parse(trace.standardOutput)
        #expect(Set(traced["rows"]?.arrayValue?.compactMap { $0["node"]?.stringValue } ?? []) == [
            "dataset:s3://lake/masked/customers", "dataset:s3://lake/staging/customers", "dataset:pg://crm/public.customers",
        ])
        let down = try runCustos(["trace", "--store", store, "dataset:pg://crm/public.customers", "--down", "--format", "ndjson"])
        #expect(down.standardOutput.contains("export:s3://partner/q3.csv"))

        let table = try runCustos(["query", "--store", store, "COUNT EVENTS BY kind", "--format", "table"])
        #expect(table.standardOutput.hasPrefix("kind"))
        #expect(table.standardOutput.contains("(6 rows)"))

        try "-- Control: test\nEVENTS WHERE actor = $who NEWEST FIRST".write(toFile: folder.file("q.lql"), atomically: true, encoding: .utf8)
        let fromFile = try runCustos(["query", "--store", store, "-f", folder.file("q.lql"), "--param", "who=agent:export-bot", "--explain"])
        #expect(fromFile.status == 0, "\(fromFile.standardError)")
        #expect(fromFile.standardOutput.split(separator: "\n").count == 2)
        #expect(fromFile.standardError.contains("plan: by_actor index agent:export-bot"))

        let pii = try runCustos(["query", "--store", store, "TAGS OF \"dataset:s3://lake/staging/customers\"", "--format", "json"])
        #expect(try JSONParser.parse(pii.standardOutput)["rows"]?.arrayValue?.first?["tag"] == "pii")
    }

    @Test("a bad query exits 65 with the position, the caret and a suggestion")
    func errors() throws {
        let folder = TemporaryDirectory("custos-query-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let bad = try runCustos(["query", "--store", store, "TRACE UPSTRAEM FROM \"dataset:x\""])
        #expect(bad.status == 65)
        #expect(bad.standardError.contains("found UPSTRAEM at 1:7"))
        #expect(bad.standardError.contains("      ^^^^^^^^"))
        #expect(bad.standardError.contains("did you mean UPSTREAM?"))
        let unknown = try runCustos(["trace", "--store", store, "dataset:nowhere"])
        #expect(unknown.status == 65)
        #expect(unknown.standardError.contains("no event names the node dataset:nowhere"))
        #expect(try runCustos(["query", "--store", store]).status == 64)
    }
}
