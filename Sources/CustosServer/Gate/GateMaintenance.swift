import CustosGate
import Foundation
import Logging

/// What the server does for the gate in the background, every second: records the expiry
/// of lapsed requests (and announces it) unless the store is read-only, and reads the policy
/// file again when it changed. An
/// invalid new policy is logged with its line and reason, and the one in force stays.
enum GateMaintenance {
    static func run(_ state: ServerState, interval: Duration = .seconds(1)) async {
        var rejectedDigest: String?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            // A read-only server records nothing: it shows lapsed requests as expired.
            if !state.readOnly {
                do {
                    for expired in try await state.gate.expireLapsed() {
                        await state.notifier?.announce(expired)
                    }
                } catch {
                    state.logger.warning("could not record expiries", metadata: ["error": "\(error)"])
                }
            }
            guard let path = state.configuration.gatePolicyPath else { continue }
            // By content, not modification time: an edit within one tick of the clock, a
            // symbolic link swapped to a new file, and the masking file all count.
            let inForce = state.gate.policy
            guard let current = GatePolicy.digest(ofPolicyAt: path, masking: inForce.maskingPolicyPath),
                  current != inForce.sourceDigest, current != rejectedDigest else { continue }
            do {
                let policy = try state.gate.reloadPolicy(from: path)
                rejectedDigest = nil
                state.logger.info("gate policy reloaded", metadata: ["file": "\(path)", "rules": "\(policy.rules.count)"])
            } catch {
                rejectedDigest = current
                state.logger.error("gate policy not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
            }
        }
    }
}
