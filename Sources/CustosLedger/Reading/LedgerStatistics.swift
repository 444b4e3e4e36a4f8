import Foundation
import LMDB

/// Sizes and counts of a store, for `custos stats` and monitoring.
public struct LedgerStatistics: Sendable {
    public struct DatabaseSize: Sendable {
        public var name: String
        public var rows: Int
        public var bytes: Int
        public var depth: Int
    }

    public var origin: String
    public var head: LogHead
    /// Time of the first entry, when there is one.
    public var firstTime: Timestamp?
    /// The Merkle root at the head.
    public var treeRoot: Hash256
    /// Distinct nodes in the lineage graph.
    public var nodeCount: Int
    /// Distinct edges (each stored twice, once per direction).
    public var edgeCount: Int
    public var databases: [DatabaseSize]
    public var mapSize: Int
    public var usedBytes: Int
    public var fileBytes: Int
    public var readersInUse: Int
    public var maxReaders: Int

    /// The statistics as JSON.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "origin": .string(origin),
            "entries": .number(Double(head.size)),
            "headHash": .string(head.lastLeafHash.hex),
            "lastTime": .string(head.lastTime.description),
            "treeRoot": .string(treeRoot.hex),
            "nodes": .number(Double(nodeCount)),
            "edges": .number(Double(edgeCount)),
            "mapSize": .number(Double(mapSize)),
            "usedBytes": .number(Double(usedBytes)),
            "fileBytes": .number(Double(fileBytes)),
            "readersInUse": .number(Double(readersInUse)),
            "maxReaders": .number(Double(maxReaders)),
            "databases": .object(Dictionary(uniqueKeysWithValues: databases.map {
                ($0.name, JSONValue.object(["rows": .number(Double($0.rows)), "bytes": .number(Double($0.bytes)), "depth": .number(Double($0.depth))]))
            })),
        ]
        if let firstTime { members["firstTime"] = .string(firstTime.description) }
        return .object(members)
    }
}

extension Ledger {
    /// Sizes and counts of the store, from one snapshot.
    public func statistics() throws -> LedgerStatistics {
        let info = environment.info
        let pageSize = environment.pageSize
        let fileBytes = ((try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb"))?[.size] as? NSNumber)?.intValue ?? 0
        return try read { txn in
            let head = try LogHead.read(in: txn, schema: schema)
            let frontier = try MerkleFrontier.load(size: head.size, tree: schema.tree, in: txn)
            var databases: [LedgerStatistics.DatabaseSize] = []
            var nodeCount = 0
            var edgeRows = 0
            for (name, database) in schema.all {
                let stat = try txn.statistics(of: database)
                databases.append(.init(name: name, rows: stat.entries, bytes: stat.bytes, depth: stat.depth))
                if name == "nodes" { nodeCount = stat.entries }
                if name == "edges" { edgeRows = stat.entries }
            }
            var firstTime: Timestamp?
            if head.size > 0 {
                firstTime = try Keys.seq(0).withUnsafeBytes { key in
                    try txn.withValue(forKey: key, in: schema.entries) { try? LedgerEntry(bytes: $0).time }
                } ?? nil
            }
            return LedgerStatistics(
                origin: origin, head: head, firstTime: firstTime, treeRoot: frontier.root,
                nodeCount: nodeCount, edgeCount: edgeRows / 2, databases: databases,
                mapSize: info.mapSize, usedBytes: (info.lastPage + 1) * pageSize, fileBytes: fileBytes,
                readersInUse: info.readersInUse, maxReaders: info.maxReaders
            )
        }
    }
}
