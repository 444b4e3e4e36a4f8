import Synchronization

/// The tokens a gate signed, by their text, so that redeeming or verifying one does not check
/// again a signature the gate made itself: an Ed25519 verification is about a tenth of a
/// millisecond here, the largest piece of a redemption's own work. Only the exact text the
/// gate issued is found; any other text, an altered or forged one included, is checked in full.
/// The newest ``capacity`` are kept; older ones are checked in full like any other.
final class IssuedTokens: Sendable {
    let capacity: Int
    private let state = Mutex<(claims: [String: GateToken.Claims], order: [String], next: Int)>(([:], [], 0))

    init(capacity: Int = 4_096) {
        self.capacity = max(1, capacity)
    }

    /// Remembers a token the gate has just signed.
    func remember(_ token: GateToken) {
        state.withLock { state in
            guard state.claims[token.compact] == nil else { return }
            if state.order.count < capacity {
                state.order.append(token.compact)
            } else {
                state.claims[state.order[state.next]] = nil
                state.order[state.next] = token.compact
                state.next = (state.next + 1) % capacity
            }
            state.claims[token.compact] = token.claims
        }
    }

    /// The token whose text is exactly `compact`, when the gate issued it and still remembers it.
    func token(_ compact: String) -> GateToken? {
        state.withLock { $0.claims[compact] }.map { GateToken(issued: $0, compact: compact) }
    }

    /// How many are remembered (for tests).
    var count: Int { state.withLock { $0.claims.count } }
}
