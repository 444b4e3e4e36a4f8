import Foundation

/// The checks that decide where a format has one: Luhn for card numbers, ISO 7064 mod 97
/// for IBANs, and Shannon entropy for strings that might be keys.
enum Checksums {
    /// The Luhn check over `digits` (values 0 to 9), as card numbers carry it.
    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            if index % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// True when the leading digits belong to a card network (Visa, Mastercard, American
    /// Express, Discover, JCB, Diners Club, UnionPay, Maestro) and the length fits it.
    static func isCardPrefix(_ digits: [Int]) -> Bool {
        guard digits.count >= 13 else { return false }
        func prefix(_ length: Int) -> Int { digits.prefix(length).reduce(0) { $0 * 10 + $1 } }
        let count = digits.count
        switch digits[0] {
        case 4: return count == 13 || count == 16 || count == 19
        case 5:
            let two = prefix(2)
            if (51...55).contains(two) { return count == 16 }
            return (two == 50 || (56...59).contains(two)) && (12...19).contains(count)  // Maestro
        case 2:
            let four = prefix(4)
            return (2221...2720).contains(four) && count == 16
        case 3:
            let two = prefix(2)
            if two == 34 || two == 37 { return count == 15 }
            if two == 36 || two == 38 || two == 39 || (300...305).contains(prefix(3)) { return (14...19).contains(count) }
            return (3528...3589).contains(prefix(4)) && (16...19).contains(count)
        case 6:
            let two = prefix(2)
            if prefix(4) == 6011 || two == 65 || (644...649).contains(prefix(3)) { return (16...19).contains(count) }
            if two == 62 { return (16...19).contains(count) }
            return (60...69).contains(two) && (12...19).contains(count)  // Maestro
        default:
            return false
        }
    }

    /// IBAN lengths by country (ISO 13616 registry).
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
        "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
        "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
        "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
        "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
        "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
        "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
        "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    ]

    /// The ISO 7064 mod 97-10 check of an IBAN's characters (upper-case letters and digits,
    /// no spaces): move the first four to the end, read letters as 10 to 35, remainder 1.
    static func ibanIsValid(_ characters: [UInt8]) -> Bool {
        guard characters.count >= 15 else { return false }
        var remainder = 0
        for character in characters[4...] + characters[..<4] {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                remainder = (remainder * 10 + Int(character - UInt8(ascii: "0"))) % 97
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                remainder = (remainder * 100 + Int(character - UInt8(ascii: "A")) + 10) % 97
            default:
                return false
            }
        }
        return remainder == 1
    }

    /// Shannon entropy in bits per byte of `bytes`.
    static func entropy(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
        guard !bytes.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for byte in bytes { counts[Int(byte)] += 1 }
        let total = Double(bytes.count)
        var bits = 0.0
        for count in counts where count > 0 {
            let share = Double(count) / total
            bits -= share * log2(share)
        }
        return bits
    }
}
