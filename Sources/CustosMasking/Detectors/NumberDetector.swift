/// Runs of digit groups: phone numbers, US Social Security numbers, payment card numbers,
/// IPv4 addresses, and the house number that starts a street address.
///
/// One parse of the groups (`555-123-4567` is three groups joined by `-`) serves every
/// format; checksums decide where the format has one (Luhn for cards), and the rules of the
/// numbering plan elsewhere (SSN areas, North American area codes).
extension TextScanner {
    /// Up to eight digit groups, each joined to the next by one separator byte.
    struct DigitGroups {
        var count = 0
        private var lengths: UInt64 = 0
        private var separators: UInt64 = 0
        /// The bytes each separator takes: 1, or 2 or 3 for a space beyond ASCII.
        private var separatorBytes: UInt64 = 0
        /// Where each group after the first starts is derived from the lengths.
        let start: Int
        var end: Int
        /// True when the last group is followed by `T` and a digit (a date with a time).
        var followedByTime = false

        init(start: Int) {
            self.start = start
            end = start
        }

        func length(_ k: Int) -> Int { Int((lengths >> (8 * UInt64(k))) & 0xFF) }
        func separator(_ k: Int) -> UInt8 { UInt8((separators >> (8 * UInt64(k))) & 0xFF) }
        func groupStart(_ k: Int) -> Int {
            var position = start
            for index in 0..<k { position += length(index) + Int((separatorBytes >> (8 * UInt64(index))) & 0xFF) }
            return position
        }
        func groupEnd(_ k: Int) -> Int { groupStart(k) + length(k) }
        func digits(_ k: Int) -> Int { (0..<k).reduce(0) { $0 + length($1) } }

        mutating func add(length: Int) {
            lengths |= UInt64(length) << (8 * UInt64(count))
            count += 1
        }

        /// The separator after the last group; a space beyond ASCII is recorded as a space.
        mutating func setSeparator(_ byte: UInt8, bytes: Int = 1) {
            separators |= UInt64(byte) << (8 * UInt64(count - 1))
            separatorBytes |= UInt64(bytes) << (8 * UInt64(count - 1))
        }
    }

    func digitGroups(from s: Int) -> DigitGroups {
        var groups = DigitGroups(start: s)
        let limit = horizon(s, 96)
        var i = s
        while groups.count < 8 {
            let start = i
            while i < limit && isDigit(i) { i += 1 }
            let length = i - start
            guard length > 0, length <= 19 else { break }
            let wide = i < n ? wideSpaceLength(at: i) : 0
            if i < n && isWord(i) && wide == 0 {
                // A date may run into its time: 1990-01-02T00:00:00Z.
                if groups.count == 2, p[i] == UInt8(ascii: "T"), i + 1 < n, isDigit(i + 1) {
                    groups.add(length: length)
                    groups.end = i
                    groups.followedByTime = true
                }
                break
            }
            groups.add(length: length)
            groups.end = i
            let step = max(1, wide)
            guard i + step < limit, i + step < n, isDigit(i + step) else { break }
            let separator = wide > 0 ? UInt8(ascii: " ") : p[i]
            guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".") || separator == UInt8(ascii: "/") else { break }
            groups.setSeparator(separator, bytes: step)
            i += step
        }
        return groups
    }

    /// The value of `count` digits at `i`; `Int.max` for more than 18 digits, which no field
    /// read this way can have (and which would overflow).
    func value(_ i: Int, _ count: Int) -> Int {
        guard count <= 18 else { return Int.max }
        var value = 0
        for k in 0..<count { value = value * 10 + digit(i + k) }
        return value
    }

    mutating func number(at s: Int, wordEnd e: Int) -> Int {
        // Most numbers stand alone (counts, durations, ports): nothing can start at them unless
        // a separator joins another group, or a capitalized word follows (a street).
        if e < n {
            let next = p[e]
            let space = next == UInt8(ascii: " ") ? 1 : next >= 0xC2 ? wideSpaceLength(at: e) : 0
            let joins = next == UInt8(ascii: "-") || next == UInt8(ascii: ".") || next == UInt8(ascii: "/") || next == UInt8(ascii: ":")
                || (space > 0 && e + space < n && (isDigit(e + space) || isUpper(e + space)))
            if !joins && e - s < 9 { return e }
        } else if e - s < 9 {
            return e
        }
        guard startsClean(s) else { return e }
        // 00:1a:… (MAC), 2001:db8::1 (IPv6): digit-led hex groups.
        if e - s <= 4, e < n, p[e] == UInt8(ascii: ":") || (e - s == 2 && p[e] == UInt8(ascii: "-")) || (e - s == 4 && p[e] == UInt8(ascii: ".")) {
            if let end = networkAddress(at: s) { return end }
        }
        let groups = digitGroups(from: s)
        if let end = ipv4(groups) ?? socialSecurityNumber(groups) ?? northAmericanPhone(groups) ?? cardNumber(groups) { return end }
        if groups.count == 1, e - s <= 6, let end = streetAddress(number: s, end: e) { return end }
        return e
    }

    /// A word that starts with a digit and has letters: only the hex groups of a MAC or an
    /// IPv6 address matter here.
    mutating func hexWord(at s: Int, wordEnd e: Int) -> Int {
        guard e - s <= 4, e < n, startsClean(s) else { return e }
        for i in s..<e where !isHex(i) { return e }
        if p[e] == UInt8(ascii: ":") || (e - s == 2 && p[e] == UInt8(ascii: "-")) || (e - s == 4 && p[e] == UInt8(ascii: ".")) {
            return networkAddress(at: s) ?? e
        }
        return e
    }

    // MARK: Formats

    private mutating func ipv4(_ groups: DigitGroups) -> Int? {
        guard groups.count >= 4 else { return nil }
        for k in 0..<3 where groups.separator(k) != UInt8(ascii: ".") { return nil }
        if groups.count > 4 && groups.separator(3) == UInt8(ascii: ".") { return nil }
        for k in 0..<4 {
            let length = groups.length(k)
            guard length <= 3 else { return nil }
            let start = groups.groupStart(k)
            if length > 1 && p[start] == UInt8(ascii: "0") { return nil }
            guard value(start, length) <= 255 else { return nil }
        }
        let end = groups.groupEnd(3)
        guard endsClean(end) else { return nil }
        // 0.0.0.0 and 255.255.255.255 name no one; after "version" or "build", it is a version.
        let length = end - groups.start
        let unspecified = length == 7 && matches("0.0.0.0", at: groups.start)
        let broadcast = length == 15 && matches("255.255.255.255", at: groups.start)
        if unspecified || broadcast || ContextMarks.isNear(marks.version, base + groups.start) && base + groups.start - marks.version <= 12 { return end }
        emit(.ipAddress, groups.start, end, "ipv4", 0.85)
        return end
    }

    private mutating func socialSecurityNumber(_ groups: DigitGroups) -> Int? {
        let s = groups.start
        let nearContext = ContextMarks.isNear(marks.ssn, base + s)
        if groups.count == 1 && groups.length(0) == 9 && nearContext && endsClean(groups.end) {
            guard Self.isValidSSN(area: value(s, 3), group: value(s + 3, 2), serial: value(s + 5, 4)) else { return nil }
            emit(.ssn, s, groups.end, "ssn", 0.85)
            return groups.end
        }
        guard groups.count >= 3, groups.length(0) == 3, groups.length(1) == 2, groups.length(2) == 4 else { return nil }
        let separator = groups.separator(0)
        guard separator == groups.separator(1), separator == UInt8(ascii: "-") || separator == UInt8(ascii: " ") else { return nil }
        if groups.count > 3 && groups.separator(2) == separator { return nil }
        let end = groups.groupEnd(2)
        guard endsClean(end) else { return nil }
        guard Self.isValidSSN(area: value(s, 3), group: value(groups.groupStart(1), 2), serial: value(groups.groupStart(2), 4)) else { return nil }
        let confidence = separator == UInt8(ascii: "-") ? (nearContext ? 0.97 : 0.85) : (nearContext ? 0.9 : 0.6)
        emit(.ssn, s, end, "ssn", confidence)
        return end
    }

    /// The Social Security Administration never issues area 000, 666 or 900–999, group 00
    /// or serial 0000.
    static func isValidSSN(area: Int, group: Int, serial: Int) -> Bool {
        area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    private mutating func northAmericanPhone(_ groups: DigitGroups) -> Int? {
        let s = groups.start
        let nearContext = ContextMarks.isNear(marks.phone, base + s)
        func validExchange(_ area: Int, _ exchange: Int) -> Bool { p[area] >= UInt8(ascii: "2") && p[exchange] >= UInt8(ascii: "2") }
        func phoneSeparator(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: " ") }
        // 555-123-4567, 1-555-123-4567
        var first = 0
        if groups.count >= 4, groups.length(0) == 1, p[s] == UInt8(ascii: "1"), groups.length(1) == 3 { first = 1 }
        if groups.count >= first + 3, groups.length(first) == 3, groups.length(first + 1) == 3, groups.length(first + 2) == 4 {
            let end = groups.groupEnd(first + 2)
            let separators = (first..<first + 2).map { groups.separator($0) }
            let continues = groups.count > first + 3 && phoneSeparator(groups.separator(first + 2))
            if separators.allSatisfy(phoneSeparator), !continues, endsClean(end),
               validExchange(groups.groupStart(first), groups.groupStart(first + 1)) {
                // Dots alone join many things (versions, serials); spaces alone, many counts.
                let uniform = separators[0] == separators[1]
                let confidence = nearContext ? 0.92 : (separators[0] == UInt8(ascii: "-") || !uniform ? 0.8 : 0.65)
                emit(.phone, s, end, "nanp", confidence)
                return end
            }
        }
        // Bare digits count only next to "phone", "tel", "mobile", …
        if groups.count == 1, nearContext, endsClean(groups.end) {
            let length = groups.length(0)
            if length == 10 && validExchange(s, s + 3) || length == 11 && p[s] == UInt8(ascii: "1") && validExchange(s + 1, s + 4) {
                emit(.phone, s, groups.end, "nanp", 0.75)
                return groups.end
            }
        }
        return nil
    }

    /// True when the group after the first `k` is joined to them by the same separator.
    private func continuesGroups(_ groups: DigitGroups, _ k: Int) -> Bool {
        k > 1 && k < groups.count && groups.separator(k - 1) == groups.separator(0)
    }

    private mutating func cardNumber(_ groups: DigitGroups) -> Int? {
        let s = groups.start
        guard groups.digits(groups.count) >= 13 else { return nil }
        let nearContext = ContextMarks.isNear(marks.card, base + s)
        var k = groups.count
        while k >= 1 {
            defer { k -= 1 }
            let total = groups.digits(k)
            guard (13...19).contains(total) else { continue }
            if k > 1 {
                let separator = groups.separator(0)
                guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-"), (0..<k - 1).allSatisfy({ groups.separator($0) == separator }) else { continue }
                // A longer run of groups was tried first; this one may still be a card that
                // something else follows in the same style (`4111 1111 1111 1111 12/26`): the
                // prefix and Luhn checks below decide, at a lower confidence.
                let lengths = (0..<k).map { groups.length($0) }
                let fours = lengths.dropLast().allSatisfy { $0 == 4 } && (1...4).contains(lengths.last ?? 0)
                let amexOrDiners = k == 3 && lengths[0] == 4 && lengths[1] == 6 && (lengths[2] == 5 || lengths[2] == 4)
                guard fours || amexOrDiners else { continue }
            }
            let end = groups.groupEnd(k - 1)
            guard endsClean(end) else { continue }
            var digits: [Int] = []
            digits.reserveCapacity(total)
            for index in s..<end where isDigit(index) { digits.append(digit(index)) }
            guard Checksums.isCardPrefix(digits), Checksums.luhn(digits) else { continue }
            emit(.cardNumber, s, end, "luhn", (k > 1 && !continuesGroups(groups, k)) || nearContext ? 0.97 : 0.88)
            return end
        }
        return nil
    }

    /// `1600 Pennsylvania Avenue NW, Washington, DC 20500`: a house number, one to four
    /// capitalized words ending in a street suffix, and optionally the city, state and ZIP.
    private mutating func streetAddress(number s: Int, end e: Int) -> Int? {
        guard e + 2 < n, p[e] == UInt8(ascii: " "), isUpper(e + 1) || isDigit(e + 1) else { return nil }
        let limit = horizon(s, 160)
        var i = e + 1
        var words = 0
        var streetEnd: Int?
        while words < 5 && i < limit {
            let start = i
            while i < limit && (isLetter(i) || isDigit(i)) { i += 1 }
            guard i > start, isUpper(start) || isDigit(start) else { break }
            words += 1
            if words > 1, Self.isStreetSuffix(p, start, i) {
                var end = i
                if end < limit && p[end] == UInt8(ascii: ".") { end += 1 }
                streetEnd = end
                i = end
                // A directional after the suffix: Avenue NW.
                if i + 2 < limit, p[i] == UInt8(ascii: " "), isUpper(i + 1) {
                    var j = i + 1
                    while j < limit && isUpper(j) { j += 1 }
                    if j - (i + 1) <= 2, ["N", "S", "E", "W", "NE", "NW", "SE", "SW"].contains(String(decoding: UnsafeBufferPointer(start: p + i + 1, count: j - i - 1), as: UTF8.self)), j >= n || !isLetter(j) {
                        streetEnd = j
                        i = j
                    }
                }
                break
            }
            guard i < limit, p[i] == UInt8(ascii: " ") else { break }
            i += 1
        }
        guard var end = streetEnd, words >= 2 else { return nil }
        // , City, ST 12345
        if let tail = cityStateZip(after: end, limit: horizon(s, 240)) { end = tail }
        emit(.postalAddress, s, end, "street", 0.75)
        return end
    }

    private func cityStateZip(after i: Int, limit: Int) -> Int? {
        guard i + 2 < limit, p[i] == UInt8(ascii: ","), p[i + 1] == UInt8(ascii: " "), isUpper(i + 2) else { return nil }
        var j = i + 2
        while j < limit && (isLetter(j) || (p[j] == UInt8(ascii: " ") && j + 1 < limit && isUpper(j + 1))) { j += 1 }
        guard j + 4 < limit, p[j] == UInt8(ascii: ","), p[j + 1] == UInt8(ascii: " "), isUpper(j + 2), isUpper(j + 3) else { return nil }
        j += 4
        guard j >= limit || !isLetter(j) else { return nil }
        if j + 6 <= limit, p[j] == UInt8(ascii: " "), (j + 1..<j + 6).allSatisfy(isDigit), j + 6 >= n || !isWord(j + 6) { j += 6 }
        return j
    }

    static let streetSuffixes: Set<String> = [
        "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr", "court", "ct",
        "way", "place", "pl", "terrace", "ter", "parkway", "pkwy", "circle", "cir", "highway", "hwy", "square", "sq",
        "trail", "trl", "crescent", "close", "alley", "plaza",
    ]

    static func isStreetSuffix(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        guard e - s >= 2, e - s <= 9 else { return false }
        let word = String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self).lowercased()
        return streetSuffixes.contains(word)
    }
}
