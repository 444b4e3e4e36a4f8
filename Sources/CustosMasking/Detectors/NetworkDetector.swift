/// IPv6 addresses (full, compressed with `::`, or ending in an IPv4 address) and MAC
/// addresses (`00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E`, `001a.2b3c.4d5e`). IPv4 addresses are
/// digit groups (``TextScanner/number(at:wordEnd:)``).
extension TextScanner {
    /// Either kind of address starting at `s`, emitted; returns its end.
    mutating func networkAddress(at s: Int) -> Int? {
        if let end = macAddress(at: s) {
            emit(.macAddress, s, end, "mac", 0.9)
            return end
        }
        if let end = ipv6(at: s) {
            emit(.ipAddress, s, end, "ipv6", 0.9)
            return end
        }
        return nil
    }

    private func hexRun(_ i: Int, limit: Int) -> Int {
        var j = i
        while j < limit && isHex(j) { j += 1 }
        return j
    }

    private func macAddress(at s: Int) -> Int? {
        let limit = horizon(s, 20)
        // Six pairs joined by ':' or '-', the same throughout.
        if s + 17 <= limit, s + 2 < n {
            let separator = p[s + 2]
            if separator == UInt8(ascii: ":") || separator == UInt8(ascii: "-") {
                var ok = true
                for group in 0..<6 {
                    let start = s + group * 3
                    guard isHex(start), isHex(start + 1), group == 5 || p[start + 2] == separator else {
                        ok = false
                        break
                    }
                }
                let end = s + 17
                if ok && (end >= n || !(isHex(end) || isWord(end) || p[end] == separator)) { return end }
            }
        }
        // Three quads joined by '.'.
        if s + 14 <= limit {
            var ok = true
            for group in 0..<3 {
                let start = s + group * 5
                guard (0..<4).allSatisfy({ isHex(start + $0) }), group == 2 || p[start + 4] == UInt8(ascii: ".") else {
                    ok = false
                    break
                }
            }
            let end = s + 14
            // Must hold a letter: four-digit groups joined by dots are more often versions.
            if ok && (end >= n || !(isWord(end) || p[end] == UInt8(ascii: "."))) && (s..<end).contains(where: isLetter) { return end }
        }
        return nil
    }

    private func ipv6(at s: Int) -> Int? {
        let limit = horizon(s, 64)
        var i = s
        var groups = 0
        var compressed = false
        var end = s
        if matches("::", at: i) {
            compressed = true
            i += 2
            end = i
        }
        while i < limit {
            let runEnd = hexRun(i, limit: limit)
            let length = runEnd - i
            if length == 0 { break }
            // An IPv4 tail: ::ffff:192.0.2.1
            if runEnd < limit && p[runEnd] == UInt8(ascii: ".") && (compressed ? groups <= 5 : groups == 6) {
                let tail = digitGroups(from: i)
                if tail.count == 4, (0..<4).allSatisfy({ tail.separator($0) == UInt8(ascii: ".") || $0 == 3 }),
                   (0..<4).allSatisfy({ tail.length($0) <= 3 && value(tail.groupStart($0), tail.length($0)) <= 255 }) {
                    groups += 2
                    end = tail.groupEnd(3)
                    i = end
                }
                break
            }
            guard length <= 4 else { return nil }
            groups += 1
            i = runEnd
            end = i
            if matches("::", at: i) {
                guard !compressed else { return nil }
                compressed = true
                i += 2
                end = i
            } else if i + 1 < limit && p[i] == UInt8(ascii: ":") && isHex(i + 1) {
                i += 1
            } else {
                break
            }
        }
        guard compressed ? groups <= 7 : groups == 8 else { return nil }
        guard groups >= 1 || compressed && end - s > 2 else { return nil }
        // "::" alone, or a scope like a::b, is not an address.
        guard end - s >= 3 else { return nil }
        if end < n && (isWord(end) || p[end] == UInt8(ascii: ":")) { return nil }
        return end
    }
}
