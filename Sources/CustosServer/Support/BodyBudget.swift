import Synchronization

/// The bytes of request bodies the whole server holds at once (`limits.maxBodyBytesInFlight`).
///
/// `maxBodyBytes` bounds one body; this bounds their sum, so that many large bodies arriving
/// together cannot exhaust memory. A body whose declared length (`Content-Length`) is more
/// than is free is turned away before any of it is read; otherwise a request takes bytes as
/// they arrive (a client that declares a length and sends nothing holds nothing), takes room
/// for a gzipped body's inflated bytes before inflating it, and gives everything back once
/// it has been answered. A body that finds the budget spent is refused with 503
/// `server_busy`, and the rest of it is not read.
final class BodyBudget: Sendable {
    let capacity: Int
    private let used = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The bytes held now.
    var inUse: Int { used.load(ordering: .relaxed) }

    /// The bytes free now.
    var free: Int { capacity - inUse }

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

    /// Takes as many as are free, at most `bytes`, and says how many.
    func take(upTo bytes: Int) -> Int {
        var current = used.load(ordering: .relaxed)
        while true {
            let taken = max(0, min(bytes, capacity - current))
            guard taken > 0 else { return 0 }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + taken, ordering: .relaxed)
            if exchanged { return taken }
            current = original
        }
    }

    func give(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
    }

    /// A size as people read it: MiB with one decimal from 1 MiB, else bytes.
    static func describe(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(Double(bytes * 10 >> 20) / 10) MiB" : "\(bytes) bytes"
    }
}

/// What one request took from the ``BodyBudget``, given back when it has been answered, or
/// when the last reference to it goes (a response dropped unwritten gives back too).
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

    deinit {
        giveBack()
    }

    /// The bytes this request holds.
    var bytes: Int { held.load(ordering: .relaxed) }

    /// Takes `bytes` more for this request; false when the server holds all it may.
    func take(_ bytes: Int) -> Bool {
        guard budget.take(bytes) else { return false }
        held.add(bytes, ordering: .relaxed)
        return true
    }

    /// Takes as many more as are free, at most `bytes`, and says how many.
    func take(upTo bytes: Int) -> Int {
        let taken = budget.take(upTo: bytes)
        held.add(taken, ordering: .relaxed)
        return taken
    }

    /// Gives back `bytes` of what this request holds (no more than it holds).
    func give(_ bytes: Int) {
        var current = held.load(ordering: .relaxed)
        while true {
            let given = min(max(0, bytes), current)
            guard given > 0 else { return }
            let (exchanged, original) = held.compareExchange(expected: current, desired: current - given, ordering: .relaxed)
            if exchanged {
                budget.give(given)
                return
            }
            current = original
        }
    }

    /// Gives back all this request took.
    func giveBack() {
        let bytes = held.exchange(0, ordering: .relaxed)
        if bytes > 0 { budget.give(bytes) }
    }
}
