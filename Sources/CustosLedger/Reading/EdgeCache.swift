import Synchronization

/// Adjacency lists read from the edge index, kept in memory so that a trace over nodes read
/// before costs dictionary lookups instead of B-tree descents.
///
/// Edges are only ever added, each with the seq of the first event that recorded it, so a list
/// read at a later size still answers for an earlier snapshot: the reader drops edges at or past
/// its size. What needs care is a list read *before* an edge was added. The writer of this
/// process reports, after each commit, which lists the commit extended, and the cache forgets
/// them; a list stays trusted for a snapshot of size `s` only if the cache has heard about every
/// commit up to `s` (``committedSize`` ≥ `s`). Lists are stored only by readers whose snapshot is
/// the newest commit the cache has heard of, under the same lock, so no report can slip between
/// a read and its store. A commit by another process shows up as a snapshot larger than
/// ``committedSize``: the cache is then bypassed, and cleared at this process's next commit.
final class EdgeCache: Sendable {
    /// One side of one node: the node key and the edge direction byte of the index.
    struct Key: Hashable, Sendable {
        var node: Key128
        var direction: UInt8

        func hash(into hasher: inout Hasher) {
            hasher.combine(node.high)
            hasher.combine(node.low ^ UInt64(direction))
        }
    }

    private struct Entry {
        var filledAt: UInt64
        var edges: [EdgeRecord]
    }

    private struct State {
        var committedSize: UInt64
        var entries: [Key: Entry] = [:]
        var edgeCount = 0
    }

    private let state: Mutex<State>
    /// At most this many edges in all; the cache starts over when full.
    let maxEdges: Int
    /// Lists longer than this are not kept (a hub node is read from the index each time).
    let maxEdgesPerList: Int

    init(committedSize: UInt64, maxEdges: Int = 1_000_000, maxEdgesPerList: Int = 4_096) {
        state = Mutex(State(committedSize: committedSize))
        self.maxEdges = maxEdges
        self.maxEdgesPerList = maxEdgesPerList
    }

    /// The list for `key` as a snapshot of `size` entries sees it (possibly with edges the
    /// snapshot does not have yet: the caller drops those), or nil when it must read the index.
    func edges(of key: Key, snapshotSize size: UInt64) -> [EdgeRecord]? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.filledAt >= size || state.committedSize >= size else { return nil }
            return entry.edges
        }
    }

    /// Keeps a list a reader read in a snapshot of `size` entries, if that snapshot is the
    /// newest commit the cache knows of.
    func store(_ edges: [EdgeRecord], for key: Key, readAt size: UInt64) {
        guard maxEdges > 0, edges.count <= maxEdgesPerList, edges.count <= maxEdges else { return }
        state.withLock { state in
            guard state.committedSize == size, state.entries[key] == nil else { return }
            if state.edgeCount + edges.count > maxEdges {
                state.entries.removeAll(keepingCapacity: true)
                state.edgeCount = 0
            }
            state.entries[key] = Entry(filledAt: size, edges: edges)
            state.edgeCount += edges.count
        }
    }

    /// Called by the writer after a commit that took the log from `oldSize` to `newSize`
    /// entries, with every list it may have extended.
    func committed(from oldSize: UInt64, to newSize: UInt64, extended: some Sequence<Key>) {
        state.withLock { state in
            if oldSize != state.committedSize {
                // Another process wrote in between: nothing read before is known to be whole.
                state.entries.removeAll(keepingCapacity: true)
                state.edgeCount = 0
            } else {
                for key in extended {
                    if let removed = state.entries.removeValue(forKey: key) { state.edgeCount -= removed.edges.count }
                }
            }
            state.committedSize = newSize
        }
    }

    /// The number of lists held, for tests.
    var listCount: Int { state.withLock { $0.entries.count } }
}
