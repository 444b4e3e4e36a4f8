/// The lookup tables behind ``TextScanner/letterWord(at:wordEnd:)``: which two-byte
/// starts can begin a credential with a fixed prefix, and which short words are context words.
///
/// `@unchecked Sendable`: both tables are filled in `init`, before the shared instance is
/// published through a `let`, and only read afterwards.
final class WordTables: @unchecked Sendable {
    static let shared = WordTables()

    /// What a context word tells the detectors.
    enum Context: UInt8 {
        case authorization, scheme, birth, title, license, phone, card, passport, patient, ssn, version
    }

    static let maxContextWordLength = 13

    /// Bit `first << 8 | second` set: a fixed credential prefix starts with these bytes.
    private let prefixBits: UnsafeMutablePointer<UInt64>
    /// Open addressing by hash; a slot holds the word (lower case) and its meaning.
    private let slots: [(word: [UInt8], context: Context)?]
    private let mask: Int
    /// Per first letter (case folded), bit n set: some context word of length n starts with it.
    private let lengthsByFirstLetter: [UInt16]

    private init() {
        prefixBits = .allocate(capacity: 1024)
        prefixBits.initialize(repeating: 0, count: 1024)
        let prefixes = [
            "AKIA", "ASIA", "AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA", "AIza", "eyJ", "ghp_", "gho_", "ghu_",
            "ghs_", "ghr_", "github_pat_", "hooks", "xox", "sk_", "rk_", "whsec_",
        ]
        for prefix in prefixes {
            let bytes = Array(prefix.utf8)
            let index = Int(bytes[0]) << 8 | Int(bytes[1])
            prefixBits[index >> 6] |= 1 << UInt64(index & 63)
        }
        let words: [(String, Context)] = [
            ("authorization", .authorization), ("auth", .authorization), ("bearer", .scheme), ("basic", .scheme),
            ("birth", .birth), ("born", .birth), ("birthday", .birth), ("birthdate", .birth), ("dob", .birth),
            ("dear", .title), ("dr", .title), ("mr", .title), ("mrs", .title), ("ms", .title), ("miss", .title), ("prof", .title),
            ("driver", .license), ("dl", .license), ("dln", .license), ("driving", .license), ("license", .license), ("licence", .license),
            ("phone", .phone), ("ph", .phone), ("tel", .phone), ("telephone", .phone), ("mobile", .phone), ("cell", .phone),
            ("call", .phone), ("contact", .phone), ("fax", .phone),
            ("card", .card), ("cc", .card), ("credit", .card), ("cardnumber", .card),
            ("passport", .passport), ("patient", .patient), ("ssn", .ssn), ("social", .ssn),
            ("build", .version), ("version", .version), ("ver", .version), ("release", .version), ("revision", .version),
        ]
        var lengths = [UInt16](repeating: 0, count: 26)
        for (word, _) in words {
            let bytes = Array(word.utf8)
            lengths[Int(bytes[0] - UInt8(ascii: "a"))] |= 1 << UInt16(bytes.count)
        }
        lengthsByFirstLetter = lengths
        var capacity = 256
        while capacity < words.count * 4 { capacity <<= 1 }
        mask = capacity - 1
        var table: [(word: [UInt8], context: Context)?] = Array(repeating: nil, count: capacity)
        for (word, context) in words {
            let bytes = Array(word.utf8)
            var index = Self.hash(bytes) & (capacity - 1)
            while table[index] != nil { index = (index + 1) & (capacity - 1) }
            table[index] = (bytes, context)
        }
        slots = table
    }

    deinit {
        prefixBits.deallocate()
    }

    @inline(__always)
    func hasCredentialPrefix(_ first: UInt8, _ second: UInt8) -> Bool {
        let index = Int(first) << 8 | Int(second)
        return prefixBits[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// The meaning of the word `s..<e` of `p`, in any case, if it is a context word.
    @inline(__always)
    func contextWord(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Context? {
        let letter = Int(Self.lower(p[s]) &- UInt8(ascii: "a"))
        guard letter < 26, lengthsByFirstLetter[letter] & (1 << UInt16(e - s)) != 0 else { return nil }
        var hash = 2_166_136_261 as UInt32
        for i in s..<e { hash = (hash ^ UInt32(Self.lower(p[i]))) &* 16_777_619 }
        var index = Int(hash) & mask
        while let slot = slots[index] {
            if slot.word.count == e - s {
                var same = true
                for k in 0..<slot.word.count where Self.lower(p[s + k]) != slot.word[k] {
                    same = false
                    break
                }
                if same { return slot.context }
            }
            index = (index + 1) & mask
        }
        return nil
    }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 { byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte }

    private static func hash(_ bytes: [UInt8]) -> Int {
        var hash = 2_166_136_261 as UInt32
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash)
    }
}
