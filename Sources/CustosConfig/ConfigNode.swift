import Foundation
import Yams

/// A configuration file (YAML, or JSON, which is YAML too) as a tree that remembers where
/// each value was written, so that every error can name the line and column to fix.
///
/// ```swift
/// let root = try ConfigNode.parse(text, file: "policy.yaml")
/// let members = try root.members(allowed: ["threshold", "types"])
/// let threshold = try members["threshold"]?.number(in: 0...1) ?? 0.5
/// ```
public struct ConfigNode: Sendable {
    public enum Value: Sendable {
        case scalar(String)
        case sequence([ConfigNode])
        /// In file order; keys are unique.
        case mapping([(key: String, node: ConfigNode)])
    }

    public let value: Value
    /// 1-based.
    public let line: Int
    public let column: Int
    /// The file's name, for messages.
    public let file: String

    /// Parses `text`; an empty document is an empty mapping.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError.from(error, file: file)
        } catch {
            throw ConfigError(file: file, line: 1, column: 1, message: "cannot read the file: \(error)")
        }
        guard let root else { return ConfigNode(value: .mapping([]), line: 1, column: 1, file: file) }
        return try ConfigNode(root, file: file)
    }

    init(value: Value, line: Int, column: Int, file: String) {
        self.value = value
        self.line = line
        self.column = column
        self.file = file
    }

    private init(_ node: Node, file: String) throws(ConfigError) {
        self.file = file
        line = node.mark?.line ?? 1
        column = node.mark?.column ?? 1
        switch node {
        case .scalar(let scalar):
            value = .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            for item in sequence { items.append(try ConfigNode(item, file: file)) }
            value = .sequence(items)
        case .mapping(let mapping):
            var members: [(key: String, node: ConfigNode)] = []
            for (key, item) in mapping {
                guard case .scalar(let name) = key else {
                    throw ConfigError(file: file, line: key.mark?.line ?? line, column: key.mark?.column ?? column, message: "a key must be a plain name")
                }
                if members.contains(where: { $0.key == name.string }) {
                    throw ConfigError(file: file, line: key.mark?.line ?? line, column: key.mark?.column ?? column, message: "\"\(name.string)\" is given twice")
                }
                members.append((name.string, try ConfigNode(item, file: file)))
            }
            value = .mapping(members)
        case .alias:
            throw ConfigError(file: file, line: line, column: column, message: "aliases (*name) are not supported here: write the value out")
        }
    }

    /// An error at this node.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, message: message)
    }

    // MARK: Typed reads

    /// The members of a mapping, checking that every key is one of `allowed` (the error names
    /// the closest allowed key).
    public func members(allowed: [String]) throws(ConfigError) -> ConfigMembers {
        guard case .mapping(let members) = value else { throw error("expected a mapping of \(allowed.joined(separator: ", "))") }
        for (key, node) in members where !allowed.contains(key) {
            var message = "unknown setting \"\(key)\""
            if let close = ConfigError.closest(to: key, in: allowed) { message += ": did you mean \"\(close)\"?" } else { message += "; the settings are \(allowed.joined(separator: ", "))" }
            throw ConfigError(file: file, line: node.line, column: max(1, node.column - key.count - 2), message: message)
        }
        return ConfigMembers(node: self, members: members)
    }

    /// The members of a mapping whose keys are free (names of types, of rules, …).
    public func entries() throws(ConfigError) -> [(key: String, node: ConfigNode)] {
        guard case .mapping(let members) = value else { throw error("expected a mapping") }
        return members
    }

    public func sequence() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let items) = value else { throw error("expected a list") }
        return items
    }

    public func string() throws(ConfigError) -> String {
        guard case .scalar(let text) = value else { throw error("expected a single value, not a list or mapping") }
        return text
    }

    /// The items of a list, or this node alone when it is a single value: for checking each
    /// value of a `strings()` list with its own line.
    public func items() throws(ConfigError) -> [ConfigNode] {
        if case .scalar = value { return [self] }
        return try sequence()
    }

    /// A list of strings; a single string counts as a list of one.
    public func strings() throws(ConfigError) -> [String] {
        if case .scalar(let text) = value { return [text] }
        var result: [String] = []
        for item in try sequence() { result.append(try item.string()) }
        return result
    }

    public func number(in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        let text = try string()
        guard let number = Double(text), number.isFinite else { throw error("expected a number, found \"\(text)\"") }
        if let range, !range.contains(number) { throw error("\(text) is out of range: use a number from \(range.lowerBound) to \(range.upperBound)") }
        return number
    }

    public func integer(in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        let text = try string()
        guard let number = Int(text) else { throw error("expected a whole number, found \"\(text)\"") }
        if let range, !range.contains(number) { throw error("\(text) is out of range: use a number from \(range.lowerBound) to \(range.upperBound)") }
        return number
    }

    public func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found \"\(other)\"")
        }
    }

    /// A duration: `90s`, `15m`, `2h`, `1d`, or a number of seconds.
    public func duration() throws(ConfigError) -> Double {
        let text = try string()
        guard let seconds = Self.seconds(in: text) else { throw error("expected a duration such as 30s, 15m, 2h or 1d, found \"\(text)\"") }
        return seconds
    }

    /// The seconds in a duration written as `500ms`, `90s`, `15m`, `2h`, `1d`, `1w` or a plain
    /// number of seconds; nil when `text` is not one. Command-line options use it too.
    public static func seconds(in text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            // Finite after scaling too: 1e308w would otherwise be infinitely long.
            if let value = Double(text.dropLast(suffix.count)), value >= 0, (value * scale).isFinite { return value * scale }
        }
        if let value = Double(text), value >= 0, value.isFinite { return value }
        return nil
    }
}

/// The members of one mapping, read by name.
public struct ConfigMembers: Sendable {
    public let node: ConfigNode
    let members: [(key: String, node: ConfigNode)]

    public subscript(key: String) -> ConfigNode? {
        members.first { $0.key == key }?.node
    }

    /// The member, or an error naming it as required.
    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let found = self[key] else { throw node.error("\"\(key)\" is required here") }
        return found
    }
}
