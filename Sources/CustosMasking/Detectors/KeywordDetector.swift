/// Secrets named by their key: `password=…`, `"api_key": "…"`, `secret: …` (YAML),
/// `X-Api-Key: …` (headers), `--token=…` (flags); high-entropy values of weaker keys
/// (`key`, `signature`, …); and the password in `scheme://user:password@host`.
///
/// Found at the separator (`=` or `:`): the key is read backwards from there, the value
/// forwards, quoted or not. Only the value is reported, so that masking keeps keys and
/// structure.
extension TextScanner {
    /// How a key names a secret.
    enum KeyStrength {
        /// Any value is a secret: password, token, secret, api_key, …
        case strong
        /// A value is a secret when it looks random enough: key, signature, credential, …
        case weak
    }

    /// Keys (lower case) whose value is a secret whatever it looks like; a key matches when it
    /// ends with one of these after a boundary (`db_password`, `client-secret`, `dbPassword`).
    private static let strongKeys: [[UInt8]] = [
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "api_key", "api-key",
        "accesskey", "access_key", "secretkey", "secret_key", "privatekey", "private_key", "clientsecret",
        "client_secret", "authtoken", "auth_token", "accesstoken", "access_token", "refreshtoken", "refresh_token",
        "sessiontoken", "session_token", "secret_access_key", "credentials", "connectionstring", "connection_string",].map { Array($0.utf8) }

    /// Bit n set: some key of interest ends in the letter `a` + n.
    /// (d, s, e, t, n, y, g, h, l, c: a constant, so that reading it costs no lazy initialization)
    private static let lastLetters: UInt32 = 1 << 3 | 1 << 18 | 1 << 4 | 1 << 19 | 1 << 13 | 1 << 24 | 1 << 6 | 1 << 7 | 1 << 11 | 1 << 2
    private static let authorization = Array("authorization".utf8)
    private static let secretAccessKey = Array("secret_access_key".utf8)

    private static let weakKeys: [[UInt8]] = ["key", "auth", "credential", "signature", "sig", "cookie", "session", "sessionid", "salt", "hmac"].map { Array($0.utf8) }

    /// Keys ending like a secret key that hold public or harmless values.
    private static let harmlessKeys: [[UInt8]] = [
        "public_key", "publickey", "public-key", "keyboard", "primary_key", "foreign_key", "sort_key", "partition_key",
        "idempotency_key", "cache_key", "routing_key", "token_type", "max_tokens", "bypass", "compass", "pass_through",].map { Array($0.utf8) }

    /// The key before the separator at `i`: where it starts and ends.
    private func keyBefore(_ i: Int) -> Range<Int>? {
        // `key=`, `"key":`, `key =` and `"key" : ` (Jackson's pretty printer): spaces, then a
        // closing quote, then spaces again.
        var end = i
        while end > 0 && i - end < 3 && p[end - 1] == UInt8(ascii: " ") { end -= 1 }
        if end > 0 && (p[end - 1] == UInt8(ascii: "\"") || p[end - 1] == UInt8(ascii: "'")) { end -= 1 }
        while end > 0 && i - end < 6 && p[end - 1] == UInt8(ascii: " ") { end -= 1 }
        // Every key of interest ends in one of these letters; most separators (times, ports) do not.
        guard end > 0, isLower(end - 1) || isUpper(end - 1), Self.lastLetters & (1 << UInt32(lower(end - 1) &- UInt8(ascii: "a"))) != 0 else { return nil }
        var start = end
        while start > 0 && end - start < 64 && (isAlphanumeric(start - 1) || p[start - 1] == UInt8(ascii: "_") || p[start - 1] == UInt8(ascii: "-") || p[start - 1] == UInt8(ascii: ".")) {
            start -= 1
        }
        guard end - start >= 2 else { return nil }
        return start..<end
    }

    /// True when the key ends with `suffix` (lower case), in any case.
    private func key(_ key: Range<Int>, endsWith suffix: [UInt8]) -> Bool {
        guard key.count >= suffix.count else { return false }
        let offset = key.upperBound - suffix.count
        // From the end: most keys differ from most suffixes in the last letters.
        var k = suffix.count - 1
        while k >= 0 {
            if lower(offset + k) != suffix[k] { return false }
            k -= 1
        }
        return true
    }

    /// The keyword lists by their last letter, so that a key is compared only with the
    /// keywords it could end with.
    private static let strongByLast = byLastLetter(strongKeys)
    private static let weakByLast = byLastLetter(weakKeys)
    private static let harmlessByLast = byLastLetter(harmlessKeys)

    private static func byLastLetter(_ words: [[UInt8]]) -> [[[UInt8]]] {
        var buckets = [[[UInt8]]](repeating: [], count: 26)
        for word in words {
            guard let last = word.last, last &- UInt8(ascii: "a") < 26 else { continue }
            buckets[Int(last - UInt8(ascii: "a"))].append(word)
        }
        return buckets
    }

    /// How the key names a secret, if it does.
    private func strength(of key: Range<Int>) -> KeyStrength? {
        let bucket = Int(lower(key.upperBound - 1) &- UInt8(ascii: "a"))
        guard bucket < 26 else { return nil }
        for harmless in Self.harmlessByLast[bucket] where self.key(key, endsWith: harmless) { return nil }
        func endsAtBoundary(_ suffix: [UInt8]) -> Bool {
            guard self.key(key, endsWith: suffix) else { return false }
            let start = key.upperBound - suffix.count
            guard start > key.lowerBound else { return true }
            // Long names of secrets count without one: PGPASSWORD, newpassword, adminsecret.
            if suffix.count >= 6 && Self.strongByLast[bucket].contains(where: { $0 == suffix }) { return true }
            let before = p[start - 1]
            if before == UInt8(ascii: "_") || before == UInt8(ascii: "-") || before == UInt8(ascii: ".") { return true }
            // camelCase: dbPassword
            return isUpper(start) && isLower(start - 1)
        }
        if Self.strongByLast[bucket].contains(where: endsAtBoundary) { return .strong }
        if Self.weakByLast[bucket].contains(where: endsAtBoundary) { return .weak }
        return nil
    }

    /// True when the key holds `part` (lower case) anywhere.
    private func key(_ key: Range<Int>, contains part: StaticString) -> Bool {
        let count = part.utf8CodeUnitCount
        guard key.count >= count else { return false }
        for start in key.lowerBound...(key.upperBound - count) where matchesIgnoringCase(part, at: start) { return true }
        return false
    }

    mutating func keywordValue(separator i: Int) -> Int {
        guard let key = keyBefore(i) else { return i + 1 }
        guard let strength = strength(of: key) else {
            if self.key(key, endsWith: Self.authorization) { return authorizationHeader(separator: i) }
            return i + 1
        }
        // The value: after `=`, `:`, `=>`, `:=` and spaces; quoted or bare. A strong key's
        // value is read as far as the scanner may look, and masked whole however long it is:
        // a secret too long to read to its end is masked as far as it was read (fail closed).
        let strong = strength == .strong
        let limit = horizon(i, strong ? Self.lookAhead : 1_100)
        var s = i + 1
        if s < limit && (p[s] == UInt8(ascii: ">") || (p[i] == UInt8(ascii: ":") && p[s] == UInt8(ascii: "="))) { s += 1 }
        while s < limit && (p[s] == UInt8(ascii: " ") || p[s] == UInt8(ascii: "\t")) { s += 1 }
        guard s < limit else { return i + 1 }
        var end = s
        var quoted = false
        if p[s] == UInt8(ascii: "\"") || p[s] == UInt8(ascii: "'") {
            let quote = p[s]
            quoted = true
            s += 1
            end = s
            while end < limit && p[end] != quote && p[end] != UInt8(ascii: "\n") {
                if p[end] == UInt8(ascii: "\\") { end += 1 }
                end += 1
            }
            end = min(end, limit)
            guard strong || (end < limit && p[end] == quote) else { return i + 1 }
        } else if p[i] == UInt8(ascii: ":") {
            // YAML and headers: to the end of the line, or of the flow item, or of the quoted
            // string the key stood in (`{"note": "password: hunter2"}` keeps its closing quote).
            while end < limit && p[end] != UInt8(ascii: "\n") && p[end] != UInt8(ascii: "\r") && p[end] != UInt8(ascii: ",")
                && (p[end] != UInt8(ascii: "\"") || (end > s && isEscapeBackslash(end - 1)))
                && p[end] != UInt8(ascii: "}") && p[end] != UInt8(ascii: "]") && !(p[end] == UInt8(ascii: "#") && end > s && p[end - 1] == UInt8(ascii: " ")) {
                end += 1
            }
            while end > s && (p[end - 1] == UInt8(ascii: " ") || p[end - 1] == UInt8(ascii: "\t")) { end -= 1 }
        } else {
            // key=value: to white space or a delimiter.
            while end < limit {
                let byte = p[end]
                if byte <= 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"")
                    || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "<") {
                    break
                }
                end += 1
            }
        }
        guard end > s, strong || end - s <= 1_024, !isPlaceholder(s, end) else { return i + 1 }
        // A PEM private-key block is the private-key detector's, which finds where it ends.
        if isPrivateKeyHeader(at: s) { return i + 1 }
        // A JSON object or array as the value is structure, not a secret.
        if !quoted && (p[s] == UInt8(ascii: "{") || p[s] == UInt8(ascii: "[")) { return i + 1 }
        switch strength {
        case .strong:
            let isAWS = self.key(key, contains: "aws") || self.key(key, endsWith: Self.secretAccessKey)
            if isAWS && end - s == 40 && (s..<end).allSatisfy({ isAlphanumeric($0) || p[$0] == UInt8(ascii: "/") || p[$0] == UInt8(ascii: "+") }) {
                emit(.awsSecretAccessKey, s, end, "aws", 0.97)
            } else {
                emit(.password, s, end, "keyword", 0.9)
            }
        case .weak:
            guard end - s >= 16, !isUUID(s, end), isHighEntropy(s, end) else { return i + 1 }
            emit(.highEntropySecret, s, end, "entropy", 0.85)
        }
        // The value may hold something more specific (a GitHub token): scan it too, unless it
        // is long, where every separator inside would read it again (`pass=pass=…`).
        return end - s > 1_100 ? end : i + 1
    }

    /// `Authorization: Token abc…` (the Bearer and Basic schemes are found by their word).
    private mutating func authorizationHeader(separator i: Int) -> Int {
        marks.authorization = base + i
        let limit = horizon(i, 64)
        var s = i + 1
        while s < limit && (p[s] == UInt8(ascii: " ") || p[s] == UInt8(ascii: "\"")) { s += 1 }
        var e = s
        while e < limit && isLetter(e) { e += 1 }
        if wordIs("token", s, e) || wordIs("apikey", s, e) || wordIs("key", s, e) || wordIs("digest", s, e) {
            return max(i + 1, authorizationCredential(scheme: s, end: e))
        }
        return i + 1
    }

    /// Values that stand in for a secret rather than being one: empty markers, masks already
    /// applied (`<PASSWORD>`, `[REDACTED]`, `****`), references (`${DB_PASSWORD}`, `$TOKEN`).
    private func isPlaceholder(_ s: Int, _ e: Int) -> Bool {
        let first = p[s]
        let last = p[e - 1]
        if first == UInt8(ascii: "<") && last == UInt8(ascii: ">") { return true }
        // A mask this masker wrote (`<PRIVATE_KEY>`, `<EMAIL:5f0c…>`), whatever follows it.
        if first == UInt8(ascii: "<"), let close = (s + 1..<e).first(where: { p[$0] == UInt8(ascii: ">") }),
           close > s + 1, (s + 1..<close).allSatisfy({ isUpper($0) || isDigit($0) || p[$0] == UInt8(ascii: "_") || p[$0] == UInt8(ascii: ":") || isHex($0) }) {
            return true
        }
        if first == UInt8(ascii: "[") && last == UInt8(ascii: "]") { return true }
        if first == UInt8(ascii: "$") || (first == UInt8(ascii: "{") && e - s > 1 && p[s + 1] == UInt8(ascii: "{")) { return true }
        if first == UInt8(ascii: "%") && e - s <= 3 { return true }
        if (s..<e).allSatisfy({ p[$0] == UInt8(ascii: "*") || p[$0] == UInt8(ascii: "x") || p[$0] == UInt8(ascii: "X") }) { return true }
        let words: [StaticString] = ["null", "none", "nil", "true", "false", "undefined", "redacted", "masked", "hidden", "n/a", "required", "optional", "string"]
        return words.contains { wordIs($0, s, e) }
    }

    /// 8-4-4-4-12 hex digits: an identifier, not a key, when a weak key names it.
    private func isUUID(_ s: Int, _ e: Int) -> Bool {
        guard e - s == 36 else { return false }
        for k in 0..<36 {
            let i = s + k
            if k == 8 || k == 13 || k == 18 || k == 23 {
                guard p[i] == UInt8(ascii: "-") else { return false }
            } else {
                guard isHex(i) else { return false }
            }
        }
        return true
    }

    /// Shannon entropy above the thresholds the common secret scanners use: 3.0 bits per
    /// byte for hex strings, 4.0 (below 4.5 for short strings, which cannot reach it) for
    /// anything else.
    func isHighEntropy(_ s: Int, _ e: Int) -> Bool {
        let bits = Checksums.entropy(UnsafeBufferPointer(start: p + s, count: e - s))
        if (s..<e).allSatisfy(isHex) { return bits >= 3.0 }
        return bits >= (e - s >= 32 ? 4.5 : 4.0)
    }

    // MARK: URLs

    /// `scheme://user:password@host`: the password.
    mutating func urlCredentials(at colon: Int) -> Int {
        guard colon >= 2, isLetter(colon - 1) else { return colon + 3 }
        let limit = horizon(colon, 512)
        var end = colon + 3
        var at: Int?
        var userColon: Int?
        while end < limit {
            let byte = p[end]
            if byte <= 0x20 || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") {
                break
            }
            if byte == UInt8(ascii: "@") { at = end }
            if byte == UInt8(ascii: ":") && at == nil && userColon == nil { userColon = end }
            end += 1
        }
        guard let at, let userColon, userColon < at, at - userColon > 1 else { return colon + 3 }
        guard !isPlaceholder(userColon + 1, at) else { return colon + 3 }
        emit(.urlPassword, userColon + 1, at, "url", 0.97)
        // The password may be a token of a known kind: scan it too.
        return colon + 3
    }
}
