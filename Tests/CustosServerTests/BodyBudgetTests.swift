import CompressNIO
import CustosConfig
import CustosLedger
@testable import CustosServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Server: request bodies held at once are bounded over all requests")
struct BodyBudgetTests {
    /// A JSON batch of `count` small events, about 150 bytes each.
    static func batch(_ count: Int, tag: String) -> String {
        "[" + (0..<count).map { #"{"kind":"transform","inputs":["dataset:budget/in-\#($0)"],"outputs":["dataset:budget/\#(tag)-\#($0)"],"attributes":{"n":\#($0)}}"# }
            .joined(separator: ",") + "]"
    }

    @Test(
        "while one client's half-sent body holds most of the budget, another large body gets 503 server_busy and writes nothing; once the first is answered, it goes through",
        arguments: [false, true]
    )
    func aStalledBodyHoldsTheBudget(chunked: Bool) async throws {
        let fixture = try await ServerFixture {
            $0.limits.maxBodyBytes = 768 << 10
            $0.limits.maxBodyBytesInFlight = 1 << 20
        }
        let held = Self.batch(5_500, tag: "held")  // about 660 KB
        let other = Self.batch(4_000, tag: "other")  // about 480 KB: more than is left
        #expect(held.utf8.count > 600_000 && held.utf8.count < 768 << 10 && other.utf8.count > (1 << 20) - held.utf8.count + 4_096)
        try await fixture.application.test(.live) { client in
            let port = try #require(client.port)
            // A client that sends all of its body but the last 4 KB, and waits.
            let raw = try RawConnection(port: port)
            let bytes = Array(held.utf8)
            let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(bytes.count)"
            try await raw.send(Array("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(fixture.key(.agent))\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n".utf8))
            // Chunked, in pieces of 64 KB: the server takes them from the budget as they come.
            func send(_ part: ArraySlice<UInt8>) async throws {
                guard chunked else { return try await raw.send(Array(part)) }
                var offset = part.startIndex
                while offset < part.endIndex {
                    let piece = part[offset..<min(part.endIndex, offset + 65_536)]
                    try await raw.send(Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8))
                    offset = piece.endIndex
                }
            }
            try await send(bytes.dropLast(4_096))
            try await waitUntil { fixture.state.bodyBudget.inUse >= bytes.count - 4_096 }

            let refused = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: other))
            #expect(refused.status == .serviceUnavailable, "\(refused.text)")
            #expect(refused.json?["error"]?["code"] == .string("server_busy"))
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("maxBodyBytesInFlight") == true)
            #expect(try fixture.ledger.head().size == 0)
            // A small body still fits beside the held one.
            let small = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: Self.batch(10, tag: "small")))
            #expect(small.status == .created, "\(small.text)")

            // The first client finishes its body: it is answered, and gives its bytes back.
            try await send(bytes.suffix(4_096))
            if chunked { try await raw.send(Array("0\r\n\r\n".utf8)) }
            let answer = try await raw.receiveHead()
            #expect(answer.hasPrefix("HTTP/1.1 201"), "\(answer)")
            raw.close()
            try await waitUntil { fixture.state.bodyBudget.inUse == 0 }

            let accepted = try await client.execute(uri: "/v1/events", method: .post, headers: ServerFixture.headers(key: fixture.key(.agent)), body: ByteBuffer(string: other))
            #expect(accepted.status == .created, "\(accepted.text)")
        }
        #expect(try fixture.ledger.head().size == 5_500 + 10 + 4_000)
        #expect(fixture.state.bodyBudget.inUse == 0)
    }

    @Test("a chunked body that meets the spent budget part way is refused then, says the rest was not read, and gives back what it took")
    func chunkedBodyMeetsTheLimitPartWay() async throws {
        let fixture = try await ServerFixture {
            $0.limits.maxBodyBytes = 768 << 10
            $0.limits.maxBodyBytesInFlight = 1 << 20
        }
        // Others hold 700 KB: about 350 KB are free, and this body is 650 KB.
        let othersHold = 700_000
        #expect(fixture.state.bodyBudget.take(othersHold))
        let bytes = Array(Self.batch(5_500, tag: "chunked").utf8)
        try await fixture.application.test(.live) { client in
            let raw = try RawConnection(port: try #require(client.port))
            try await raw.send(Array("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(fixture.key(.agent))\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            var offset = 0
            // The server may answer and stop reading before all is sent.
            do {
                while offset < bytes.count {
                    let piece = bytes[offset..<min(bytes.count, offset + 65_536)]
                    try await raw.send(Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8))
                    offset = piece.endIndex
                }
                try await raw.send(Array("0\r\n\r\n".utf8))
            } catch {}
            let answer = try await raw.receive { $0.contains("\"hint\"") }
            #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer.prefix(300))")
            #expect(answer.contains("server_busy") && answer.contains("the rest of this body was not read"), "\(answer)")
            raw.close()
            try await waitUntil { fixture.state.bodyBudget.inUse == othersHold }
        }
        #expect(try fixture.ledger.head().size == 0)
        fixture.state.bodyBudget.give(othersHold)
    }

    @Test("a body longer than its Content-Length allows is refused before any of it is read, and takes nothing")
    func declaredLengthOverTheLimit() async throws {
        let fixture = try await ServerFixture { $0.limits.maxBodyBytes = 4_096 }
        try await fixture.application.test(.live) { client in
            let raw = try RawConnection(port: try #require(client.port))
            try await raw.send(Array("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(fixture.key(.agent))\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n".utf8))
            let answer = try await raw.receiveHead()
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            raw.close()
        }
        #expect(fixture.state.bodyBudget.inUse == 0)
        #expect(try fixture.ledger.head().size == 0)
    }

    @Test("a gzipped body takes room for what it inflates to before inflating, and counts as that alone once inflated")
    func inflatedBodiesCount() async throws {
        let fixture = try await ServerFixture {
            $0.limits.maxBodyBytes = 768 << 10
            $0.limits.maxBodyBytesInFlight = 1 << 20
        }
        var plain = ByteBuffer(string: Self.batch(4_000, tag: "zipped"))
        let inflated = plain.readableBytes
        let compressed = try plain.compress(with: .gzip())
        #expect(compressed.readableBytes < inflated / 4)
        var headers = ServerFixture.headers(key: fixture.key(.agent))
        headers[.contentEncoding] = "gzip"
        let gzipHeaders = headers
        // Leave less free than the body inflates to, though more than it is compressed.
        #expect(fixture.state.bodyBudget.take((1 << 20) - inflated + 1_000))
        try await fixture.application.test(.router) { client in
            let refused = try await client.execute(uri: "/v1/events", method: .post, headers: gzipHeaders, body: compressed)
            #expect(refused.status == .serviceUnavailable && refused.json?["error"]?["code"] == .string("server_busy"), "\(refused.text)")
            #expect(try fixture.ledger.head().size == 0)
            #expect(fixture.state.bodyBudget.inUse == (1 << 20) - inflated + 1_000, "the refused body gave back all it took")
            fixture.state.bodyBudget.give((1 << 20) - inflated + 1_000)
            let accepted = try await client.execute(uri: "/v1/events", method: .post, headers: gzipHeaders, body: compressed)
            #expect(accepted.status == .created, "\(accepted.text)")
        }
        #expect(try fixture.ledger.head().size == 4_000)
        #expect(fixture.state.bodyBudget.inUse == 0)
    }

    @Test("a large body stays counted until its answer is written; an answer dropped unwritten gives it back too; a small one at once")
    func heldUntilTheAnswerIsWritten() async throws {
        let budget = BodyBudget(capacity: 1 << 20)
        let large = RequestLogMiddleware.heldThroughAnswerBytes
        let written = BodyReservation(budget: budget)
        #expect(written.take(large))
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: 0x61, count: large)))
        RequestLogMiddleware.giveBack(written, after: &response)
        #expect(budget.inUse == large)
        let writer = CountingWriter()
        try await response.body.write(writer)
        #expect(budget.inUse == 0)

        do {
            let dropped = BodyReservation(budget: budget)
            #expect(dropped.take(large))
            var unwritten = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: 0x61, count: large)))
            RequestLogMiddleware.giveBack(dropped, after: &unwritten)
            #expect(budget.inUse == large)
            _ = unwritten
        }
        #expect(budget.inUse == 0)

        let small = BodyReservation(budget: budget)
        #expect(small.take(large - 1))
        var quick = Response(status: .ok)
        RequestLogMiddleware.giveBack(small, after: &quick)
        #expect(budget.inUse == 0)
    }

    @Test("maxBodyBytesInFlight below maxBodyBytes is refused with its line")
    func configurationIsChecked() throws {
        #expect(throws: ConfigError.self) {
            _ = try ServerConfiguration.parse("limits:\n  maxBodyBytes: 8388608\n  maxBodyBytesInFlight: 4194304\n", file: "custos.yaml")
        }
        do {
            _ = try ServerConfiguration.parse("limits:\n  maxBodyBytes: 8388608\n  maxBodyBytesInFlight: 4194304\n", file: "custos.yaml")
        } catch {
            #expect(error.line == 3 && error.message.contains("at least maxBodyBytes"), "\(error)")
        }
        let parsed = try ServerConfiguration.parse("limits:\n  maxBodyBytesInFlight: 1073741824\n", file: "custos.yaml")
        #expect(parsed.limits.maxBodyBytesInFlight == 1 << 30)
        // A file written before the setting existed still loads: the budget grows to one body.
        let older = try ServerConfiguration.parse("limits:\n  maxBodyBytes: 536870912\n", file: "custos.yaml")
        #expect(older.limits.maxBodyBytesInFlight == 512 << 20)
    }
}

/// A response body writer that only counts.
struct CountingWriter: ResponseBodyWriter {
    var bytes = 0
    mutating func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytes }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// A plain TCP connection to the server on loopback, for sending a request in pieces.
///
/// Non-blocking, and waiting with `Task.sleep`: a blocking call would hold one of the few
/// threads of Swift's cooperative pool, which the server under test needs too.
final class RawConnection {
    private let socketDescriptor: Int32

    init(port: Int) throws {
        socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, fcntl(socketDescriptor, F_SETFL, fcntl(socketDescriptor, F_GETFL) | O_NONBLOCK) == 0 else {
            Glibc.close(socketDescriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    func send(_ bytes: [UInt8]) async throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(socketDescriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                sent += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try await Task.sleep(for: .milliseconds(1))
            } else {
                throw POSIXError(.EPIPE)
            }
        }
    }

    /// The response's status line and headers (what arrived within a minute).
    func receiveHead() async throws -> String {
        try await receive { $0.contains("\r\n\r\n") }
    }

    /// What arrives until `enough` holds of it, the server closes, or a minute passes.
    func receive(until enough: (String) -> Bool) async throws -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        let deadline = ContinuousClock.now + .seconds(60)
        while !enough(String(decoding: received, as: UTF8.self)), ContinuousClock.now < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += chunk[..<count]
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try await Task.sleep(for: .milliseconds(1))
            } else {
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// True when the server closes the connection within `limit`, reading and dropping
    /// whatever it sends first.
    func closedByServer(within limit: Duration) async throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4_096)
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
            if count < 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        return false
    }

    func close() {
        Glibc.close(socketDescriptor)
    }
}
