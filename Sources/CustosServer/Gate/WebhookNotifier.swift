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
/// queues and returns; one task delivers, retrying with backoff; when the queue is full the
/// oldest announcement is dropped and counted.
final class WebhookNotifier: Sendable {
    /// One delivery to make.
    struct Delivery: Sendable {
        let target: WebhookTarget
        let body: [UInt8]
        var attempt: Int
    }

    private struct State {
        var queue: [Delivery] = []
        var running = false
        var dropped = 0
        var delivered = 0
        var failed = 0
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
    private let state = Mutex(State())

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
    }

    /// Counts, for the metrics and the tests: delivered, failed for good, dropped.
    var counts: (delivered: Int, failed: Int, dropped: Int) { state.withLock { ($0.delivered, $0.failed, $0.dropped) } }

    /// Queues the announcement of `request` as it now stands.
    func announce(_ request: ApprovalRequest) async {
        let deliveries = targets.map { Delivery(target: $0, body: Self.body(for: request, format: $0.format, inboxURL: inboxURL), attempt: 0) }
        let start = state.withLock { state -> Bool in
            state.queue.append(contentsOf: deliveries)
            if state.queue.count > queueLimit {
                state.dropped += state.queue.count - queueLimit
                state.queue.removeFirst(state.queue.count - queueLimit)
            }
            let start = !state.running
            state.running = true
            return start
        }
        if start { Task.detached { [self] in await run() } }
    }

    private func run() async {
        while true {
            let next = state.withLock { state -> Delivery? in
                guard !state.queue.isEmpty else {
                    state.running = false
                    return nil
                }
                return state.queue.removeFirst()
            }
            guard var delivery = next else { return }
            while true {
                delivery.attempt += 1
                let outcome = await send(delivery)
                if outcome == nil {
                    state.withLock { $0.delivered += 1 }
                    break
                }
                if delivery.attempt >= maxAttempts {
                    state.withLock { $0.failed += 1 }
                    logger.warning("webhook delivery failed for good", metadata: ["url": "\(Self.redacted(delivery.target.url))", "attempts": "\(delivery.attempt)", "error": "\(outcome ?? "")"])
                    break
                }
                // 0.5 s, 1 s, 2 s, … between attempts.
                try? await Task.sleep(for: firstBackoff * (1 << (delivery.attempt - 1)))
            }
        }
    }

    /// Sends one delivery; nil when the receiver answered 2xx, the reason otherwise.
    private func send(_ delivery: Delivery) async -> String? {
        var request = HTTPClientRequest(url: delivery.target.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "custos-gate")
        let timestamp = String(Int(Date().timeIntervalSince1970))
        request.headers.add(name: "X-Custos-Timestamp", value: timestamp)
        if let secret = delivery.target.secret {
            request.headers.add(name: "X-Custos-Signature", value: Self.signature(body: delivery.body, timestamp: timestamp, secret: secret))
        }
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(attemptTimeout.components.seconds * 1_000_000_000 + attemptTimeout.components.attoseconds / 1_000_000_000))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
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

    static func facts(for request: ApprovalRequest) -> [(String, String)] {
        var facts: [(String, String)] = [
            ("Request", request.id.rawValue),
            ("Requester", request.requester.id.rawValue + (request.requester.onBehalfOf.map { " for \($0)" } ?? "")),
            ("Justification", request.justification),
            ("Rule", "\(request.rule) (\(request.requiredApprovals) approval\(request.requiredApprovals == 1 ? "" : "s"))"),
            ("Status", request.status.rawValue + (request.statusReason.map { ": \($0)" } ?? "")),
        ]
        if !request.approvals.isEmpty { facts.append(("Approved by", request.approvals.map(\.approver.rawValue).joined(separator: ", "))) }
        if let payload = request.maskedPayload { facts.append(("Payload (masked)", String(payload.prefix(300)))) }
        return facts
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
                    ["type": "section", "text": ["type": "mrkdwn", "text": .string(lines)]],
                    ["type": "context", "elements": [["type": "mrkdwn", "text": .string("<\(link)|Open the Custos inbox>")]]],
                ],
                "custos": request.jsonValue,
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
                "custos": request.jsonValue,
            ]
        }
        return CanonicalJSON.encode(value)
    }

    static func escapeSlack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
