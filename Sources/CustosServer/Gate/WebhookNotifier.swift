import AsyncHTTPClient
import Crypto
import CustosGate
import CustosLedger
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Announces new requests and decisions to the configured webhooks, in Slack- or
/// Teams-compatible JSON, signed with HMAC-SHA256. Never blocks the gate: ``announce(_:)``
/// queues and returns. Each target has its own queue and its own task, so that a receiver
/// that is down delays nobody else's messages; a delivery is retried with backoff on errors,
/// timeouts, 408, 429 and 5xx (after `Retry-After` when it says), and given up on any other
/// answer. A queue holds at most ``queueLimit`` messages and ``queueByteLimit`` bytes; past
/// either, its oldest messages are dropped and counted.
final class WebhookNotifier: Sendable {
    /// One delivery to make.
    struct Delivery: Sendable {
        let target: Int
        let body: [UInt8]
        var attempt: Int
    }

    private struct TargetQueue {
        var deliveries: [Delivery] = []
        var bytes = 0
        var running = false
    }

    private struct State {
        var queues: [TargetQueue]
        var dropped = 0
        var delivered = 0
        var failed = 0
    }

    /// What a delivery attempt came to.
    enum Outcome: Equatable {
        case delivered
        /// Worth another attempt, after at least this long when the receiver said.
        case retry(String, after: Duration?)
        /// Not worth another: the receiver refused the message (4xx), or redirected it.
        case refused(String)
    }

    let targets: [WebhookTarget]
    /// The inbox address put in messages, so an approver can click through.
    let inboxURL: String
    let logger: Logger
    let maxAttempts: Int
    let firstBackoff: Duration
    /// How long one attempt may take, connecting included (the client retries a refused
    /// connection until then).
    let attemptTimeout: Duration
    let queueLimit = 10_000
    let queueByteLimit = 16 << 20
    private let state: Mutex<State>

    /// The client webhooks are sent with: it follows no redirect, since a 307 would take the
    /// body and its signature to wherever the receiver points, and a 302 would turn the POST
    /// into a GET that "succeeds" with nothing delivered. Never shut down: it lives as long as
    /// the process, like `HTTPClient.shared`.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    init(
        targets: [WebhookTarget], inboxURL: String, logger: Logger, maxAttempts: Int = 6, firstBackoff: Duration = .milliseconds(500),
        attemptTimeout: Duration = .seconds(10)
    ) {
        self.attemptTimeout = attemptTimeout
        self.targets = targets
        self.inboxURL = inboxURL
        self.logger = logger
        self.maxAttempts = maxAttempts
        self.firstBackoff = firstBackoff
        state = Mutex(State(queues: Array(repeating: TargetQueue(), count: targets.count)))
    }

    /// Counts, for the metrics and the tests: delivered, failed for good, dropped.
    var counts: (delivered: Int, failed: Int, dropped: Int) { state.withLock { ($0.delivered, $0.failed, $0.dropped) } }

    /// Queues the announcement of `request` as it now stands.
    func announce(_ request: ApprovalRequest) async {
        for (index, target) in targets.enumerated() {
            let delivery = Delivery(target: index, body: Self.body(for: request, format: target.format, inboxURL: inboxURL), attempt: 0)
            let (start, dropped) = state.withLock { state -> (Bool, Int) in
                var queue = state.queues[index]
                queue.deliveries.append(delivery)
                queue.bytes += delivery.body.count
                var dropped = 0
                while queue.deliveries.count > 1 && (queue.deliveries.count > queueLimit || queue.bytes > queueByteLimit) {
                    queue.bytes -= queue.deliveries.removeFirst().body.count
                    dropped += 1
                }
                state.dropped += dropped
                let start = !queue.running
                queue.running = true
                state.queues[index] = queue
                return (start, dropped)
            }
            if dropped > 0 {
                logger.warning("webhook queue full: oldest messages dropped", metadata: ["url": "\(Self.redacted(target.url))", "dropped": "\(dropped)"])
            }
            if start { Task.detached { [self] in await run(index) } }
        }
    }

    private func run(_ index: Int) async {
        while true {
            let next = state.withLock { state -> Delivery? in
                guard !state.queues[index].deliveries.isEmpty else {
                    state.queues[index].running = false
                    return nil
                }
                let delivery = state.queues[index].deliveries.removeFirst()
                state.queues[index].bytes -= delivery.body.count
                return delivery
            }
            guard var delivery = next else { return }
            let url = Self.redacted(targets[index].url)
            while true {
                delivery.attempt += 1
                switch await send(delivery) {
                case .delivered:
                    state.withLock { $0.delivered += 1 }
                case .refused(let reason):
                    state.withLock { $0.failed += 1 }
                    logger.warning("webhook refused the message; not retried", metadata: ["url": "\(url)", "error": "\(reason)"])
                case .retry(let reason, let after):
                    guard delivery.attempt < maxAttempts else {
                        state.withLock { $0.failed += 1 }
                        logger.warning("webhook delivery failed for good", metadata: ["url": "\(url)", "attempts": "\(delivery.attempt)", "error": "\(reason)"])
                        break
                    }
                    // 0.5 s, 1 s, 2 s, … between attempts, or what Retry-After asks (at most a minute).
                    let backoff = firstBackoff * (1 << (delivery.attempt - 1))
                    try? await Task.sleep(for: max(backoff, min(after ?? .zero, .seconds(60))))
                    continue
                }
                break
            }
        }
    }

    /// Sends one delivery.
    private func send(_ delivery: Delivery) async -> Outcome {
        let target = targets[delivery.target]
        var request = HTTPClientRequest(url: target.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "custos-gate")
        let timestamp = String(Int(Date().timeIntervalSince1970))
        request.headers.add(name: "X-Custos-Timestamp", value: timestamp)
        if let secret = target.secret {
            request.headers.add(name: "X-Custos-Signature", value: Self.signature(body: delivery.body, timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            let timeout = TimeAmount.nanoseconds(attemptTimeout.components.seconds * 1_000_000_000 + attemptTimeout.components.attoseconds / 1_000_000_000)
            let response = try await Self.client.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Self.outcome(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"))
        } catch {
            return .retry("\(error)", after: nil)
        }
    }

    /// What an answer means for the delivery.
    static func outcome(status: Int, retryAfter: String?) -> Outcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600:
            var after: Duration?
            if let text = retryAfter, let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite {
                after = .milliseconds(Int64(min(seconds, 3_600) * 1_000))
            }
            return .retry("HTTP \(status)", after: after)
        case 300..<400: return .refused("HTTP \(status): a redirect, which webhooks do not follow; configure the URL it points to")
        default: return .refused("HTTP \(status)")
        }
    }

    /// `sha256=HEX(HMAC-SHA256(secret, TIMESTAMP "." BODY))`.
    static func signature(body: [UInt8], timestamp: String, secret: [UInt8]) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + Hex.encode(code)
    }

    /// The URL without its path and query, which often carry the webhook's secret.
    static func redacted(_ url: URL) -> String {
        (url.scheme ?? "https") + "://" + (url.host ?? "?") + "/…"
    }

    // MARK: Messages

    static func headline(for request: ApprovalRequest) -> String {
        switch request.status {
        case .pending: return "Approval needed: \(request.action) on \(request.resource)"
        case .approved: return "Approved: \(request.action) on \(request.resource)"
        case .denied: return "Denied: \(request.action) on \(request.resource)"
        case .expired: return "Expired: \(request.action) on \(request.resource)"
        case .revoked: return "Revoked: \(request.action) on \(request.resource)"
        case .executed: return "Executed: \(request.action) on \(request.resource)"
        }
    }

    /// The facts a message shows, each cut to fit what Slack and Teams accept (a Slack
    /// section holds 3,000 characters, a Teams message 28 KB): the inbox has the rest.
    static func facts(for request: ApprovalRequest) -> [(String, String)] {
        var facts: [(String, String)] = [
            ("Request", request.id.rawValue),
            ("Requester", clip(request.requester.id.rawValue + (request.requester.onBehalfOf.map { " for \($0)" } ?? ""), 300)),
            ("Justification", clip(request.justification, 1_000)),
            ("Rule", clip("\(request.rule) (\(request.requiredApprovals) approval\(request.requiredApprovals == 1 ? "" : "s"))", 200)),
            ("Status", clip(request.status.rawValue + (request.statusReason.map { ": \($0)" } ?? ""), 500)),
        ]
        if !request.approvals.isEmpty { facts.append(("Approved by", clip(request.approvals.map(\.approver.rawValue).joined(separator: ", "), 300))) }
        if let payload = request.maskedPayload { facts.append(("Payload (masked)", clip(payload, 300))) }
        return facts
    }

    static func clip(_ text: String, _ characters: Int) -> String {
        text.count <= characters ? text : String(text.prefix(characters - 1)) + "…"
    }

    /// What receivers may read by machine: the request's identity and state, not its
    /// free text or payload (which the inbox shows).
    static func summary(of request: ApprovalRequest) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(request.id.rawValue), "action": .string(request.action), "resource": .string(request.resource.rawValue),
            "status": .string(request.status.rawValue), "requester": .string(request.requester.id.rawValue), "rule": .string(request.rule),
            "requiredApprovals": .number(Double(request.requiredApprovals)), "approvals": .number(Double(request.approvals.count)),
        ]
        if let principal = request.requester.onBehalfOf { members["onBehalfOf"] = .string(principal.rawValue) }
        return .object(members)
    }

    static func body(for request: ApprovalRequest, format: WebhookTarget.Format, inboxURL: String) -> [UInt8] {
        let headline = headline(for: request)
        let facts = facts(for: request)
        let link = inboxURL + "#" + request.id.rawValue
        let value: JSONValue
        switch format {
        case .slack:
            let lines = facts.map { "*\($0.0):* \(escapeSlack($0.1))" }.joined(separator: "\n")
            value = [
                "text": .string(headline),
                "blocks": [
                    ["type": "header", "text": ["type": "plain_text", "text": .string(String(headline.prefix(150)))]],
                    ["type": "section", "text": ["type": "mrkdwn", "text": .string(clip(lines, 2_900))]],
                    ["type": "context", "elements": [["type": "mrkdwn", "text": .string("<\(link)|Open the Custos inbox>")]]],
                ],
                "custos": summary(of: request),
            ]
        case .teams:
            value = [
                "@type": "MessageCard",
                "@context": "https://schema.org/extensions",
                "summary": .string(headline),
                "themeColor": .string(request.status == .pending ? "F2C744" : request.status == .approved || request.status == .executed ? "2EB67D" : "E01E5A"),
                "title": .string(headline),
                "sections": [["facts": .array(facts.map { ["name": .string($0.0), "value": .string($0.1)] })]],
                "potentialAction": [["@type": "OpenUri", "name": "Open the Custos inbox", "targets": [["os": "default", "uri": .string(link)]]]],
                "custos": summary(of: request),
            ]
        }
        return CanonicalJSON.encode(value)
    }

    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
