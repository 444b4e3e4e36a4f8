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

    public init() {}

    /// The defaults.
    public static let standard = EventLimits()
}
