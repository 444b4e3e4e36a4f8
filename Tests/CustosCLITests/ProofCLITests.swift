import CustosLedger
import CustosTestSupport
import Foundation
import Testing

/// `custos prove` in one place, `custos verify-proof` in another, with no store.
@Suite("Proofs on the command line, checked offline")
struct ProofCLITests {
    @Test("inclusion and consistency proofs verify with the public key alone, after the store is gone")
    func offlineProofs() throws {
        let folder = TemporaryDirectory("custos-proof")
        let store = folder.file("store")
        #expect(try runCustos(["init", "--store", store, "--origin", "example.com/custos/proofs"]).status == 0)
        let first = EventFactory.sampleLines.joined(separator: "\n") + "\n"
        #expect(try runCustos(["append", "--store", store, "--quiet"], input: first).status == 0)
        let oldCheckpoint = try runCustos(["checkpoint", "--sign", "--store", store])
        #expect(oldCheckpoint.status == 0)
        #expect(oldCheckpoint.standardOutput.hasPrefix("example.com/custos/proofs\n6\n"))
        #expect(oldCheckpoint.standardOutput.contains("\n\n\u{2014} example.com/custos/proofs "))
        #expect(try runCustos(["append", "--store", store, "--quiet"], input: first.replacingOccurrences(of: "export-q3", with: "export-q4")).status == 0)

        let inclusion = try runCustos(["prove", "inclusion", "3", "--sign", "--store", store])
        #expect(inclusion.status == 0, "\(inclusion.standardError)")
        let consistency = try runCustos(["prove", "consistency", "6", "12", "--store", store])
        #expect(consistency.status == 0, "\(consistency.standardError)")
        let checkpoints = try runCustos(["checkpoints", "--store", store])
        #expect(checkpoints.standardOutput.contains("           6  "))
        #expect(checkpoints.standardOutput.contains("          12  "))
        let key = try String(contentsOfFile: store + "/checkpoint.pub", encoding: .utf8)
        let unsigned = try runCustos(["checkpoint", "--store", store])
        #expect(unsigned.standardOutput.hasPrefix("example.com/custos/proofs\n12\n"))

        // The auditor's side: files and a key, no store.
        try FileManager.default.removeItem(atPath: store)
        let proofs = TemporaryDirectory("custos-proof-offline")
        try inclusion.standardOutput.write(toFile: proofs.file("inclusion.json"), atomically: true, encoding: .utf8)
        try consistency.standardOutput.write(toFile: proofs.file("consistency.json"), atomically: true, encoding: .utf8)
        try oldCheckpoint.standardOutput.write(toFile: proofs.file("old.txt"), atomically: true, encoding: .utf8)
        let checked = try runCustos(["verify-proof", proofs.file("inclusion.json"), "--key", key])
        #expect(checked.status == 0, "\(checked.standardOutput)\(checked.standardError)")
        #expect(checked.standardOutput.hasPrefix("OK: entry 3"))
        let grew = try runCustos(["verify-proof", proofs.file("consistency.json"), "--key", key, "--old-checkpoint", proofs.file("old.txt")])
        #expect(grew.status == 0, "\(grew.standardOutput)\(grew.standardError)")

        // A changed hash, or another key, fails with exit code 1.
        let tampered = inclusion.standardOutput.replacingOccurrences(of: "\"seq\": 3", with: "\"seq\": 2")
        try tampered.write(toFile: proofs.file("tampered.json"), atomically: true, encoding: .utf8)
        let refused = try runCustos(["verify-proof", proofs.file("tampered.json"), "--key", key])
        #expect(refused.status == 1)
        #expect(refused.standardOutput.hasPrefix("FAILED:"))
        let stranger = try NoteSigner.generate(name: "example.com/custos/proofs").verifierKey.description
        #expect(try runCustos(["verify-proof", proofs.file("inclusion.json"), "--key", stranger]).status == 1)
        #expect(try runCustos(["verify-proof", proofs.file("nothing.json"), "--key", key]).status == 65)
    }
}
