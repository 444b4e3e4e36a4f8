import Synchronization

/// Where the in-memory hash tables of the writer and the verifier (``KeyTable``) place a
/// key, and the random seed that makes it unpredictable.
///
/// Their keys are XXH3 hashes of names that clients choose, with a fixed seed (a store's keys
/// must not change), so anyone can compute them. Placed by those bits alone, a client could
/// send names that all fall into one run of slots and make every lookup a long scan. Each
/// table draws a seed of its own, unknown outside the process, and places a key by its word
/// XORed with the seed and run through the SplitMix64 finalizer.
struct TableSeed {
    let value: UInt64

    /// A new seed: one random draw per process, then a different one for each table, so that
    /// copying one table's keys into another in slot order cannot cluster them either.
    init() {
        value = processSeed ^ (tablesMade.wrappingAdd(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The well-mixed hash of `word`, never 0 (tables use 0 for an empty slot).
    @inline(__always)
    func mix(_ word: UInt64) -> UInt64 {
        var z = word ^ value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) | 1
    }
}

private let processSeed = UInt64.random(in: .min ... .max)
private let tablesMade = Atomic<UInt64>(0)
