import CustosLedger
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Checkpoints, proofs and verification: what an auditor needs to check the log without
/// trusting the server.
enum ProofRoutes {
    static func register(_ routes: inout RouteRegistrar) {
        let state = routes.state
        let ledger = state.ledger
        routes.add(.get, "/v1/checkpoint") { _, _ in
            let current = try ledger.currentCheckpoint()
            var members: [String: JSONValue] = [
                "origin": .string(current.origin), "size": .number(Double(current.size)), "rootHash": .string(current.rootHash.hex),
                "checkpoint": .string(current.text), "publicKey": ledger.verifierKey.map { .string($0.description) } ?? .null,
            ]
            members["latestSigned"] = try ledger.latestCheckpoint()?.jsonValue ?? .null
            return Reply.json(.object(members))
        }
        routes.add(.get, "/v1/checkpoints") { request, _ in
            let from = try request.integer("from", in: 0...Int.max) ?? 0
            let limit = try request.integer("limit", in: 1...10_000) ?? 100
            let checkpoints = try ledger.checkpoints(from: UInt64(from), limit: limit)
            return Reply.json(.object([
                "publicKey": ledger.verifierKey.map { .string($0.description) } ?? .null,
                "checkpoints": .array(checkpoints.map(\.jsonValue)),
            ]))
        }
        routes.add(.get, "/v1/proofs/inclusion") { request, _ in
            guard let seq = try request.integer("seq", in: 0...Int.max) else {
                throw APIError.badRequest("invalid_parameter", "seq is required: the entry to prove")
            }
            var size = try request.integer("size", in: 1...Int.max).map(UInt64.init)
            if size == nil {
                guard let latest = try ledger.latestCheckpoint(), latest.size > UInt64(seq) else {
                    throw APIError.badRequest("no_checkpoint", "no signed checkpoint covers seq \(seq) yet", hint: "give size=N for an unsigned root, or wait for the next checkpoint")
                }
                size = latest.size
            }
            return Reply.json(try ledger.inclusionDocument(seq: UInt64(seq), treeSize: size ?? 0).jsonValue)
        }
        routes.add(.get, "/v1/proofs/consistency") { request, _ in
            guard let from = try request.integer("from", in: 1...Int.max), let to = try request.integer("to", in: 1...Int.max) else {
                throw APIError.badRequest("invalid_parameter", "from and to are required: the two tree sizes")
            }
            return Reply.json(try ledger.consistencyDocument(from: UInt64(from), to: UInt64(to)).jsonValue)
        }
        routes.add(.post, "/v1/verify") { request, _ in try await verify(request, state) }
    }

    /// Runs verification and streams NDJSON: `{"progress": {"done": …, "total": …}}` lines while
    /// it runs, then `{"report": {…}}`.
    static func verify(_ request: Request, _ state: ServerState) async throws -> Response {
        var options = VerificationOptions()
        let buffer = try await state.body(of: request, limit: 64 << 10)
        if buffer.readableBytes > 0 {
            let body: JSONValue
            do { body = try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) } } catch {
                throw APIError.badRequest("invalid_json", "the body is not valid JSON: \(error)")
            }
            if case .bool(let indexes)? = body["indexes"] { options.checkIndexes = indexes }
            if let from = body["from"]?.stringValue {
                guard let anchor = TrustedAnchor(parsing: from) else { throw APIError.badRequest("invalid_parameter", "from must be SEQ:HASH (64 hex digits)") }
                options.anchor = anchor
            }
        }
        let (progress, continuation) = AsyncStream.makeStream(of: JSONValue.self, bufferingPolicy: .bufferingNewest(64))
        // A client that goes away stops the check: nobody reads its answer, and its slot is
        // one of few.
        let abandoned = AbandonFlag()
        continuation.onTermination = { termination in
            if case .cancelled = termination { abandoned.raise() }
        }
        options.isCancelled = { abandoned.isRaised }
        let throttle = ProgressThrottle()
        options.progress = { done, total in
            // A line every 2 % at most.
            if throttle.shouldReport(done, of: total) {
                continuation.yield(.object(["progress": .object(["done": .number(Double(done)), "total": .number(Double(total))])]))
            }
        }
        let ledger = state.ledger
        let finalOptions = options
        // Each run reads the whole log on every core: a few at once, the rest told to retry.
        guard state.startVerification() else {
            var busy = APIError(.serviceUnavailable, "overloaded", "\(ServerState.maxVerifications) verifications are running already", hint: "retry when one has finished")
            busy.extraHeaders[.retryAfter] = "5"
            throw busy
        }
        Thread.detachNewThread {
            defer { state.endVerification() }
            do {
                let report = try ledger.verify(finalOptions)
                continuation.yield(.object(["report": report.jsonValue]))
            } catch {
                continuation.yield(.object(["error": RequestLogMiddleware.apiError(for: error).json]))
            }
            continuation.finish()
        }
        let body = ResponseBody { writer in
            for await line in progress {
                try await writer.write(ByteBuffer(string: line.description + "\n"))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: Reply.ndjson], body: body)
    }
}

/// Set once the answer's reader has gone.
private final class AbandonFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// Throttles progress lines; the verifier calls back from its threads.
private final class ProgressThrottle: Sendable {
    private let last = Mutex<UInt64>(0)

    /// True when `done` is worth a line: the end, or a step past the last line.
    func shouldReport(_ done: UInt64, of total: UInt64) -> Bool {
        last.withLock { last in
            guard done == total || done >= last + max(1, total / 50) else { return false }
            last = done
            return true
        }
    }
}
