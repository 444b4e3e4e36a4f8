import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@Suite("custos command line")
struct CLITests {
    @Test("init, append, get, tail, verify and stats work together")
    func basicFlow() throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        let initResult = try runCustos(["init", "--store", store, "--origin", "example.com/custos/test"])
        #expect(initResult.status == 0, "\(initResult.standardError)")
        #expect(initResult.standardOutput.contains("example.com/custos/test"))

        let single = try runCustos(["append", "--store", store, EventFactory.sampleLines[0]])
        #expect(single.status == 0, "\(single.standardError)")
        let receipt = try JSONParser.parse(single.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(receipt["seq"] == .number(0))
        #expect(receipt["duplicate"] == .bool(false))

        let batch = try runCustos(["append", "--store", store, "--batch-size", "2"], input: EventFactory.sampleLines.dropFirst().joined(separator: "\n") + "\n")
        #expect(batch.status == 0, "\(batch.standardError)")
        let receipts = batch.standardOutput.split(separator: "\n")
        #expect(receipts.count == EventFactory.sampleLines.count - 1)
        #expect(batch.standardError.contains("Appended 5 events"))

        // get prints the stored bytes; their leaf hash is what the receipt said.
        let got = try runCustos(["get", "--store", store, "0"])
        #expect(got.status == 0)
        let bytes = Array(got.standardOutput.utf8.dropLast())
        let hash = try runCustos(["get", "--store", store, "0", "--hash"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Hash256.leaf(bytes).hex == hash)
        #expect(receipt["hash"] == .string(hash))
        #expect(try runCustos(["get", "--store", store, "0", "--pretty"]).standardOutput.contains("\n  \"kind\": \"classify\""))

        let tail = try runCustos(["tail", "--store", store, "-n", "2"])
        #expect(tail.standardOutput.split(separator: "\n").count == 2)
        #expect(tail.standardOutput.contains("\"seq\":5"))

        let verify = try runCustos(["verify", "--store", store])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.hasPrefix("OK: 6 entries verified"))

        let stats = try runCustos(["stats", "--store", store, "--json"])
        #expect(stats.status == 0)
        let statsJSON = try JSONParser.parse(stats.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(statsJSON["entries"] == .number(6))
        #expect(statsJSON["origin"] == .string("example.com/custos/test"))

        // Input that ends exactly at a batch boundary.
        let exact = try runCustos(["append", "--store", store, "--batch-size", "3", "--concurrency", "1"], input: EventFactory.sampleLines.joined(separator: "\n") + "\n")
        #expect(exact.status == 0, "\(exact.standardError)")
        #expect(exact.standardOutput.split(separator: "\n").count == 6)

        // CUSTOS_STORE stands in for --store.
        let viaEnvironment = try runCustos(["stats"], environment: ["CUSTOS_STORE": store])
        #expect(viaEnvironment.standardOutput.contains("entries     11"))
    }

    @Test("errors are clear and exit with the documented codes")
    func errors() throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        let missing = try runCustos(["stats", "--store", store])
        #expect(missing.status == 66)
        #expect(missing.standardError.contains("custos init --store"))

        #expect(try runCustos(["init", "--store", store]).status == 0)
        let again = try runCustos(["init", "--store", store])
        #expect(again.status == 65)
        #expect(again.standardError.contains("already exists"))

        let badArgument = try runCustos(["append", "--store", store, #"{"kind":"read","actor":"bob"}"#])
        #expect(badArgument.status == 65)
        #expect(badArgument.standardError.contains("actor.id"))

        let lines = [EventFactory.sampleLines[0], EventFactory.sampleLines[1], #"{"kind":"read","actor":"agent:x","inputs":["no-type"]}"#, EventFactory.sampleLines[2]]
        let partial = try runCustos(["append", "--store", store], input: lines.joined(separator: "\n"))
        #expect(partial.status == 65)
        #expect(partial.standardError.contains("line 3"))
        #expect(partial.standardError.contains("inputs[0]"))
        #expect(partial.standardOutput.split(separator: "\n").count == 2)
        #expect(try Ledger.open(at: store).head().size == 2)

        let noEntry = try runCustos(["get", "--store", store, "9"])
        #expect(noEntry.status == 74)
        #expect(noEntry.standardError.contains("seq 0 to 1"))

        #expect(try runCustos(["verify", "--store", store, "--from", "nonsense"]).status == 64)
        #expect(try runCustos(["append", "--store", store, "--batch-size", "0"]).status == 64)
    }

    @Test("verify exits 1 and names the first bad seq of a damaged store")
    func verifyFailure() async throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        do {
            let ledger = try Ledger.create(at: store)
            _ = try await ledger.append(contentsOf: EventFactory().transforms(50))
            await ledger.close()
        }
        // Flip one byte of entry 31 straight in the LMDB file: find its bytes and change them.
        let ledger = try Ledger.open(at: store)
        let entry = try ledger.withEntryBytes(at: 31) { Array($0) }
        let path = store + "/data.mdb"
        var file = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let range = file.firstRange(of: Data(entry)) else {
            Issue.record("entry bytes not found in the data file")
            return
        }
        let target = range.lowerBound + entry.count / 2
        file[target] = file[target] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try file.write(to: URL(fileURLWithPath: path))
        let verify = try runCustos(["verify", "--store", store])
        #expect(verify.status == 1)
        #expect(verify.standardOutput.contains("first bad seq 31"), "\(verify.standardOutput)")
        let json = try runCustos(["verify", "--store", store, "--json"])
        #expect(try JSONParser.parse(json.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))["firstBadSeq"] == .number(31))
    }

    @Test("long runs draw a progress bar on a terminal and stay quiet otherwise")
    func progressBar() async throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        do {
            let ledger = try Ledger.create(at: store)
            _ = try await ledger.append(contentsOf: EventFactory().transforms(30_000))
            await ledger.close()
        }
        let quiet = try runCustos(["verify", "--store", store])
        #expect(quiet.status == 0)
        #expect(quiet.standardError.isEmpty)
        // `script` gives the command a pseudo-terminal, as a person at a shell would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-c", "\(CustosBinary.path) verify --threads 1 --store \(store)", "/dev/null"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.contains("verifying ["), "\(text)")
        #expect(text.contains("OK: 30000 entries verified"))
    }

    @Test("tail -f prints entries appended by another process")
    func tailFollow() async throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let tail = try ChildProcess(["tail", "-f", "--store", store, "--interval", "50"])
        defer { tail.kill() }
        #expect(try runCustos(["append", "--store", store, EventFactory.sampleLines[3]]).status == 0)
        var seen = false
        for _ in 0..<100 where !seen {
            try await Task.sleep(nanoseconds: 50_000_000)
            seen = tail.outputSoFar.contains("\"request:r-1\"")
        }
        #expect(seen)
    }

    @Test("a reader sees edges another process appended, though it had read those lists before")
    func edgesFromAnotherProcess() async throws {
        let folder = TemporaryDirectory("custos-cli")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let ledger = try Ledger.open(at: store)
        func downstream() throws -> Set<String> {
            try ledger.withSnapshot { snapshot in
                guard let key = try snapshot.nodeKey(NodeID("dataset:a")) else { return [] }
                var found = Set<String>()
                try snapshot.forEachEdge(of: key, .outgoing) { edge in
                    found.insert(try snapshot.nodeID(edge.other).rawValue)
                    return true
                }
                return found
            }
        }
        func transform(to output: String) throws -> Event {
            try Event(kind: .transform, actor: .agent("etl"), inputs: [NodeID("dataset:a")], outputs: [NodeID(output)])
        }
        _ = try await ledger.append(transform(to: "dataset:b"))
        #expect(try downstream() == ["dataset:b"])
        let line = #"{"kind":"transform","actor":"agent:etl","inputs":["dataset:a"],"outputs":["dataset:c"]}"#
        let other = try runCustos(["append", "--store", store, line])
        #expect(other.status == 0, "\(other.standardError)")
        #expect(try downstream() == ["dataset:b", "dataset:c"])
        // This process's writer now commits after the other's: what it read before is dropped.
        _ = try await ledger.append(transform(to: "dataset:d"))
        #expect(try downstream() == ["dataset:b", "dataset:c", "dataset:d"])
        await ledger.close()
    }

    @Test("keys create --on-behalf-of binds an owner to the key; keys list shows it; the key's own identity is refused as its owner")
    func keyOwner() throws {
        let folder = TemporaryDirectory("custos-cli-keys")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let created = try runCustos(["keys", "create", "--store", store, "--identity", "agent:bot", "--role", "agent", "--on-behalf-of", "human:ann@example.com"])
        #expect(created.status == 0, "\(created.standardError)")
        #expect(created.standardError.contains("on behalf of human:ann@example.com"), "\(created.standardError)")
        let listed = try runCustos(["keys", "list", "--store", store])
        #expect(listed.standardOutput.contains("agent:bot  on behalf of human:ann@example.com"), "\(listed.standardOutput)")
        let selfOwned = try runCustos(["keys", "create", "--store", store, "--identity", "agent:bot", "--role", "agent", "--on-behalf-of", "agent:bot"])
        #expect(selfOwned.status != 0 && selfOwned.standardError.contains("other than the key's own"), "\(selfOwned.standardError)")
    }
}
