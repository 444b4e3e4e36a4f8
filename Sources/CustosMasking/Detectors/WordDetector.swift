import CustosLedger

/// Words that start with a letter: the fixed prefixes of cloud and SaaS credentials, IBANs,
/// the hex groups of network addresses, and the context words that other detectors listen
/// for ("phone", "ssn", "Dear", "passport", …).
///
/// An ordinary word costs a lookup of its first two bytes in a bitmap of credential prefixes
/// and, when it is short, a lookup of its lower-case hash in a small table of context words.
extension TextScanner {
    mutating func letterWord(at s: Int, wordEnd e: Int) -> Int {
        let length = e - s
        if e < n {
            // fe80::1, aa:bb:cc:dd:ee:ff
            let next = p[e]
            if length <= 4, next == UInt8(ascii: ":") || (length == 2 && next == UInt8(ascii: "-")) || (length == 4 && next == UInt8(ascii: ".")),
               (s..<e).allSatisfy(isHex), startsClean(s),
               let end = networkAddress(at: s) {
                return end
            }
        }
        // DE89 3704 0044 0532 0130 00
        if length >= 4, isUpper(s), isUpper(s + 1), isDigit(s + 2), isDigit(s + 3), startsClean(s), let end = iban(at: s) {
            return end
        }
        if length >= 3, tables.hasCredentialPrefix(p[s], p[s + 1]), let end = prefixedCredential(s, e) {
            return end
        }
        var context = length <= WordTables.maxContextWordLength ? tables.contextWord(p, s, e) : nil
        if context == nil, length > 4, length <= 64 { context = segmentContext(s, e) }
        if let context {
            switch context {
            case .authorization: marks.authorization = base + e
            case .scheme: return authorizationCredential(scheme: s, end: e)
            case .birth: dateOfBirth(after: e)
            case .title: personName(after: e, title: true)
            case .license: driversLicense(after: e)
            case .phone: marks.phone = base + e
            case .card: marks.card = base + e
            case .passport: passport(after: e)
            case .patient: personName(after: e, title: false)
            case .ssn: marks.ssn = base + e
            case .version: marks.version = base + e
            }
        }
        // name, and keys such as customer_name, first_name, fullName that end in "name".
        if length >= 4, lower(e - 1) == UInt8(ascii: "e"), matchesIgnoringCase("name", at: e - 4) { personName(after: e, title: false) }
        return e
    }

    /// The context of a key made of parts (`date_of_birth`, `dateOfBirth`, `phone_number`,
    /// `customer_ssn`): its last part's, else its first part's, for the contexts that name a
    /// value (a birth date, phone, card, passport, SSN, licence, patient).
    private func segmentContext(_ s: Int, _ e: Int) -> WordTables.Context? {
        var firstEnd: Int?
        var lastStart = s
        for i in s + 1..<e {
            if p[i] == UInt8(ascii: "_") {
                firstEnd = firstEnd ?? i
                lastStart = i + 1
            } else if isUpper(i) && isLower(i - 1) {
                firstEnd = firstEnd ?? i
                lastStart = i
            }
        }
        guard let firstEnd else { return nil }
        for (start, end) in [(lastStart, e), (s, firstEnd)] where end - start >= 3 && end - start <= WordTables.maxContextWordLength {
            guard let context = tables.contextWord(p, start, end) else { continue }
            switch context {
            case .birth, .phone, .card, .passport, .ssn, .license, .patient: return context
            default: continue
            }
        }
        return nil
    }

    /// The credential detectors whose prefix starts with the word's first two bytes.
    private mutating func prefixedCredential(_ s: Int, _ e: Int) -> Int? {
        switch p[s] {
        case UInt8(ascii: "A"): return awsAccessKeyID(s, e) ?? googleAPIKey(s)
        case UInt8(ascii: "e"): return jsonWebToken(at: s)
        case UInt8(ascii: "g"): return githubToken(s, e)
        case UInt8(ascii: "h"): return e - s == 5 && matches("hooks", at: s) ? slackWebhook(hooks: s) : nil
        case UInt8(ascii: "x"): return matches("xox", at: s) ? slackToken(s) : nil
        default: return stripeKey(s, e)
        }
    }

    // MARK: Fixed-prefix credentials

    /// AKIA…, ASIA…: four letters then sixteen upper-case letters or digits.
    private mutating func awsAccessKeyID(_ s: Int, _ e: Int) -> Int? {
        guard e - s == 20, startsClean(s), endsClean(e) else { return nil }
        let prefixes: [StaticString] = ["AKIA", "ASIA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA"]
        guard prefixes.contains(where: { matches($0, at: s) }) else { return nil }
        for i in s + 4..<e where !(isUpper(i) || isDigit(i)) { return nil }
        emit(.awsAccessKeyID, s, e, "aws", 0.99)
        return e
    }

    /// AIza and 35 more of `A-Z a-z 0-9 _ -`.
    private mutating func googleAPIKey(_ s: Int) -> Int? {
        guard matches("AIza", at: s), startsClean(s) else { return nil }
        let end = s + 39
        guard end <= n else { return nil }
        for i in s + 4..<end where !(isAlphanumeric(i) || p[i] == UInt8(ascii: "_") || p[i] == UInt8(ascii: "-")) { return nil }
        guard end == n || !(isWord(end) || p[end] == UInt8(ascii: "-")) else { return nil }
        emit(.googleAPIKey, s, end, "google", 0.97)
        return end
    }

    /// ghp_, gho_, ghu_, ghs_, ghr_ and 36 or more letters and digits; github_pat_ and its
    /// fine-grained body.
    private mutating func githubToken(_ s: Int, _ e: Int) -> Int? {
        guard startsClean(s), endsClean(e) else { return nil }
        if matches("github_pat_", at: s) {
            guard e - s >= 11 + 36 else { return nil }
            emit(.githubToken, s, e, "github", 0.99)
            return e
        }
        guard e - s >= 40, e - s <= 255, matches("gh", at: s), p[s + 3] == UInt8(ascii: "_") else { return nil }
        guard [UInt8(ascii: "p"), UInt8(ascii: "o"), UInt8(ascii: "u"), UInt8(ascii: "s"), UInt8(ascii: "r")].contains(p[s + 2]) else { return nil }
        for i in s + 4..<e where !isAlphanumeric(i) { return nil }
        emit(.githubToken, s, e, "github", 0.99)
        return e
    }

    /// xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe- and 10 or more of `A-Z a-z 0-9 -`.
    private mutating func slackToken(_ s: Int) -> Int? {
        guard s + 5 < n, startsClean(s), p[s + 4] == UInt8(ascii: "-") else { return nil }
        switch p[s + 3] {
        case UInt8(ascii: "b"), UInt8(ascii: "p"), UInt8(ascii: "a"), UInt8(ascii: "r"), UInt8(ascii: "s"), UInt8(ascii: "e"), UInt8(ascii: "o"): break
        default: return nil
        }
        var end = s + 5
        let limit = horizon(s, 256)
        while end < limit && (isAlphanumeric(end) || p[end] == UInt8(ascii: "-")) { end += 1 }
        guard end - s >= 15, end >= n || !isWord(end) else { return nil }
        emit(.slackToken, s, end, "slack", 0.97)
        return end
    }

    /// https://hooks.slack.com/services/T…/B…/… (and /workflows/…).
    private mutating func slackWebhook(hooks s: Int) -> Int? {
        guard matches("hooks.slack.com/", at: s) else { return nil }
        var start = s
        if matches("https://", at: s - 8) { start = s - 8 } else if matches("http://", at: s - 7) { start = s - 7 }
        var end = s + 16
        let limit = horizon(s, 256)
        guard matches("services/", at: end) || matches("workflows/", at: end) || matches("triggers/", at: end) else { return nil }
        while end < limit && (isAlphanumeric(end) || p[end] == UInt8(ascii: "/") || p[end] == UInt8(ascii: "_") || p[end] == UInt8(ascii: "-")) { end += 1 }
        guard end - s >= 40 else { return nil }
        emit(.slackWebhook, start, end, "slack", 0.99)
        return end
    }

    /// sk_live_, sk_test_, rk_live_, rk_test_, whsec_ and 16 or more letters and digits.
    private mutating func stripeKey(_ s: Int, _ e: Int) -> Int? {
        let prefixLength: Int
        if matches("sk_live_", at: s) || matches("sk_test_", at: s) || matches("rk_live_", at: s) || matches("rk_test_", at: s) {
            prefixLength = 8
        } else if matches("whsec_", at: s) {
            prefixLength = 6
        } else {
            return nil
        }
        guard e - s >= prefixLength + 16, startsClean(s), endsClean(e) else { return nil }
        for i in s + prefixLength..<e where !isAlphanumeric(i) { return nil }
        emit(.stripeKey, s, e, "stripe", 0.99)
        return e
    }

    /// header.payload.signature, each base64url; the header must decode to a JSON object
    /// naming an algorithm or a type.
    private mutating func jsonWebToken(at s: Int) -> Int? {
        guard startsClean(s) else { return nil }
        let limit = horizon(s, 8_192)
        var dots: [Int] = []
        var end = s
        while end < limit {
            if p[end] == UInt8(ascii: ".") {
                guard dots.count < 2 else { break }
                dots.append(end)
            } else if !(isAlphanumeric(end) || p[end] == UInt8(ascii: "_") || p[end] == UInt8(ascii: "-")) {
                break
            }
            end += 1
        }
        guard dots.count == 2, dots[0] - s >= 10, dots[1] - dots[0] > 4 else { return nil }
        if p[end - 1] == UInt8(ascii: ".") && end - 1 == dots[1] {
            // An unsigned token ends at its second dot.
        }
        guard let header = Base64URL.decode(UnsafeBufferPointer(start: p + s, count: dots[0] - s), lenient: true, limit: 256),
              header.first == UInt8(ascii: "{"),
              header.containsSequence(#""alg""#.utf8) || header.containsSequence(#""typ""#.utf8)
        else { return nil }
        emit(.jwt, s, end, "jwt", 0.98)
        return end
    }

    // MARK: IBAN

    /// Country code, two check digits, then the account in groups of four (or not);
    /// length per country and the mod 97 check decide.
    private mutating func iban(at s: Int) -> Int? {
        let country = String(decoding: UnsafeBufferPointer(start: p + s, count: 2), as: UTF8.self)
        guard let length = Checksums.ibanLengths[country] else { return nil }
        var characters: [UInt8] = []
        characters.reserveCapacity(length)
        var i = s
        var end = s
        let limit = horizon(s, 64)
        while i < limit && characters.count < length {
            if isUpper(i) || isDigit(i) {
                characters.append(p[i])
                i += 1
                end = i
            } else if p[i] == UInt8(ascii: " ") && i + 1 < limit && (isUpper(i + 1) || isDigit(i + 1)) && characters.count % 4 == 0 {
                i += 1
            } else if isLower(i) {
                characters.append(p[i] & ~0x20)
                i += 1
                end = i
            } else {
                break
            }
        }
        guard characters.count == length, end >= n || !isAlphanumeric(end), Checksums.ibanIsValid(characters) else { return nil }
        emit(.iban, s, end, "iban", 0.99)
        return end
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: String.UTF8View) -> Bool {
        let pattern = Array(needle)
        guard !pattern.isEmpty, count >= pattern.count else { return false }
        for start in 0...(count - pattern.count) where self[start..<start + pattern.count].elementsEqual(pattern) { return true }
        return false
    }
}
