/// ASCII-only reading of header values. HTTP's optional whitespace is spaces and tabs and its
/// tokens are case-insensitive ASCII, so Foundation's Unicode-aware trimming and searching are
/// not needed, and on every request they cost about 5% of the server's CPU.
enum HeaderText {
    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> Substring {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, isSpace(text.utf8[start]) { start = text.utf8.index(after: start) }
        while end > start, isSpace(text.utf8[text.utf8.index(before: end)]) { end = text.utf8.index(before: end) }
        return text[start..<end]
    }

    /// Whether `text` equals `lowercased` when ASCII letters are compared without case.
    static func equalsIgnoringCase(_ text: Substring, _ lowercased: StaticString) -> Bool {
        let word = UnsafeRawBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        guard text.utf8.count == word.count else { return false }
        return zip(text.utf8, word).allSatisfy { lower($0) == $1 }
    }

    /// Whether `text` holds `lowercased` somewhere, ASCII letters compared without case.
    static func contains(_ text: String, _ lowercased: StaticString) -> Bool {
        let word = UnsafeRawBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        let bytes = Array(text.utf8)
        guard !word.isEmpty, bytes.count >= word.count else { return word.isEmpty }
        for start in 0...(bytes.count - word.count) where (0..<word.count).allSatisfy({ lower(bytes[start + $0]) == word[$0] }) {
            return true
        }
        return false
    }

    /// The credential of `Authorization: <scheme> <credential>` when the scheme is `expected`
    /// (any case); nil when the header has another scheme or no credential.
    static func credential(of header: String, scheme expected: StaticString) -> Substring? {
        let value = trimmed(header[...])
        guard let space = value.utf8.firstIndex(where: isSpace) else { return nil }
        guard equalsIgnoringCase(value[..<space], expected) else { return nil }
        let credential = trimmed(value[space...])
        return credential.isEmpty ? nil : credential
    }

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
