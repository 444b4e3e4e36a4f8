/// Values recognised by the words before them: dates of birth after "DOB" or "born",
/// passport and driver's licence numbers after their names, person names after "Dear",
/// "Mr.", "patient" or a `name` key, and credentials after "Bearer" or "Basic".
///
/// These formats are too common to flag on their own (every log line has a date); the
/// context word is what makes them personal data, so each search starts at the context word
/// and looks a short way ahead.
extension TextScanner {
    /// Skips what usually sits between a label and its value: `: `, ` = `, `"`, `#`, `no.`.
    private func skipLabelSeparators(_ i: Int, limit: Int) -> Int {
        var j = i
        while j < limit {
            switch p[j] {
            case UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "#"), UInt8(ascii: "\t"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ">"):
                j += 1
            default:
                return j
            }
        }
        return j
    }

    /// Skips filler words between a label and its value ("of", "number", "no", "date", …).
    private func skipFillerWords(_ i: Int, limit: Int) -> Int {
        var j = skipLabelSeparators(i, limit: limit)
        for _ in 0..<3 {
            var k = j
            while k < limit && isLetter(k) { k += 1 }
            guard k > j else { break }
            let fillers: [StaticString] = ["of", "number", "no", "num", "nr", "id", "date", "is", "license", "licence", "card", "state"]
            guard fillers.contains(where: { wordIs($0, j, k) }) else { break }
            j = skipLabelSeparators(k, limit: limit)
        }
        return j
    }

    mutating func dateOfBirth(after e: Int) {
        let limit = horizon(e, 40)
        let s = skipFillerWords(e, limit: limit)
        guard s < limit, isDigit(s) else { return }
        let groups = digitGroups(from: s)
        guard groups.count >= 3 else { return }
        let (a, b, c) = (groups.length(0), groups.length(1), groups.length(2))
        let separator = groups.separator(0)
        guard separator == groups.separator(1), separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else { return }
        let first = value(s, a)
        let second = value(groups.groupStart(1), b)
        let third = value(groups.groupStart(2), c)
        let valid: Bool
        if a == 4 && b <= 2 && c <= 2 {
            valid = (1900...2100).contains(first) && (1...12).contains(second) && (1...31).contains(third)
        } else if a <= 2 && b <= 2 && c == 4 {
            valid = (1900...2100).contains(third) && (1...31).contains(first) && (1...31).contains(second) && (first <= 12 || second <= 12)
        } else {
            valid = false
        }
        let end = groups.groupEnd(2)
        guard valid, groups.followedByTime || endsClean(end) else { return }
        emit(.dateOfBirth, s, end, "dob-context", 0.9)
    }

    /// US passports: nine digits, or a letter and eight digits.
    mutating func passport(after e: Int) {
        let limit = horizon(e, 40)
        let s = skipFillerWords(e, limit: limit)
        var end = s
        while end < limit && isAlphanumeric(end) { end += 1 }
        let length = end - s
        guard (6...9).contains(length), endsClean(end) else { return }
        let digits = (s..<end).filter(isDigit).count
        guard digits >= length - 1, (s..<end).allSatisfy({ isDigit($0) || isUpper($0) }) else { return }
        emit(.passport, s, end, "passport-context", 0.85)
    }

    /// Driver's licence numbers vary by state: 5 to 13 letters and digits, mostly digits.
    mutating func driversLicense(after e: Int) {
        let limit = horizon(e, 48)
        let s = skipFillerWords(e, limit: limit)
        var end = s
        while end < limit && (isAlphanumeric(end) || (p[end] == UInt8(ascii: "-") && end + 1 < limit && isAlphanumeric(end + 1))) { end += 1 }
        let length = end - s
        guard (5...15).contains(length), endsClean(end) else { return }
        let digits = (s..<end).filter(isDigit).count
        guard digits >= 4, digits * 2 >= length, (s..<end).allSatisfy({ isDigit($0) || isUpper($0) || p[$0] == UInt8(ascii: "-") }) else { return }
        emit(.driversLicense, s, end, "license-context", 0.8)
    }

    /// Keys ending in "name" that do not name people.
    private static let impersonalNameKeys: [StaticString] = [
        "host", "file", "path", "db", "type", "user", "table", "column", "field", "schema", "class", "package", "app",
        "service", "job", "dataset", "bucket", "domain", "server", "node", "key", "bundle", "queue", "topic", "index",
        "container", "image", "device", "namespace", "event", "metric", "object", "project", "role", "group", "dns",
    ]

    /// One to three capitalized words after a title ("Dear Ms. Ana Lima") or a name label
    /// ("patient: John Smith", `"customer_name": "Ana Lima"`).
    mutating func personName(after e: Int, title: Bool) {
        let limit = horizon(e, 96)
        var s = e
        if title {
            if s < limit && p[s] == UInt8(ascii: ".") { s += 1 }
            guard s < limit, p[s] == UInt8(ascii: " ") else { return }
            s += 1
        } else {
            // Which key was it? `hostname`, `filename` and the like are not people.
            var keyStart = e
            while keyStart > 0 && e - keyStart < 64 && (isWord(keyStart - 1)) { keyStart -= 1 }
            let key = keyStart..<(e - 4)
            if !key.isEmpty {
                var prefixEnd = key.upperBound
                while prefixEnd > key.lowerBound && (p[prefixEnd - 1] == UInt8(ascii: "_")) { prefixEnd -= 1 }
                for word in Self.impersonalNameKeys {
                    let count = word.utf8CodeUnitCount
                    if prefixEnd - key.lowerBound >= count, matchesIgnoringCase(word, at: prefixEnd - count) { return }
                }
            }
            s = skipLabelSeparators(e, limit: limit)
            guard s > e || (s < limit && p[s] == UInt8(ascii: " ")) else { return }
            if s < limit && p[s] == UInt8(ascii: " ") { s += 1 }
        }
        var end = s
        var words = 0
        var i = s
        while words < 3 && i < limit {
            guard let wordEnd = capitalizedWord(at: i, limit: limit) else { break }
            words += 1
            end = wordEnd
            // Another word after one space, or after a middle initial's dot.
            var next = wordEnd
            if next < limit && p[next] == UInt8(ascii: ".") && wordEnd - i == 1 { next += 1; end = next }
            guard next + 1 < limit, p[next] == UInt8(ascii: " ") else { break }
            i = next + 1
        }
        guard words >= 1, words >= 2 || title || !isNameStopWord(s, end) else { return }
        guard end >= n || !isWord(end) else { return }
        emit(.personName, s, end, "name-context", words >= 2 ? 0.8 : 0.65)
    }

    /// One capitalized word: an upper-case letter (ASCII, or Latin-1 as UTF-8) and then
    /// lower-case letters, apostrophes or hyphens.
    private func capitalizedWord(at i: Int, limit: Int) -> Int? {
        var j = i
        if j < limit && isUpper(j) {
            j += 1
        } else if j + 1 < limit, p[j] == 0xC3, p[j + 1] >= 0x80, p[j + 1] <= 0x9E {
            j += 2
        } else {
            return nil
        }
        while j < limit {
            if isLower(j) || p[j] >= 0x80 {
                j += 1
            } else if (p[j] == UInt8(ascii: "'") || p[j] == UInt8(ascii: "-")) && j + 1 < limit && isLetter(j + 1) {
                j += 1
            } else {
                break
            }
        }
        return j
    }

    /// Words that follow a name label without being a name: `name: None`, `Name: Unknown`.
    private func isNameStopWord(_ s: Int, _ e: Int) -> Bool {
        let words: [StaticString] = ["none", "null", "unknown", "true", "false", "n", "na", "the", "is", "and", "test"]
        return words.contains { wordIs($0, s, e) }
    }

    /// `Bearer <token>` and `Basic <credentials>`: the credential, not the scheme.
    mutating func authorizationCredential(scheme s: Int, end e: Int) -> Int {
        guard e + 1 < n, p[e] == UInt8(ascii: " ") else { return e }
        let start = e + 1
        let limit = horizon(start, 4_096)
        var end = start
        while end < limit {
            let byte = p[end]
            if isAlphanumeric(end) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") {
                end += 1
            } else {
                break
            }
        }
        while end < limit && p[end] == UInt8(ascii: "=") { end += 1 }
        let isBasic = lower(s) == UInt8(ascii: "b") && wordIs("basic", s, e)
        let afterHeader = ContextMarks.isNear(marks.authorization, base + s)
        guard end - start >= (afterHeader ? 8 : 16) else { return e }
        if isBasic && !afterHeader { return e }
        emit(isBasic ? .basicAuth : .bearerToken, start, end, "authorization", afterHeader ? 0.97 : 0.9)
        // The credential may be a token of a known kind (a JWT): scan it too.
        return e
    }
}
