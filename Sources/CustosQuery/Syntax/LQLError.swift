/// A query that cannot run, with where and why: what was expected, what was found, the line
/// with a caret under the spot, and a suggestion for a misspelt keyword.
public struct LQLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public let location: SourceLocation
    public let length: Int
    /// The line of the query the error is on.
    public let sourceLine: String
    /// "did you mean …?", when a keyword was misspelt.
    public let suggestion: String?

    public init(_ message: String, at location: SourceLocation, length: Int = 1, in source: String, suggestion: String? = nil) {
        self.message = message
        self.location = location
        self.length = max(1, length)
        let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        self.sourceLine = location.line - 1 < lines.count ? String(lines[location.line - 1]) : ""
        self.suggestion = suggestion
    }

    /// The error with the line and a caret, as the command line prints it.
    public var description: String {
        var text = "\(message) at \(location)\n  \(sourceLine)\n  " + String(repeating: " ", count: max(0, location.column - 1)) + String(repeating: "^", count: length)
        if let suggestion { text += "\n  did you mean \(suggestion)?" }
        return text
    }
}

/// Damerau–Levenshtein distance, for keyword suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.uppercased()), b = Array(b.uppercased())
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [Int](repeating: 0, count: b.count + 1)
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previousPrevious[j - 2] + 1)
            }
        }
        previousPrevious = previous
        previous = current
    }
    return previous[b.count]
}

/// The closest of `candidates` to `word`, if close enough to be a likely misspelling.
func closest(to word: String, among candidates: [String]) -> String? {
    // A word much longer than every candidate is no misspelling of one; and comparing a long
    // one costs its length times each candidate's.
    guard word.utf8.count <= (candidates.map(\.utf8.count).max() ?? 0) + 3 else { return nil }
    let scored = candidates.map { ($0, editDistance(word, $0)) }.sorted { $0.1 < $1.1 }
    guard let best = scored.first, best.1 > 0, best.1 <= max(1, min(2, word.count / 3)) else { return nil }
    return best.0
}
