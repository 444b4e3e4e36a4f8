/// Email addresses, found at their `@`: the local part before it, a dotted domain after it
/// with an alphabetic top-level label.
extension TextScanner {
    /// File extensions that follow `@` in names like `icon@2x.png`, not domains.
    private static let fileExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "css", "js", "ts", "map", "json", "xml",
        "txt", "md", "html", "htm", "pdf", "zip", "gz", "tar", "mp3", "mp4", "mov", "avi", "woff", "woff2", "ttf",
    ]

    @inline(__always)
    private func isLocalPartByte(_ i: Int) -> Bool {
        // Bytes of non-ASCII letters count too (internationalized addresses, RFC 6531).
        isAlphanumeric(i) || p[i] >= 0x80 || p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "_") || p[i] == UInt8(ascii: "%")
            || p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")
    }

    private func isLocalPartScalar(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10 || (byte | 0x20) &- UInt8(ascii: "a") < 26 || ".-_%+".utf8.contains(byte)
    }

    mutating func email(at sign: Int) -> Int {
        let at = sign
        // The local part: at most 64 bytes back. In escaped text (JSON) an escape may stand
        // before it or inside it: `\nbob@…` starts at `bob`, and `bob\u002Btag@…` (a `+`
        // escaped by .NET's encoder) takes the escape in, so no part of the address is left.
        var s = at
        var afterEscape = false
        while true {
            while s > 0 && at - s < 64 && isLocalPartByte(s - 1) { s -= 1 }
            guard s > 0, isEscapeBackslash(s - 1), escapeBodyLength(at: s) > 0 else { break }
            if let scalar = escapedScalar(at: s - 1), scalar < 0x80, isLocalPartScalar(UInt8(scalar)), at - s < 64 {
                s -= 1
                continue
            }
            s += escapeBodyLength(at: s)
            afterEscape = true
            break
        }
        guard s < at else { return at + 1 }
        guard s < at, p[s] != UInt8(ascii: "."), p[at - 1] != UInt8(ascii: ".") else { return at + 1 }
        if s > 0 && !afterEscape && (isWord(s - 1) || p[s - 1] == UInt8(ascii: "@")) { return at + 1 }
        // user:password@host in a URL is a credential, not an address.
        if s > 0 && p[s - 1] == UInt8(ascii: ":") {
            var k = s - 1
            while k > 0 && s - k < 128 && p[k - 1] != UInt8(ascii: " ") && p[k - 1] != UInt8(ascii: "/") { k -= 1 }
            if k >= 3 && p[k - 1] == UInt8(ascii: "/") && p[k - 2] == UInt8(ascii: "/") && p[k - 3] == UInt8(ascii: ":") { return at + 1 }
        }
        for i in s..<at - 1 where p[i] == UInt8(ascii: ".") && p[i + 1] == UInt8(ascii: ".") { return at + 1 }

        // The domain: labels of letters, digits and hyphens, joined by dots.
        let limit = horizon(at, 254)
        var i = at + 1
        var labels = 0
        var lastLabel = i..<i
        var end = i
        while i < limit {
            let start = i
            while i < limit && (isAlphanumeric(i) || p[i] == UInt8(ascii: "-") || p[i] >= 0x80) { i += 1 }
            guard i > start, i - start <= 63, p[start] != UInt8(ascii: "-"), p[i - 1] != UInt8(ascii: "-") else { break }
            labels += 1
            lastLabel = start..<i
            end = i
            guard i + 1 < limit, p[i] == UInt8(ascii: "."), isAlphanumeric(i + 1) else { break }
            i += 1
        }
        guard labels >= 2, lastLabel.count >= 2, lastLabel.allSatisfy(isLetter) else { return at + 1 }
        guard end >= n || !(isWord(end) || p[end] == UInt8(ascii: "@")) else { return at + 1 }
        let tld = String(decoding: UnsafeBufferPointer(start: p + lastLabel.lowerBound, count: lastLabel.count), as: UTF8.self).lowercased()
        if labels == 2 && Self.fileExtensions.contains(tld) { return at + 1 }
        emit(.email, s, end, "email", 0.95)
        return end
    }
}
