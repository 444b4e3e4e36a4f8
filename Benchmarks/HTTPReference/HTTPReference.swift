import Hummingbird
import Logging
import NIOCore
import Synchronization

// The same-run reference for `Benchmarks/HTTP/run.sh`: Hummingbird 2 on its own, with the
// configuration `custos serve` uses, answering the requests the load generator sends while
// doing nothing else. It reads the bearer key's presence and the whole body, and answers
// `POST /v1/events` with a receipt of the size custos answers (seq, hash, time), from a
// counter. So the figure is the HTTP stack's own floor on this machine: what ingest would
// reach if recording an event cost nothing.
//
// Usage: HTTPReference PORT

@main
struct HTTPReference {
    static func main() async throws {
        let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 18_190
        var logger = Logger(label: "http-reference")
        logger.logLevel = .warning
        let router = Router()
        let counter = Counter()
        router.get("/healthz") { _, _ in "ok\n" }
        router.post("/v1/events") { request, _ -> Response in
            guard request.headers[.authorization]?.hasPrefix("Bearer ") == true else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 1 << 20)
            guard body.readableBytes > 0 else { return Response(status: .badRequest) }
            let seq = counter.next()
            let answer = "{\"hash\":\"\(receiptHash)\",\"seq\":\(seq),\"time\":\"2026-12-03T12:00:00.000000Z\"}\n"
            return Response(
                status: .created,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: answer))
            )
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "http-reference"),
            onServerRunning: { channel in print("http-reference listening on 127.0.0.1:\(channel.localAddress?.port ?? port)") },
            logger: logger
        )
        try await application.runService()
    }

    static let receiptHash = String(repeating: "ab", count: 32)
}

/// A sequence number shared by every connection.
final class Counter: Sendable {
    private let value = Mutex<UInt64>(0)
    func next() -> UInt64 { value.withLock { $0 += 1; return $0 } }
}
