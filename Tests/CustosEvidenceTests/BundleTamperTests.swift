import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@testable import CustosEvidence

@Suite("Evidence bundles: tampering, previous bundles, OSCAL, the report")
struct BundleTamperTests {
    let folder = TemporaryDirectory("custos-tamper")

    /// Rewrites `url` with `change` applied to the file at `path`, verifies it, and returns the failures.
    func failures(of url: URL, changing path: String, name: String, key: NoteVerifierKey?, _ change: (inout [UInt8]) -> Void) throws -> [BundleVerifier.Failure] {
        var files = try BundleSurgery.files(of: url)
        let index = try #require(files.firstIndex { $0.path == path }, "\(path)")
        change(&files[index].bytes)
        let altered = URL(fileURLWithPath: folder.file(name))
        try BundleSurgery.write(files, to: altered)
        return try BundleVerifier.verify(altered, key: key).failures
    }

    @Test("one changed byte in any file fails and names that file")
    func everyFile() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "original.zip", in: folder)
        let key = store.ledger.verifierKey
        for (number, file) in try BundleSurgery.files(of: url).enumerated() where file.path != "VERIFY.md" || true {
            let found = try failures(of: url, changing: file.path, name: "flip-\(number).zip", key: key) { bytes in
                let at = bytes.count / 2
                bytes[at] = bytes[at] == UInt8(ascii: "7") ? UInt8(ascii: "8") : UInt8(ascii: "7")
            }
            #expect(!found.isEmpty, "a changed \(file.path) went unnoticed")
            #expect(found.contains { $0.file == file.path || (file.path == "manifest.json" && $0.file == "manifest.sig") }, "\(file.path): \(found)")
        }
    }

    @Test("a changed event fails at its seq even when the manifest is re-signed with the log's key")
    func changedEvent() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "events.zip", in: folder)
        var files = try BundleSurgery.files(of: url)
        let events = try #require(files.firstIndex { $0.path == "events.ndjson" })
        var lines = files[events].bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let target = 700
        let text = String(decoding: lines[target], as: UTF8.self)
        lines[target] = Array(text.replacingOccurrences(of: "\"kind\":\"transform\"", with: "\"kind\":\"transfer\"").utf8)
        #expect(lines[target] != Array(text.utf8))
        files[events].bytes = Array(lines.joined(separator: [0x0A]))
        // Re-list the file and re-sign the manifest, as someone holding the key could.
        let manifestIndex = try #require(files.firstIndex { $0.path == "manifest.json" })
        var manifest = try JSONParser.parse(files[manifestIndex].bytes)
        if case .object(var members) = manifest, case .array(var listed) = members["files"] {
            for (index, file) in listed.enumerated() where file["path"] == "events.ndjson" {
                listed[index] = ["path": "events.ndjson", "sha256": .string(Hash256.sha256(files[events].bytes).hex), "size": .number(Double(files[events].bytes.count))]
            }
            members["files"] = .array(listed)
            manifest = .object(members)
        }
        files[manifestIndex].bytes = CanonicalJSON.encode(manifest) + [0x0A]
        let signer = try NoteSigner.read(from: store.ledger.signingKeyPath)
        let note = try SignedNote(signing: BundleManifest.noteText(origin: store.ledger.origin, framework: "soc2", from: store.today, to: store.today, digest: Hash256.sha256(files[manifestIndex].bytes)), with: [signer])
        let sigIndex = try #require(files.firstIndex { $0.path == "manifest.sig" })
        files[sigIndex].bytes = Array(note.description.utf8)
        let altered = URL(fileURLWithPath: folder.file("resigned.zip"))
        try BundleSurgery.write(files, to: altered)
        let outcome = try BundleVerifier.verify(altered, key: store.ledger.verifierKey)
        #expect(!outcome.isValid)
        #expect(outcome.failures.contains { $0.file == "events.ndjson" && $0.seq == UInt64(target + 1) }, "\(outcome.failures)")

        // docs/tools/verify_bundle.py, written from the documents alone, agrees.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/tools/verify_bundle.py").path
        let key = try #require(store.ledger.verifierKey).description
        let good = try runProgram("/usr/bin/env", ["python3", script, url.path, "--key", key])
        let head = try store.ledger.head().size
        #expect(good.status == 0 && good.output.contains("OK: \(head) events chained"), "\(good.output)")
        let bad = try runProgram("/usr/bin/env", ["python3", script, altered.path, "--key", key])
        #expect(bad.status == 1 && bad.output.contains("FAILED: events.ndjson: seq \(target + 1)"), "\(bad.output)")
    }

    @Test("added, removed and truncated files fail and are named")
    func addedRemovedTruncated() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "shape.zip", in: folder)
        let key = store.ledger.verifierKey
        var files = try BundleSurgery.files(of: url)
        files.append(("controls/extra.json", Array("{}".utf8)))
        try BundleSurgery.write(files, to: URL(fileURLWithPath: folder.file("added.zip")))
        #expect(try BundleVerifier.verify(URL(fileURLWithPath: folder.file("added.zip")), key: key).failures.contains { $0.file == "controls/extra.json" })

        files = try BundleSurgery.files(of: url).filter { $0.path != "controls/cc6.3.csv" }
        try BundleSurgery.write(files, to: URL(fileURLWithPath: folder.file("removed.zip")))
        #expect(try BundleVerifier.verify(URL(fileURLWithPath: folder.file("removed.zip")), key: key).failures.contains { $0.file == "controls/cc6.3.csv" })

        let truncated = try failures(of: url, changing: "events.ndjson", name: "truncated.zip", key: key) { bytes in
            let lines = bytes.split(separator: 0x0A).dropLast(3)
            bytes = Array(lines.joined(separator: [0x0A])) + [0x0A]
        }
        #expect(truncated.contains { $0.file == "events.ndjson" || $0.file == "proofs/chain.json" }, "\(truncated)")

        // Another log's key: nothing is signed by it.
        let other = try NoteSigner.generate(name: "other.example/log").verifierKey
        #expect(try BundleVerifier.verify(url, key: other).failures.contains { $0.file == "checkpoint.txt" })
    }

    @Test("a second entry of one name, or a name that leaves the folder, is refused outright: unzip tools would show either copy")
    func ambiguousEntries() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "entries.zip", in: folder)
        let key = store.ledger.verifierKey
        for (name, extra) in [
            ("duplicate-report.zip", ("report.html", Array("<h1>all controls passed</h1>".utf8))),
            ("duplicate-manifest.zip", ("manifest.json", Array("{}".utf8))),
            ("climbing.zip", ("../outside.txt", Array("x".utf8))),
            ("absolute.zip", ("/etc/outside.txt", Array("x".utf8))),
        ] {
            var files = try BundleSurgery.files(of: url)
            files.append(extra)
            let altered = URL(fileURLWithPath: folder.file(name))
            try BundleSurgery.write(files, to: altered)
            do {
                _ = try BundleVerifier.verify(altered, key: key)
                Issue.record("\(name) verified")
            } catch {
                #expect(error.description.contains(extra.0), "\(name): \(error)")
            }
        }
        #expect(BundleReader.isPlainName("controls/cc6.1.json") && !BundleReader.isPlainName("controls//x") && !BundleReader.isPlainName("a\\b"))
        // docs/tools/verify_bundle.py refuses them too.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/tools/verify_bundle.py").path
        let keyText = try #require(key).description
        let duplicate = try runProgram("/usr/bin/env", ["python3", script, folder.file("duplicate-report.zip"), "--key", keyText])
        #expect(duplicate.status == 1 && duplicate.output.contains("report.html: appears twice"), "\(duplicate.output)")
        let climbing = try runProgram("/usr/bin/env", ["python3", script, folder.file("climbing.zip"), "--key", keyText])
        #expect(climbing.status == 1 && climbing.output.contains("not a plain relative name"), "\(climbing.output)")
    }

    @Test("a chain that claims an entry before seq 0 is refused without a crash")
    func entryBeforeTheFirst() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "before.zip", in: folder)
        let files = try BundleSurgery.files(of: url)
        let firstLine = try #require(files.first { $0.path == "events.ndjson" }?.bytes.split(separator: 0x0A).first)
        let found = try failures(of: url, changing: "proofs/chain.json", name: "before-zero.zip", key: store.ledger.verifierKey) { bytes in
            guard case .object(var chain)? = try? JSONParser.parse(bytes) else { return }
            chain["firstSeq"] = 0
            chain["before"] = .string(String(decoding: firstLine, as: UTF8.self))
            bytes = Array(JSONValue.object(chain).description.utf8)
        }
        #expect(!found.isEmpty)
    }

    @Test("with --previous, the bundle proves the log only grew; a bundle of another log is refused")
    func previousBundle() async throws {
        let folder = TemporaryDirectory("custos-previous")
        let ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/previous")
        let factory = EventFactory()
        _ = try await ledger.append(contentsOf: factory.transforms(300))
        let today = String(Timestamp.now().description.prefix(10))
        let first = URL(fileURLWithPath: folder.file("q1.zip"))
        _ = try await EvidenceBuilder(ledger: ledger).build(framework: .soc2, period: EvidencePeriod(from: today, to: today), to: first)
        _ = try await ledger.append(contentsOf: factory.transforms(200, startingAt: 300))
        _ = try await ledger.signCheckpoint()
        let second = URL(fileURLWithPath: folder.file("q2.zip"))
        _ = try await EvidenceBuilder(ledger: ledger).build(framework: .soc2, period: EvidencePeriod(from: today, to: today), previous: first, to: second)
        let outcome = try BundleVerifier.verify(second, key: ledger.verifierKey, previous: first)
        #expect(outcome.isValid, "\(outcome.failures)")
        #expect(outcome.passed.contains { $0.hasPrefix("proofs/consistency.json") })

        let store = try await EvidenceStore.shared.value
        let stranger = try await store.bundle(.soc2, name: "stranger.zip", in: folder)
        await #expect(throws: EvidenceError.self) {
            _ = try await EvidenceBuilder(ledger: ledger).build(framework: .soc2, period: EvidencePeriod(from: today, to: today), previous: stranger, to: URL(fileURLWithPath: folder.file("bad.zip")))
        }
        #expect(try BundleVerifier.verify(second, key: ledger.verifierKey, previous: stranger).failures.contains { $0.file == "previous-checkpoint.txt" })
        await ledger.close()
    }

    @Test("the OSCAL document validates with compliance-trestle")
    func oscal() async throws {
        let store = try await EvidenceStore.shared.value
        for framework in EvidenceFramework.allCases {
            let url = try await store.bundle(framework, name: "oscal-\(framework).zip", in: folder)
            let document = try #require(try BundleSurgery.files(of: url).first { $0.path == "oscal/assessment-results.json" })
            let path = folder.file("assessment-results-\(framework).json")
            try Data(document.bytes).write(to: URL(fileURLWithPath: path))
            let result = try runProgram("/usr/bin/env", [
                "python3", "-c",
                "import pathlib, sys; from trestle.oscal.assessment_results import AssessmentResults; r = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1])); print(len(r.results[0].findings))",
                path,
            ])
            #expect(result.status == 0, "trestle: \(result.output)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "6", "\(result.output)")
        }
    }

    @Test("the report is self-contained and renders in headless Chromium")
    func report() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "report.zip", in: folder)
        let html = String(decoding: try #require(try BundleSurgery.files(of: url).first { $0.path == "report.html" }).bytes, as: UTF8.self)
        #expect(html.contains("<svg") && html.contains("Exceptions") && html.contains("CC6.1"))
        let external = html.components(separatedBy: "http").dropFirst().filter { !$0.hasPrefix("://www.w3.org/2000/svg") }
        #expect(external.isEmpty, "no external assets: \(external.prefix(3))")
        #expect(!html.contains("<script"))
        let page = folder.file("report.html")
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        let picture = folder.file("report.png")
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "chromium is missing: `make test` installs it")
        let result = try runProgram(browser, ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,2400", "--screenshot=\(picture)", "file://\(page)"])
        #expect(result.status == 0, "\(result.output)")
        let png = try Data(contentsOf: URL(fileURLWithPath: picture))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 50_000, "a blank page would be tiny: \(png.count) bytes")
        if let shots = ProcessInfo.processInfo.environment["CUSTOS_SCREENSHOTS"] {
            try png.write(to: URL(fileURLWithPath: shots).appendingPathComponent("evidence-report.png"))
        }
    }
}
