/// Turns LQL text into tokens, each with its line and column. Comments run from `--` to the
/// end of the line.
struct Lexer {
    let source: String
    private let characters: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ source: String) {
        self.source = source
        self.characters = Array(source)
    }

    /// The next token; `.end` once the text is used up (and again on every later call).
    mutating func nextToken() throws(LQLError) -> Token {
        skipSpaceAndComments()
        let start = SourceLocation(line: line, column: column, offset: index)
        guard index < characters.count else { return Token(kind: .end, location: start, length: 1) }
        let kind = try next(at: start)
        return Token(kind: kind, location: start, length: index - start.offset)
    }

    private mutating func next(at start: SourceLocation) throws(LQLError) -> Token.Kind {
        let character = characters[index]
        if character == "\"" || character == "'" { return .string(try string(quote: character, at: start)) }
        if character == "$" {
            advance()
            let name = take { $0.isLetter || $0.isNumber || $0 == "_" }
            guard !name.isEmpty else { throw LQLError("expected a parameter name after '$'", at: start, in: source) }
            return .parameter(name)
        }
        if character.isNumber {
            // A date (YYYY-MM-DD…) or a number.
            if let date = dateLiteral() { return .time(date) }
            let digits = take { $0.isNumber || $0 == "." }
            guard let number = Double(digits) else { throw LQLError("\"\(digits)\" is not a number", at: start, length: digits.count, in: source) }
            return .number(number)
        }
        if character == "-", index + 1 < characters.count, characters[index + 1].isNumber {
            advance()
            let digits = take { $0.isNumber || $0 == "." }
            let unit = take(\.isLetter)
            if unit.isEmpty, let number = Double(digits) { return .number(-number) }
            guard ["d", "h", "m", "w", "s"].contains(unit.lowercased()), !digits.contains(".") else {
                throw LQLError("expected a relative time like -30d (days), -12h, -15m, -90s or -2w", at: start, length: 1 + digits.count + unit.count, in: source)
            }
            return .relativeTime("-" + digits + unit.lowercased())
        }
        if character.isLetter || character == "_" {
            return .word(take { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" })
        }
        for symbol in ["!=", "<=", ">=", "=", "<", ">", "(", ")", ",", ";"] where matches(symbol) {
            for _ in symbol { advance() }
            return .symbol(symbol)
        }
        throw LQLError("unexpected character '\(character)'", at: start, in: source)
    }

    private mutating func string(quote: Character, at start: SourceLocation) throws(LQLError) -> String {
        advance()
        var value = ""
        while index < characters.count {
            let character = characters[index]
            if character == quote {
                advance()
                return value
            }
            if character == "\n" { break }
            if character == "\\" {
                advance()
                guard index < characters.count else { break }
                let escaped = characters[index]
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\", "\"", "'": value.append(escaped)
                default: throw LQLError("unknown escape \\\(escaped) in a string", at: SourceLocation(line: line, column: column - 1, offset: index - 1), length: 2, in: source)
                }
                advance()
                continue
            }
            value.append(character)
            advance()
        }
        throw LQLError("unterminated string: close it with \(quote)", at: start, in: source)
    }

    /// `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]][Z|±HH:MM]`.
    private mutating func dateLiteral() -> String? {
        let pattern = Array("dddd-dd-dd")
        guard index + pattern.count <= characters.count else { return nil }
        for (offset, expected) in pattern.enumerated() {
            let character = characters[index + offset]
            if expected == "d" ? !character.isNumber : character != expected { return nil }
        }
        var end = index + pattern.count
        if end < characters.count, characters[end] == "T" || characters[end] == "t" {
            end += 1
            while end < characters.count, characters[end].isNumber || ":.Zz+-".contains(characters[end]) { end += 1 }
        }
        let text = String(characters[index..<end])
        while index < end { advance() }
        return text
    }

    private mutating func skipSpaceAndComments() {
        while index < characters.count {
            if characters[index].isWhitespace {
                advance()
            } else if matches("--") {
                // "\r\n" is one Character in Swift, so the test is isNewline, not == "\n".
                while index < characters.count, !characters[index].isNewline { advance() }
            } else {
                return
            }
        }
    }

    private func matches(_ text: String) -> Bool {
        var position = index
        for character in text {
            guard position < characters.count, characters[position] == character else { return false }
            position += 1
        }
        return true
    }

    private mutating func take(_ predicate: (Character) -> Bool) -> String {
        var taken = ""
        while index < characters.count, predicate(characters[index]) {
            taken.append(characters[index])
            advance()
        }
        return taken
    }

    private mutating func advance() {
        if characters[index].isNewline {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }
}
