import Synchronization

/// Names behind keys, remembered across snapshots: an interned name never changes, so a key
/// read once need not be read again. Bounded: it starts over when full.
final class NameCache: Sendable {
    private let names = Mutex<[Key128: String]>([:])
    private let limit: Int

    init(limit: Int = 200_000) {
        self.limit = limit
    }

    func name(of key: Key128) -> String? {
        names.withLock { $0[key] }
    }

    func remember(_ name: String, for key: Key128) {
        names.withLock { names in
            if names.count >= limit { names.removeAll(keepingCapacity: true) }
            names[key] = name
        }
    }
}
