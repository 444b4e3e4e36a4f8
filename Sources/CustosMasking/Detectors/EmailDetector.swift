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

    mutating func email(at sign: Int) -> Int {
        let at = sign
        // The local part: at most 64 bytes back.
        var s = at
        while s > 0 && at - s < 64 && isLocalPartByte(s - 1) { s -= 1 }
        guard s < at, p[s] != UInt8(ascii: "."), p[at - 1] != UInt8(ascii: ".") else { return at + 1 }
        if s > 0 && (isWord(s - 1) || p[s - 1] == UInt8(ascii: "@")) { return at + 1 }
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
