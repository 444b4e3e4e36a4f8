import ArgumentParser
import CustosLedger
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the size of the log and of each index."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var readOnlyOption: ReadOnlyOption

    @Flag(help: "Print as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let ledger = try storeOptions.openForReading(readOnlyOption)
            let stats = try ledger.statistics()
            let output = Terminal.standardOutput
            if json {
                output.writeLine(stats.jsonValue.description)
            } else {
                output.writeLine("store       \(ledger.path)")
                output.writeLine("origin      \(stats.origin)")
                output.writeLine("entries     \(stats.head.size)")
                if stats.head.size > 0 {
                    output.writeLine("head hash   \(stats.head.lastLeafHash.hex)")
                    output.writeLine("first time  \(stats.firstTime.map(\.description) ?? "-")")
                    output.writeLine("last time   \(stats.head.lastTime)")
                }
                output.writeLine("tree root   \(stats.treeRoot.hex)")
                output.writeLine("nodes       \(stats.nodeCount)")
                output.writeLine("edges       \(stats.edgeCount) distinct (stored in both directions)")
                output.writeLine("map         \(formatBytes(stats.usedBytes)) used of \(formatBytes(stats.mapSize)) mapped; file \(formatBytes(stats.fileBytes))")
                output.writeLine("readers     \(stats.readersInUse) of \(stats.maxReaders) slots in use")
                output.writeLine("")
                output.writeLine("database          rows        bytes  depth")
                for database in stats.databases {
                    let name = database.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                    let rows = String(database.rows).leftPadded(to: 10)
                    let bytes = formatBytes(database.bytes).leftPadded(to: 12)
                    output.writeLine("\(name) \(rows) \(bytes)  \(database.depth)")
                }
            }
            output.flush()
        }
    }
}

func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
