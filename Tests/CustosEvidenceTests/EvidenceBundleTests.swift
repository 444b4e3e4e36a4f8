import CustosLedger
import CustosTestSupport
import Foundation
import Testing

@testable import CustosEvidence

@Suite("Evidence bundles: contents, exceptions, determinism")
struct EvidenceBundleTests {
    let folder = TemporaryDirectory("custos-bundles")

    @Test("a SOC 2 bundle holds every file, the whole period, and exactly the planted exceptions")
    func soc2Contents() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, name: "soc2.zip", in: folder)
        let files = try BundleSurgery.files(of: url)
        let paths = Set(files.map(\.path))
        for expected in [
            "VERIFY.md", "manifest.json", "manifest.sig", "checkpoint.txt", "checkpoint.pub", "events.ndjson", "proofs/chain.json",
            "oscal/assessment-results.json", "report.html",
        ] + EvidenceFramework.soc2.controls.flatMap({ ["controls/\($0.slug).json", "controls/\($0.slug).csv"] }) {
            #expect(paths.contains(expected), "\(expected)")
        }
        let head = try store.ledger.head().size
        let events = try #require(files.first { $0.path == "events.ndjson" }).bytes
        #expect(events.split(separator: 0x0A).count == Int(head), "every event of today is in the population")
        let stored = try store.ledger.withEntryBytes(at: 0) { Array($0) }
        #expect(Array(events.prefix(stored.count)) == stored, "entries are copied exactly as stored")

        func exceptionSeqs(_ slug: String) throws -> [UInt64] {
            try (BundleSurgery.json(files, "controls/\(slug).json")["exceptions"]?.arrayValue ?? []).compactMap { $0["seq"]?.numberValue.map { UInt64($0) } }
        }
        let offsets = { (list: [Int]) in list.map { store.storyStart + UInt64($0) } }
        #expect(try exceptionSeqs("cc6.1") == (offsets(store.story.unapprovedExports) + [store.leakSeq]).sorted())
        // Self-approvals the gate refused show it working; the one that got into the log is the exception.
        #expect(try exceptionSeqs("cc6.2") == [store.selfApprovalSeq])
        let blocked = try (BundleSurgery.json(files, "controls/cc6.2.json")["blockedAttempts"]?.arrayValue ?? []).compactMap { $0["seq"]?.numberValue.map { UInt64($0) } }
        #expect(blocked == offsets(store.story.selfApprovals).sorted())
        #expect(try exceptionSeqs("cc6.3") == offsets(store.story.executionsAfterDenial).sorted())
        #expect(try exceptionSeqs("cc8.1") == [store.infraSeq])
        let cc61 = try BundleSurgery.json(files, "controls/cc6.1.json")
        #expect(cc61["status"]?.stringValue == "not-satisfied")
        #expect(cc61["query"]?["text"]?.stringValue == QueryLibrary.files["queries/soc2/cc6.1-exports-without-approval.lql"])
        #expect(cc61["population"]?["count"]?.numberValue.map(Int.init) == (try events.split(separator: 0x0A).filter { line in
            try LedgerEntry(bytes: Array(line)).event.kind == .export
        }.count))
        let cc73 = try BundleSurgery.json(files, "controls/cc7.3.json")
        #expect(cc73["status"]?.stringValue == "satisfied" && cc73["exceptionCount"]?.numberValue == 0)
        let csv = String(decoding: try #require(files.first { $0.path == "controls/cc6.1.csv" }).bytes, as: UTF8.self)
        #expect(csv.hasPrefix("seq,time,kind,actor,request,reason,exception\r\n"))
        #expect(csv.components(separatedBy: ",yes\r\n").count - 1 == (try exceptionSeqs("cc6.1")).count)

        let outcome = try BundleVerifier.verify(url, key: store.ledger.verifierKey)
        #expect(outcome.isValid, "\(outcome.failures)")
        #expect(outcome.passed.count >= 4 + EvidenceFramework.soc2.controls.count)
    }

    @Test("a HIPAA bundle verifies, with its six controls")
    func hipaa() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.hipaa, name: "hipaa.zip", in: folder)
        let outcome = try BundleVerifier.verify(url, key: store.ledger.verifierKey)
        #expect(outcome.isValid, "\(outcome.failures)")
        let files = try BundleSurgery.files(of: url)
        let integrity = try BundleSurgery.json(files, "controls/164.312-c-1.json")
        #expect(integrity["status"]?.stringValue == "not-satisfied")
        #expect((integrity["exceptions"]?.arrayValue ?? []).contains { $0["seq"]?.numberValue == Double(store.infraSeq) })
        #expect(try BundleSurgery.json(files, "controls/164.312-b.json")["status"]?.stringValue == "satisfied")
    }

    @Test("the same inputs give a byte-identical bundle")
    func deterministic() async throws {
        let store = try await EvidenceStore.shared.value
        let first = try Data(contentsOf: try await store.bundle(.soc2, name: "a.zip", in: folder))
        let second = try Data(contentsOf: try await store.bundle(.soc2, name: "b.zip", in: folder))
        #expect(first == second)
        #expect(first.count > 10_000)
    }

    @Test("a period with no events still proves where it sits in the log")
    func emptyPeriod() async throws {
        let store = try await EvidenceStore.shared.value
        let url = try await store.bundle(.soc2, from: "2020-01-01", to: "2020-01-31", name: "empty.zip", in: folder)
        let files = try BundleSurgery.files(of: url)
        #expect(try #require(files.first { $0.path == "events.ndjson" }).bytes.isEmpty)
        let chain = try BundleSurgery.json(files, "proofs/chain.json")
        #expect(chain["count"] == 0 && chain["before"] == .null && chain["after"]?.stringValue?.contains("\"seq\":0") == true)
        let outcome = try BundleVerifier.verify(url, key: store.ledger.verifierKey)
        #expect(outcome.isValid, "\(outcome.failures)")
    }

    @Test("bad periods are refused with a reason")
    func badPeriods() {
        #expect(throws: EvidenceError.self) { try EvidencePeriod(from: "2026-02-30", to: "2026-03-01") }
        #expect(throws: EvidenceError.self) { try EvidencePeriod(from: "2026-03-01", to: "2026-02-01") }
        #expect(throws: EvidenceError.self) { try EvidencePeriod(from: "yesterday", to: "2026-02-01") }
    }

    @Test("the embedded queries are the queries/ files, byte for byte")
    func queryLibrary() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var onDisk: [String: String] = [:]
        for framework in ["soc2", "hipaa"] {
            let folder = root.appendingPathComponent("queries/\(framework)")
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".lql") {
                onDisk["queries/\(framework)/\(name)"] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            }
        }
        #expect(onDisk == QueryLibrary.files)
        for framework in EvidenceFramework.allCases {
            for control in framework.controls { #expect(QueryLibrary.files[control.queryFile] != nil, "\(control.queryFile)") }
        }
    }
}
