import Synchronization

/// The bytes of request bodies the whole server holds at once (`limits.maxBodyBytesInFlight`).
///
/// `maxBodyBytes` bounds one body; this bounds their sum, so that many large bodies arriving
/// together cannot exhaust memory. A request takes bytes as its body arrives and gives them
/// back when it has been answered; a body that finds the budget spent is refused with 503
/// `server_busy` before the rest of it is read.
final class BodyBudget: Sendable {
    let capacity: Int
    private let used = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The bytes held now.
    var inUse: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes`, or nothing and false when fewer are free.
    func take(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            guard bytes <= capacity - current else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func give(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
    }
}

/// What one request took from the ``BodyBudget``, given back when it has been answered.
///
/// The request middleware makes one per request and sets it as ``current`` around the handler,
/// so that reading the body (``ServerState/body(of:limit:)``) finds it without every route
/// passing it along.
final class BodyReservation: Sendable {
    @TaskLocal static var current: BodyReservation?

    let budget: BodyBudget
    private let held = Atomic<Int>(0)

    init(budget: BodyBudget) {
        self.budget = budget
    }

    /// Takes `bytes` more for this request; false when the server holds all it may.
    func take(_ bytes: Int) -> Bool {
        guard budget.take(bytes) else { return false }
        held.add(bytes, ordering: .relaxed)
        return true
    }

    /// Gives back all this request took.
    func giveBack() {
        let bytes = held.exchange(0, ordering: .relaxed)
        if bytes > 0 { budget.give(bytes) }
    }
}
