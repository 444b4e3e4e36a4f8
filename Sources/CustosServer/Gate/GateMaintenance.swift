import CustosGate
import Foundation
import Logging

/// What the server does for the gate in the background, every second: records the expiry
/// of lapsed requests (and announces it) unless the store is read-only, and reads the policy
/// file again when it changed. An
/// invalid new policy is logged with its line and reason, and the one in force stays.
enum GateMaintenance {
    static func run(_ state: ServerState, interval: Duration = .seconds(1)) async {
        var policyStamp = stamp(of: state.configuration.gatePolicyPath)
        var rejectedStamp: Date?
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
            let current = stamp(of: path)
            guard current != policyStamp, current != rejectedStamp else { continue }
            do {
                let policy = try state.gate.reloadPolicy(from: path)
                policyStamp = current
                rejectedStamp = nil
                state.logger.info("gate policy reloaded", metadata: ["file": "\(path)", "rules": "\(policy.rules.count)"])
            } catch {
                rejectedStamp = current
                state.logger.error("gate policy not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The file's modification time, nil when it cannot be read.
    static func stamp(of path: String?) -> Date? {
        guard let path else { return nil }
        return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
