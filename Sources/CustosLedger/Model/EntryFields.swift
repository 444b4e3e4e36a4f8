/// The fields of a stored entry, read in place from its bytes inside a read transaction
/// (``LedgerSnapshot/withEntryFields(at:_:)``), each decoded only when asked for.
///
/// Searches that test a few fields and build rows use this rather than ``LedgerEntry``: no
/// copy of the entry's bytes, no ``Event`` with every node id as a value, no attributes
/// parsed unless a condition or a row needs them, and the time as the entry spells it
/// instead of parsed and formatted again. Like the bytes it reads, a value is valid only
/// inside the closure that received it, which `~Copyable` enforces: it cannot be copied out.
public struct EntryFields: ~Copyable {
    let view: EntryView
    private var parsedAttributes: [String: JSONValue]?

    init(view: EntryView) {
        self.view = view
    }

    /// The entry's position in the log.
    public var seq: UInt64 { view.seq }
    /// The size of the entry's canonical bytes: about what a row of it weighs.
    public var byteCount: Int { view.bytes.count }
    /// When the ledger appended it.
    public var time: Timestamp { view.time }
    /// ``time`` in the ledger's form (`YYYY-MM-DDTHH:MM:SS.ffffffZ`), as stored.
    public var timeText: String { view.string(view.timeText) }
    /// The event's kind.
    public var kind: String { view.string(view.kind) }
    /// The acting actor's id.
    public var actorID: String { view.string(view.actorID) }
    /// The acting actor's type.
    public var actorType: Actor.Kind { view.actorKind }
    /// The principal the actor acted for, if any.
    public var onBehalfOf: String? { view.onBehalfOf.map(view.string) }
    /// Input node ids, in order.
    public var inputs: [String] { view.inputs.map(view.string) }
    /// Output node ids, in order.
    public var outputs: [String] { view.outputs.map(view.string) }
    /// The ends of the event's explicit edges (from, then to, per edge).
    public var edgeEnds: [String] { view.explicitEdges.flatMap { [view.string($0.from), view.string($0.to)] } }
    /// The client's event id, if it gave one.
    public var clientEventID: String? { view.clientEventID.map(view.string) }

    /// The event's attributes, parsed on first use and kept for later calls. Throws
    /// ``LedgerError/corrupted(_:)`` when the stored attributes are not JSON.
    public mutating func attributes() throws(LedgerError) -> [String: JSONValue] {
        if let parsedAttributes { return parsedAttributes }
        do {
            let parsed = try view.attributeValues()
            parsedAttributes = parsed
            return parsed
        } catch {
            throw .unreadableEntry(at: seq, error)
        }
    }

    /// The whole entry, decoded as ``LedgerSnapshot/entry(at:)`` decodes it.
    public func entry() throws(EntryDecodingError) -> LedgerEntry {
        try LedgerEntry(storedBytes: view.bytes)
    }
}
