public import CustosLedger
import CustosLineage
import CustosQuery
import Crypto
public import Foundation

/// Makes evidence bundles: one zip per framework and period that an auditor checks offline
/// (docs/EVIDENCE.md). The bundle is anchored to a signed checkpoint that covers the period;
/// the same store, framework, period and previous bundle give the same bytes.
///
/// ```swift
/// let builder = EvidenceBuilder(ledger: ledger)
/// let summary = try await builder.build(framework: .soc2, period: EvidencePeriod(from: "2026-01-01", to: "2026-03-31"),
///                                       to: URL(fileURLWithPath: "soc2-q1.zip"))
/// ```
///
/// Memory does not grow with the period: events are streamed from the store to a temporary
/// file and from there into the zip.
public struct EvidenceBuilder: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// What was built.
    public struct Summary: Sendable {
        public let output: URL
        public let framework: EvidenceFramework
        public let period: EvidencePeriod
        public let checkpointSize: UInt64
        public let firstSeq: UInt64
        public let eventCount: UInt64
        public let controls: [(id: String, status: ControlReport.Status, exceptions: Int)]
        public let bytes: Int64
    }

    /// Builds the bundle for `framework` over `period` into `output`. With `previous`, an
    /// earlier bundle of this log, the bundle proves that the log only grew since.
    public func build(framework: EvidenceFramework, period: EvidencePeriod, previous: URL? = nil, to output: URL) async throws -> Summary {
        let head = try ledger.head().size
        guard head > 0 else { throw EvidenceError.cannotBuild("the log is empty: there is nothing to give evidence of") }
        let found = try ledger.withSnapshot { try $0.seqRange(for: period.times) }
        let anchor = try await anchorCheckpoint(covering: found.upperBound < head ? found.upperBound + 1 : head)
        let size = anchor.size
        // Events of a period still running may have landed since: the population is what the
        // checkpoint covers.
        let seqs = try ledger.withSnapshot { snapshot -> Range<UInt64> in
            let range = try snapshot.seqRange(for: period.times)
            return min(range.lowerBound, size)..<min(range.upperBound, size)
        }
        let signer: NoteSigner
        do { signer = try NoteSigner.read(from: ledger.signingKeyPath) } catch {
            throw EvidenceError.cannotBuild("the bundle's manifest is signed with the log's key, and \(ledger.signingKeyPath) cannot be read: \(error)")
        }
        let date = Date(timeIntervalSince1970: Double(anchor.signedAt.microseconds / 1_000_000))

        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("custos-evidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }

        // The population, streamed to disk and hashed on the way.
        let eventsFile = staging.appendingPathComponent("events.ndjson")
        let eventsDigest = try writeEntries(seqs, to: eventsFile)
        let chain = try chainProof(for: seqs, treeSize: size, rootHash: anchor.rootHash)
        let kindCounts = try countKinds(in: seqs, framework: framework)

        // Each file is hashed once, as it is added: the manifest and the OSCAL links use the hashes.
        var files: [(path: String, bytes: [UInt8])] = []
        var digests: [String: Hash256] = ["events.ndjson": eventsDigest.hash]
        func add(_ path: String, _ bytes: [UInt8]) {
            files.append((path, bytes))
            digests[path] = Hash256.sha256(bytes)
        }
        add("checkpoint.txt", Array(anchor.signed.text.utf8))
        add("checkpoint.pub", Array((signer.verifierKey.description + "\n").utf8))
        add("proofs/chain.json", Self.pretty(chain.jsonValue))
        var previousCheckpoint: SignedCheckpoint?
        if let previous {
            let (old, proof) = try consistency(from: previous, to: size)
            previousCheckpoint = old
            add("previous-checkpoint.txt", Array(old.text.utf8))
            add("proofs/consistency.json", Self.pretty(proof.jsonValue))
        }

        var reports: [ControlReport] = []
        for control in framework.controls {
            reports.append(try report(control, framework: framework, period: period, size: size, kindCounts: kindCounts, eventCount: UInt64(seqs.count)))
        }
        for report in reports {
            add(report.fileStem + ".json", Self.pretty(report.jsonValue))
            add(report.fileStem + ".csv", Array(report.csv.utf8))
        }

        let identity = "\(ledger.origin)/\(framework.rawValue)/\(period.from)/\(period.to)/\(size)/\(anchor.rootHash.hex)/\(previousCheckpoint?.checkpoint.size ?? 0)"
        let context = BundleContext(
            framework: framework, period: period, origin: ledger.origin, checkpoint: anchor, firstSeq: seqs.lowerBound, eventCount: UInt64(seqs.count),
            previous: previousCheckpoint?.checkpoint, identity: identity
        )
        add("oscal/assessment-results.json", Self.pretty(OSCALAssessmentResults.document(context, reports: reports, digests: digests)))
        let pictures = try LineagePictures(ledger: ledger, treeSize: size)
        add("report.html", Array(EvidenceReportPage.html(context, reports: reports, pictures: pictures).utf8))
        add("VERIFY.md", Array(VerifyGuide.text(context).utf8))

        // The manifest lists every other file with its hash; the log's key signs the manifest.
        let sizes = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.bytes.count) }).merging(["events.ndjson": eventsDigest.size]) { first, _ in first }
        let listed: [JSONValue] = digests.keys.sorted().map { path in
            ["path": .string(path), "sha256": .string(digests[path]?.hex ?? ""), "size": .number(Double(sizes[path] ?? 0))]
        }
        let manifest = Self.pretty(BundleManifest.json(context, files: listed))
        let note = try SignedNote(signing: BundleManifest.noteText(context, manifestDigest: Hash256.sha256(manifest)), with: [signer])

        let writer = try BundleWriter(creating: output, date: date)
        try writer.add("VERIFY.md", bytes: files.first { $0.path == "VERIFY.md" }?.bytes ?? [])
        try writer.add(BundleManifest.fileName, bytes: manifest)
        try writer.add(BundleManifest.signatureFileName, bytes: Array(note.description.utf8))
        for file in files where file.path != "VERIFY.md" {
            try writer.add(file.path, bytes: file.bytes)
            if file.path == "checkpoint.pub" { try writer.add("events.ndjson", file: eventsFile) }
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output.path))?[.size] as? Int64 ?? 0
        return Summary(
            output: output, framework: framework, period: period, checkpointSize: size, firstSeq: seqs.lowerBound, eventCount: UInt64(seqs.count),
            controls: reports.map { ($0.control.id, $0.status, $0.exceptions.count) }, bytes: bytes
        )
    }

    // MARK: Pieces

    /// The smallest signed checkpoint of at least `size` entries, or a new one of the whole
    /// log: the same period gives the same anchor as long as the log keeps its checkpoints.
    func anchorCheckpoint(covering size: UInt64) async throws -> StoredCheckpoint {
        if let stored = try ledger.checkpoints(from: size, limit: 1).first { return stored }
        do {
            return try await ledger.signCheckpoint()
        } catch {
            throw EvidenceError.cannotBuild("no signed checkpoint covers the period and none can be signed: \(error)")
        }
    }

    /// Writes the entries of `seqs`, one per line, exactly as stored; returns the file's
    /// SHA-256 and size.
    func writeEntries(_ seqs: Range<UInt64>, to url: URL) throws -> (hash: Hash256, size: Int) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw EvidenceError.cannotBuild("cannot write a temporary file at \(url.path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var size = 0
        func flush() throws {
            hasher.update(data: buffer)
            try handle.write(contentsOf: buffer)
            size += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
        try ledger.withSnapshot { snapshot in
            for seq in seqs {
                try snapshot.withEntryBytes(at: seq) { buffer.append(contentsOf: $0) }
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 { try flush() }
            }
        }
        try flush()
        guard let digest = Hash256(bytes: Array(hasher.finalize())) else { throw EvidenceError.cannotBuild("hashing failed") }
        return (digest, size)
    }

    func chainProof(for seqs: Range<UInt64>, treeSize: UInt64, rootHash: Hash256) throws -> ChainProof {
        func text(_ seq: UInt64) throws -> String { try ledger.withEntryBytes(at: seq) { String(decoding: $0, as: UTF8.self) } }
        let before = seqs.lowerBound > 0 ? try text(seqs.lowerBound - 1) : nil
        let after = seqs.upperBound < treeSize ? try text(seqs.upperBound) : nil
        let anchorSeq = after != nil ? seqs.upperBound : (seqs.isEmpty ? seqs.lowerBound - 1 : seqs.upperBound - 1)
        return ChainProof(
            origin: ledger.origin, treeSize: treeSize, rootHash: rootHash, firstSeq: seqs.lowerBound, count: UInt64(seqs.count), before: before, after: after,
            anchorSeq: anchorSeq, anchorLeafHash: try ledger.leafHash(at: anchorSeq), inclusion: try ledger.inclusionProof(seq: anchorSeq, treeSize: treeSize).hashes
        )
    }

    /// Events per kind in `seqs`, for the kinds the framework's controls name, from the kind
    /// index.
    func countKinds(in seqs: Range<UInt64>, framework: EvidenceFramework) throws -> [String: Int] {
        let kinds = Set(framework.controls.flatMap(\.populationKinds))
        return try ledger.withSnapshot { snapshot in
            var counts: [String: Int] = [:]
            for kind in kinds {
                var count = 0
                if let key = try snapshot.termKey(kind) {
                    try snapshot.forEachSeq(in: .kind(key), within: seqs) { _ in
                        count += 1
                        return true
                    }
                }
                counts[kind] = count
            }
            return counts
        }
    }

    func report(
        _ control: ControlDefinition, framework: EvidenceFramework, period: EvidencePeriod, size: UInt64, kindCounts: [String: Int], eventCount: UInt64
    ) throws -> ControlReport {
        guard let text = QueryLibrary.files[control.queryFile] else { throw EvidenceError.cannotBuild("the query \(control.queryFile) is missing from this build") }
        let options = QueryOptions(
            parameters: period.parameters, defaultLimit: 1_000_000, maxRows: 1_000_000, maxScannedEvents: Int.max, timeLimitSeconds: 3_600, asOfSize: size
        )
        let result: QueryResult
        do { result = try QueryEngine(ledger: ledger).run(text, options: options) } catch {
            throw EvidenceError.cannotBuild("\(control.queryFile) failed: \(error)")
        }
        let population = control.populationKinds.isEmpty ? Int(eventCount) : control.populationKinds.reduce(0) { $0 + (kindCounts[$1] ?? 0) }
        let objects = result.rowObjects.compactMap(\.objectValue)
        var exceptions: [ControlReport.Item] = []
        var blocked: [ControlReport.Item] = []
        let paths = result.details["paths"]?.arrayValue ?? []
        for (index, row) in objects.enumerated() {
            let seq = BundleVerifier.whole(row["seq"])
            switch control.reading {
            case .exceptions:
                exceptions.append(.init(seq: seq, row: row, edges: [], rowIndex: index))
            case .attempts:
                let refused = try seq.map { try ledger.entry(at: $0).event.attributes["refused"] != nil } ?? false
                if refused { blocked.append(.init(seq: seq, row: row, edges: [], rowIndex: index)) } else { exceptions.append(.init(seq: seq, row: row, edges: [], rowIndex: index)) }
            case .paths:
                exceptions.append(.init(seq: nil, row: row, edges: index < paths.count ? paths[index].arrayValue ?? [] : [], rowIndex: index))
            case .population:
                break
            }
        }
        let status: ControlReport.Status
        let reason: String
        if let truncation = result.truncation {
            status = .notSatisfied
            reason = "the query's result was cut short (\(truncation)): the control could not be tested in full"
        } else if control.reading == .population {
            status = .satisfied
            reason = "the population (\(population) events) is recorded, tied to the signed checkpoint, and listed for review"
        } else if exceptions.isEmpty {
            status = .satisfied
            reason = "no exceptions among \(population) events" + (blocked.isEmpty ? "" : "; the gate refused \(blocked.count) attempt(s)")
        } else {
            status = .notSatisfied
            let first = exceptions[0].row["reason"]?.stringValue ?? exceptions[0].row["path"]?.stringValue ?? "see the exceptions"
            reason = "\(exceptions.count) exception(s) among \(population) events; the first: \(first)"
        }
        return ControlReport(
            framework: framework, control: control, period: period, queryText: text, plan: result.plan, truncation: result.truncation,
            populationCount: population, columns: result.columns, rows: result.rows, exceptions: exceptions, blockedAttempts: blocked, status: status,
            statusReason: reason
        )
    }

    /// The previous bundle's checkpoint, and the proof that this log grew from it.
    func consistency(from previous: URL, to size: UInt64) throws -> (SignedCheckpoint, ProofDocument) {
        let reader = try BundleReader(previous)
        guard let bytes = try reader.read("checkpoint.txt", limit: 64 << 10) else { throw EvidenceError.invalidPrevious("\(previous.path) has no checkpoint.txt") }
        let old: SignedCheckpoint
        do { old = try SignedCheckpoint(parsing: String(decoding: bytes, as: UTF8.self)) } catch {
            throw EvidenceError.invalidPrevious("its checkpoint.txt is not a signed checkpoint: \(error)")
        }
        guard old.checkpoint.origin == ledger.origin else {
            throw EvidenceError.invalidPrevious("it is a bundle of the log \(old.checkpoint.origin), not of \(ledger.origin)")
        }
        if let key = ledger.verifierKey, !old.isSigned(by: key) { throw EvidenceError.invalidPrevious("its checkpoint is not signed by this log's key") }
        guard old.checkpoint.size <= size else {
            throw EvidenceError.invalidPrevious("its checkpoint (size \(old.checkpoint.size)) is newer than this bundle's (size \(size)): give the older bundle")
        }
        guard try ledger.rootHash(atSize: old.checkpoint.size) == old.checkpoint.rootHash else {
            throw EvidenceError.invalidPrevious("its checkpoint's root is not this log's root at size \(old.checkpoint.size): the log was rewritten since")
        }
        return (old, try ledger.consistencyDocument(from: old.checkpoint.size, to: size))
    }

    /// Canonical JSON with a trailing newline: byte-stable, and any JSON library reads it.
    static func pretty(_ value: JSONValue) -> [UInt8] {
        CanonicalJSON.encode(value) + [0x0A]
    }
}

/// What every part of a bundle says about itself.
struct BundleContext: Sendable {
    let framework: EvidenceFramework
    let period: EvidencePeriod
    let origin: String
    let checkpoint: StoredCheckpoint
    let firstSeq: UInt64
    let eventCount: UInt64
    let previous: Checkpoint?
    /// A string naming the bundle's inputs; its UUIDs derive from it.
    let identity: String

    func uuid(_ role: String) -> String { DeterministicUUID.uuid(identity + "#" + role) }
}
