import ArgumentParser
import CustosConfig
import CustosGate
import CustosLedger
import Foundation

/// `custos gate --action A --resource R --justification J -- CMD ARGS…`: asks for approval,
/// waits, runs CMD with a redeemed single-use token in its environment, shows CMD's output
/// masked by the gate's policy, and records the outcome.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Run a command only once a human has approved it (docs/GATE.md).",
        discussion: """
            The command runs with CUSTOS_GATE_TOKEN (the redeemed token) and CUSTOS_GATE_REQUEST \
            in its environment. What it prints is masked before it reaches you; its exit status, \
            a keyed digest of its raw output, the SHA-256 of the masked output and the findings per type are recorded.

            While the command runs, SIGTERM is passed on to it, and SIGINT and SIGHUP too unless \
            custos gate runs in its terminal's foreground (the terminal signals the command itself); \
            its exit is recorded as usual. While custos gate waits for a decision, a signal withdraws \
            the request and it exits 128 + N without running the command. Signals ignored at start \
            (nohup) stay ignored. If the command leaves a background \
            process holding its output, custos gate stops reading 1 s after the command exits.

            Exit codes: the command's own (128 + N when it died of signal N); 77 when the request \
            was denied, expired or revoked, or this identity may not ask; 75 when nobody decided \
            within --timeout (the request is withdrawn); 69 when the server cannot be reached; \
            127 when the command cannot be started; 128 + N when signal N interrupted the wait.

            custos gate --action export --resource dataset:crm/customers \\
                --justification "quarterly report" --timeout 15m -- ./export.sh q3
            """
    )

    @OptionGroup var connection: GateConnectionOptions

    @Option(help: ArgumentHelp("The action (export, escalate, infra_change, delete, read_sensitive, or any name).", valueName: "name"))
    var action: String

    @Option(help: ArgumentHelp("The node the action is about (dataset:…, export:…, role:…).", valueName: "node"))
    var resource: String

    @Option(help: "Why, for the approver and the record.")
    var justification: String

    @Option(name: .customLong("scope"), help: ArgumentHelp("A resource pattern the token may be redeemed for (repeatable; default: the resource).", valueName: "pattern"))
    var scope: [String] = []

    @Option(help: ArgumentHelp("Context for the approver; masked before anyone sees it.", valueName: "text"))
    var payload: String?

    @Option(help: ArgumentHelp("How long to wait for a decision: 90s, 15m, 2h.", valueName: "duration"))
    var timeout = "1h"

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    /// The most of each output stream kept for masking and the record; the rest is dropped.
    static let outputLimit = 16 << 20
    /// What is recorded of each stream when the whole output could not be.
    static let fallbackLimit = 1 << 20

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("say what to run after --, for example: custos gate … -- ./export.sh") }
        guard let seconds = ConfigNode.seconds(in: timeout), seconds > 0, seconds <= 30 * 86_400 else {
            throw ValidationError("--timeout must be a duration from 1s to 30d, such as 90s, 15m or 2h")
        }
    }

    func run() async throws {
        var exitCode = ExitCode.success
        let relay = SignalRelay()
        defer { relay.stop() }
        try await runReportingErrors {
            let connection = try await self.connection.connect()
            let client = try connection.client()
            let work = Task { try await perform(with: client, relay: relay) }
            relay.start { work.cancel() }
            do {
                exitCode = try await work.value
            } catch where relay.receivedSignal != nil {
                // Cancelled mid-request, the HTTP client reports the server unreachable: the
                // signal, not the server, ended the step.
                let signal = relay.receivedSignal ?? SIGINT
                Terminal.standardError.writeLine("custos gate: interrupted (signal \(signal)) before the command ran; the request, if it was made, was withdrawn, and the command not run")
                exitCode = ExitCode(128 + signal)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
        if exitCode != .success { throw exitCode }
    }

    private func perform(with client: any GateClient, relay: SignalRelay) async throws -> ExitCode {
        let node: NodeID
        do { node = try NodeID(resource) } catch { throw ValidationError("--resource: \(error)") }
        let gateAction = try GateAction(action, resource: node, scope: scope.isEmpty ? nil : scope)
        let seconds = ConfigNode.seconds(in: timeout) ?? 3_600
        let status = Terminal.standardError
        let (decided, token) = try await client.authorize(
            gateAction, justification: justification, payload: payload, timeout: .milliseconds(Int64(seconds * 1_000))
        ) { asked in
            let approvers = asked.approverNames.isEmpty ? "a human" : asked.approverNames.joined(separator: ", ")
            status.writeLine("custos gate: \(asked.id) is pending (rule \(asked.rule)): waiting up to \(timeout) for \(asked.requiredApprovals) approval(s) from \(approvers)")
        }
        let approvedBy = decided.approvals.map(\.approver.rawValue).joined(separator: ", ")
        status.writeLine("custos gate: \(decided.id) approved\(approvedBy.isEmpty ? " by the policy" : " by \(approvedBy)"); running \(command[0])")

        var environment = ProcessInfo.processInfo.environment
        // The command gets its token, not the agent's own key to the gate.
        environment["CUSTOS_API_KEY"] = nil
        environment["CUSTOS_GATE_TOKEN"] = token.compact
        environment["CUSTOS_GATE_REQUEST"] = decided.id.rawValue
        if let signal = relay.receivedSignal {
            // Interrupted between the redemption and the start: on record as not run.
            let report = OutcomeReport(succeeded: false, attributes: ["error": .string("interrupted (signal \(signal)) before \(command[0]) started"), "signal": .number(Double(signal))])
            _ = await Task { try? await client.recordOutcome(decided.id, report) }.value
            status.writeLine("custos gate: interrupted (signal \(signal)) before running \(command[0]); recorded as not run")
            return ExitCode(128 + signal)
        }
        let ran: CapturedRun
        do {
            ran = try await CapturedRun.run(
                command, environment: environment, limit: Self.outputLimit, defaultSignals: relay.commandDefaults,
                started: { relay.commandStarted($0) }, ended: { relay.commandEnded() }
            )
            relay.commandEnded()
        } catch {
            relay.commandEnded()
            let report = OutcomeReport(succeeded: false, attributes: ["error": .string("cannot start \(command[0]): \(error)")])
            _ = await Task { try? await client.recordOutcome(decided.id, report) }.value
            status.writeLine("custos gate: cannot start \(command[0]): \(error)")
            return ExitCode(127)
        }
        var attributes: [String: JSONValue] = ["exitStatus": .number(Double(ran.exitStatus)), "command": .string(command[0])]
        if ran.signal != 0 { attributes["signal"] = .number(Double(ran.signal)) }
        if ran.statusUnknown {
            attributes["exitStatusUnknown"] = true
            status.writeLine("custos gate: the end of \(command[0]) could not be learned; recorded as failed")
        }
        if ran.truncated { attributes["outputTruncated"] = true }
        if ran.leftOpen {
            attributes["outputLeftOpen"] = true
            status.writeLine("custos gate: \(command[0]) exited, but a process it started still holds its output open; what that process writes is not captured")
        }
        // Recorded in tasks of their own: a signal that cancelled the wait must not cancel these.
        let recorded: RecordedOutcome
        do {
            let report = OutcomeReport(succeeded: ran.exitStatus == 0, output: ran.output, errorOutput: ran.errorOutput, attributes: attributes)
            recorded = try await Task { try await client.recordOutcome(decided.id, report) }.value
        } catch {
            // Too large for the server, say: record the start of each stream rather than nothing.
            status.writeLine("custos gate: recording the whole output failed (\(error)); recording its first \(Self.fallbackLimit >> 20) MiB per stream")
            attributes["outputTruncated"] = true
            do {
                let report = OutcomeReport(
                    succeeded: ran.exitStatus == 0, output: Array(ran.output.prefix(Self.fallbackLimit)),
                    errorOutput: Array(ran.errorOutput.prefix(Self.fallbackLimit)), attributes: attributes
                )
                recorded = try await Task { try await client.recordOutcome(decided.id, report) }.value
            } catch {
                // Only the gate masks the output, so none of it is shown; the command's status stands.
                status.writeLine("custos gate: the outcome of \(decided.id) could not be recorded (\(error)); its output is not shown unmasked")
                return ran.exitStatus == 0 ? .success : ExitCode(ran.exitStatus)
            }
        }
        Terminal.standardOutput.write(bytes: recorded.maskedOutput ?? [])
        Terminal.standardOutput.flush()
        status.write(bytes: recorded.maskedErrorOutput ?? [])
        if ran.truncated { status.writeLine("custos gate: the output passed \(Self.outputLimit >> 20) MiB on a stream; the rest was dropped unseen") }
        return ran.exitStatus == 0 ? .success : ExitCode(ran.exitStatus)
    }
}
