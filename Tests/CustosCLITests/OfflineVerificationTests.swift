import CustosLedger
import CustosTestSupport
import Foundation
import Testing

/// An auditor's script written from docs/FORMAT.md alone agrees with the ledger.
@Suite("Offline verification with docs/tools/verify_chain.py")
struct OfflineVerificationTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/tools/verify_chain.py").path

    private func python(_ arguments: [String]) throws -> CommandResult {
        let run = try runProgram("/usr/bin/env", ["python3", Self.script] + arguments)
        return CommandResult(status: run.status, standardOutput: run.output, standardError: "", wasSignaled: false)
    }

    @Test("an export verifies, with the same Merkle root, and a changed line fails at its seq")
    func exportVerifies() async throws {
        let folder = TemporaryDirectory("custos-offline")
        let store = folder.file("store")
        let ledger = try Ledger.create(at: store)
        var events = EventFactory().transforms(300)
        events += try EventFactory.sampleLines.map { try Event(json: $0) }
        events.append(try Event(
            kind: "note", actor: .human("zoë@example.com"), inputs: [NodeID("dataset:quote\"and\\slash")],
            attributes: ["small": 1e-7, "big": 1e21, "half": 0.5, "text": "tab\tnewline\nbell\u{7}é😀", "\u{1F600}": 1, "\u{e9}": 2, "z": [nil, true]]
        ))
        _ = try await ledger.append(contentsOf: events)
        let root = try ledger.statistics().treeRoot
        let signed = try await ledger.signCheckpoint()
        await ledger.close()

        let export = try runCustos(["export", "--store", store])
        #expect(export.status == 0)
        let path = folder.file("log.ndjson")
        try export.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
        let checked = try python([path, "--expect-root", root.hex])
        #expect(checked.status == 0, "\(checked.standardOutput)")
        #expect(checked.standardOutput.contains("OK: \(events.count) entries"))
        #expect(checked.standardOutput.contains(root.hex))

        // The signed checkpoint checks with the public key, with Python's own Ed25519.
        try signed.signed.text.write(toFile: folder.file("checkpoint.txt"), atomically: true, encoding: .utf8)
        let anchored = try python([path, "--checkpoint", folder.file("checkpoint.txt"), "--key", store + "/checkpoint.pub"])
        #expect(anchored.status == 0, "\(anchored.standardOutput)")
        #expect(anchored.standardOutput.contains("is signed by"))
        let forged = signed.signed.text.replacingOccurrences(of: "\n\(signed.size)\n", with: "\n\(signed.size - 1)\n")
        try forged.write(toFile: folder.file("forged.txt"), atomically: true, encoding: .utf8)
        let refused = try python([path, "--checkpoint", folder.file("forged.txt"), "--key", store + "/checkpoint.pub"])
        #expect(refused.status == 1)
        #expect(refused.standardOutput.contains("does not verify"), "\(refused.standardOutput)")

        // Change one digit inside entry 150: the script names the broken link at 151.
        var lines = export.standardOutput.split(separator: "\n").map(String.init)
        lines[150] = lines[150].replacingOccurrences(of: "partition", with: "partitioN")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let tampered = try python([path])
        #expect(tampered.status == 1)
        #expect(tampered.standardOutput.contains("seq 151: prev does not match the hash of seq 150"), "\(tampered.standardOutput)")

        // A slice of the log checks too (no root: it does not start at 0).
        let slice = try runCustos(["export", "--store", store, "--from", "10", "--to", "19"])
        #expect(slice.standardOutput.split(separator: "\n").count == 10)
    }
}
