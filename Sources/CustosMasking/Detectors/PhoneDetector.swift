/// Phone numbers that start with `+` (E.164, international) or `(` (a North American area
/// code in parentheses). Bare North American numbers are found with the other digit groups
/// (``TextScanner/number(at:wordEnd:)``).
extension TextScanner {
    /// `+44 20 7946 0958`, `+1 (555) 123-4567`, `+49-30-901820`: 8 to 15 digits.
    mutating func internationalPhone(at plus: Int) -> Int {
        guard plus + 1 < n, isDigit(plus + 1), p[plus + 1] != UInt8(ascii: "0") else { return plus + 1 }
        if plus > 0 && (isAlphanumeric(plus - 1) || p[plus - 1] == UInt8(ascii: ")")) { return plus + 1 }
        let limit = horizon(plus, 32)
        var i = plus + 1
        var digits = 0
        var end = i
        var lastWasSeparator = false
        while i < limit {
            if isDigit(i) {
                digits += 1
                i += 1
                end = i
                lastWasSeparator = false
            } else if !lastWasSeparator, case let step = p[i] >= 0xC2 ? wideSpaceLength(at: i) : (p[i] == UInt8(ascii: " ") || p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: ".") ? 1 : 0),
                      step > 0, i + step < limit, isDigit(i + step) || p[i + step] == UInt8(ascii: "(") {
                // A space, a hyphen or a dot between groups; or a no-break or thin space.
                i += step
                lastWasSeparator = true
            } else if p[i] == UInt8(ascii: "(") || p[i] == UInt8(ascii: ")") {
                i += 1
                lastWasSeparator = p[i - 1] == UInt8(ascii: "(")
            } else {
                break
            }
        }
        guard (8...15).contains(digits), endsClean(end) else { return plus + 1 }
        emit(.phone, plus, end, "e164", ContextMarks.isNear(marks.phone, base + plus) ? 0.95 : 0.85)
        return end
    }

    /// `(555) 123-4567`, `(555)123-4567`.
    mutating func parenthesizedPhone(at open: Int) -> Int {
        guard open + 13 <= n, open == 0 || !isAlphanumeric(open - 1) else { return open + 1 }
        guard isDigit(open + 1), isDigit(open + 2), isDigit(open + 3), p[open + 4] == UInt8(ascii: ")") else { return open + 1 }
        var i = open + 5
        if p[i] == UInt8(ascii: " ") { i += 1 }
        guard i + 8 <= n, isDigit(i), isDigit(i + 1), isDigit(i + 2), p[i + 3] == UInt8(ascii: "-") || p[i + 3] == UInt8(ascii: ".") || p[i + 3] == UInt8(ascii: " "),
              isDigit(i + 4), isDigit(i + 5), isDigit(i + 6), isDigit(i + 7)
        else { return open + 1 }
        let end = i + 8
        guard p[open + 1] >= UInt8(ascii: "2"), p[i] >= UInt8(ascii: "2"), endsClean(end) else { return open + 1 }
        emit(.phone, open, end, "nanp", ContextMarks.isNear(marks.phone, base + open) ? 0.95 : 0.88)
        return end
    }
}
