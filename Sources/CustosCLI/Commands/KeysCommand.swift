import ArgumentParser
import CustosLedger
import CustosServer
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys (stored as SHA-256 hashes in the store).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it, once: it is not kept.",
            discussion: """
                custos keys create --identity agent:etl-bot --role agent --on-behalf-of human:ann@example.com
                custos keys create --identity human:ann@example.com --role auditor --role approver
                With --on-behalf-of, everything done with the key names whom it acts for, a body cannot \
                say otherwise, and the approval gate never lets that identity approve the key's requests.
                """
        )
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: ArgumentHelp("Who the key stands for: a human:, agent: or service: id.", valueName: "id"))
        var identity: String
        @Option(help: "A role: agent, approver, auditor or admin. Repeatable.")
        var role: [String]
        @Option(help: "A note for people listing keys.")
        var description: String = ""
        @Option(name: .customLong("on-behalf-of"), help: ArgumentHelp("Whom the key acts for (an agent's owner): a human:, agent: or service: id.", valueName: "id"))
        var onBehalfOf: String?
        @Flag(help: "Print the key's record as JSON, with the key.")
        var json = false

        func run() async throws {
            try await runReportingErrors {
                guard FileManager.default.fileExists(atPath: storeOptions.path + "/data.mdb") else { throw LedgerError.noStore(path: storeOptions.path) }
                var roles = Set<Role>()
                for name in role {
                    guard let parsed = Role.parseList(name) else { throw ValidationError("\(name) is not a role: use agent, approver, auditor or admin") }
                    roles.formUnion(parsed)
                }
                let node = try NodeID(identity)
                let owner = try onBehalfOf.map { try NodeID($0) }
                let created = try APIKeyStore(storePath: storeOptions.path).create(identity: node, roles: roles, description: description, onBehalfOf: owner)
                if json {
                    Terminal.standardOutput.writeLine(JSONValue.object([
                        "id": .string(created.record.id), "identity": .string(node.rawValue), "roles": .array(roles.sorted().map { .string($0.rawValue) }), "key": .string(created.key),
                        "onBehalfOf": owner.map { .string($0.rawValue) } ?? .null,
                    ]).description)
                } else {
                    Terminal.standardOutput.writeLine(created.key)
                    let acting = owner.map { ", on behalf of \($0)" } ?? ""
                    Terminal.standardError.writeLine("custos: key \(created.record.id) for \(node)\(acting) (\(roles.sorted().map(\.rawValue).joined(separator: ", "))). It is shown only now: keep it secret; send it as Authorization: Bearer <key>.")
                }
                Terminal.standardOutput.flush()
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (never a secret).")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await runReportingErrors {
                let records = try APIKeyStore(storePath: storeOptions.path).list()
                for record in records {
                    let state = record.revoked.map { "revoked \($0)" } ?? "active"
                    let acting = record.onBehalfOf.map { "  on behalf of \($0)" } ?? ""
                    Terminal.standardOutput.writeLine("\(record.id)  \(record.identity)\(acting)  \(record.roles.sorted().map(\.rawValue).joined(separator: ","))  created \(record.created)  \(state)  \(record.description)")
                }
                if records.isEmpty { Terminal.standardOutput.writeLine("(no keys: custos keys create --identity … --role …)") }
                Terminal.standardOutput.flush()
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id; it stops working within a second.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The key's id (from custos keys list).")
        var id: String

        func run() async throws {
            try await runReportingErrors {
                guard try APIKeyStore(storePath: storeOptions.path).revoke(id: id) else { throw CLIError.invalidInput("no key \(id): custos keys list shows the ids") }
                Terminal.standardOutput.writeLine("revoked \(id)")
                Terminal.standardOutput.flush()
            }
        }
    }
}
