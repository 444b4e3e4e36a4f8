import CustosLedger
import CustosLineage
import CustosTestSupport
import Foundation
import Testing

@testable import CustosQuery

@Suite("LQL queries against a generated store")
struct QueryEngineTests {
    func engine() async throws -> (QueryEngine, GeneratedStore) {
        let store = try await GeneratedStore.shared.value
        return (QueryEngine(ledger: store.ledger), store)
    }

    @Test("an upstream trace returns exactly the ancestors the events recorded")
    func traceMatchesBruteForce() async throws {
        let (engine, store) = try await engine()
        let entries = try store.all()
        var parents: [String: Set<String>] = [:]
        for entry in entries where entry.event.kind != .classify {
            for output in entry.event.outputs { for input in entry.event.inputs where input != output { parents[output.rawValue, default: []].insert(input.rawValue) } }
        }
        let exportID = store.generator.node(7, 3).rawValue
        var expected = Set<String>()
        var frontier = [exportID]
        for _ in 0..<10 {
            frontier = frontier.flatMap { parents[$0] ?? [] }.filter { expected.insert($0).inserted }
        }
        let result = try engine.run(#"TRACE UPSTREAM FROM "\#(exportID)" DEPTH 10"#)
        #expect(Set(result.rows.compactMap { $0[0].stringValue }) == expected)
        #expect(result.truncation == nil)
        let onlySources = try engine.run(#"TRACE UPSTREAM FROM "\#(exportID)" ONLY dataset THROUGH transform, mask"#)
        #expect(onlySources.rows.allSatisfy { $0[1] == "dataset" })
    }

    @Test("an event search by actor and time uses the actor index and agrees with a full scan")
    func eventSearch() async throws {
        let (engine, store) = try await engine()
        let entries = try store.all()
        let actor = "agent:pipeline-5"
        let since = entries[1_500].time
        let result = try engine.run(#"EVENTS WHERE actor = "\#(actor)" AND time >= $since AND kind IN (transform, mask) NEWEST FIRST LIMIT 50"#, options: QueryOptions(parameters: ["since": since.description]))
        let expected = entries.filter { $0.event.actor.id.rawValue == actor && $0.time >= since && [EventKind.transform, .mask].contains($0.event.kind) }.map(\.seq).reversed().prefix(50)
        #expect(result.rows.map { UInt64($0[0].numberValue ?? -1) } == Array(expected))
        #expect(result.plan.hasPrefix("by_actor index agent:pipeline-5"))
        #expect(result.truncation != nil)  // there are more than 50
        let oldest = try engine.run(#"EVENTS WHERE actor = "\#(actor)" OLDEST FIRST LIMIT 3"#)
        #expect(oldest.rows.map { UInt64($0[0].numberValue ?? -1) } == Array(entries.filter { $0.event.actor.id.rawValue == actor }.map(\.seq).prefix(3)))
    }

    @Test("conditions on attributes, nodes and missing fields")
    func conditions() async throws {
        let (engine, store) = try await engine()
        let entries = try store.all()
        let big = try engine.run("EVENTS WHERE attributes.rows > 90000 AND kind = transform LIMIT 100000")
        #expect(big.rows.count == entries.filter { $0.event.kind == .transform && ($0.event.attributes["rows"]?.numberValue ?? 0) > 90_000 }.count)
        let node = store.generator.node(3, 7).rawValue
        let touching = try engine.run(#"EVENTS WHERE node = "\#(node)" LIMIT 100000"#)
        #expect(touching.rows.count == entries.filter { ($0.event.inputs + $0.event.outputs).map(\.rawValue).contains(node) }.count)
        #expect(touching.plan.hasPrefix("by_node index"))
        let unattended = try engine.run("EVENTS WHERE on_behalf_of IS MISSING AND actor_type = agent LIMIT 100000")
        #expect(unattended.rows.count == entries.filter { $0.event.actor.onBehalfOf == nil && $0.event.actor.kind == .agent }.count)
        let none = try engine.run(#"EVENTS WHERE actor = "agent:nobody""#)
        #expect(none.rows.isEmpty)
        #expect(none.plan.contains("no event by agent:nobody"))
        // Every entry has a time and a seq.
        #expect(try engine.run("EVENTS WHERE time IS MISSING").rows.isEmpty)
        #expect(try engine.run("EVENTS WHERE seq IS NOT MISSING LIMIT 5").rows.count == 5)
        // A parameter reads as the same text in the query would: a JSON number, not hex.
        let rows = try #require(entries.lazy.compactMap { $0.event.attributes["rows"]?.numberValue }.first { $0 >= 16 && $0 == $0.rounded() })
        let matching = entries.filter { $0.event.attributes["rows"]?.numberValue == rows }.count
        #expect(try engine.run("EVENTS WHERE attributes.rows = $r LIMIT 100000", options: QueryOptions(parameters: ["r": String(Int(rows))])).rows.count == matching)
        #expect(try engine.run("EVENTS WHERE attributes.rows = $r LIMIT 100000", options: QueryOptions(parameters: ["r": "0x" + String(Int(rows), radix: 16)])).rows.isEmpty)
    }

    @Test("counts grouped by kind and day agree with the log")
    func counts() async throws {
        let (engine, store) = try await engine()
        let entries = try store.all()
        let byKind = try engine.run("COUNT EVENTS BY kind")
        var expected: [String: Int] = [:]
        for entry in entries { expected[entry.event.kind.rawValue, default: 0] += 1 }
        #expect(Dictionary(uniqueKeysWithValues: byKind.rows.map { ($0[0].stringValue ?? "", Int($0[1].numberValue ?? 0)) }) == expected)
        let byDay = try engine.run("COUNT EVENTS WHERE kind = export BY day")
        #expect(byDay.rows.reduce(0) { $0 + Int($1[1].numberValue ?? 0) } == expected["export"])
        let asOf = try engine.run("COUNT EVENTS AS OF CHECKPOINT \(store.checkpointSize)")
        #expect(asOf.rows.first?[0].numberValue == Double(store.checkpointSize))
        // Group values count against the answer's byte limit, as entries do for EVENTS.
        let attributeGroups = try engine.run("COUNT EVENTS BY attributes.rows")
        #expect(attributeGroups.truncation == nil)
        let groupBytes = attributeGroups.rows.reduce(0) { $0 + $1[0].description.utf8.count }
        let cut = try engine.run("COUNT EVENTS BY attributes.rows", options: QueryOptions(maxResultBytes: groupBytes / 2))
        #expect(cut.truncation?.contains("the groups' values reached \(groupBytes / 2) bytes") == true, "\(String(describing: cut.truncation))")
        #expect(cut.rows.count < attributeGroups.rows.count && !cut.rows.isEmpty)
        #expect(cut.rows.reduce(0) { $0 + $1[0].description.utf8.count } <= groupBytes / 2)
    }

    @Test("the finders name exactly the planted violations")
    func finders() async throws {
        let (engine, store) = try await engine()
        let seqs = { (offsets: [Int]) in offsets.map { Double(store.storyStart) + Double($0) } }
        let unapproved = try engine.run("FIND EXPORTS WITHOUT APPROVAL")
        let leak = Double(store.storyStart) + Double(store.story.events.count)
        #expect(unapproved.rows.map { $0[0].numberValue ?? -1 } == seqs(store.story.unapprovedExports) + [leak])
        let selfApproved = try engine.run("FIND SELF APPROVALS")
        #expect(selfApproved.rows.map { $0[0].numberValue ?? -1 } == seqs(store.story.selfApprovals))
        let afterDenial = try engine.run("FIND EXECUTIONS AFTER DENIAL")
        #expect(afterDenial.rows.map { $0[0].numberValue ?? -1 } == seqs(store.story.executionsAfterDenial))
        let before = try engine.run("FIND EXPORTS WITHOUT APPROVAL AS OF CHECKPOINT \(store.checkpointSize)")
        #expect(before.rows.isEmpty)
    }

    @Test("a query with no AS OF reads the log as of QueryOptions.asOfSize when one is given")
    func defaultAsOf() async throws {
        let (engine, store) = try await engine()
        let asOf = QueryOptions(asOfSize: store.checkpointSize)
        #expect(try engine.run("FIND EXPORTS WITHOUT APPROVAL", options: asOf).rows.isEmpty)
        let counted = try engine.run("COUNT EVENTS", options: asOf)
        #expect(counted.rows.first?.last?.numberValue == Double(store.checkpointSize))
        // A query's own AS OF wins.
        let all = try engine.run("COUNT EVENTS AS OF SEQ \(store.storyStart + 9)", options: asOf)
        #expect(all.rows.first?.last?.numberValue == Double(store.storyStart + 10))
        #expect(try engine.run("FIND EXPORTS WITHOUT APPROVAL").rows.count > 0)
    }

    @Test("PII paths that skip masking find the leak and nothing else; tags explain themselves")
    func pathsAndTags() async throws {
        let (engine, store) = try await engine()
        let skipping = try engine.run("PATHS FROM dataset TAGGED pii, phi TO export AVOIDING mask")
        let targets = Set(skipping.rows.compactMap { $0[1].stringValue })
        let direct = try engine.run("PATHS FROM dataset TAGGED pii TO export AVOIDING mask LIMIT 10000")
        #expect(Set(direct.rows.compactMap { $0[1].stringValue }).isSubset(of: ["export:s3://leak/0.csv"]))
        #expect(targets.isSubset(of: ["export:s3://leak/0.csv"]))
        let staging = store.generator.node(2, 0).rawValue
        let tags = try engine.run(#"TAGS OF "\#(staging)""#)
        #expect(tags.rows.allSatisfy { $0[1] == "inherited" })
        #expect(!tags.rows.isEmpty)
        let mart = try engine.run(#"TAGS OF "\#(store.generator.node(6, 0))""#)
        #expect(mart.rows.isEmpty)  // everything a mart is made of went through masking
    }

    @Test("the output formats: JSON, NDJSON and an aligned table")
    func formats() async throws {
        let (engine, _) = try await engine()
        let result = try engine.run("COUNT EVENTS BY kind")
        let json = try JSONParser.parse(ResultFormat.json.render(result))
        #expect(json["statement"] == "COUNT")
        #expect(json["rows"]?.arrayValue?.count == result.rows.count)
        let ndjson = ResultFormat.ndjson.render(result).split(separator: "\n")
        #expect(ndjson.count == result.rows.count)
        #expect(try JSONParser.parse(String(ndjson[0]))["count"] != nil)
        let table = ResultFormat.table.render(result).split(separator: "\n")
        #expect(table[0].hasPrefix("kind"))
        #expect(table[1].hasPrefix("----"))
        #expect(table.last == "(\(result.rows.count) rows)")
    }

    @Test("binding errors are positioned too")
    func bindingErrors() async throws {
        let (engine, _) = try await engine()
        let cases: [(String, String, Int)] = [
            ("EVENTS WHERE time > $since", "the parameter $since has no value", 21),
            (#"TRACE UPSTREAM FROM "no-type""#, "has no type", 21),
            (#"TRACE UPSTREAM FROM "dataset:never-seen""#, "no event names the node dataset:never-seen", 21),
            ("EVENTS WHERE time > 2026-13-45", "is not a time", 21),
            ("EVENTS AS OF CHECKPOINT 12345", "no signed checkpoint of size 12345", 25),
            ("EVENTS WHERE kind > export", "can only be compared with = or !=", 14),
        ]
        for (query, message, column) in cases {
            do {
                _ = try engine.run(query)
                Issue.record("expected an error for \(query)")
            } catch let error as LQLError {
                #expect(error.message.contains(message), "\(error)")
                #expect(error.location.column == column, "\(query): \(error)")
            }
        }
    }
}
