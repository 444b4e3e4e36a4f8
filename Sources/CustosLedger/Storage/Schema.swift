import LMDB

/// The named LMDB databases of a store, and their key layouts (docs/FORMAT.md, "Storage").
///
/// Every database is written in the same transaction as the entries it describes, so the
/// indexes never diverge from the log.
struct Schema: Sendable {
    /// Store-wide facts: format version, origin, head, edge-mapping version.
    let meta: Database
    /// `seq` (8 bytes, big-endian) → the entry's canonical bytes.
    let entries: Database
    /// Merkle tree nodes: `end` (8) ‖ `level` (1) → 32-byte hash, where `end` is the last
    /// leaf the node covers. Keys grow as entries are appended.
    let tree: Database
    /// Node key (16) → node id, the interned node ids.
    let nodes: Database
    /// Term key (16) → term, the interned kinds (which are also edge relations).
    let terms: Database
    /// `by_actor` (``PostingIndex``), role 0 actor, 1 on behalf of: closed blocks and open blocks.
    let actorBlocks: Database
    let actorOpen: Database
    /// `by_kind` (``PostingIndex``), role always 0: closed blocks and open blocks.
    let kindBlocks: Database
    let kindOpen: Database
    /// Node key (16) ‖ direction (1) ‖ relation key (16) ‖ other node key (16) → first seq (8).
    let edges: Database
    /// Idempotency key (16) → seq (8) ‖ content hash (32) ‖ leaf hash (32) ‖ time (8) ‖ scope.
    let idempotency: Database
    /// Tree size (8) → signing time in µs (8) ‖ the signed checkpoint note.
    let checkpoints: Database
    /// `by_node` (``PostingIndex``), role 0 input, 1 output, 2 end of an explicit edge: closed
    /// blocks and open blocks.
    let nodeBlocks: Database
    let nodeOpen: Database
    /// Node key (16) ‖ tag key (16) ‖ seq (8) → empty: the tags classify events put on nodes.
    let tags: Database
    /// Tag key (16) ‖ node key (16) ‖ seq (8) → empty: the nodes carrying a tag.
    let tagged: Database
    /// From node key (16) ‖ relation key (16) ‖ to node key (16) ‖ UTC day (4) → empty: the
    /// days on which a data edge was recorded, for time windows on traces.
    let edgeDays: Database

    init(environment: Environment, create: Bool) throws {
        func open(_ name: String) throws -> Database {
            try environment.openDatabase(named: name, create: create)
        }
        meta = try open("meta")
        entries = try open("entries")
        tree = try open("tree")
        nodes = try open("nodes")
        terms = try open("terms")
        actorBlocks = try open("by_actor_blocks")
        actorOpen = try open("by_actor_open")
        kindBlocks = try open("by_kind_blocks")
        kindOpen = try open("by_kind_open")
        edges = try open("edges")
        idempotency = try open("idempotency")
        checkpoints = try open("checkpoints")
        nodeBlocks = try open("by_node_blocks")
        nodeOpen = try open("by_node_open")
        tags = try open("tags")
        tagged = try open("tagged")
        edgeDays = try open("edge_days")
    }

    /// The index databases, with their names, for statistics and verification.
    var indexes: [(name: String, database: Database)] {
        [
            ("nodes", nodes), ("terms", terms), ("by_actor_blocks", actorBlocks), ("by_actor_open", actorOpen),
            ("by_kind_blocks", kindBlocks), ("by_kind_open", kindOpen),
            ("by_node_blocks", nodeBlocks), ("by_node_open", nodeOpen),
            ("edges", edges), ("edge_days", edgeDays), ("tags", tags), ("tagged", tagged), ("idempotency", idempotency),
        ]
    }

    /// The posting indexes, each over its two databases.
    var nodePostings: PostingIndex { PostingIndex(name: "by_node", blocks: nodeBlocks, open: nodeOpen) }
    var actorPostings: PostingIndex { PostingIndex(name: "by_actor", blocks: actorBlocks, open: actorOpen) }
    var kindPostings: PostingIndex { PostingIndex(name: "by_kind", blocks: kindBlocks, open: kindOpen) }

    /// Every database with its name.
    var all: [(name: String, database: Database)] {
        [("meta", meta), ("entries", entries), ("tree", tree)] + indexes + [("checkpoints", checkpoints)]
    }
}

/// Keys of the `meta` database.
enum MetaKey {
    static let format = Array("format".utf8)
    static let origin = Array("origin".utf8)
    static let head = Array("head".utf8)
    static let edgeMapping = Array("edge-mapping".utf8)
    static let created = Array("created".utf8)
}

/// The direction byte of an edge key.
enum EdgeDirection: UInt8, Sendable {
    /// At the source of a data edge; the key's other node is the target.
    case dataOut = 0
    /// At the target of a data edge; the other node is the source.
    case dataIn = 1
    /// At an actor; the other node is what it acted on.
    case actorOut = 2
    /// At what an actor acted on; the other node is the actor.
    case actorIn = 3
}

/// Builders for the fixed-layout keys.
enum Keys {
    @inline(__always)
    static func seq(_ seq: UInt64) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(seq)
        return key
    }

    @inline(__always)
    static func tree(end: UInt64, level: UInt8) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(end)
        key.append(level)
        return key
    }

    @inline(__always)
    static func actor(_ node: Key128, role: UInt8, seq: UInt64) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(node)
        key.append(role)
        key.append(seq)
        return key
    }

    @inline(__always)
    static func kind(_ term: Key128, seq: UInt64) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(term)
        key.append(seq)
        return key
    }

    @inline(__always)
    static func node(_ node: Key128, role: UInt8, seq: UInt64) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(node)
        key.append(role)
        key.append(seq)
        return key
    }

    @inline(__always)
    static func tag(_ first: Key128, _ second: Key128, seq: UInt64) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(first)
        key.append(second)
        key.append(seq)
        return key
    }

    @inline(__always)
    static func edgeDay(from: Key128, relation: Key128, to: Key128, day: UInt32) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(from)
        key.append(relation)
        key.append(to)
        key.append(UInt8(truncatingIfNeeded: day >> 24))
        key.append(UInt8(truncatingIfNeeded: day >> 16))
        key.append(UInt8(truncatingIfNeeded: day >> 8))
        key.append(UInt8(truncatingIfNeeded: day))
        return key
    }

    /// The UTC day of a time, counted from 1970-01-01 (negative times clamp to day 0).
    @inline(__always)
    static func day(of time: Timestamp) -> UInt32 {
        UInt32(clamping: max(0, time.microseconds / 86_400_000_000))
    }

    @inline(__always)
    static func edge(_ node: Key128, _ direction: EdgeDirection, relation: Key128, other: Key128) -> KeyBuffer {
        var key = KeyBuffer()
        key.append(node)
        key.append(direction.rawValue)
        key.append(relation)
        key.append(other)
        return key
    }
}
