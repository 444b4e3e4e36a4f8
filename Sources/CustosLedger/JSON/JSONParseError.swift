/// Malformed JSON, with where it went wrong.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, e.g. `expected ',' or '}' after an object member`.
    public let reason: String
    /// Byte offset of the problem in the input.
    public let offset: Int
    /// Line of the problem, from 1.
    public let line: Int
    /// Column of the problem in bytes, from 1.
    public let column: Int

    public init(reason: String, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        "invalid JSON at line \(line), column \(column): \(reason)"
    }
}
