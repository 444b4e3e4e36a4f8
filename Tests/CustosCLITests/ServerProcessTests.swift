import CustosLedger
import CustosTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `custos serve` as it runs in production: a real process on loopback, spoken to over HTTP.
@Suite("custos serve, a process on loopback")
struct ServerProcessTests {
    /// Starts a server on a free port; returns it and the port it printed.
    private func start(store: String, _ options: [String] = []) async throws -> (ChildProcess, Int) {
        let server = try ChildProcess(["serve", "--store", store, "--port", "0"] + options)
        for _ in 0..<200 {
            if let range = server.errorSoFar.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let text = server.errorSoFar[range]
                if let port = Int(text.split(separator: ":").last ?? "") { return (server, port) }
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        server.kill()
        throw CommandFailure("the server did not start: \(server.errorSoFar)")
    }

    struct CommandFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private func request(_ port: Int, _ path: String, method: String = "GET", key: String?, body: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    private func makeKey(_ store: String, identity: String, roles: [String]) throws -> String {
        let result = try runCustos(["keys", "create", "--store", store, "--identity", identity] + roles.flatMap { ["--role", $0] })
        guard result.status == 0 else { throw CommandFailure(result.standardError) }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("every event acknowledged over HTTP is in the store after SIGTERM, and the store verifies")
    func gracefulShutdown() async throws {
        let folder = TemporaryDirectory("custos-serve")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let key = try makeKey(store, identity: "agent:loader", roles: ["agent"])
        let (server, port) = try await start(store: store)
        // Eight clients appending at once: each answer comes only once the event is durable.
        let receipts = try await withThrowingTaskGroup(of: [(UInt64, String)].self) { group in
            for client in 0..<8 {
                group.addTask {
                    var mine: [(UInt64, String)] = []
                    for index in 0..<25 {
                        let (status, body) = try await request(port, "/v1/events", method: "POST", key: key, body: #"{"kind":"read","inputs":["dataset:c\#(client)-\#(index)"]}"#)
                        guard status == 201, let json = try? JSONParser.parse(body), let seq = json["seq"]?.numberValue, let hash = json["hash"]?.stringValue else {
                            throw CommandFailure("append answered \(status): \(body)")
                        }
                        mine.append((UInt64(seq), hash))
                    }
                    return mine
                }
            }
            var all: [(UInt64, String)] = []
            for try await batch in group { all += batch }
            return all
        }
        #expect(receipts.count == 200)
        let (status, health) = try await request(port, "/healthz", key: nil)
        #expect(status == 200 && health.contains("\"entries\":200"))
        server.kill(SIGTERM)
        let result = server.wait()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("shutting down"))
        #expect(!result.standardError.contains(key), "the key was logged")
        let ledger = try Ledger.open(at: store)
        for (seq, hash) in receipts { #expect(try ledger.leafHash(at: seq).hex == hash) }
        #expect(try ledger.verify().isValid)
    }

    @Test("serve --read-only answers reads, refuses writes with 403 read_only, and sees what another process appends")
    func readOnlyServer() async throws {
        let folder = TemporaryDirectory("custos-serve")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let key = try makeKey(store, identity: "agent:loader", roles: ["agent", "auditor"])
        #expect(try runCustos(["append", "--store", store, EventFactory.sampleLines[0]]).status == 0)
        let (server, port) = try await start(store: store, ["--read-only"])
        #expect(server.errorSoFar.contains("read-only"), "\(server.errorSoFar)")
        let (_, health) = try await request(port, "/healthz", key: nil)
        #expect(health.contains(#""readOnly":true"#) && health.contains(#""entries":1"#), "\(health)")
        let (status, refusal) = try await request(port, "/v1/events", method: "POST", key: key, body: #"{"kind":"read","inputs":["dataset:x"]}"#)
        #expect(status == 403 && refusal.contains("read_only"), "\(status) \(refusal)")
        #expect(try await request(port, "/v1/events/0", key: key).0 == 200)
        // A writer in another process: the read-only server reads its commits.
        #expect(try runCustos(["append", "--store", store, EventFactory.sampleLines[1]]).status == 0)
        #expect(try await request(port, "/v1/events/1", key: key).0 == 200)
        let (_, later) = try await request(port, "/healthz", key: nil)
        #expect(later.contains(#""entries":2"#), "\(later)")
        server.kill(SIGTERM)
        let result = server.wait()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try Ledger.open(at: store).verify().isValid)
    }

    @Test("the official OpenLineage Python client emits to the server; the Marquez graph shows its job")
    func openLineageClient() async throws {
        let folder = TemporaryDirectory("custos-serve")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        let agent = try makeKey(store, identity: "service:airflow", roles: ["agent"])
        let auditor = try makeKey(store, identity: "human:ann@example.com", roles: ["auditor"])
        let (server, port) = try await start(store: store)
        defer { server.kill() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openlineage_emit.py").path
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", script, "http://127.0.0.1:\(port)", agent]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(printed)")
        let (status, body) = try await request(port, "/api/v1/lineage?nodeId=dataset:s3://lake:marts/orders_daily&depth=3", key: auditor)
        #expect(status == 200, "\(body)")
        #expect(body.contains(#""id":"job:airflow:orders_daily""#), "\(body)")
        #expect(body.contains("dataset:postgres://db:5432:shop.public.orders"))
        let (_, events) = try await request(port, "/v1/events", key: auditor)
        #expect(events.split(separator: "\n").count == 2)
        #expect(events.contains(#""id":"service:airflow""#))
    }
}
