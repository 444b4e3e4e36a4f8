import Crypto
public import CustosConfig
import CustosLedger
import Foundation

/// Which findings get masked, and how.
///
/// A policy file (YAML or JSON):
///
/// ```yaml
/// name: partner-export
/// threshold: 0.6            # findings less sure than this are left as they are
/// default: placeholder      # redact | placeholder | keep_last | pseudonym
/// types:
///   email: pseudonym        # joins on masked emails still work
///   card_number: { operator: keep_last, keep: 4 }
///   person_name: { operator: placeholder, threshold: 0.8 }
///   ip_address: off         # not masked
/// covers: [pii, pci, secret] # optional: the tags this masking removes (default: computed)
/// ```
public struct MaskingPolicy: Sendable, Hashable {
    /// How one type is masked.
    public struct Rule: Sendable, Hashable {
        public var maskingOperator: MaskingOperator
        /// Overrides the policy's threshold for this type.
        public var threshold: Double?

        public init(_ maskingOperator: MaskingOperator, threshold: Double? = nil) {
            self.maskingOperator = maskingOperator
            self.threshold = threshold
        }
    }

    public var name: String
    /// Findings below this confidence are not masked.
    public var threshold: Double
    /// The operator for types the policy does not list.
    public var defaultOperator: MaskingOperator
    /// Per type name.
    public var rules: [String: Rule]
    /// Type names that are not masked.
    public var disabled: Set<String>
    /// The sensitivity tags the policy says it removes; nil to compute them.
    public var declaredCovers: Set<String>?

    public init(
        name: String = "standard", threshold: Double = 0.5, defaultOperator: MaskingOperator = .placeholder,
        rules: [String: Rule] = [:], disabled: Set<String> = [], covers: Set<String>? = nil
    ) {
        self.name = name
        self.threshold = threshold
        self.defaultOperator = defaultOperator
        self.rules = rules
        self.disabled = disabled
        self.declaredCovers = covers
    }

    /// Every type, as its placeholder, from confidence 0.5.
    public static let standard = MaskingPolicy()

    /// How `type` is masked, or nil when it is not.
    public func rule(for type: EntityType) -> Rule? {
        if disabled.contains(type.name) { return nil }
        return rules[type.name] ?? Rule(defaultOperator)
    }

    /// True when the policy masks `finding`.
    public func masks(_ finding: Finding) -> Bool {
        guard let rule = rule(for: finding.type) else { return false }
        return finding.confidence >= (rule.threshold ?? threshold)
    }

    /// The tags this masking removes from what it outputs: as declared, or every tag all of
    /// whose types the policy masks.
    public var covers: Set<String> {
        if let declaredCovers { return declaredCovers }
        let tags = Set(EntityType.all.flatMap(\.tags))
        return tags.filter { tag in EntityType.all.filter { $0.tags.contains(tag) }.allSatisfy { rule(for: $0) != nil } }
    }

    /// SHA-256 of the policy's settings in a fixed order: what a mask event records, so that
    /// two runs can be shown to have used the same policy.
    public var digest: String {
        var text = "custos-masking-policy/1\nname=\(name)\nthreshold=\(threshold)\ndefault=\(defaultOperator)\n"
        for type in EntityType.all {
            if let rule = rule(for: type) {
                text += "\(type.name)=\(rule.maskingOperator)@\(rule.threshold ?? threshold)\n"
            } else {
                text += "\(type.name)=off\n"
            }
        }
        text += "covers=\(covers.sorted().joined(separator: ","))\n"
        return Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }

    // MARK: Files

    /// Reads a policy file.
    public static func load(contentsOf path: String) throws(ConfigError) -> MaskingPolicy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "cannot read the policy file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses a policy; the error names the line and what to write instead.
    public static func parse(_ text: String, file: String = "policy") throws(ConfigError) -> MaskingPolicy {
        let root = try ConfigNode.parse(text, file: file)
        let members = try root.members(allowed: ["name", "threshold", "default", "types", "covers", "version"])
        if let version = members["version"], try version.integer() != 1 {
            throw version.error("this version of custos reads masking policy version 1")
        }
        var policy = MaskingPolicy(name: try members["name"]?.string() ?? (file as NSString).lastPathComponent)
        policy.threshold = try members["threshold"]?.number(in: 0...1) ?? 0.5
        if let node = members["default"] {
            guard let parsed = try parseRule(node) else { throw node.error("the default operator cannot be off: list the types to leave alone under types") }
            policy.defaultOperator = parsed.maskingOperator
        }
        if let types = members["types"] {
            for (name, node) in try types.entries() {
                guard EntityType(named: name) != nil else {
                    var message = "unknown type \"\(name)\""
                    let names = EntityType.all.map(\.name)
                    if let close = ConfigError.closest(to: name, in: names) { message += ": did you mean \"\(close)\"?" } else { message += "; the types are \(names.joined(separator: ", "))" }
                    throw node.error(message)
                }
                if let rule = try parseRule(node) { policy.rules[name] = rule } else { policy.disabled.insert(name) }
            }
        }
        if let covers = members["covers"] { policy.declaredCovers = Set(try covers.strings()) }
        return policy
    }

    /// A rule: an operator name, `off`, or `{operator: …, keep: N, threshold: X}`.
    private static func parseRule(_ node: ConfigNode) throws(ConfigError) -> Rule? {
        if case .scalar(let text) = node.value {
            if ["off", "false", "no", "none", "keep"].contains(text.lowercased()) { return nil }
            return Rule(try parseOperator(text, keep: nil, at: node))
        }
        let members = try node.members(allowed: ["operator", "keep", "threshold"])
        let name = try members.required("operator").string()
        if ["off", "none"].contains(name.lowercased()) { return nil }
        let keep = try members["keep"]?.integer(in: 0...64)
        return Rule(try parseOperator(name, keep: keep, at: node), threshold: try members["threshold"]?.number(in: 0...1))
    }

    private static func parseOperator(_ name: String, keep: Int?, at node: ConfigNode) throws(ConfigError) -> MaskingOperator {
        switch name.lowercased() {
        case "redact": return .redact
        case "placeholder": return .placeholder
        case "keep_last", "keep-last", "keeplast": return .keepLast(keep ?? 4)
        case "pseudonym", "pseudonymize", "hash": return .pseudonym
        default:
            var message = "unknown operator \"\(name)\""
            if let close = ConfigError.closest(to: name, in: MaskingOperator.names) { message += ": did you mean \"\(close)\"?" } else { message += ": use redact, placeholder, keep_last or pseudonym" }
            throw node.error(message)
        }
    }
}
