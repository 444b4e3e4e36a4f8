/// Bounds on one event, so that no single event can exhaust memory or flood the indexes.
public struct EventLimits: Sendable, Equatable {
    /// Largest canonical entry, in bytes.
    public var maxEntryBytes = 256 * 1024
    /// Most node ids in `inputs` and `outputs` together.
    public var maxNodes = 1_000
    /// Most lineage edges one event may add (inputs × outputs, plus the actor's).
    public var maxEdges = 10_000
    /// Longest node id, in UTF-8 bytes.
    public var maxNodeIDBytes = 1_024
    /// Longest client event id, in UTF-8 bytes.
    public var maxClientEventIDBytes = 256
    /// Deepest nesting inside `attributes`.
    public var maxAttributeDepth = 32
    /// Whether node ids may contain characters that change how text is shown without being
    /// seen: bidirectional controls, zero-width and other invisible characters, C1 controls,
    /// line and paragraph separators (``NodeID/isDeceptive(_:)``). Refused in what clients
    /// submit, since `dataset:prod/customers` followed by U+200B reads like the real table to an
    /// approver; allowed when entries are read back, which were checked when appended.
    public var allowsDeceptiveCharacters = false

    public init() {}

    /// The defaults.
    public static let standard = EventLimits()
}
