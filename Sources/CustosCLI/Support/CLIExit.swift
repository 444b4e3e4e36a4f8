import ArgumentParser
import CustosLedger
import CustosConfig
import CustosEvidence
import CustosGate
import CustosLineage
import CustosMasking
import CustosServer
import CustosQuery
import Foundation

/// The exit codes of `custos` (sysexits.h), documented in docs/CLI.md.
enum CLIExit {
    static let verificationFailed = ExitCode(1)
    /// `verify-bundle` without `--key`: the bundle holds together, under a key nobody vouched for.
    static let originUnproven = ExitCode(2)
    static let usage = ExitCode(64)
    static let invalidInput = ExitCode(65)
    static let noStore = ExitCode(66)
    static let storage = ExitCode(74)
    static let overloaded = ExitCode(75)
    static let unavailable = ExitCode(69)
    static let notPermitted = ExitCode(77)

    /// The exit code for an error, after printing it to standard error.
    static func report(_ error: any Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        Terminal.standardError.writeLine("custos: error: \(error)")
        if let cliError = error as? CLIError { return cliError.exitCode }
        if error is ValidationError { return usage }
        if error is EvidenceError { return invalidInput }
        if let gateError = error as? GateError {
            switch gateError {
            case .notApproved, .notAllowed: return notPermitted
            case .timedOut: return overloaded
            case .unreachable, .remote: return unavailable
            default: return invalidInput
            }
        }
        if error is NoteError || error is LQLError || error is LineageError || error is ConfigError || error is EventError || error is APIKeyStore.Failure { return invalidInput }
        guard let ledgerError = error as? LedgerError else { return storage }
        switch ledgerError {
        case .noStore: return noStore
        case .storeExists, .invalidEvent, .batchTooLarge, .idempotencyConflict, .invalidOrigin, .invalidProofRange, .refused: return invalidInput
        case .overloaded: return overloaded
        case .readOnly, .lockFileNotWritable: return notPermitted
        default: return storage
        }
    }
}

/// Runs a command body, turning errors into a message and an exit code.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw CLIExit.report(error)
    }
}
