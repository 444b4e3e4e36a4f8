/// Words that start with a letter: the fixed prefixes of cloud and SaaS credentials, IBANs,
/// the hex groups of network addresses, and the context words that other detectors listen
/// for ("phone", "ssn", "Dear", "passport", …).
///
/// One switch on the first letter keeps the cost of an ordinary word to a compare or two.
extension TextScanner {
    mutating func letterWord(at s: Int, wordEnd e: Int, flags: UInt8) -> Int {
        let length = e - s
        // fe80::1, aa:bb:cc:dd:ee:ff
        if length <= 4, e < n, flags & (ByteClass.underscore | ByteClass.high) == 0,
           p[e] == UInt8(ascii: ":") || (length == 2 && p[e] == UInt8(ascii: "-")) || (length == 4 && p[e] == UInt8(ascii: ".")),
           (s..<e).allSatisfy(isHex), startsClean(s) {
            if let end = networkAddress(at: s) { return end }
        }
        // DE89 3704 0044 0532 0130 00
        if length >= 4, isUpper(s), isUpper(s + 1), isDigit(s + 2), isDigit(s + 3), startsClean(s), let end = iban(at: s) {
            return end
        }
        switch lower(s) {
        case UInt8(ascii: "a"):
            if p[s] == UInt8(ascii: "A"), let end = awsAccessKeyID(s, e) ?? googleAPIKey(s) { return end }
            if wordIs("authorization", s, e) || wordIs("auth", s, e) { marks.authorization = base + e }
        case UInt8(ascii: "b"):
            if wordIs("build", s, e) { marks.version = base + e }
            if wordIs("bearer", s, e) || wordIs("basic", s, e) { return authorizationCredential(scheme: s, end: e) }
            if wordIs("birth", s, e) || wordIs("born", s, e) || wordIs("birthday", s, e) || wordIs("birthdate", s, e) { dateOfBirth(after: e) }
        case UInt8(ascii: "c"):
            if wordIs("cell", s, e) || wordIs("call", s, e) || wordIs("contact", s, e) { marks.phone = base + e }
            if wordIs("card", s, e) || wordIs("cc", s, e) || wordIs("credit", s, e) || wordIs("cardnumber", s, e) { marks.card = base + e }
        case UInt8(ascii: "d"):
            if wordIs("dob", s, e) { dateOfBirth(after: e) }
            if wordIs("dear", s, e) || wordIs("dr", s, e) { personName(after: e, title: true) }
            if wordIs("driver", s, e) || wordIs("dl", s, e) || wordIs("dln", s, e) || wordIs("driving", s, e) { driversLicense(after: e) }
        case UInt8(ascii: "e"):
            if matches("eyJ", at: s), let end = jsonWebToken(at: s) { return end }
        case UInt8(ascii: "f"):
            if wordIs("fax", s, e) { marks.phone = base + e }
        case UInt8(ascii: "g"):
            if let end = githubToken(s, e) { return end }
        case UInt8(ascii: "h"):
            if wordIs("hooks", s, e), let end = slackWebhook(hooks: s) { return end }
        case UInt8(ascii: "l"):
            if wordIs("license", s, e) || wordIs("licence", s, e) { driversLicense(after: e) }
        case UInt8(ascii: "m"):
            if wordIs("mr", s, e) || wordIs("mrs", s, e) || wordIs("ms", s, e) || wordIs("miss", s, e) { personName(after: e, title: true) }
            if wordIs("mobile", s, e) { marks.phone = base + e }
        case UInt8(ascii: "n"):
            if length >= 4, matchesIgnoringCase("name", at: e - 4) { personName(after: e, title: false) }
        case UInt8(ascii: "p"):
            if wordIs("phone", s, e) || wordIs("ph", s, e) { marks.phone = base + e }
            if wordIs("passport", s, e) { passport(after: e) }
            if wordIs("patient", s, e) { personName(after: e, title: false) }
            if wordIs("prof", s, e) { personName(after: e, title: true) }
        case UInt8(ascii: "v"):
            if wordIs("version", s, e) || wordIs("ver", s, e) { marks.version = base + e }
        case UInt8(ascii: "r"), UInt8(ascii: "s"), UInt8(ascii: "w"):
            if wordIs("release", s, e) || wordIs("revision", s, e) { marks.version = base + e }
            if let end = stripeKey(s, e) { return end }
            if wordIs("ssn", s, e) || wordIs("social", s, e) { marks.ssn = base + e }
        case UInt8(ascii: "t"):
            if wordIs("tel", s, e) || wordIs("telephone", s, e) { marks.phone = base + e }
        case UInt8(ascii: "x"):
            if matches("xox", at: s), let end = slackToken(s) { return end }
        default:
            break
        }
        // Keys such as customer_name, first_name, fullName end in "name".
        if length > 4, lower(s) != UInt8(ascii: "n"), matchesIgnoringCase("name", at: e - 4) { personName(after: e, title: false) }
        return e
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
        guard "bparse".utf8.contains(p[s + 3]) || p[s + 3] == UInt8(ascii: "o") else { return nil }
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
        guard let header = Checksums.base64URLDecode(UnsafeBufferPointer(start: p + s, count: dots[0] - s)),
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
