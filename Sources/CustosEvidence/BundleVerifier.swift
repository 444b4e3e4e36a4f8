public import CustosLedger
import Crypto
public import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Checks an evidence bundle offline, with no store: every file against the manifest, the
/// manifest's signature, the checkpoint's signature, every event against the chain proof and
/// the checkpoint, the consistency proof from a previous bundle, and every control report's
/// counts against the events. Each failure names the file, and the seq for events.
public enum BundleVerifier {
    /// A bundle's files are bounded by size as they are read (64 MiB), not by their count of
    /// values: the control reports of a busy period list many exceptions.
    static let bundleJSON: JSONParser.Limits = {
        var limits = JSONParser.Limits()
        limits.maxValues = .max
        return limits
    }()

    /// One thing that does not hold.
    public struct Failure: Sendable, CustomStringConvertible {
        public let file: String
        public let seq: UInt64?
        public let message: String

        public var description: String { "\(file)\(seq.map { " (seq \($0))" } ?? ""): \(message)" }
    }

    /// What was checked, and what failed.
    public struct Outcome: Sendable {
        public var passed: [String] = []
        public var failures: [Failure] = []
        /// Where the key came from: given, or the bundle's own (to compare with the published one).
        public var keySource = ""
        public var isValid: Bool { failures.isEmpty }
    }

    /// Verifies the bundle at `url`. `key` is the log's published checkpoint key; without it the
    /// bundle's own `checkpoint.pub` is used, which proves the bundle self-consistent but not
    /// that it comes from the log you trust. `previous` is an earlier bundle of the same log.
    public static func verify(_ url: URL, key givenKey: NoteVerifierKey? = nil, previous: URL? = nil) throws(EvidenceError) -> Outcome {
        let reader = try BundleReader(url)
        try reader.checkEntries()
        var outcome = Outcome()
        func fail(_ file: String, _ message: String, seq: UInt64? = nil) { outcome.failures.append(Failure(file: file, seq: seq, message: message)) }

        // The manifest, and every file against it.
        guard let manifestBytes = try reader.read(BundleManifest.fileName, limit: 64 << 20) else { throw .unreadable("it has no manifest.json: not a Custos evidence bundle") }
        guard let manifest = try? JSONParser.parse(manifestBytes, limits: Self.bundleJSON), manifest["format"]?.stringValue == BundleManifest.format else {
            throw .unreadable("manifest.json is not a \(BundleManifest.format) manifest")
        }
        var listed: [String: (sha256: String, size: Int64)] = [:]
        for file in manifest["files"]?.arrayValue ?? [] {
            guard let path = file["path"]?.stringValue, let sha = file["sha256"]?.stringValue, let size = whole(file["size"]) else {
                fail(BundleManifest.fileName, "a file entry lacks path, sha256 or size")
                continue
            }
            listed[path] = (sha, Int64(size))
        }
        let present = Dictionary(reader.files.map { ($0.path, $0.size) }, uniquingKeysWith: { first, _ in first })
        for path in present.keys.sorted() where listed[path] == nil && path != BundleManifest.fileName && path != BundleManifest.signatureFileName {
            fail(path, "is in the bundle but not in the manifest: a file was added")
        }
        for path in listed.keys.sorted() where present[path] == nil {
            fail(path, "is in the manifest but not in the bundle: a file was removed")
        }
        var digests: [String: String] = [:]
        for path in listed.keys.sorted() where present[path] != nil && path != "events.ndjson" {
            var hasher = SHA256()
            var size: Int64 = 0
            try reader.stream(path) { chunk in
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
            digests[path] = Hex.encode(hasher.finalize())
        }

        // The key, the manifest's signature, the checkpoint.
        let key: NoteVerifierKey
        if let givenKey {
            key = givenKey
            outcome.keySource = "the key given (\(givenKey.name))"
        } else {
            guard let text = try reader.read("checkpoint.pub", limit: 64 << 10), let bundled = try? NoteVerifierKey(parsing: String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .unreadable("no --key was given and the bundle's checkpoint.pub is missing or unreadable")
            }
            key = bundled
            outcome.keySource = "the bundle's own checkpoint.pub: compare \(bundled) with the log's published key, or pass --key"
        }
        let origin = manifest["origin"]?.stringValue ?? ""
        let framework = manifest["framework"]?.stringValue ?? ""
        let from = manifest["period"]?["from"]?.stringValue ?? ""
        let to = manifest["period"]?["to"]?.stringValue ?? ""
        var manifestSigned = false
        if let sigBytes = try reader.read(BundleManifest.signatureFileName, limit: 64 << 10), let note = try? SignedNote(parsing: String(decoding: sigBytes, as: UTF8.self)) {
            let expected = BundleManifest.noteText(origin: origin, framework: framework, from: from, to: to, digest: Hash256.sha256(manifestBytes))
            if !note.isSigned(by: key) {
                fail(BundleManifest.signatureFileName, "is not signed by \(key.name)+\(String(format: "%08x", key.keyID))")
            } else if note.text != expected {
                fail(BundleManifest.fileName, "does not match its signature: the manifest was changed after it was signed")
            } else {
                manifestSigned = true
                outcome.passed.append("manifest.json is signed by the log's key, and lists \(listed.count) files")
            }
        } else {
            fail(BundleManifest.signatureFileName, "is missing or is not a signed note")
        }
        for path in listed.keys.sorted() {
            guard let digest = digests[path], let expected = listed[path] else { continue }
            if digest != expected.sha256 || present[path] != expected.size { fail(path, "does not match its SHA-256 or size in the manifest: the file was changed") }
        }

        var checkpoint: Checkpoint?
        if let text = try reader.read("checkpoint.txt", limit: 64 << 10), let signed = try? SignedCheckpoint(parsing: String(decoding: text, as: UTF8.self)) {
            if !signed.isSigned(by: key) { fail("checkpoint.txt", "is not signed by \(key.name)+\(String(format: "%08x", key.keyID))") }
            if signed.checkpoint.origin != key.name { fail("checkpoint.txt", "is for the log \(signed.checkpoint.origin), and the key is \(key.name)'s") }
            if signed.checkpoint.origin != origin { fail("checkpoint.txt", "is for \(signed.checkpoint.origin), the manifest for \(origin)") }
            if whole(manifest["checkpoint"]?["size"]) != signed.checkpoint.size || manifest["checkpoint"]?["rootHash"]?.stringValue != signed.checkpoint.rootHash.hex {
                fail(BundleManifest.fileName, "names another checkpoint than checkpoint.txt")
            }
            checkpoint = signed.checkpoint
            if outcome.failures.allSatisfy({ $0.file != "checkpoint.txt" }) {
                outcome.passed.append("checkpoint.txt: \(origin) at size \(signed.checkpoint.size), root \(signed.checkpoint.rootHash.hex), signed")
            }
        } else {
            fail("checkpoint.txt", "is missing or is not a signed checkpoint")
        }

        // The control reports first, so the event pass knows which events to look at.
        // Only the files of a signed manifest are parsed: an unsigned one could list anything.
        var controls: [(path: String, json: JSONValue)] = []
        for path in manifestSigned ? (manifest["controls"]?.arrayValue ?? []).compactMap(\.stringValue) : [] {
            guard let bytes = try reader.read(path, limit: 64 << 20), let json = try? JSONParser.parse(bytes, limits: Self.bundleJSON) else {
                fail(path, "is missing or is not JSON")
                continue
            }
            controls.append((path, json))
        }
        var wanted = Set<UInt64>()
        for (_, json) in controls {
            for item in (json["exceptions"]?.arrayValue ?? []) + (json["blockedAttempts"]?.arrayValue ?? []) {
                if let seq = whole(item["seq"]) { wanted.insert(seq) }
                for edge in item["edges"]?.arrayValue ?? [] { if let seq = whole(edge["firstSeq"]) { wanted.insert(seq) } }
            }
        }

        // The events, against the chain proof and the checkpoint.
        let start = manifest["period"]?["start"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        let end = manifest["period"]?["end"]?.stringValue.flatMap { Timestamp(rfc3339: $0) }
        var pass = EventPass(wanted: wanted, periodStart: start, periodEnd: end)
        if let chainBytes = try reader.read("proofs/chain.json", limit: 64 << 20), let chainJSON = try? JSONParser.parse(chainBytes, limits: Self.bundleJSON) {
            do {
                let chain = try ChainProof(json: chainJSON)
                pass.expect(chain)
                if let checkpoint, chain.treeSize != checkpoint.size || chain.rootHash != checkpoint.rootHash || chain.origin != checkpoint.origin {
                    fail("proofs/chain.json", "is for another tree than checkpoint.txt")
                }
                if let before = chain.before { pass.begin(with: before) }
                var hasher = SHA256()
                var size: Int64 = 0
                try reader.stream("events.ndjson") { chunk in
                    hasher.update(data: chunk)
                    size += Int64(chunk.count)
                    pass.feed(chunk)
                }
                pass.finish(after: chain.after)
                if chain.after == nil, pass.failures.isEmpty, pass.lastSeq.map({ $0 + 1 }) != chain.treeSize {
                    fail("proofs/chain.json", "the chain stops at seq \(pass.lastSeq.map(String.init) ?? "none") with no entry after the period, yet the checkpoint holds \(chain.treeSize) entries: events are missing at the period's end")
                }
                if let expected = listed["events.ndjson"], Hex.encode(hasher.finalize()) != expected.sha256 || size != expected.size {
                    fail("events.ndjson", "does not match its SHA-256 or size in the manifest: the file was changed")
                }
                for failure in pass.failures { fail(failure.file, failure.message, seq: failure.seq) }
                if pass.failures.isEmpty {
                    if chain.anchorSeq != pass.lastSeq || chain.anchorLeafHash != pass.lastLeaf {
                        fail("proofs/chain.json", "its anchor is not the last entry of the chain (seq \(pass.lastSeq.map(String.init) ?? "none"))")
                    } else if !InclusionProof(leafIndex: chain.anchorSeq, treeSize: chain.treeSize, hashes: chain.inclusion).verify(leafHash: chain.anchorLeafHash, root: chain.rootHash) {
                        fail("proofs/chain.json", "the inclusion proof does not lead from entry \(chain.anchorSeq) to the checkpoint's root")
                    } else if whole(manifest["population"]?["count"]) != pass.count || chain.count != pass.count {
                        fail(BundleManifest.fileName, "says \(manifest["population"]?["count"]?.description ?? "no number of") events, events.ndjson holds \(pass.count)")
                    } else {
                        outcome.passed.append("events.ndjson: \(pass.count) events from seq \(chain.firstSeq), every one chained to the next and the chain in the signed tree; the period is complete at both ends")
                    }
                }
            } catch let failure as ProofFailure {
                fail("proofs/chain.json", failure.description)
            } catch let error as EvidenceError {
                throw error
            } catch {
                fail("proofs/chain.json", "\(error)")
            }
        } else {
            fail("proofs/chain.json", "is missing or is not JSON")
        }

        // Consistency with the previous bundle.
        if let previousInfo = manifest["previous"] {
            verifyConsistency(reader, previousInfo: previousInfo, key: key, previous: previous, outcome: &outcome)
        } else if previous != nil {
            fail(BundleManifest.fileName, "names no previous bundle, so nothing proves the log grew from the one given with --previous")
        }

        // The control reports against the events.
        var statuses: [String: String] = [:]
        for (path, json) in controls {
            let before = outcome.failures.count
            checkControl(path, json, pass: pass, fail: fail)
            statuses[path] = json["status"]?.stringValue
            if outcome.failures.count == before {
                outcome.passed.append("\(path): \(json["control"]?.stringValue ?? "") \(json["status"]?.stringValue ?? ""), population \(whole(json["population"]?["count"]) ?? 0), \(whole(json["exceptionCount"]) ?? 0) exception(s), as the events say")
            }
        }
        if let checked = checkOSCAL(reader, listed: listed, statuses: statuses, fail: fail) { outcome.passed.append(checked) }
        return outcome
    }

    /// A JSON number that is a whole, non-negative count or seq; nil for anything else, so that
    /// a forged number fails a check instead of crashing the verifier.
    static func whole(_ value: JSONValue?) -> UInt64? {
        guard let number = value?.numberValue, number >= 0, number < 9.0e15, number == number.rounded() else { return nil }
        return UInt64(number)
    }

    private static func verifyConsistency(_ reader: BundleReader, previousInfo: JSONValue, key: NoteVerifierKey, previous: URL?, outcome: inout Outcome) {
        func fail(_ file: String, _ message: String) { outcome.failures.append(Failure(file: file, seq: nil, message: message)) }
        func file(_ reader: BundleReader, _ path: String) -> [UInt8]? { (try? reader.read(path, limit: 64 << 20)) ?? nil }
        guard let oldText = file(reader, "previous-checkpoint.txt"), let proofBytes = file(reader, "proofs/consistency.json"),
            let proofText = String(bytes: proofBytes, encoding: .utf8), let checkpointText = file(reader, "checkpoint.txt")
        else {
            fail("proofs/consistency.json", "the manifest names a previous bundle, but its checkpoint or the consistency proof is missing")
            return
        }
        let old = String(decoding: oldText, as: UTF8.self)
        if let previous {
            guard let otherReader = try? BundleReader(previous), (try? otherReader.checkEntries()) != nil, let otherCheckpoint = file(otherReader, "checkpoint.txt") else {
                fail("--previous", "\(previous.path) is not a readable bundle with a checkpoint.txt")
                return
            }
            if otherCheckpoint != oldText { fail("previous-checkpoint.txt", "is not the checkpoint of \(previous.lastPathComponent)") }
        }
        do {
            let document = try ProofDocument(json: proofText)
            let established = try document.verify(key: key, checkpoint: String(decoding: checkpointText, as: UTF8.self), firstCheckpoint: old)
            outcome.passed.append("proofs/consistency.json: \(established)")
        } catch {
            fail("proofs/consistency.json", "\(error)")
        }
    }

    private static func checkControl(_ path: String, _ json: JSONValue, pass: EventPass, fail: (String, String, UInt64?) -> Void) {
        let kinds = Set((json["population"]?["kinds"]?.arrayValue ?? []).compactMap(\.stringValue))
        let counted = kinds.isEmpty ? pass.count : kinds.reduce(0) { $0 + (pass.kindCounts[$1] ?? 0) }
        let stated = whole(json["population"]?["count"])
        if stated != counted { fail(path, "says the population is \(stated.map(String.init) ?? "not a number of") events; events.ndjson holds \(counted) of \(kinds.isEmpty ? "any kind" : kinds.sorted().joined(separator: ", "))", nil) }
        let exceptions = json["exceptions"]?.arrayValue ?? []
        if whole(json["exceptionCount"]) != UInt64(exceptions.count) { fail(path, "exceptionCount does not match the exceptions listed", nil) }
        let reading = json["reading"]?.stringValue ?? ""
        let status = json["status"]?.stringValue ?? ""
        let truncated = json["query"]?["truncated"] != false
        if reading != "population" && !truncated && (status == "satisfied") != exceptions.isEmpty {
            fail(path, "says \(status) with \(exceptions.count) exception(s)", nil)
        }
        let check = json["exceptionCheck"]?.stringValue ?? "none"
        func event(_ seq: UInt64, for role: String) -> EventPass.Seen? {
            guard pass.range.contains(seq) else {
                fail(path, "names seq \(seq) as \(role), outside the period's events (\(pass.range.lowerBound)..<\(pass.range.upperBound))", seq)
                return nil
            }
            guard let seen = pass.seen[seq] else {
                fail(path, "names seq \(seq) as \(role), but events.ndjson has no such event", seq)
                return nil
            }
            return seen
        }
        for item in exceptions {
            if let seq = whole(item["seq"]) {
                guard let seen = event(seq, for: "an exception") else { continue }
                if !kinds.isEmpty && !kinds.contains(seen.kind) { fail(path, "names seq \(seq), a \(seen.kind) event, outside the population", seq) }
                if item["kind"]?.stringValue.map({ $0 != seen.kind }) == true { fail(path, "says seq \(seq) is a \(item["kind"]?.stringValue ?? ""); it is a \(seen.kind)", seq) }
                switch check {
                case "unrefused_approval" where seen.refused: fail(path, "counts seq \(seq) as an exception, but the gate refused it", seq)
                case "agent_without_principal" where !(Actor.kindPrefix(of: seen.actor) == .agent && seen.onBehalfOf == nil):
                    fail(path, "counts seq \(seq) as an agent acting for nobody; its actor is \(seen.actor)\(seen.onBehalfOf.map { " for " + $0 } ?? "")", seq)
                default: break
                }
            }
            for edge in item["edges"]?.arrayValue ?? [] {
                guard let first = whole(edge["firstSeq"]), pass.range.contains(first), let seen = event(first, for: "a path edge") else { continue }
                let from = edge["from"]?.stringValue ?? "", to = edge["to"]?.stringValue ?? ""
                if seen.kind != edge["relation"]?.stringValue || !(seen.inputs.contains(from) || seen.actor == from) || !(seen.outputs.contains(to) || seen.inputs.contains(to)) {
                    fail(path, "a path edge \(from) → \(to) is said to come from seq \(first), which does not record it", first)
                }
            }
        }
        for item in json["blockedAttempts"]?.arrayValue ?? [] {
            guard let seq = whole(item["seq"]), let seen = event(seq, for: "a refused attempt") else { continue }
            if !seen.refused { fail(path, "says the gate refused seq \(seq); the event is not marked refused", seq) }
        }
    }

    /// What was established, or nil when something failed.
    private static func checkOSCAL(_ reader: BundleReader, listed: [String: (sha256: String, size: Int64)], statuses: [String: String], fail: (String, String, UInt64?) -> Void) -> String? {
        let path = "oscal/assessment-results.json"
        guard let bytes = (try? reader.read(path, limit: 64 << 20)) ?? nil, let json = try? JSONParser.parse(bytes, limits: Self.bundleJSON), let result = json["assessment-results"]?["results"]?.arrayValue?.first else {
            fail(path, "is missing or is not an assessment-results document", nil)
            return nil
        }
        var failed = false
        for observation in result["observations"]?.arrayValue ?? [] {
            for evidence in observation["relevant-evidence"]?.arrayValue ?? [] {
                guard let href = evidence["href"]?.stringValue else { continue }
                let hash = evidence["props"]?.arrayValue?.first { $0["name"]?.stringValue == "sha256" }?["value"]?.stringValue
                if listed[href]?.sha256 != hash {
                    fail(path, "its evidence link to \(href) carries a hash that is not the file's", nil)
                    failed = true
                }
            }
        }
        for finding in result["findings"]?.arrayValue ?? [] {
            guard let target = finding["target"]?["target-id"]?.stringValue, let state = finding["target"]?["status"]?["state"]?.stringValue else { continue }
            let slug = statuses.keys.first { key in target.hasSuffix((key.split(separator: "/").last.map(String.init) ?? key).replacingOccurrences(of: ".json", with: "") + "_obj") }
            if let slug, statuses[slug] != state {
                fail(path, "says \(target) is \(state); \(slug) says \(statuses[slug] ?? "")", nil)
                failed = true
            }
        }
        return failed ? nil : "\(path): every evidence link carries its file's hash, and every finding agrees with its control report"
    }
}

/// One pass over `events.ndjson`: hashes every line, checks seqs, links, times and the period's
/// ends, counts kinds, and keeps what the control checks need of the events they name.
struct EventPass {
    struct Seen: Sendable {
        let kind: String
        let actor: String
        let onBehalfOf: String?
        let inputs: [String]
        let outputs: [String]
        let refused: Bool
    }

    let wanted: Set<UInt64>
    var seen: [UInt64: Seen] = [:]
    var kindCounts: [String: UInt64] = [:]
    var count: UInt64 = 0
    var failures: [BundleVerifier.Failure] = []
    private(set) var lastSeq: UInt64?
    private(set) var lastLeaf: Hash256?
    private var lastTime: Timestamp?
    private var expectedFirst: UInt64 = 0
    private(set) var range: Range<UInt64> = 0..<0
    private var partial: [UInt8] = []
    /// True while the rest of an overlong line is skipped.
    private var skipping = false
    /// No entry is near this long: a longer line is refused, not held in memory.
    static let maxLineBytes = 16 << 20

    /// The period's bounds, from the manifest.
    let periodStart: Timestamp?
    let periodEnd: Timestamp?

    init(wanted: Set<UInt64>, periodStart: Timestamp?, periodEnd: Timestamp?) {
        self.wanted = wanted
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }

    mutating func expect(_ chain: ChainProof) {
        expectedFirst = chain.firstSeq
        range = chain.firstSeq..<chain.firstSeq + chain.count
    }

    private mutating func fail(_ message: String, seq: UInt64?, file: String = "events.ndjson") {
        if failures.count < 20 { failures.append(BundleVerifier.Failure(file: file, seq: seq, message: message)) }
    }

    /// The entry just before the period: its time must fall before it.
    mutating func begin(with text: String) {
        let bytes = Array(text.utf8)
        guard let entry = try? LedgerEntry(bytes: bytes) else { return fail("the entry before the period is not a canonical entry", seq: nil, file: "proofs/chain.json") }
        if entry.seq &+ 1 != expectedFirst {
            let wanted = expectedFirst == 0 ? "none, since the period starts at seq 0" : "seq \(expectedFirst - 1)"
            fail("the entry before the period is seq \(entry.seq), not \(wanted)", seq: entry.seq, file: "proofs/chain.json")
        }
        if let periodStart, entry.time >= periodStart { fail("the entry before the period is inside it: the population is missing events at its start", seq: entry.seq, file: "proofs/chain.json") }
        lastSeq = entry.seq
        lastLeaf = Hash256.leaf(bytes)
        lastTime = entry.time
    }

    /// Takes the next piece of `events.ndjson`. Lines are read and hashed on every core, then
    /// checked in order.
    mutating func feed(_ chunk: Data) {
        chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress, !raw.isEmpty else { return }
            var start = 0
            if skipping {
                guard let found = memchr(base, 0x0A, raw.count) else { return }
                start = base.distance(to: UnsafeRawPointer(found)) + 1
                skipping = false
            }
            var ranges: [Range<Int>] = []
            while start < raw.count, let found = memchr(base + start, 0x0A, raw.count - start) {
                let end = base.distance(to: UnsafeRawPointer(found))
                if !partial.isEmpty {
                    // The line carried over from the last piece ends here.
                    partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    let whole = partial
                    partial.removeAll(keepingCapacity: true)
                    whole.withUnsafeBytes { line($0, summary: try? EntrySummary(bytes: $0)) }
                } else {
                    ranges.append(start..<end)
                }
                start = end + 1
            }
            var summaries = [EntrySummary?](repeating: nil, count: ranges.count)
            let workers = ranges.count < 256 ? 1 : min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
            let lines = ranges
            summaries.withUnsafeMutableBufferPointer { out in
                let slots = WorkerSlots(input: raw, output: out)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let share = (lines.count + workers - 1) / workers
                    for index in worker * share..<min(lines.count, (worker + 1) * share) {
                        slots.output[index] = try? EntrySummary(bytes: UnsafeRawBufferPointer(rebasing: slots.input[lines[index]]))
                    }
                }
            }
            for (index, range) in ranges.enumerated() {
                line(UnsafeRawBufferPointer(rebasing: raw[range]), summary: summaries[index])
            }
            if start < raw.count { partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start...])) }
            if partial.count > Self.maxLineBytes {
                fail("a line is longer than \(Self.maxLineBytes >> 20) MiB: no entry is", seq: nil)
                count += 1
                partial = []
                skipping = true
            }
        }
    }

    private mutating func line(_ bytes: UnsafeRawBufferPointer, summary: EntrySummary?) {
        let expected = expectedFirst + count
        count += 1
        guard let entry = summary else {
            return fail("line \(count) is not a canonical Custos entry: it was changed", seq: expected)
        }
        if entry.seq != expected { fail("line \(count) holds seq \(entry.seq) where seq \(expected) belongs: an entry was removed, inserted or moved", seq: expected) }
        if let lastLeaf {
            if entry.prev != lastLeaf { fail("its prev is not the leaf hash of seq \(entry.seq &- 1): one of the two was changed, or entries were removed or inserted between them", seq: entry.seq) }
        } else if entry.seq != 0 || entry.prev != .zero {
            fail("the chain has no start: the first event is not seq 0 and proofs/chain.json gives no entry before it", seq: entry.seq)
        }
        if let periodStart, entry.time < periodStart { fail("its time \(entry.time) is before the period", seq: entry.seq) }
        if let periodEnd, entry.time >= periodEnd { fail("its time \(entry.time) is after the period", seq: entry.seq) }
        if let lastTime, entry.time < lastTime { fail("its time goes back", seq: entry.seq) }
        kindCounts[entry.kind, default: 0] += 1
        if wanted.contains(entry.seq), let event = try? LedgerEntry(bytes: bytes).event {
            seen[entry.seq] = Seen(
                kind: entry.kind, actor: event.actor.id.rawValue, onBehalfOf: event.actor.onBehalfOf?.rawValue, inputs: event.inputs.map(\.rawValue),
                outputs: event.outputs.map(\.rawValue), refused: event.attributes["refused"] != nil
            )
        }
        lastSeq = entry.seq
        lastLeaf = entry.leafHash
        lastTime = entry.time
    }

    /// The entry just after the period, or the end of the checkpointed log.
    mutating func finish(after text: String?) {
        if !partial.isEmpty { fail("the last line has no newline: the file was cut or appended to", seq: nil) }
        guard let text else { return }
        let bytes = Array(text.utf8)
        guard let entry = try? LedgerEntry(bytes: bytes) else { return fail("the entry after the period is not a canonical entry", seq: nil, file: "proofs/chain.json") }
        let expected = expectedFirst + count
        if entry.seq != expected { fail("the entry after the period is seq \(entry.seq), not \(expected): events are missing at the period's end", seq: entry.seq, file: "proofs/chain.json") }
        if let lastLeaf {
            if entry.prev != lastLeaf { fail("the entry after the period does not link to the last event: events are missing at the period's end", seq: entry.seq, file: "proofs/chain.json") }
        } else if entry.seq != 0 || entry.prev != .zero {
            fail("the chain has no start: the entry after an empty period is not seq 0 and no entry before it is given", seq: entry.seq, file: "proofs/chain.json")
        }
        if let periodEnd, entry.time < periodEnd { fail("the entry after the period is inside it: the population is missing events at its end", seq: entry.seq, file: "proofs/chain.json") }
        lastSeq = entry.seq
        lastLeaf = Hash256.leaf(bytes)
    }
}

/// The buffers the workers of one `concurrentPerform` share. `@unchecked Sendable`: the input
/// outlives the call and is only read; each worker writes only its own slots of the output.
private struct WorkerSlots: @unchecked Sendable {
    let input: UnsafeRawBufferPointer
    let output: UnsafeMutableBufferPointer<EntrySummary?>
}
