import CustosTestSupport
import LMDB
import Testing

@testable import CustosLedger

/// Making stores of earlier formats, and having them upgraded.
extension Ledger {
    /// Adds the `by_time` index that store formats 1 and 2 kept (µs with the sign bit flipped
    /// (8) ‖ seq (8) → empty), one row per entry, as an old store has it.
    func writeFormatTwoTimeIndex() throws {
        let byTime = try environment.openDatabase(named: "by_time")
        let size = try head().size
        var times: [(UInt64, Timestamp)] = []
        for seq in 0..<size { times.append((seq, try entry(at: seq).time)) }
        try environment.write { txn throws in
            for (seq, time) in times {
                var key = KeyBuffer()
                key.append(UInt64(bitPattern: time.microseconds) ^ (1 << 63))
                key.append(seq)
                try txn.put([], forKey: key.bytes, in: byTime)
            }
        }
    }

    /// Closes the ledger, then has a child `custos verify` open the store at `path` (one LMDB
    /// environment per file per process), which upgrades an earlier format. Returns the
    /// store's list of named databases, for reading through this ledger's environment.
    func upgradeInChild(path: String) async throws -> Database {
        await close()
        let upgrade = try runCustos(["verify", "--store", path])
        #expect(upgrade.status == 0, "\(upgrade.standardError)")
        return try environment.openDatabase(named: nil)
    }
}
