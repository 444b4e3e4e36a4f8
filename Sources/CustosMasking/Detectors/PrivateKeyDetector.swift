/// PEM private-key blocks (`-----BEGIN RSA PRIVATE KEY-----` … `-----END RSA PRIVATE KEY-----`),
/// over many lines, or over `\n` escapes inside a JSON string (as in cloud service-account
/// files). A block whose end is missing is masked as far as its body goes.
extension TextScanner {
    /// The label of a `-----BEGIN LABEL-----` line at `s` ("RSA PRIVATE KEY", "OPENSSH PRIVATE
    /// KEY", "PGP PRIVATE KEY BLOCK", …): where it ends, and whether it names a private key;
    /// nil when `s` starts no such line.
    func pemLabel(at s: Int) -> (end: Int, isPrivateKey: Bool)? {
        guard matches("-----BEGIN ", at: s) else { return nil }
        let limit = min(n, s + 64)
        var end = s + 11
        while end < limit && (isUpper(end) || isDigit(end) || p[end] == UInt8(ascii: " ")) { end += 1 }
        guard matches("-----", at: end) else { return nil }
        return (end, String(decoding: UnsafeBufferPointer(start: p + s + 11, count: end - s - 11), as: UTF8.self).contains("PRIVATE KEY"))
    }

    /// True when `s` starts a `-----BEGIN … PRIVATE KEY-----` line, which this detector takes.
    func isPrivateKeyHeader(at s: Int) -> Bool {
        pemLabel(at: s)?.isPrivateKey == true
    }

    mutating func privateKeyBlock(at s: Int) -> Int {
        guard s + 1 < n, p[s + 1] == UInt8(ascii: "-") else { return s + 1 }
        guard matches("-----BEGIN ", at: s) else {
            var i = s + 1
            while i < n && p[i] == UInt8(ascii: "-") && i - s < 64 { i += 1 }
            return i
        }
        let limit = horizon(s)
        guard let (labelEnd, isPrivateKey) = pemLabel(at: s) else { return s + 11 }
        guard isPrivateKey else { return labelEnd + 5 }
        let bodyStart = labelEnd + 5
        // The matching end line. Where an earlier search found none, none starts: text full of
        // BEGIN lines is searched once, not 16 KiB again for each.
        var i = max(bodyStart, pemSearchedWithoutEnd)
        while i + 9 <= limit {
            if p[i] == UInt8(ascii: "-"), matches("-----END ", at: i) {
                var end = i + 9
                while end < limit && p[end] != UInt8(ascii: "-") && end - i < 80 { end += 1 }
                guard matches("-----", at: end) else { break }
                end += 5
                emit(.privateKey, s, end, "pem", 0.99)
                return end
            }
            i += 1
        }
        pemSearchedWithoutEnd = max(pemSearchedWithoutEnd, i)
        // No end within reach: the body is what looks like base64 and headers.
        var end = bodyStart
        while end < limit {
            let byte = p[end]
            if isAlphanumeric(end) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ",")
                || byte == UInt8(ascii: "-") {
                end += 1
            } else {
                break
            }
        }
        while end > bodyStart && (p[end - 1] == UInt8(ascii: "\n") || p[end - 1] == UInt8(ascii: " ") || p[end - 1] == UInt8(ascii: "\r")) { end -= 1 }
        emit(.privateKey, s, end, "pem", 0.95)
        return end
    }
}
