import ArgumentParser
import CustosLedger
import CustosLineage
import CustosQuery
import Foundation

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run an LQL query (docs/LQL.md).",
        discussion: """
            custos query 'TRACE UPSTREAM FROM "export:s3://partner/q3.csv" DEPTH 10 THROUGH transform, mask'
            custos query -f queries/soc2/cc6.1-exports-without-approval.lql --param from=2026-01-01 --param to=2026-03-31
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Argument(help: "The query. Without it, -f names a file.")
    var query: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Read the query from this file ('-' for standard input).", valueName: "path"))
    var file: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value: NAME=VALUE, for $NAME in the query. Repeatable.", valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "Output: table (default on a terminal), json, or ndjson (default otherwise).")
    var format: String?

    @Flag(help: "Also print how the query was answered (to standard error).")
    var explain = false

    func validate() throws {
        if (query == nil) == (file == nil) { throw ValidationError("give the query as an argument or with -f FILE, not both and not neither") }
        if let format, ResultFormat(rawValue: format) == nil { throw ValidationError("--format must be table, json or ndjson") }
        for parameter in parameters where !parameter.contains("=") { throw ValidationError("--param takes NAME=VALUE, not \(parameter)") }
    }

    func run() async throws {
        try await runReportingErrors {
            let source = try query ?? readTextOrFile(file ?? "-", mustBeFile: true)
            var values: [String: String] = [:]
            for parameter in parameters {
                let parts = parameter.split(separator: "=", maxSplits: 1)
                values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let result = try QueryEngine(ledger: ledger).run(source, options: QueryOptions(parameters: values))
            let chosen = format.flatMap(ResultFormat.init(rawValue:)) ?? (Terminal.standardOutput.isTerminal ? .table : .ndjson)
            Terminal.standardOutput.write(chosen.render(result))
            Terminal.standardOutput.flush()
            if explain { Terminal.standardError.writeLine("plan: \(result.plan)") }
            if let truncation = result.truncation, chosen != .table { Terminal.standardError.writeLine("truncated: \(truncation)") }
        }
    }
}

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace a node's lineage upstream (what it came from) or downstream (what came from it)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Argument(help: "The node id, e.g. export:s3://partner/q3.csv.")
    var node: String

    @Flag(name: .customLong("up"), help: "Upstream, toward sources (the default).")
    var upstream = false

    @Flag(name: .customLong("down"), help: "Downstream, toward consumers.")
    var downstream = false

    @Option(help: "How many edges deep.")
    var depth: Int = 10

    @Option(help: "Output: table (default on a terminal), json, or ndjson.")
    var format: String?

    func validate() throws {
        if upstream && downstream { throw ValidationError("choose --up or --down, not both") }
        guard depth >= 1 && depth <= 1_000 else { throw ValidationError("--depth must be between 1 and 1000") }
        if let format, ResultFormat(rawValue: format) == nil { throw ValidationError("--format must be table, json or ndjson") }
    }

    func run() async throws {
        try await runReportingErrors {
            let id: NodeID
            do { id = try NodeID(node) } catch { throw CLIError.invalidInput("\(error)") }
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let query = "TRACE \(downstream ? "DOWNSTREAM" : "UPSTREAM") FROM \(JSONValue.string(id.rawValue)) DEPTH \(depth)"
            let result = try QueryEngine(ledger: ledger).run(query)
            let chosen = format.flatMap(ResultFormat.init(rawValue:)) ?? (Terminal.standardOutput.isTerminal ? .table : .ndjson)
            Terminal.standardOutput.write(chosen.render(result))
            Terminal.standardOutput.flush()
        }
    }
}
