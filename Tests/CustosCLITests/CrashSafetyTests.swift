import CustosLedger
import CustosTestSupport
import Foundation
import LMDB
import Testing

/// Acknowledged events survive `kill -9` of the appending process.
@Suite("Crash safety under SIGKILL")
struct CrashSafetyTests {
    @Test("every acknowledged event is present after 24 random SIGKILLs, and the store verifies")
    func killWhileAppending() async throws {
        let folder = TemporaryDirectory("custos-crash")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store]).status == 0)
        var generator = SystemRandomNumberGenerator()
        var acknowledged: [(seq: UInt64, hash: String, id: String)] = []
        var killsWithAcks = 0

        for run in 0..<24 {
            let batchSize = [1, 7, 100, 500][run % 4]
            let child = try ChildProcess(["append", "--store", store, "--batch-size", String(batchSize), "--concurrency", "4"])
            // Feed events until the child dies; each carries an id that says where it came from.
            let feeder = Thread {
                var line = 0
                while true {
                    var chunk = ""
                    for _ in 0..<200 {
                        let id = "run\(run)-line\(line)"
                        chunk += #"{"kind":"transform","actor":"agent:crash-bot","inputs":["dataset:src-\#(line % 50)"],"outputs":["dataset:dst-\#(line % 50)"],"clientEventId":"\#(id)","attributes":{"run":\#(run),"line":\#(line),"pad":"0123456789abcdef0123456789abcdef0123456789abcdef"}}"# + "\n"
                        line += 1
                    }
                    if !child.write(Data(chunk.utf8)) { return }
                }
            }
            feeder.start()
            // Wait for the first acknowledgement, then a random moment more.
            for _ in 0..<400 where !child.outputSoFar.contains("\n") {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...150_000_000, using: &generator))
            child.kill(SIGKILL)
            let result = child.wait()
            #expect(result.wasSignaled, "run \(run) ended by itself: \(result.standardError)")

            // A receipt line is an acknowledgement; the k-th receipt answers the k-th line fed.
            let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            let complete = result.standardOutput.hasSuffix("\n") ? lines.dropLast() : lines.dropLast()
            for (index, line) in complete.enumerated() {
                let receipt = try JSONParser.parse(String(line))
                guard case .number(let seq)? = receipt["seq"], case .string(let hash)? = receipt["hash"] else {
                    Issue.record("malformed receipt \(line)")
                    continue
                }
                acknowledged.append((UInt64(seq), hash, "run\(run)-line\(index)"))
            }
            if !complete.isEmpty { killsWithAcks += 1 }
        }

        #expect(killsWithAcks >= 20, "too few kills happened after an acknowledgement")
        let ledger = try Ledger.open(at: store)
        for ack in acknowledged {
            let entry = try ledger.entry(at: ack.seq)
            #expect(entry.leafHash.hex == ack.hash)
            #expect(entry.event.clientEventID == ack.id)
        }
        let report = try ledger.verify()
        #expect(report.isValid, "\(report.problems.prefix(3))")
        #expect(report.headSize >= UInt64(acknowledged.count))
    }

    @Test("a reader killed mid-transaction leaves a stale slot that is cleared")
    func staleReaderSlots() async throws {
        let folder = TemporaryDirectory("custos-crash")
        let store = folder.file("store")
        do {
            let ledger = try Ledger.create(at: store)
            let factory = EventFactory()
            for batch in 0..<20 { _ = try await ledger.append(contentsOf: factory.transforms(5_000, startingAt: batch * 5_000)) }
            await ledger.close()
        }
        // Keep the store open here, as a server would: LMDB resets the reader table only when
        // the last process closes it, so stale slots matter while someone else has it open.
        let environment = try Environment(path: store)
        var cleared = 0
        for delay in [300, 150, 60, 20] where cleared == 0 {
            let verify = try ChildProcess(["verify", "--store", store, "--threads", "1"])
            try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
            #expect(environment.info.readersInUse >= 1)
            verify.kill(SIGKILL)
            guard verify.wait().wasSignaled else { continue }  // it finished first: try sooner
            cleared = environment.clearStaleReaders()
        }
        #expect(cleared >= 1)
        #expect(environment.clearStaleReaders() == 0)
    }
}
