/// Formats doubles as ECMAScript's `Number.prototype.toString` does (ECMA-262, section
/// Number::toString), which RFC 8785 uses for numbers.
enum ECMAScriptNumber {
    static func format(_ value: Double) -> String {
        var text: [UInt8] = []
        append(value, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the text of `value`. Counts and sizes, the usual numbers in events, are
    /// integers, written digit by digit without a `String`.
    static func append(_ value: Double, to output: inout [UInt8]) {
        if value == 0 {  // also -0
            output.append(UInt8(ascii: "0"))
        } else if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            // Integers below 2^53 print as themselves.
            if value < 0 { output.append(UInt8(ascii: "-")) }
            LedgerEntry.appendDecimal(UInt64(abs(value)), to: &output)
        } else {
            output.append(contentsOf: fraction(value).utf8)
        }
    }

    /// The text of a finite non-integer, or of an integer of 2^53 or more; NaN and the
    /// infinities as ECMAScript names them.
    private static func fraction(_ value: Double) -> String {
        if !value.isFinite { return value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity") }
        let negative = value < 0
        // Swift's description gives the shortest digits that round-trip, as ECMAScript
        // requires; only its layout differs. Take the digits and the exponent from it.
        let (digits, pointPosition) = shortestDigits(abs(value))
        let k = digits.count
        let n = pointPosition  // value = 0.d1d2...dk * 10^n
        var result = negative ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let index = digits.index(digits.startIndex, offsetBy: n)
            result += digits[..<index] + "." + digits[index...]
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let exponent = n - 1
            let sign = exponent < 0 ? "-" : "+"
            result += String(digits.prefix(1))
            if k > 1 { result += "." + digits.dropFirst() }
            result += "e" + sign + String(abs(exponent))
        }
        return result
    }

    /// The significant digits of `value` (positive, finite) without leading or trailing zeros,
    /// and `n` such that value = 0.digits × 10^n.
    static func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
        let text = value.description  // e.g. "123.45", "1e-07", "1.2345e+20"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + String(fractionPart)
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, point)
    }
}
