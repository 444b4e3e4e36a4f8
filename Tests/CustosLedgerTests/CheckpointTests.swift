import CustosTestSupport
import Foundation
import LMDB
import Testing

@testable import CustosLedger

@Suite("Signed notes and checkpoints")
struct CheckpointTests {
    @Test("a signed note from another implementation verifies (C2SP signed-note example)")
    func knownAnswer() throws {
        let key = try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        #expect(key.keyID == 0x530d_903a)
        let note = try SignedNote(parsing: "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        #expect(note.text == "This is an example message.\n")
        #expect(note.isSigned(by: key))
        let altered = try SignedNote(parsing: "This is an example messagE.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        #expect(!altered.isSigned(by: key))
    }

    @Test("keys round-trip through their text forms; bad keys are refused")
    func keys() throws {
        let signer = try NoteSigner.generate(name: "example.com/log")
        let again = try NoteSigner(parsing: signer.secretText)
        #expect(again.verifierKey == signer.verifierKey)
        #expect(try NoteVerifierKey(parsing: signer.verifierKey.description) == signer.verifierKey)
        #expect(signer.secretText.hasPrefix("PRIVATE+KEY+example.com/log+"))
        #expect(throws: NoteError.self) { try NoteSigner.generate(name: "has space") }
        #expect(throws: NoteError.self) { try NoteSigner.generate(name: "a+b") }
        // Change the first digit of the key id.
        var text = signer.verifierKey.description
        let digit = text.index(text.startIndex, offsetBy: "example.com/log+".count)
        text.replaceSubrange(digit...digit, with: text[digit] == "0" ? "1" : "0")
        #expect(throws: NoteError.self) { try NoteVerifierKey(parsing: text) }
        #expect(throws: NoteError.self) { try NoteVerifierKey(parsing: "example.com/log+12345678") }
    }

    @Test("a checkpoint signed here verifies with the public key alone; any changed byte fails")
    func signedCheckpointTamper() throws {
        let signer = try NoteSigner.generate(name: "example.com/custos")
        let checkpoint = Checkpoint(origin: "example.com/custos", size: 1_200, rootHash: Hash256.sha256([7]))
        #expect(checkpoint.text == "example.com/custos\n1200\n\(Data(Hash256.sha256([7]).bytes).base64EncodedString())\n")
        let signed = try SignedCheckpoint(signing: checkpoint, with: signer)
        let text = signed.text
        let parsed = try SignedCheckpoint(parsing: text)
        #expect(parsed.checkpoint == checkpoint)
        #expect(parsed.isSigned(by: signer.verifierKey))
        #expect(!parsed.isSigned(by: try NoteSigner.generate(name: "example.com/custos").verifierKey))
        let bytes = Array(text.utf8)
        var failures = 0
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x01
            let candidate = String(decoding: changed, as: UTF8.self)
            if let reparsed = try? SignedCheckpoint(parsing: candidate), reparsed.isSigned(by: signer.verifierKey) {
                Issue.record("a change at byte \(index) still verifies")
                continue
            }
            failures += 1
        }
        #expect(failures == bytes.count)
    }

    @Test("checkpoint text is checked strictly", arguments: [
        "example.com\n01\nAAAA\n", "example.com\n12\n", "\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "example.com\n12\nnot-base64\n",
        "example.com\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "example.com\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    ])
    func malformedCheckpoints(text: String) {
        #expect(throws: NoteError.self) { try Checkpoint(parsing: text) }
    }

    @Test("a new store has a private signing key and a public key beside it")
    func keyFiles() throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        let keyMode = try FileManager.default.attributesOfItem(atPath: ledger.signingKeyPath)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        #expect(ledger.verifierKey?.name == ledger.origin)
        let signer = try NoteSigner.read(from: ledger.signingKeyPath)
        #expect(signer.verifierKey == ledger.verifierKey)
        // The key never reaches the log.
        let data = try Data(contentsOf: URL(fileURLWithPath: ledger.path + "/data.mdb"))
        #expect(data.firstRange(of: Data(signer.secretText.utf8.suffix(44))) == nil)
        #expect(throws: LedgerError.self) { try Ledger.create(at: folder.file("other"), origin: "bad origin") }
    }

    @Test("checkpoints are signed on request and by policy, stored, listed and verified")
    func signingAndPolicy() async throws {
        let (ledger, folder) = try makeLedger { $0.checkpointPolicy = CheckpointPolicy(everyEntries: 100, everySeconds: nil) }
        _ = folder
        let factory = EventFactory()
        for batch in 0..<5 { _ = try await ledger.append(contentsOf: factory.transforms(50, startingAt: batch * 50)) }
        let automatic = try ledger.checkpoints()
        #expect(automatic.map(\.size) == [100, 200])
        _ = try await ledger.append(contentsOf: factory.transforms(7, startingAt: 250))
        let stored = try await ledger.signCheckpoint()
        #expect(stored.size == 257)
        #expect(stored.rootHash == (try ledger.rootHash(atSize: 257)))
        #expect(stored.signed.isSigned(by: try #require(ledger.verifierKey)))
        #expect(try await ledger.signCheckpoint() == stored)  // nothing new: the same checkpoint
        #expect(try ledger.latestCheckpoint() == stored)
        #expect(try ledger.checkpoint(atSize: 200)?.size == 200)
        #expect(try ledger.checkpoint(atSize: 201) == nil)
        let report = try ledger.verify()
        #expect(report.isValid)
        #expect(report.checkpointsChecked == 3)
        #expect(ledger.writerStatistics.checkpointsSigned == 3)
    }

    @Test("the writer's remembered last checkpoint is used only while it is the one stored last")
    func rememberedCheckpoint() async throws {
        let (ledger, folder) = try makeLedger { $0.checkpointPolicy = CheckpointPolicy(everyEntries: nil, everySeconds: nil) }
        _ = folder
        _ = try await ledger.append(contentsOf: EventFactory().transforms(20))
        let first = try await ledger.signCheckpoint()
        try ledger.environment.read { txn throws in
            #expect(try StoredCheckpoint.latest(in: txn, schema: ledger.schema, known: StoredCheckpoint.Known(first))?.checkpoint == first)
        }
        // Another process re-signs the same size later: a different record under the same key.
        let resigned = StoredCheckpoint(signed: first.signed, signedAt: Timestamp(microseconds: first.signedAt.microseconds + 1))
        try ledger.environment.write { txn throws in
            try txn.put(resigned.encoded, forKey: Keys.seq(first.size).bytes, in: ledger.schema.checkpoints)
        }
        try ledger.environment.read { txn throws in
            let latest = try StoredCheckpoint.latest(in: txn, schema: ledger.schema, known: StoredCheckpoint.Known(first))?.checkpoint
            #expect(latest == resigned)
            #expect(latest?.signedAt != first.signedAt)
        }
        // The writer, which remembered `first`, reads the new record: signing again at the
        // same size returns the stored checkpoint rather than a second one.
        #expect(try await ledger.signCheckpoint() == resigned)
    }

    @Test("the ledger refuses to sign a history inconsistent with what it signed before")
    func refusesInconsistentHistory() async throws {
        let (ledger, folder) = try makeLedger { $0.checkpointPolicy = .manual }
        _ = folder
        _ = try await ledger.append(contentsOf: EventFactory().transforms(40))
        let first = try await ledger.signCheckpoint()
        // Someone with the key stores a checkpoint at size 40 with another root.
        let signer = try NoteSigner.read(from: ledger.signingKeyPath)
        let forged = try SignedCheckpoint(signing: Checkpoint(origin: ledger.origin, size: 40, rootHash: Hash256.sha256([1])), with: signer)
        try ledger.environment.write { txn in
            try txn.put(StoredCheckpoint(signed: forged, signedAt: first.signedAt).encoded, forKey: Keys.seq(40).bytes, in: ledger.schema.checkpoints)
        }
        _ = try await ledger.append(contentsOf: EventFactory().transforms(5, startingAt: 40))
        await #expect(throws: LedgerError.self) { try await ledger.signCheckpoint() }
        let report = try ledger.verify()
        #expect(report.problems.contains { $0.kind == .checkpointMismatch })
    }

    @Test("a truncation that rewrites head, tree and indexes is still caught by a signed checkpoint")
    func truncationBelowCheckpoint() async throws {
        let (ledger, folder) = try makeLedger { $0.checkpointPolicy = .manual }
        _ = folder
        _ = try await ledger.append(contentsOf: EventFactory().transforms(100))
        _ = try await ledger.signCheckpoint()
        // Cut the log back to 60 entries, and make entries, tree and head agree with that.
        let head = LogHead(size: 60, lastLeafHash: try ledger.leafHash(at: 59), lastTime: try ledger.entry(at: 59).time)
        try ledger.environment.write { txn in
            for seq in UInt64(60)..<100 { try txn.delete(Keys.seq(seq).bytes, in: ledger.schema.entries) }
            var doomed: [[UInt8]] = []
            try txn.forEach(in: ledger.schema.tree) { key, _ in
                if key.loadBigEndianUInt64(at: 0) >= 60 { doomed.append(Array(key)) }
                return true
            }
            for key in doomed { try txn.delete(key, in: ledger.schema.tree) }
            try txn.put(head.encoded, forKey: MetaKey.head, in: ledger.schema.meta)
        }
        var options = VerificationOptions()
        options.checkIndexes = false
        let report = try ledger.verify(options)
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.kind == .truncated && $0.seq == 60 }, "\(report.problems)")
    }

    @Test("a signing key readable by others is refused, with the fix")
    func looseKeyFile() async throws {
        let (ledger, folder) = try makeLedger()
        _ = folder
        chmod(ledger.signingKeyPath, 0o644)
        do {
            _ = try await ledger.signCheckpoint()
            Issue.record("signing should fail")
        } catch {
            #expect("\(error)".contains("chmod 600"))
        }
    }

    @Test("proof documents verify offline; altered ones fail and say why")
    func proofDocuments() async throws {
        let (ledger, folder) = try makeLedger { $0.checkpointPolicy = .manual }
        _ = folder
        _ = try await ledger.append(contentsOf: EventFactory().transforms(300))
        let old = try await ledger.signCheckpoint()
        _ = try await ledger.append(contentsOf: EventFactory().transforms(123, startingAt: 300))
        let new = try await ledger.signCheckpoint()
        let key = try #require(ledger.verifierKey)

        let inclusion = try ledger.inclusionDocument(seq: 250, treeSize: new.size)
        let reread = try ProofDocument(json: inclusion.jsonValue.description)
        #expect(reread == inclusion)
        #expect(try reread.verify(key: key).contains("entry 250"))
        let consistency = try ledger.consistencyDocument(from: old.size, to: new.size)
        #expect(try ProofDocument(json: consistency.jsonValue.description).verify(key: key).contains("extends"))

        guard case .inclusion(var document) = inclusion else { return }
        var broken = document
        broken.proof = InclusionProof(leafIndex: 250, treeSize: new.size, hashes: document.proof.hashes.reversed())
        #expect(throws: ProofFailure.self) { try ProofDocument.inclusion(broken).verify(key: key) }
        broken = document
        broken.entry = broken.entry?.replacingOccurrences(of: "\"seq\":250", with: "\"seq\":251")
        #expect(throws: ProofFailure.self) { try ProofDocument.inclusion(broken).verify(key: key) }
        broken = document
        broken.checkpoint = old.signed.text
        #expect(throws: ProofFailure.self) { try ProofDocument.inclusion(broken).verify(key: key) }
        #expect(throws: ProofFailure.self) { try inclusion.verify(key: try NoteSigner.generate(name: ledger.origin).verifierKey) }
        document.checkpoint = nil
        do {
            _ = try ProofDocument.inclusion(document).verify(key: key)
        } catch {
            #expect(error.description.contains("no signed checkpoint"))
        }
        #expect(try ProofDocument.inclusion(document).verify(key: key, checkpoint: new.signed.text).contains("250"))
    }
}
