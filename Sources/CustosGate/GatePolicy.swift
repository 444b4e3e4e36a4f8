public import CustosConfig
public import CustosLedger
import Crypto
import Foundation

/// What the gate does with a request: the first rule that matches its action and resource
/// decides. No rule matching means deny: a gate that is not told otherwise says no.
///
/// ```yaml
/// version: 1
/// groups:
///   data-owners: [human:alice@example.com, human:bob@example.com]
///   security: [human:sec@example.com]
/// defaults:
///   wait: 1h              # how long a request may wait for its approvals
///   tokenTTL: 5m          # how long an approval's token may be redeemed
/// rules:
///   - name: sensitive-exports
///     action: export
///     resource: ["dataset:*", "export:*"]
///     when: { inheritsTags: [pii, phi] }   # the resource carries or inherits one of these
///     decision: require_approval
///     approvals: 2
///     approvers: [data-owners, security]  # groups or identities
///   - name: exports
///     action: export
///     decision: require_approval
///     approvers: [data-owners]
///   - name: reads
///     action: read_sensitive
///     decision: allow
/// masking: masking.yaml     # for payloads and outputs; the standard policy when absent
/// neverApprove:
///   - identities: [human:intern@example.com]
///     actions: ["*"]
/// ```
public struct GatePolicy: Sendable {
    public enum Decision: String, Sendable {
        /// Let it run, and record it.
        case allow
        case deny
        case requireApproval = "require_approval"
    }

    public struct Rule: Sendable {
        public var name: String
        /// Action patterns (`export`, `infra_*`, `*`).
        public var actions: [String]
        /// Resource patterns (`dataset:s3://lake/*`); empty matches every resource.
        public var resources: [String]
        /// The rule applies only when the resource carries or inherits one of these tags.
        public var inheritsTags: [String]
        public var decision: Decision
        public var approvals: Int
        /// Group names or identities whose members may approve; empty: any human.
        public var approvers: [String]
        public var waitSeconds: Double
        public var tokenSeconds: Double
        /// Why, for deny rules.
        public var reason: String?
        /// 1-based line of the rule in its file.
        public var line: Int
    }

    /// Identities or groups that may never approve some actions.
    public struct Exclusion: Sendable {
        public var identities: [String]
        public var groups: [String]
        public var actions: [String]
    }

    public var groups: [String: Set<String>]
    public var rules: [Rule]
    public var neverApprove: [Exclusion]
    public var defaultWaitSeconds: Double
    public var defaultTokenSeconds: Double
    /// Where it was read from, for messages.
    public var file: String
    /// The masking policy file for payloads and outputs (`masking:`, relative to the policy
    /// file); the standard masking policy when nil.
    public var maskingPolicyPath: String?
    /// What the files it was loaded from held (``digest(ofPolicyAt:masking:)``), to tell a
    /// change of either; nil for a policy not read from a file.
    public var sourceDigest: String?

    public init(groups: [String: Set<String>] = [:], rules: [Rule], neverApprove: [Exclusion] = [], defaultWaitSeconds: Double = 3_600, defaultTokenSeconds: Double = 300, file: String = "policy") {
        self.groups = groups
        self.rules = rules
        self.neverApprove = neverApprove
        self.defaultWaitSeconds = defaultWaitSeconds
        self.defaultTokenSeconds = defaultTokenSeconds
        self.file = file
    }

    /// One human approval for every action: what a store runs with until it has a policy.
    public static let standard = GatePolicy(rules: [
        Rule(name: "default", actions: ["*"], resources: [], inheritsTags: [], decision: .requireApproval, approvals: 1, approvers: [], waitSeconds: 3_600, tokenSeconds: 300, reason: nil, line: 0),
    ], file: "the standard policy")

    // MARK: Matching

    /// The first rule for `action` on `resource`; `tags` says which tags the resource carries
    /// or inherits, asked only when a rule needs it.
    public func rule(for action: String, resource: NodeID, tags: () throws -> Set<String>) rethrows -> Rule? {
        var knownTags: Set<String>?
        for rule in rules where rule.actions.contains(where: { Self.glob($0, matches: action) }) {
            if !rule.resources.isEmpty && !rule.resources.contains(where: { Self.glob($0, matches: resource.rawValue) }) { continue }
            if !rule.inheritsTags.isEmpty {
                if knownTags == nil { knownTags = try tags() }
                guard !(knownTags ?? []).isDisjoint(with: rule.inheritsTags) else { continue }
            }
            return rule
        }
        return nil
    }

    /// True when a `neverApprove` entry excludes `approver` from deciding on `action`.
    public func isExcluded(_ approver: NodeID, from action: String) -> Bool {
        neverApprove.contains { exclusion in
            exclusion.actions.contains { Self.glob($0, matches: action) }
                && (exclusion.identities.contains(where: approver.isSameIdentity(as:))
                    || exclusion.groups.contains { groups[$0]?.contains(where: approver.isSameIdentity(as:)) == true })
        }
    }

    /// The identities the rule's approvers name, through their groups; empty when the rule
    /// names nobody (any human may approve).
    public func eligibleApprovers(for rule: Rule) -> Set<String> {
        Set(rule.approvers.flatMap { groups[$0].map(Array.init) ?? [$0] })
    }

    /// `*` for any run of characters, `?` for one Unicode scalar (one code point, so that `é`
    /// is one, written precomposed); everything else literally, compared scalar by scalar,
    /// as ids are compared by their bytes.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let t = Array(text.unicodeScalars)
        var pi = 0
        var ti = 0
        var star: Int?
        var mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if let star {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    // MARK: Files

    public static func load(contentsOf path: String) throws(ConfigError) -> GatePolicy {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "cannot read the policy file: \(error.localizedDescription)")
        }
        var policy = try parse(String(decoding: bytes, as: UTF8.self), file: path)
        policy.sourceDigest = digest(policy: bytes, masking: policy.maskingPolicyPath.flatMap { try? Data(contentsOf: URL(fileURLWithPath: $0)) })
        return policy
    }

    /// A digest of the policy file at `path` and of the masking file it names, read through
    /// symbolic links (a Kubernetes ConfigMap mount swaps a link, not the file); nil when the
    /// policy cannot be read. Compared with ``sourceDigest``, it tells whether either changed,
    /// whatever their modification times say.
    public static func digest(ofPolicyAt path: String, masking: String?) -> String? {
        guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        return digest(policy: bytes, masking: masking.flatMap { try? Data(contentsOf: URL(fileURLWithPath: $0)) })
    }

    private static func digest(policy: Data, masking: Data?) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(SHA256.hash(data: policy)))
        hasher.update(data: masking.map { Array(SHA256.hash(data: $0)) } ?? [])
        return Hex.encode(Array(hasher.finalize()))
    }

    /// Parses a policy; the error names the line and what to write instead.
    public static func parse(_ text: String, file: String = "gate policy") throws(ConfigError) -> GatePolicy {
        let root = try ConfigNode.parse(text, file: file)
        let members = try root.members(allowed: ["version", "groups", "defaults", "rules", "neverApprove", "masking"])
        if let version = members["version"], try version.integer() != 1 { throw version.error("this version of custos reads gate policy version 1") }
        var policy = GatePolicy(rules: [], file: file)
        if let node = members["masking"] {
            let path = try node.string()
            let folder = (file as NSString).deletingLastPathComponent
            policy.maskingPolicyPath = path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path
        }
        if let node = members["groups"] {
            for (name, list) in try node.entries() {
                var identities = Set<String>()
                for item in try list.sequence() {
                    identities.insert(try identity(item))
                }
                policy.groups[name] = identities
            }
        }
        if let node = members["defaults"] {
            let defaults = try node.members(allowed: ["wait", "tokenTTL"])
            if let value = defaults["wait"] { policy.defaultWaitSeconds = try positive(value.duration(), value) }
            if let value = defaults["tokenTTL"] { policy.defaultTokenSeconds = try positive(value.duration(), value) }
        }
        // Exclusions first: a rule's quorum is checked against who may approve at all.
        if let node = members["neverApprove"] {
            for item in try node.sequence() {
                let entry = try item.members(allowed: ["identities", "groups", "actions"])
                let groups = try entry["groups"]?.strings() ?? []
                for group in groups where policy.groups[group] == nil { throw item.error("neverApprove names the group \"\(group)\", which groups does not define") }
                let identities = try (entry["identities"]?.items() ?? []).map { (node) throws(ConfigError) in try identity(node) }
                guard !identities.isEmpty || !groups.isEmpty else { throw item.error("a neverApprove entry needs identities or groups: whom it excludes") }
                let actions = try entry["actions"].map { (node) throws(ConfigError) in try patterns(node, of: "action") } ?? ["*"]
                policy.neverApprove.append(Exclusion(identities: identities, groups: groups, actions: actions))
            }
        }
        guard let rulesNode = members["rules"] else { throw root.error("a gate policy needs rules: a list of {action, decision, …}") }
        var lines: [String: Int] = [:]
        for (index, node) in try rulesNode.sequence().enumerated() {
            let rule = try parseRule(node, index: index, policy: policy)
            // A request records the name of the rule that decided it, and its token is checked
            // against that rule again: two rules of one name would let one stand for the other.
            if let earlier = lines[rule.name] {
                throw node.error("the rule name \"\(rule.name)\" is taken by the rule at line \(earlier): give every rule its own name")
            }
            lines[rule.name] = node.line
            policy.rules.append(rule)
        }
        return policy
    }

    /// An identity as policies name them: `human:…`, `agent:…` or `service:…`.
    private static func identity(_ node: ConfigNode) throws(ConfigError) -> String {
        let id = try node.string()
        guard (try? NodeID(id)) != nil, Actor.kindPrefix(of: id) != nil else {
            throw node.error("\"\(id)\" is not an identity: write human:…, agent:… or service:…")
        }
        return id
    }

    /// Action or tag patterns: what a kind may be (`a-z`, `0-9`, `_`, `.`, `-`, starting with a
    /// letter), with `*` and `?`. A pattern that no action or tag could match (`Delete`,
    /// `PII`, an empty one) is refused rather than left to match nothing.
    private static func patterns(_ node: ConfigNode, of what: String, wildcards: Bool = true) throws(ConfigError) -> [String] {
        let items = try node.items()
        guard !items.isEmpty else { throw node.error("an empty list of \(what)s matches nothing: name at least one, or \"*\"") }
        var result: [String] = []
        for item in items {
            let pattern = try item.string()
            let probe = wildcards ? String(pattern.map { $0 == "*" || $0 == "?" ? "a" : $0 }) : pattern
            guard (try? EventKind(probe)) != nil else {
                throw item.error(
                    "\"\(pattern)\" can never match a\(what == "action" ? "n" : "") \(what): \(what)s are 1 to 64 characters of a-z, 0-9, _, . and -, starting with a letter"
                        + (wildcards ? " (with * and ? as wildcards)" : "")
                )
            }
            result.append(pattern)
        }
        return result
    }

    /// Resource patterns: node ids with `*` and `?`; none empty.
    private static func resourcePatterns(_ node: ConfigNode) throws(ConfigError) -> [String] {
        let items = try node.items()
        guard !items.isEmpty else { throw node.error("an empty list of resources matches nothing: name at least one, or leave resource out to match every resource") }
        var result: [String] = []
        for item in items {
            let pattern = try item.string()
            guard !pattern.isEmpty else { throw item.error("an empty resource pattern matches nothing") }
            result.append(pattern)
        }
        return result
    }

    /// The longest wait or token lifetime a policy may give: a year.
    static let maxDurationSeconds = 366.0 * 86_400

    private static func positive(_ value: Double, _ node: ConfigNode) throws(ConfigError) -> Double {
        guard value > 0 else { throw node.error("must be longer than zero") }
        guard value <= maxDurationSeconds else { throw node.error("must be at most 366d") }
        return value
    }

    private static func parseRule(_ node: ConfigNode, index: Int, policy: GatePolicy) throws(ConfigError) -> Rule {
        let members = try node.members(allowed: ["name", "action", "resource", "when", "decision", "approvals", "approvers", "wait", "tokenTTL", "reason"])
        let actions = try patterns(try members.required("action"), of: "action")
        let decisionNode = try members.required("decision")
        let decisionText = try decisionNode.string()
        guard let decision = Decision(rawValue: decisionText) else {
            var message = "unknown decision \"\(decisionText)\""
            if let close = ConfigError.closest(to: decisionText, in: ["allow", "deny", "require_approval"]) { message += ": did you mean \"\(close)\"?" } else { message += ": use allow, deny or require_approval" }
            throw decisionNode.error(message)
        }
        var inheritsTags: [String] = []
        if let when = members["when"] {
            let conditions = try when.members(allowed: ["inheritsTags"])
            inheritsTags = try conditions["inheritsTags"].map { (node) throws(ConfigError) in try patterns(node, of: "tag", wildcards: false) } ?? []
        }
        let approvers = try members["approvers"]?.strings() ?? []
        for name in approvers where policy.groups[name] == nil {
            guard Actor.kindPrefix(of: name) != nil, (try? NodeID(name)) != nil else {
                let known = policy.groups.keys.sorted()
                var message = "approvers names \"\(name)\", which is neither a group nor an identity"
                if let close = ConfigError.closest(to: name, in: known) { message += ": did you mean \"\(close)\"?" }
                throw members.node.error(message)
            }
            if Actor.kindPrefix(of: name) == .agent { throw members.node.error("an agent can never approve: remove \(name) from approvers") }
        }
        let approvals = try members["approvals"]?.integer(in: 1...100) ?? 1
        if decision == .requireApproval, !approvers.isEmpty {
            // As the gate counts them: distinct people (one spelling of a name or another),
            // humans only, and not excluded from every action of the rule.
            let named = approvers.flatMap { policy.groups[$0].map(Array.init) ?? [$0] }
            let humans = named.compactMap { id -> NodeID? in Actor.kindPrefix(of: id) == .human ? try? NodeID(id) : nil }
            // For each action the rule names: whoever neverApprove excludes from it does not count.
            for action in actions {
                let people = Set(humans.filter { !policy.isExcluded($0, from: action) }.map(\.identityKey))
                guard people.count >= approvals else {
                    throw members.node.error(
                        "the rule needs \(approvals) distinct approvers but its approvers hold only \(people.count) people who may approve \(action) (agents, services and neverApprove exclusions do not count)"
                    )
                }
            }
        }
        var waitSeconds = policy.defaultWaitSeconds
        if let value = members["wait"] { waitSeconds = try positive(value.duration(), value) }
        var tokenSeconds = policy.defaultTokenSeconds
        if let value = members["tokenTTL"] { tokenSeconds = try positive(value.duration(), value) }
        return Rule(
            name: try members["name"]?.string() ?? "rule \(index + 1)", actions: actions, resources: try members["resource"].map { (node) throws(ConfigError) in try resourcePatterns(node) } ?? [],
            inheritsTags: inheritsTags, decision: decision, approvals: approvals, approvers: approvers,
            waitSeconds: waitSeconds, tokenSeconds: tokenSeconds,
            reason: try members["reason"]?.string(), line: node.line
        )
    }
}
