import AsyncHTTPClient
import Benchmark
import BenchmarkSupport
import CustosGate
import CustosLedger
import CustosServer
import Foundation
import Logging

// The approval gate over HTTP on loopback: one request → approve → token → redeem cycle
// (human think time excluded), against one plain round trip in the same run; and a thousand
// agents waiting at once on long polls. Run with `make bench BENCH_FILTER='Gate.*'`.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 20,
        maxDuration: .seconds(15),
        maxIterations: 5_000
    )

    let server = FixtureSlot<GateServer>()
    let resource = "dataset:bench/customers"
    // Each step of the cycle timed on its own, reported when the benchmark ends: where a
    // cycle's time goes, beside the one-GET reference below.
    let steps = StepTimes(["ask", "approve", "wake with token", "redeem"])

    // As an agent does it (GateClient.authorize): it asks, then waits on a long poll that
    // brings the token with the approval, while the approver approves at once.
    Benchmark(
        "Gate request approve token redeem over HTTP",
        closure: { benchmark in
            guard let server = server.get() else { return }
            for _ in benchmark.scaledIterations {
                let asked = try await steps.time(0) {
                    try await server.agent.submit(.export(resource: NodeID(resource)), justification: "benchmark", payload: nil, idempotencyKey: nil)
                }
                let deciding = Task { try await server.agent.waitWithToken(for: asked.id, timeout: .seconds(10)) }
                defer { deciding.cancel() }
                _ = try await steps.time(1) { try await server.approver.approve(asked.id, reason: nil) }
                let woke = try await steps.time(2) { try await deciding.value }
                guard let token = woke.token else { throw GateError.refused("\(asked.id) woke \(woke.request.status.rawValue), without a token") }
                blackHole(try await steps.time(3) { try await server.agent.redeem(token, action: "export", resource: resource) })
            }
        },
        setup: { server.set(try await GateServer.start()) },
        teardown: {
            await server.get()?.stop()
            server.set(nil)
            recordFigure("Gate cycle by step over HTTP (ms): " + steps.summary())
        }
    )

    // The reference: one authenticated round trip that reads a request and writes nothing.
    let reference = FixtureSlot<(GateServer, NodeID)>()
    Benchmark(
        "Gate reference: one GET of a request over HTTP",
        closure: { benchmark in
            guard let (server, id) = reference.get() else { return }
            for _ in benchmark.scaledIterations { blackHole(try await server.agent.status(of: id)) }
        },
        setup: {
            let server = try await GateServer.start()
            let asked = try await server.agent.submit(.export(resource: NodeID(resource)), justification: "benchmark", payload: nil, idempotencyKey: nil)
            reference.set((server, asked.id))
        },
        teardown: {
            await reference.get()?.0.stop()
            reference.set(nil)
        }
    )

    // A thousand agents ask and wait at once (a long poll each), then an approver approves
    // every request: how much memory the waiting costs, and how soon each agent wakes after
    // its approval lands. One iteration is the whole scenario; figures are printed.
    let crowd = FixtureSlot<GateServer>()
    Benchmark(
        "Gate 1000 agents waiting, all approved",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident], warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3),
        closure: { benchmark in
            guard let server = crowd.get() else { return }
            for _ in benchmark.scaledIterations { try await server.waitingCrowd(1_000, resource: resource) }
        },
        setup: { crowd.set(try await GateServer.start()) },
        teardown: {
            await crowd.get()?.stop()
            crowd.set(nil)
        }
    )
}

/// `custos serve` in this process, on a fresh store, with an agent's and an approver's key.
final class GateServer: Sendable {
    let fixture: BenchmarkFixture
    let state: ServerState
    let agent: RemoteGate
    let approver: RemoteGate
    /// For the crowd: one connection per waiting agent.
    let crowdClient: HTTPClient
    let crowdAgent: RemoteGate
    let service: Task<Void, any Error>

    static func start() async throws -> GateServer {
        let fixture = try BenchmarkFixture()
        var configuration = ServerConfiguration()
        configuration.storePath = fixture.ledger.path
        configuration.port = 0
        var logger = Logger(label: "custos-bench")
        logger.logLevel = .error
        let state = try await ServerState(configuration: configuration, ledger: fixture.ledger, logger: logger)
        let agentKey = try state.keys.create(identity: NodeID("agent:bench-bot"), roles: [.agent]).key
        let approverKey = try state.keys.create(identity: NodeID("human:approver@example.com"), roles: [.approver]).key
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let application = CustosServer.makeApplication(state: state, logger: logger) { port in announce.yield(port) }
        let service = Task { try await application.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), let url = URL(string: "http://127.0.0.1:\(port)") else {
            service.cancel()
            throw CancellationError()
        }
        var crowdConfiguration = HTTPClient.Configuration()
        crowdConfiguration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_100)
        let crowdClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: crowdConfiguration)
        return GateServer(
            fixture: fixture, state: state, agent: RemoteGate(server: url, apiKey: agentKey), approver: RemoteGate(server: url, apiKey: approverKey),
            crowdClient: crowdClient, crowdAgent: RemoteGate(server: url, apiKey: agentKey, client: crowdClient), service: service
        )
    }

    private init(
        fixture: BenchmarkFixture, state: ServerState, agent: RemoteGate, approver: RemoteGate, crowdClient: HTTPClient, crowdAgent: RemoteGate,
        service: Task<Void, any Error>
    ) {
        self.fixture = fixture
        self.state = state
        self.agent = agent
        self.approver = approver
        self.crowdClient = crowdClient
        self.crowdAgent = crowdAgent
        self.service = service
    }

    func stop() async {
        try? await crowdClient.shutdown()
        service.cancel()
        _ = try? await service.value
    }

    /// `count` agents ask and wait; every request is then approved, sixteen at a time.
    func waitingCrowd(_ count: Int, resource: String) async throws {
        let clock = ContinuousClock()
        var ids: [NodeID] = []
        for _ in 0..<count {
            ids.append(try await agent.submit(.export(resource: NodeID(resource)), justification: "crowd", payload: nil, idempotencyKey: nil).id)
        }
        let before = Self.residentBytes()
        let woke = try await withThrowingTaskGroup(of: (NodeID, ContinuousClock.Instant).self) { group in
            for id in ids {
                group.addTask {
                    let decided = try await self.crowdAgent.wait(for: id, timeout: .seconds(120))
                    guard decided.status == .approved else { throw GateError.refused("\(id) woke \(decided.status.rawValue)") }
                    return (id, clock.now)
                }
            }
            while state.gate.waiterCount < count { try await Task.sleep(for: .milliseconds(10)) }
            let waiting = Self.residentBytes()
            let approved = try await withThrowingTaskGroup(of: (NodeID, ContinuousClock.Instant).self) { approvals in
                var next = 0
                var times: [NodeID: ContinuousClock.Instant] = [:]
                while next < min(16, ids.count) {
                    let id = ids[next]
                    approvals.addTask { _ = try await self.approver.approve(id, reason: nil); return (id, clock.now) }
                    next += 1
                }
                while let (id, time) = try await approvals.next() {
                    times[id] = time
                    if next < ids.count {
                        let id = ids[next]
                        approvals.addTask { _ = try await self.approver.approve(id, reason: nil); return (id, clock.now) }
                        next += 1
                    }
                }
                return times
            }
            var latencies: [Double] = []
            for try await (id, time) in group {
                if let approvedAt = approved[id] { latencies.append(max(0, Double((time - approvedAt) / .microseconds(1)))) }
            }
            latencies.sort()
            func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            recordFigure((
                "Gate: \(count) agents waiting: resident memory \(before >> 20) MiB before, \(waiting >> 20) MiB while waiting (\((waiting - before) / count) bytes per waiting agent, client and server together); wake after approval p50 \(Int(percentile(0.5))) µs, p99 \(Int(percentile(0.99))) µs, max \(Int(latencies.last ?? 0)) µs"
            ))
            return latencies.count
        }
        guard woke == count else { throw GateError.refused("only \(woke) of \(count) agents woke") }
    }

    /// This process's resident memory, from /proc.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
