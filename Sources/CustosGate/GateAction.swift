public import CustosLedger

/// A privileged action an agent asks to perform: what (`export`, `escalate`, any name), on
/// which resource, and the scope its token will cover.
public struct GateAction: Sendable, Hashable {
    /// The action's name; policy rules match it.
    public var name: String
    /// The node the action is about (`dataset:…`, `role:…`, `infra:…`).
    public var resource: NodeID
    /// Resource patterns the token may be redeemed for; by default the resource alone.
    public var scope: [String]

    /// An action. Its name is 1 to 64 characters of `a-z`, `0-9`, `_`, `.` and `-`.
    public init(_ name: String, resource: NodeID, scope: [String]? = nil) throws(GateError) {
        guard (try? EventKind(name)) != nil else {
            throw .invalidRequest("\"\(name)\" is not an action name: use 1 to 64 characters of a-z, 0-9, _, . and -, starting with a letter")
        }
        self.name = name
        self.resource = resource
        self.scope = scope ?? [resource.rawValue]
        guard !self.scope.isEmpty, self.scope.count <= 64, self.scope.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 1024 }) else {
            throw .invalidRequest("a scope is 1 to 64 resource patterns of at most 1024 bytes")
        }
        for text in [resource.rawValue] + self.scope {
            if let refusal = Self.traversalRefusal(text) { throw .invalidRequest(refusal) }
        }
    }

    /// Why `resource` (an id or a pattern) is refused for climbing out of a path with a `..`
    /// segment, or nil. Policies match resources as text, so `dataset:s3://lake/public/*`
    /// matches `dataset:s3://lake/public/../private/x`, which a tool would read as private.
    public static func traversalRefusal(_ resource: String) -> String? {
        let segments = resource.utf8.split(omittingEmptySubsequences: false) { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
        guard segments.contains(where: { $0.elementsEqual("..".utf8) }) else { return nil }
        return "\(resource) has a \"..\" path segment: name the resource by its resolved path, without \"..\""
    }

    /// Data leaves for a destination.
    public static func export(resource: NodeID, scope: [String]? = nil) throws(GateError) -> GateAction { try GateAction("export", resource: resource, scope: scope) }
    /// Privileges are raised.
    public static func escalate(resource: NodeID, scope: [String]? = nil) throws(GateError) -> GateAction { try GateAction("escalate", resource: resource, scope: scope) }
    /// Infrastructure changes.
    public static func infraChange(resource: NodeID, scope: [String]? = nil) throws(GateError) -> GateAction { try GateAction("infra_change", resource: resource, scope: scope) }
    /// Something is deleted.
    public static func delete(resource: NodeID, scope: [String]? = nil) throws(GateError) -> GateAction { try GateAction("delete", resource: resource, scope: scope) }
    /// Sensitive data is read.
    public static func readSensitive(resource: NodeID, scope: [String]? = nil) throws(GateError) -> GateAction { try GateAction("read_sensitive", resource: resource, scope: scope) }
}
