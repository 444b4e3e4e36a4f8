import ArgumentParser
import CustosGate
import CustosLedger
import Foundation

struct ApprovalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approvals",
        abstract: "List, show and decide approval requests (docs/GATE.md).",
        discussion: """
            On a server: --server URL (or CUSTOS_SERVER) with CUSTOS_API_KEY; the key's identity decides.
            On the local store: --as human:you@example.com.
            custos approvals list --status pending
            custos approvals approve request:3f2a… --reason "checked the scope"
            """,
        subcommands: [List.self, Show.self, Approve.self, Deny.self, Revoke.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requests, newest first.")
        @OptionGroup var connection: GateConnectionOptions
        @Option(help: "Only this status: pending, approved, denied, expired, revoked or executed.")
        var status: String?
        @Option(help: "At most this many.")
        var limit = 50
        @Flag(help: "One JSON object per line.")
        var json = false

        func run() async throws {
            try await runReportingErrors {
                let wanted = try status.map { text -> ApprovalStatus in
                    guard let known = ApprovalStatus(rawValue: text) else { throw ValidationError("--status must be one of \(ApprovalStatus.allCases.map(\.rawValue).joined(separator: ", "))") }
                    return known
                }
                let gate = try await connection.connect()
                let found = try await gate.requests(status: wanted, limit: limit)
                for request in found {
                    Terminal.standardOutput.writeLine(json ? request.jsonValue.description : ApprovalsCommand.line(for: request))
                }
                if found.isEmpty && !json { Terminal.standardOutput.writeLine("(no requests\(wanted.map { " \($0.rawValue)" } ?? ""))") }
                Terminal.standardOutput.flush()
                await gate.close()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One request in full: context, rule, lineage, approvals, refusals.")
        @OptionGroup var connection: GateConnectionOptions
        @Argument(help: "The request id (request:… or the part after it).")
        var id: String
        @Flag(help: "As JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors {
                let gate = try await connection.connect()
                let request = try await gate.request(try requestNode(id))
                Terminal.standardOutput.writeLine(json ? request.jsonValue.description : ApprovalsCommand.details(of: request))
                Terminal.standardOutput.flush()
                await gate.close()
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve, as yourself: never your own request, nor one made for you.")
        @OptionGroup var connection: GateConnectionOptions
        @Argument(help: "The request id.")
        var id: String
        @Option(help: "Why, for the record.")
        var reason: String?

        func run() async throws {
            try await ApprovalsCommand.decide(connection) { gate in try await gate.approve(try requestNode(id), reason: reason) }
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny, with a reason; one denial ends the request.")
        @OptionGroup var connection: GateConnectionOptions
        @Argument(help: "The request id.")
        var id: String
        @Option(help: "Why (required).")
        var reason: String

        func run() async throws {
            try await ApprovalsCommand.decide(connection) { gate in try await gate.deny(try requestNode(id), reason: reason) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a pending request, or void an approval before its token is used.")
        @OptionGroup var connection: GateConnectionOptions
        @Argument(help: "The request id.")
        var id: String
        @Option(help: "Why (required).")
        var reason: String

        func run() async throws {
            try await ApprovalsCommand.decide(connection) { gate in try await gate.revoke(try requestNode(id), reason: reason) }
        }
    }

    /// Takes one step on a request and prints where it then stands.
    static func decide(_ connection: GateConnectionOptions, _ step: (GateConnection) async throws -> ApprovalRequest) async throws {
        try await runReportingErrors {
            let gate = try await connection.connect()
            do {
                Terminal.standardOutput.writeLine(line(for: try await step(gate)))
            } catch {
                await gate.close()
                throw error
            }
            Terminal.standardOutput.flush()
            await gate.close()
        }
    }

    // MARK: Output

    static func line(for request: ApprovalRequest) -> String {
        let counted = "\(request.approvals.count)/\(request.requiredApprovals)"
        return printable("\(request.id)  \(request.status.rawValue)  \(request.action) \(request.resource)  by \(request.requester.id)\(request.requester.onBehalfOf.map { " for \($0)" } ?? "")  rule \(request.rule) (\(counted))  \(request.createdAt)")
    }

    /// `text` with control, bidirectional and invisible formatting characters spelled out
    /// (`\u{1b}`): an agent writes these fields, and must not be able to redraw the lines an
    /// approver reads.
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func details(of request: ApprovalRequest) -> String {
        detailLines(of: request).map(printable).joined(separator: "\n")
    }

    private static func detailLines(of request: ApprovalRequest) -> [String] {
        var lines = [
            "\(request.id)  \(request.status.rawValue)\(request.statusReason.map { ": \($0)" } ?? "")",
            "  action         \(request.action) on \(request.resource) (scope \(request.scope.joined(separator: ", ")))",
            "  requester      \(request.requester.id)\(request.requester.onBehalfOf.map { " on behalf of \($0)" + (request.onBehalfOfSource == .credentials ? " (its credentials say so)" : " (only the request says so)") } ?? "")",
            "  justification  \(request.justification)",
            "  rule           \(request.rule) (line \(request.ruleLine)): \(request.decision.rawValue), \(request.requiredApprovals) approval(s) from \(request.approverNames.isEmpty ? "any human" : request.approverNames.joined(separator: ", "))",
            "  asked          \(request.createdAt), expires \(request.expiresAt)",
        ]
        if let payload = request.maskedPayload { lines.append("  payload        \(payload) (masked)") }
        for item in request.lineage?.arrayValue ?? [] {
            let path = (item["path"]?.arrayValue ?? []).map { "\($0["from"]?.stringValue ?? "") -\($0["relation"]?.stringValue ?? "")→ \($0["to"]?.stringValue ?? "")" }
            lines.append("  lineage        \(item["tag"]?.stringValue ?? "") from \(item["source"]?.stringValue ?? "")\(path.isEmpty ? "" : ": " + path.joined(separator: ", "))")
        }
        for approval in request.approvals { lines.append("  approved by    \(approval.approver) at \(approval.time)\(approval.reason.map { ": \($0)" } ?? "")") }
        for refusal in request.refusals { lines.append("  refused        \(refusal.kind) by \(refusal.actor) at \(refusal.time): \(refusal.reason)") }
        if let token = request.tokenExpiresAt, request.status == .approved { lines.append("  token until    \(token)") }
        if let outcome = request.outcome { lines.append("  outcome        \(outcome.succeeded ? "succeeded" : "failed") at \(outcome.time)") }
        return lines
    }
}
