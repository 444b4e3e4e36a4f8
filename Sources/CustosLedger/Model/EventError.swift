/// An event that the ledger refuses, with the field at fault and what to do.
///
/// Nothing of a refused event (or of the batch it came in) is written.
public struct EventError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the offending field, e.g. `inputs[2]` or `actor.type`; empty for the whole event.
    public let field: String
    /// What is wrong and how to fix it.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "invalid event: \(reason)" : "invalid event: \(field): \(reason)"
    }

    func prefixed(_ path: String) -> EventError {
        EventError(field: field.isEmpty ? path : (field.hasPrefix("[") ? path + field : path + "." + field), reason: reason)
    }
}
