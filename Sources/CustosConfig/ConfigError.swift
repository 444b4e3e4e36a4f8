import Yams

/// A configuration file that cannot be used, and where: `policy.yaml:4:12: unknown operator
/// "hide": use redact, placeholder, keep_last or pseudonym`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }

    static func from(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "not valid YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return ConfigError(file: file, line: 1, column: 1, message: "not readable as text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column, message: "keys given twice: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(file: file, line: 1, column: 1, message: "not valid YAML: \(error)")
        }
    }

    /// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let target = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let other = Array(candidate.lowercased())
            // Edit distance where swapping two neighbours costs one (optimal string alignment).
            var table = Array(repeating: Array(repeating: 0, count: other.count + 1), count: target.count + 1)
            for i in 0...target.count { table[i][0] = i }
            for j in 0...other.count { table[0][j] = j }
            if !target.isEmpty && !other.isEmpty {
                for i in 1...target.count {
                    for j in 1...other.count {
                        let cost = target[i - 1] == other[j - 1] ? 0 : 1
                        table[i][j] = Swift.min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                        if i > 1, j > 1, target[i - 1] == other[j - 2], target[i - 2] == other[j - 1] {
                            table[i][j] = Swift.min(table[i][j], table[i - 2][j - 2] + 1)
                        }
                    }
                }
            }
            let distance = table[target.count][other.count]
            if distance <= Swift.max(1, other.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }
}
