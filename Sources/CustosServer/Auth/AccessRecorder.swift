import CustosLedger
import Foundation
import Logging
import Synchronization

/// Records refused requests (401 and 403) as `access_denied` events, so that an auditor sees
/// who tried what (on a read-only store, as a log line instead). The event names the route, the method, the status and the roles needed,
/// never a credential. At most ``ratePerSecond`` a second are written (a burst of
/// ``burst``), so that a flood of bad requests cannot flood the log; the rest are counted in
/// `/metrics`.
final class AccessRecorder: Sendable {
    static let kind: EventKind = "access_denied"
    static let serverActor = "service:custos-server"

    let ratePerSecond: Double
    let burst: Double
    private let bucket: Mutex<(tokens: Double, at: Date)>
    private let ledger: Ledger
    private let metrics: ServerMetrics
    private let logger: Logger

    init(ledger: Ledger, metrics: ServerMetrics, logger: Logger, ratePerSecond: Double = 20, burst: Double = 50) {
        self.ledger = ledger
        self.metrics = metrics
        self.logger = logger
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        bucket = Mutex((burst, Date()))
    }

    private func take() -> Bool {
        bucket.withLock { state in
            let now = Date()
            state.tokens = min(burst, state.tokens + now.timeIntervalSince(state.at) * ratePerSecond)
            state.at = now
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
    }

    /// Records one refusal and waits until it is durable (or dropped by the rate limit).
    func record(status: Int, method: String, route: String, principal: Principal?, required: Set<Role>, reason: String) async {
        metrics.accessDenied(status: status)
        guard !ledger.configuration.readOnly else {
            // A read-only store takes no event: the log line is the only record.
            logger.notice("refused request, not recorded: the store is read-only", metadata: [
                "status": "\(status)", "method": .string(method), "route": .string(route),
                "identity": .string(principal?.identity.rawValue ?? "-"), "reason": .string(reason),
            ])
            return
        }
        guard take() else {
            metrics.accessDeniedUnrecorded()
            return
        }
        var attributes: [String: JSONValue] = [
            "status": .number(Double(status)), "method": .string(method), "route": .string(route), "reason": .string(reason),
            "requiredRoles": .array(required.sorted().map { .string($0.rawValue) }),
        ]
        if let principal {
            attributes["roles"] = .array(principal.roles.sorted().map { .string($0.rawValue) })
            attributes["credential"] = .string(principal.method.rawValue)
            if let keyID = principal.keyID { attributes["keyId"] = .string(keyID) }
        }
        do {
            let actor = try Actor(id: principal?.identity.rawValue ?? Self.serverActor)
            _ = try await ledger.append(Event(kind: Self.kind, actor: actor, attributes: attributes))
        } catch {
            logger.warning("could not record a refused request", metadata: ["error": "\(error)"])
        }
    }
}
