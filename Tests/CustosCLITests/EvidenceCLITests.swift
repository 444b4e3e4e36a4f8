import CustosLedger
import CustosTestSupport
import Foundation
import Testing

/// `custos evidence` on the demonstration store, `custos verify-bundle` with no store.
@Suite("Evidence bundles on the command line")
struct EvidenceCLITests {
    @Test("a bundle of the demonstration store names its planted violations and verifies offline; a changed one does not")
    func evidenceAndVerify() throws {
        let folder = TemporaryDirectory("custos-evidence-cli")
        let store = folder.file("store")
        #expect(try runCustos(["demo", "--store", store]).status == 0)
        let today = String(Timestamp.now().description.prefix(10))
        let bundle = folder.file("soc2.zip")
        let made = try runCustos(["evidence", "--store", store, "--framework", "soc2", "--from", today, "--to", today, "--out", bundle])
        #expect(made.status == 0, "\(made.standardError)")
        #expect(made.standardOutput.contains("CC6.1") && made.standardOutput.contains("not-satisfied (2 exceptions)"), "\(made.standardOutput)")
        #expect(made.standardOutput.contains("CC8.1") && made.standardOutput.contains("(1 exception)"))
        let key = try String(contentsOfFile: store + "/checkpoint.pub", encoding: .utf8)

        // The auditor's side: the zip and the key, no store.
        try FileManager.default.moveItem(atPath: store, toPath: folder.file("gone"))
        let checked = try runCustos(["verify-bundle", bundle, "--key", key])
        #expect(checked.status == 0, "\(checked.standardOutput)\(checked.standardError)")
        #expect(checked.standardOutput.contains("OK: events.ndjson") && checked.standardOutput.hasSuffix("the bundle verifies\n"))
        // Without --key the bundle vouches for itself, which anyone's forgery would too.
        let selfVouched = try runCustos(["verify-bundle", bundle])
        #expect(selfVouched.status == 2 && selfVouched.standardOutput.contains("proves nothing about who made it"), "\(selfVouched.standardOutput)")
        #expect(try runCustos(["verify-bundle", bundle, "--trust-bundled-key"]).status == 0)
        #expect(try runCustos(["verify-bundle", bundle, "--trust-bundled-key", "--key", key]).status == 64)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        bytes[bytes.count / 2] ^= 0x20
        let damaged = folder.file("damaged.zip")
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let refused = try runCustos(["verify-bundle", damaged, "--key", key])
        #expect(refused.status == 1 || refused.status == 65, "\(refused.standardOutput)\(refused.standardError)")
        #expect(refused.standardOutput.contains("FAILED") || refused.standardError.contains("cannot read"))

        let badFramework = try runCustos(["evidence", "--store", folder.file("gone"), "--framework", "pci", "--from", today, "--to", today, "--out", folder.file("x.zip")])
        #expect(badFramework.status == 64 && badFramework.standardError.contains("soc2, hipaa"))
        let badDate = try runCustos(["evidence", "--store", folder.file("gone"), "--framework", "soc2", "--from", "2026-13-01", "--to", today, "--out", folder.file("x.zip")])
        #expect(badDate.status == 65 && badDate.standardError.contains("--from"))
    }
}
