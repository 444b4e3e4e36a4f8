import ArgumentParser
import CustosLedger
import CustosMasking
import Foundation

struct MaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Mask personal data and secrets in a stream (docs/MASKING.md).",
        discussion: """
            Reads standard input (or FILE) in chunks, in bounded memory, and writes it to standard \
            output with every finding the policy masks replaced.

              custos mask < app.log > app.masked.log
              custos mask --policy partner.yaml --format json --report < export.json > masked.json
              custos mask --record --input dataset:s3://lake/raw/t --output dataset:s3://lake/masked/t < t.csv > masked.csv

            --report prints what was masked to standard error as JSON: counts per type, positions, \
            detectors, confidences and the SHA-256 of input and output, never a value. --record \
            appends a mask event to the store: the input node derives the output node, with the \
            counts and hashes.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The file to mask; standard input when absent or '-'.")
    var file: String?

    @Option(help: ArgumentHelp("A masking policy file (YAML or JSON); the standard policy masks every type as its placeholder.", valueName: "path"))
    var policy: String?

    @Option(help: "How to read the input: auto (JSON when it starts with { or [), text, json or kv.")
    var format: String = "auto"

    @Flag(help: "Print what was masked (no values) as JSON to standard error.")
    var report = false

    @Flag(help: "Append a mask event for this run to the store (needs --input and --output).")
    var record = false

    @Option(help: ArgumentHelp("With --record: the node masked, e.g. dataset:s3://lake/raw/tickets.", valueName: "node"))
    var input: String?

    @Option(help: ArgumentHelp("With --record: the node produced, e.g. dataset:s3://lake/masked/tickets.", valueName: "node"))
    var output: String?

    @Option(help: ArgumentHelp("With --record: who masked.", valueName: "actor"))
    var actor: String = "service:custos-mask"

    @Option(help: ArgumentHelp("The pseudonym key file; by default the store's mask.key.", valueName: "path"))
    var key: String?

    @Option(help: "Bytes read at a time.")
    var chunkSize: Int = 1 << 16

    func validate() throws {
        guard InputFormat(rawValue: format) != nil else { throw ValidationError("--format must be auto, text, json or kv") }
        if record && (input == nil || output == nil) { throw ValidationError("--record needs --input NODE and --output NODE") }
        if !record && (input != nil || output != nil) { throw ValidationError("--input and --output go with --record") }
        guard chunkSize >= 1, chunkSize <= 64 << 20 else { throw ValidationError("--chunk-size must be from 1 to 67108864") }
    }

    func run() async throws {
        try await runReportingErrors {
            let maskingPolicy = try policy.map { try MaskingPolicy.load(contentsOf: $0) } ?? .standard
            let usesPseudonyms = maskingPolicy.defaultOperator == .pseudonym || maskingPolicy.rules.values.contains { $0.maskingOperator == .pseudonym }
            var pseudonymKey: PseudonymKey?
            if let key {
                pseudonymKey = try PseudonymKey.load(from: key, createIfMissing: false)
            } else if FileManager.default.fileExists(atPath: storeOptions.path + "/data.mdb") {
                pseudonymKey = try PseudonymKey.load(from: storeOptions.path + "/" + PseudonymKey.fileName, createIfMissing: true)
            } else if usesPseudonyms {
                throw CLIError.invalidInput("the policy uses pseudonyms, which need a key: give --key FILE, or --store a store (custos init makes its mask.key)")
            }
            // Check everything --record needs before reading a byte.
            var ledger: Ledger?
            var nodes: (NodeID, NodeID, Actor)?
            if record, let input, let output {
                nodes = (try NodeID(input), try NodeID(output), try Actor(id: actor))
                ledger = try storeOptions.open()
            }

            let masker = Masker(policy: maskingPolicy, key: pseudonymKey)
            var stream = masker.stream(format: InputFormat(rawValue: format) ?? .auto)
            let source: FileHandle
            if let file, file != "-" {
                guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError.invalidInput("cannot read \(file)") }
                source = handle
            } else {
                source = FileHandle.standardInput
            }
            let out = Terminal.standardOutput
            while true {
                let chunk = source.readData(ofLength: chunkSize)
                if chunk.isEmpty { break }
                chunk.withUnsafeBytes { bytes in stream.write(bytes) { out.write(bytes: $0) } }
            }
            let summary = stream.finish { out.write(bytes: $0) }
            out.flush()

            var recorded: AppendReceipt?
            if let ledger, let (inputNode, outputNode, actorValue) = nodes {
                recorded = try await ledger.recordMasking(summary, input: inputNode, output: outputNode, actor: actorValue)
                await ledger.close()
            }
            if report {
                Terminal.standardError.writeLine(Self.reportJSON(summary, recorded: recorded).description)
            } else if let recorded {
                Terminal.standardError.writeLine("custos: recorded the masking as seq \(recorded.seq)")
            }
        }
    }

    /// The report: everything about the run but the values.
    static func reportJSON(_ summary: MaskingSummary, recorded: AppendReceipt?) -> JSONValue {
        var members: [String: JSONValue] = [
            "counts": .object(summary.counts.mapValues { .number(Double($0)) }),
            "total": .number(Double(summary.total)),
            "skipped": .number(Double(summary.skipped)),
            "bytesIn": .number(Double(summary.bytesIn)),
            "bytesOut": .number(Double(summary.bytesOut)),
            "inputSha256": .string(summary.inputSHA256),
            "outputSha256": .string(summary.outputSHA256),
            "format": .string(summary.format.rawValue),
            "policy": .string(summary.policyName),
            "policyDigest": .string(summary.policyDigest),
            "covers": .array(summary.covers.map { .string($0) }),
            "findings": .array(summary.findings.map { finding in
                .object([
                    "type": .string(finding.type.name), "start": .number(Double(finding.range.lowerBound)),
                    "end": .number(Double(finding.range.upperBound)), "detector": .string(finding.detector),
                    "confidence": .number((finding.confidence * 100).rounded() / 100),
                ])
            }),
            "findingsTruncated": .bool(summary.findingsTruncated),
        ]
        if let recorded { members["recorded"] = .object(["seq": .number(Double(recorded.seq)), "hash": .string(recorded.leafHash.hex)]) }
        return .object(members)
    }
}
