/// The detectors' single pass over a window of input.
///
/// The hot loop skips bytes that cannot start anything with one table load each, jumps over
/// whole words, and hands each word or trigger byte (`@ : = - + (`) to the detectors that can
/// start there; each detector reads only a bounded distance around its start. Detectors are
/// plain methods in extensions (one file each, under `Detectors/`), dispatched statically:
/// this loop runs for every byte of every masked payload, and a protocol witness call per
/// word would cost more than the detection itself.
///
/// Positions inside a window are local (0 is the window's first byte); findings carry
/// absolute offsets (`base` + local).
struct TextScanner {
    /// How far before a token a detector may look (an email's local part, the key before `=`).
    static let lookBehind = 512
    /// How far after a token's start a detector may read (a PEM block is the longest).
    static let lookAhead = 16_384
    /// Longer runs of word bytes are cut into pieces of this size.
    static let maxWordLength = 4_096

    let p: UnsafePointer<UInt8>
    let n: Int
    let base: Int
    let classes: UnsafePointer<UInt8>
    /// Held here so that the hot loop does not go through a global's lazy initializer.
    let tables: WordTables
    var marks: ContextMarks
    var findings: [Finding] = []
    /// No `-----END ` line starts before this position (local) after the last PEM search
    /// that found none.
    var pemSearchedWithoutEnd = 0

    init(_ bytes: UnsafeRawBufferPointer, base: Int, marks: ContextMarks) {
        // An empty buffer has no base address; one byte of storage stands in and is never read.
        p = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(ByteClassTable.shared.classes)
        n = bytes.count
        self.base = base
        classes = UnsafePointer(ByteClassTable.shared.classes)
        tables = WordTables.shared
        self.marks = marks
    }

    /// Scans tokens that start in `start..<limit` (later detectors may read up to ``n``);
    /// returns where the next token starts.
    mutating func run(from start: Int, limit: Int) -> Int {
        // Locals, so that the loop keeps them in registers rather than reloading them from self.
        let p = self.p
        let classes = self.classes
        var i = start
        while i < limit {
            let c = classes[Int(p[i])]
            if c == 0 {
                i += 1
            } else if c & ByteClass.word != 0 {
                i = word(at: i)
            } else {
                i = max(i + 1, trigger(at: i))
            }
        }
        return i
    }

    // MARK: Dispatch

    private mutating func word(at s: Int) -> Int {
        let horizon = min(n, s + Self.maxWordLength)
        let p = self.p
        let classes = self.classes
        // A no-break or thin space is a space, though its bytes are above 0x7F.
        if p[s] >= 0xC2, case let space = wideSpaceLength(at: s), space > 0 { return s + space }
        var e = s + 1
        if p[s] &- UInt8(ascii: "0") < 10 {
            // Digits first; a number is a word of digits only.
            while e < horizon && p[e] &- UInt8(ascii: "0") < 10 { e += 1 }
            if e == horizon || classes[Int(p[e])] & ByteClass.word == 0 || isWideSpace(e) {
                return max(e, number(at: s, wordEnd: e))
            }
            while e < horizon && classes[Int(p[e])] & ByteClass.word != 0 && !isWideSpace(e) { e += 1 }
            return max(e, hexWord(at: s, wordEnd: e))
        }
        while e < horizon && classes[Int(p[e])] & ByteClass.word != 0 && !isWideSpace(e) { e += 1 }
        if classes[Int(p[s])] & ByteClass.letter != 0 {
            return max(e, letterWord(at: s, wordEnd: e))
        }
        return e
    }

    private mutating func trigger(at i: Int) -> Int {
        switch p[i] {
        case UInt8(ascii: "@"): return email(at: i)
        case UInt8(ascii: ":"):
            if i + 2 < n, p[i + 1] == UInt8(ascii: "/"), p[i + 2] == UInt8(ascii: "/") { return urlCredentials(at: i) }
            if i + 1 < n, p[i + 1] == UInt8(ascii: ":") {
                if i == 0 || !isWord(i - 1) { return networkAddress(at: i) ?? (i + 2) }
                return i + 2
            }
            return keywordValue(separator: i)
        case UInt8(ascii: "="): return keywordValue(separator: i)
        case UInt8(ascii: "-"): return privateKeyBlock(at: i)
        case UInt8(ascii: "+"): return internationalPhone(at: i)
        case UInt8(ascii: "("): return parenthesizedPhone(at: i)
        case UInt8(ascii: "\\"): return i + 1 + escapeBodyLength(at: i + 1)
        case 0x1B: return controlSequenceEnd(at: i)
        default: return i + 1
        }
    }

    // MARK: Spaces beyond ASCII

    /// The length of a space that is not ASCII at `i`: 2 for the no-break space (U+00A0); 3 for
    /// the figure, punctuation, thin and hair spaces (U+2007 to U+200A) and the narrow no-break
    /// space (U+202F), which word processors and locales put between groups of digits; else 0.
    @inline(__always)
    func wideSpaceLength(at i: Int) -> Int {
        if p[i] == 0xC2 { return i + 1 < n && p[i + 1] == 0xA0 ? 2 : 0 }
        guard p[i] == 0xE2, i + 2 < n, p[i + 1] == 0x80 else { return 0 }
        return (0x87...0x8A).contains(p[i + 2]) || p[i + 2] == 0xAF ? 3 : 0
    }

    /// True when a space that is not ASCII starts at `i`; ASCII bytes cost one comparison.
    @inline(__always)
    func isWideSpace(_ i: Int) -> Bool {
        p[i] >= 0xC2 && wideSpaceLength(at: i) > 0
    }

    /// True when a space that is not ASCII ends just before `i`.
    func wideSpaceEnds(before i: Int) -> Bool {
        (i >= 2 && wideSpaceLength(at: i - 2) == 2) || (i >= 3 && wideSpaceLength(at: i - 3) == 3)
    }

    // MARK: Escapes

    /// The length of an escape's body after its backslash: 5 for `uXXXX`, else 1 (`n`, `t`,
    /// `"`, `\\`, …), so that `paid\n4111…` reads as `paid`, an escape, then a number.
    /// The length of an escape's body after its backslash: 5 for `uXXXX`, 1 for JSON's one-letter
    /// escapes (`n t r b f " \\ /`), 0 when what follows makes no escape (`CORP\alice`, `C:\AKIA…`).
    func escapeBodyLength(at i: Int) -> Int {
        guard i < n else { return 0 }
        if p[i] == UInt8(ascii: "u") { return i + 4 < n && (i + 1...i + 4).allSatisfy(isHex) ? 5 : 0 }
        return Self.escapeLetters.contains(p[i]) ? 1 : 0
    }

    private static let escapeLetters: [UInt8] = Array("ntrbf\"\\/".utf8)

    /// True when the backslash at `i` starts an escape: an odd run of backslashes ends there.
    func isEscapeBackslash(_ i: Int) -> Bool {
        guard i >= 0, i < n, p[i] == UInt8(ascii: "\\") else { return false }
        var k = i
        while k > 0 && p[k - 1] == UInt8(ascii: "\\") { k -= 1 }
        return (i - k) % 2 == 0
    }

    /// The code point of the `\uXXXX` escape whose backslash is at `i`, if it is one.
    func escapedScalar(at i: Int) -> UInt32? {
        guard i + 5 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u"), (i + 2...i + 5).allSatisfy(isHex) else { return nil }
        var value: UInt32 = 0
        for k in i + 2...i + 5 {
            let byte = lower(k)
            value = value << 4 | UInt32(byte &- UInt8(ascii: "0") < 10 ? byte &- UInt8(ascii: "0") : byte &- UInt8(ascii: "a") + 10)
        }
        return value
    }

    /// True when the byte at `k` ends an escape: the letter of `\n`, the last digit of
    /// `\u00e9`, the final byte of a terminal control sequence. What follows starts clean.
    func endsEscape(at k: Int) -> Bool {
        if k >= 1, isEscapeBackslash(k - 1), escapeBodyLength(at: k) == 1 { return true }
        if k >= 5, isEscapeBackslash(k - 5), escapedScalar(at: k - 5) != nil { return true }
        guard (0x40...0x7E).contains(p[k]) else { return false }
        var j = k - 1
        while j > 0 && k - j < 64 && (0x20...0x3F).contains(p[j]) { j -= 1 }
        return j > 0 && p[j] == UInt8(ascii: "[") && p[j - 1] == 0x1B
    }

    /// Past a terminal control sequence (ESC `[` parameters, intermediates, a final byte) that
    /// starts at `i`; past ESC and one byte for other escapes.
    func controlSequenceEnd(at i: Int) -> Int {
        guard i + 1 < n, p[i + 1] == UInt8(ascii: "[") else { return min(n, i + 2) }
        var k = i + 2
        let limit = min(n, i + 64)
        while k < limit && (0x20...0x3F).contains(p[k]) { k += 1 }
        return k < limit && (0x40...0x7E).contains(p[k]) ? k + 1 : k
    }

    // MARK: Helpers for detectors

    @inline(__always) func cls(_ i: Int) -> UInt8 { classes[Int(p[i])] }
    @inline(__always) func isWord(_ i: Int) -> Bool { classes[Int(p[i])] & ByteClass.word != 0 }
    @inline(__always) func isDigit(_ i: Int) -> Bool { p[i] &- UInt8(ascii: "0") < 10 }
    @inline(__always) func isLetter(_ i: Int) -> Bool { classes[Int(p[i])] & ByteClass.letter != 0 }
    @inline(__always) func isUpper(_ i: Int) -> Bool { p[i] &- UInt8(ascii: "A") < 26 }
    @inline(__always) func isLower(_ i: Int) -> Bool { p[i] &- UInt8(ascii: "a") < 26 }
    @inline(__always) func isAlphanumeric(_ i: Int) -> Bool { classes[Int(p[i])] & ByteClass.alphanumeric != 0 }
    @inline(__always) func isHex(_ i: Int) -> Bool { classes[Int(p[i])] & ByteClass.hex != 0 }
    @inline(__always) func lower(_ i: Int) -> UInt8 { isUpper(i) ? p[i] | 0x20 : p[i] }
    @inline(__always) func digit(_ i: Int) -> Int { Int(p[i] &- UInt8(ascii: "0")) }

    /// The farthest a detector starting at `s` may read.
    @inline(__always) func horizon(_ s: Int, _ length: Int = lookAhead) -> Int { min(n, s + min(length, Self.lookAhead)) }

    /// True when the bytes at `i` are `literal`, exactly.
    func matches(_ literal: StaticString, at i: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i >= 0, i + count <= n else { return false }
        let bytes = literal.utf8Start
        for k in 0..<count where p[i + k] != bytes[k] { return false }
        return true
    }

    /// True when the bytes at `i` are `literal` (lower case) in any case.
    func matchesIgnoringCase(_ literal: StaticString, at i: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i >= 0, i + count <= n else { return false }
        let bytes = literal.utf8Start
        for k in 0..<count where lower(i + k) != bytes[k] { return false }
        return true
    }

    /// True when the word `s..<e` is `literal` (lower case) in any case.
    func wordIs(_ literal: StaticString, _ s: Int, _ e: Int) -> Bool {
        e - s == literal.utf8CodeUnitCount && matchesIgnoringCase(literal, at: s)
    }

    /// Nothing word-like touches `i` from the left: not a word byte, and not `.` or `-` that
    /// joins it to an identifier (`ORD-555-…`, `v1.2…`).
    func startsClean(_ i: Int) -> Bool {
        guard i > 0 else { return true }
        if isWord(i - 1) { return endsEscape(at: i - 1) || wideSpaceEnds(before: i) }
        if p[i - 1] == UInt8(ascii: ".") || p[i - 1] == UInt8(ascii: "-") { return i < 2 || !isAlphanumeric(i - 2) }
        return true
    }

    /// Nothing word-like touches `e` from the right.
    func endsClean(_ e: Int) -> Bool {
        guard e < n else { return true }
        if isWord(e) { return wideSpaceLength(at: e) > 0 }
        if p[e] == UInt8(ascii: ".") || p[e] == UInt8(ascii: "-") { return e + 1 >= n || !isAlphanumeric(e + 1) }
        return true
    }

    /// Moves past word bytes from `i`, so that scanning does not restart inside a word.
    func skipWord(_ i: Int) -> Int {
        var j = i
        let limit = horizon(i, Self.maxWordLength)
        while j < limit && isWord(j) { j += 1 }
        return j
    }

    mutating func emit(_ type: EntityType, _ s: Int, _ e: Int, _ detector: String, _ confidence: Double) {
        findings.append(Finding(type: type, range: (base + s)..<(base + e), detector: detector, confidence: min(1, confidence)))
    }
}
