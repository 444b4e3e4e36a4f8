public import CustosLedger
import CompressNIO
public import CustosGate
import CustosLineage
import CustosMasking
import CustosQuery
import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import Synchronization

/// Everything the handlers share: the ledger, the credentials, the limits, the metrics.
public final class ServerState: Sendable {
    public let configuration: ServerConfiguration
    public let ledger: Ledger
    public let keys: APIKeyStore
    let jwt: JWTAuthenticator?
    let metrics = ServerMetrics()
    let access: AccessRecorder
    let masker: Masker
    /// The approval gate on the store.
    public let gate: Gate
    /// Announces requests and decisions to the webhooks; nil without webhooks.
    let notifier: WebhookNotifier?
    let logger: Logger
    /// True when the store is open read-only (`custos serve --read-only`): routes that would
    /// change it are refused, refused requests are logged instead of recorded, and lapsed
    /// requests are shown as expired without their expiry being recorded.
    public var readOnly: Bool { ledger.configuration.readOnly }
    var limits: ServerConfiguration.Limits { configuration.limits }
    /// The request bodies held at once, over all requests.
    let bodyBudget: BodyBudget
    /// Full verifications running now (`POST /v1/verify`); each reads the whole log.
    private let verifications = Mutex(0)
    /// At most this many run at once; more answer 503.
    static let maxVerifications = 2

    /// Takes a verification slot; false when all are taken.
    func startVerification() -> Bool {
        verifications.withLock { running in
            guard running < Self.maxVerifications else { return false }
            running += 1
            return true
        }
    }

    func endVerification() {
        verifications.withLock { $0 -= 1 }
    }
    var graph: LineageGraph { LineageGraph(ledger: ledger) }
    var engine: QueryEngine { QueryEngine(ledger: ledger) }

    public init(configuration: ServerConfiguration, ledger: Ledger, logger: Logger) async throws {
        self.configuration = configuration
        self.ledger = ledger
        self.logger = logger
        bodyBudget = BodyBudget(capacity: max(configuration.limits.maxBodyBytesInFlight, configuration.limits.maxBodyBytes))
        keys = APIKeyStore(storePath: ledger.path)
        _ = try keys.list()
        if let settings = configuration.jwt { jwt = try await JWTAuthenticator(settings: settings) } else { jwt = nil }
        access = AccessRecorder(
            ledger: ledger, metrics: metrics, logger: logger,
            ratePerSecond: configuration.limits.deniedRecordsPerSecond, burst: configuration.limits.deniedRecordBurst
        )
        let policy = try configuration.maskingPolicyPath.map { try MaskingPolicy.load(contentsOf: $0) } ?? .standard
        // A read-only server creates no file. A store without keys has nothing they made:
        // keys held in memory only stand in (no pseudonym or token of this store comes from them).
        let readOnly = ledger.configuration.readOnly
        let keyPath = ledger.path + "/" + PseudonymKey.fileName
        let key = readOnly && !SecretFile.exists(keyPath) ? PseudonymKey.random() : try PseudonymKey.load(from: keyPath, createIfMissing: true)
        masker = Masker(policy: policy, key: key)
        var gatePolicy = GatePolicy.standard
        if let path = configuration.gatePolicyPath {
            do { gatePolicy = try GatePolicy.load(contentsOf: path) } catch { throw GateError.invalidPolicy(error) }
        }
        let standIn = readOnly && !SecretFile.exists(ledger.path + "/" + GateSigningKey.privateFileName) ? GateSigningKey.generate() : nil
        gate = try Gate(ledger: ledger, policy: gatePolicy, masker: masker, maskingKey: key, signingKey: standIn)
        notifier = configuration.webhooks.isEmpty ? nil : WebhookNotifier(
            targets: configuration.webhooks, inboxURL: Self.inboxURL(configuration), logger: logger
        )
    }

    /// Where the inbox is, for links in notifications: under `publicURL`, else under the
    /// address the server listens on (the machine's name when that is every interface).
    static func inboxURL(_ configuration: ServerConfiguration) -> String {
        if let base = configuration.publicURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/inbox"
        }
        let host = ["0.0.0.0", "::", "[::]"].contains(configuration.host) ? ProcessInfo.processInfo.hostName : configuration.host
        return "http://\(host):\(configuration.port)/inbox"
    }

    // MARK: Bodies

    /// The request body, at most `limit` bytes (after gzip, when the body is gzipped), taken
    /// from the server's ``BodyBudget`` as it arrives (``BodyBudget`` says how).
    func body(of request: Request, limit: Int? = nil) async throws -> ByteBuffer {
        let limit = limit ?? limits.maxBodyBytes
        let reservation = BodyReservation.current
        if let length = request.headers[.contentLength].flatMap({ Int($0) }) {
            guard length <= limit else { throw APIError.tooLarge("the request body", limit: limit) }
            // Turned away before any of it is read when it cannot fit now; the bytes are
            // taken as they arrive, so a client that declares a length and waits holds nothing.
            if let reservation, length > reservation.budget.free { throw busy(partly: false) }
        }
        var buffer = ByteBuffer()
        for try await chunk in request.body {
            guard chunk.readableBytes <= limit - buffer.readableBytes else { throw APIError.tooLarge("the request body", limit: limit) }
            if let reservation, !reservation.take(chunk.readableBytes) { throw busy(partly: buffer.readableBytes > 0) }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                var chunk = chunk
                buffer.writeBuffer(&chunk)
            }
        }
        if let encoding = request.headers.value(.contentEncoding)?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" || encoding == "x-gzip" else {
                throw APIError(.unsupportedMediaType, "unsupported_encoding", "Content-Encoding \(encoding) is not supported", hint: "send the body as is, or gzipped")
            }
            // Room for the inflated bytes is taken before inflating, not after.
            let room = reservation.map { $0.take(upTo: limit) } ?? limit
            let compressedBytes = buffer.readableBytes
            do {
                // The inflater may write a little past its bound (its buffers round up), so the
                // size is checked again after it.
                guard room > 0 else { throw CompressNIOError.bufferOverflow }
                buffer = try buffer.decompress(with: .gzip, maxSize: room)
                guard buffer.readableBytes <= room else { throw CompressNIOError.bufferOverflow }
            } catch let error as CompressNIOError where error == .bufferOverflow && room < limit {
                // Busy only while other requests hold part of the budget: a body too large
                // for all of it beside its own compressed bytes would be told to retry for ever.
                let othersHold = reservation.map { $0.budget.inUse - $0.bytes > 0 } ?? false
                reservation?.give(room)
                if othersHold { throw busy(partly: true) }
                throw APIError.badRequest(
                    "bad_gzip", "the gzipped body inflates to more than the server can hold beside it (\(room) bytes free, limits.maxBodyBytesInFlight)",
                    hint: "send it uncompressed, or split it into smaller requests"
                )
            } catch {
                reservation?.give(room)
                throw APIError.badRequest("bad_gzip", "the gzipped body cannot be inflated (or inflates to more than \(limit) bytes)", hint: "check the compression, or send the body uncompressed")
            }
            // What the inflated body did not use, and the compressed body, which is gone.
            reservation?.give(room - buffer.readableBytes + compressedBytes)
        }
        return buffer
    }

    /// The answer when the server holds all the request bodies it may; `partly` when some of
    /// this body was read before.
    private func busy(partly: Bool) -> APIError {
        var error = APIError(
            .serviceUnavailable, "server_busy",
            "the server holds \(BodyBudget.describe(bodyBudget.inUse)) of request bodies, near the most it holds at once (limits.maxBodyBytesInFlight, \(BodyBudget.describe(bodyBudget.capacity))): \(partly ? "the rest of this body was not read" : "this body was not read"), and nothing was written",
            hint: "retry after a short wait, or send smaller bodies"
        )
        error.extraHeaders[.retryAfter] = "1"
        return error
    }

    /// The request body parsed as one JSON value.
    func json(of request: Request) async throws -> JSONValue {
        let buffer = try await body(of: request)
        do {
            return try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch let error as JSONParseError {
            throw APIError.badRequest("invalid_json", "the body is not valid JSON: \(error)", hint: "send one JSON value, UTF-8")
        }
    }
}

/// Responses with JSON and NDJSON bodies.
enum Reply {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: value.description + "\n")))
    }

    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: writer.buffer))
    }

    static func bytes(_ bytes: some Sequence<UInt8>, contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    static let ndjson = "application/x-ndjson; charset=utf-8"
}
