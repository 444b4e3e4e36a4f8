import ArgumentParser
import CustosEvidence
import CustosLedger
import Foundation

/// `custos evidence`: a SOC 2 or HIPAA evidence bundle for a period.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Write an evidence bundle (zip) for a framework and a period (docs/EVIDENCE.md).",
        discussion: """
            The bundle holds the period's events with the proof that ties them to a signed checkpoint, \
            a report per control (its query, population, exceptions and status), an OSCAL \
            assessment-results document, a report for people, and VERIFY.md. With --previous, it also \
            proves that the log only grew since that bundle. The same store, framework, period and \
            previous bundle give the same bytes.

            custos evidence --framework soc2 --from 2026-01-01 --to 2026-03-31 --out soc2-2026-q1.zip
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "soc2 or hipaa.")
    var framework: String

    @Option(help: ArgumentHelp("The first day of the period (UTC), such as 2026-01-01.", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("The last day of the period, included.", valueName: "date"))
    var to: String

    @Option(help: ArgumentHelp("An earlier bundle of this log, to prove the log only grew since.", valueName: "bundle.zip"))
    var previous: String?

    @Option(help: ArgumentHelp("Where to write the bundle.", valueName: "file.zip"))
    var out: String

    func run() async throws {
        try await runReportingErrors {
            guard let chosen = EvidenceFramework(rawValue: framework.lowercased()) else {
                throw ValidationError("--framework must be one of \(EvidenceFramework.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let period = try EvidencePeriod(from: from, to: to)
            let ledger = try storeOptions.open()
            let summary: EvidenceBuilder.Summary
            do {
                summary = try await EvidenceBuilder(ledger: ledger).build(
                    framework: chosen, period: period, previous: previous.map { URL(fileURLWithPath: $0) }, to: URL(fileURLWithPath: out)
                )
            } catch {
                await ledger.close()
                throw error
            }
            await ledger.close()
            let output = Terminal.standardOutput
            output.writeLine("wrote \(out) (\(summary.bytes) bytes): \(chosen.rawValue) \(period.from) to \(period.to), \(summary.eventCount) events from seq \(summary.firstSeq), anchored to the checkpoint of size \(summary.checkpointSize)")
            for control in summary.controls {
                output.writeLine("  \(control.id.padding(toLength: 22, withPad: " ", startingAt: 0)) \(control.status.rawValue)\(control.exceptions > 0 ? " (\(control.exceptions) exception\(control.exceptions == 1 ? "" : "s"))" : "")")
            }
            output.flush()
        }
    }
}

/// `custos verify-bundle`: checks an evidence bundle offline.
struct VerifyBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Check an evidence bundle offline, with no store.",
        discussion: """
            Checks every file against the signed manifest, the checkpoint's signature, every event against \
            the chain proof and the checkpoint, the consistency proof from --previous, and every control \
            report's counts against the events. Prints OK lines, then FAILED lines naming the file (and \
            the seq, for events); exits 0 when everything holds, 1 otherwise. Without --key, a bundle \
            that holds together under its own copy of the key proves nothing about who made it (anyone \
            can sign a bundle with a key of their own): it exits 2, unless --trust-bundled-key says that \
            you compared that key with the log's published one.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "bundle.zip"))
    var bundle: String

    @Option(help: ArgumentHelp("The log's public key (a checkpoint.pub file or the key text); without it, the bundle's own copy is used.", valueName: "key"))
    var key: String?

    @Option(help: ArgumentHelp("The previous bundle of the same log, whose checkpoint this one must extend.", valueName: "bundle.zip"))
    var previous: String?

    @Flag(help: "Accept the bundle's own checkpoint.pub as the log's key (you compared it with the published key).")
    var trustBundledKey = false

    func validate() throws {
        if key != nil && trustBundledKey { throw ValidationError("--key and --trust-bundled-key exclude each other: the key given is the one trusted") }
    }

    func run() async throws {
        var holds = false
        var originUnproven = false
        try await runReportingErrors {
            guard FileManager.default.fileExists(atPath: bundle) else { throw CLIError.invalidInput("no file at \(bundle)") }
            let verifierKey = try key.map { try NoteVerifierKey(parsing: try readTextOrFile($0, mustBeFile: false).trimmingCharacters(in: .whitespacesAndNewlines)) }
            let outcome = try BundleVerifier.verify(URL(fileURLWithPath: bundle), key: verifierKey, previous: previous.map { URL(fileURLWithPath: $0) })
            let output = Terminal.standardOutput
            output.writeLine("key: \(outcome.keySource)")
            for line in outcome.passed { output.writeLine("OK: \(line)") }
            for failure in outcome.failures { output.writeLine("FAILED: \(failure)") }
            originUnproven = outcome.isValid && verifierKey == nil && !trustBundledKey
            if originUnproven {
                output.writeLine("the bundle holds together under its own key, which proves nothing about who made it: pass --key with the log's published key (or --trust-bundled-key once you compared them)")
            } else {
                output.writeLine(outcome.isValid ? "the bundle verifies" : "the bundle does NOT verify: \(outcome.failures.count) problem(s)")
            }
            output.flush()
            holds = outcome.isValid
        }
        if !holds { throw CLIExit.verificationFailed }
        if originUnproven { throw CLIExit.originUnproven }
    }
}
