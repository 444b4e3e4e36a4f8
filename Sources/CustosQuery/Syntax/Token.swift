/// Where something is in the query text.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// Line, from 1.
    public let line: Int
    /// Column in characters, from 1.
    public let column: Int
    /// Offset in characters from the start of the text.
    public let offset: Int

    public var description: String { "\(line):\(column)" }
}

/// One lexical token of LQL.
public struct Token: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A bare word: a keyword (`TRACE`), a kind (`transform`), a field (`attributes.rows`).
        case word(String)
        /// A quoted string, its escapes decoded.
        case string(String)
        case number(Double)
        /// A date or date-time: `2026-01-01`, `2026-01-01T09:00:00Z`.
        case time(String)
        /// A time relative to now: `-30d`, `-12h`, `-15m`, `-2w`.
        case relativeTime(String)
        /// `$name`.
        case parameter(String)
        case symbol(String)
        case end
    }

    public let kind: Kind
    public let location: SourceLocation
    /// How many characters of the text the token spans.
    public let length: Int

    /// The word, upper-cased, when the token is a bare word.
    var keyword: String? {
        if case .word(let word) = kind { return word.uppercased() }
        return nil
    }

    public var description: String {
        switch kind {
        case .word(let word): return word
        case .string(let string): return "\"\(string)\""
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .time(let text), .relativeTime(let text): return text
        case .parameter(let name): return "$" + name
        case .symbol(let symbol): return symbol
        case .end: return "the end of the query"
        }
    }
}
