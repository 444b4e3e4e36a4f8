/// The class bits of every byte value, for the scanner's hot loop: one table load tells
/// whether a byte can start a word, a number or a trigger, or can be skipped.
enum ByteClass {
    static let digit: UInt8 = 1 << 0
    static let upper: UInt8 = 1 << 1
    static let lower: UInt8 = 1 << 2
    static let underscore: UInt8 = 1 << 3
    /// A byte of a multi-byte UTF-8 sequence (or of invalid UTF-8): part of a word, so that a
    /// word never ends inside a character.
    static let high: UInt8 = 1 << 4
    /// `@ : = - + (`: bytes at which a detector looks around; and `\` and ESC, which start
    /// escapes that join no word (`\n`, `\u00e9`, a terminal's colour codes).
    static let trigger: UInt8 = 1 << 5
    /// A hexadecimal digit.
    static let hex: UInt8 = 1 << 6

    static let letter: UInt8 = upper | lower
    static let alphanumeric: UInt8 = digit | upper | lower
    static let word: UInt8 = digit | upper | lower | underscore | high
}

/// The table itself, built once.
///
/// `@unchecked Sendable`: the storage is written only in `init`, before the value is
/// published through a `let`, and never again; every later access is a read.
final class ByteClassTable: @unchecked Sendable {
    static let shared = ByteClassTable()

    let classes: UnsafeMutablePointer<UInt8>

    private init() {
        classes = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        classes.initialize(repeating: 0, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { classes[Int(byte)] = ByteClass.digit | ByteClass.hex }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { classes[Int(byte)] = ByteClass.upper }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { classes[Int(byte)] = ByteClass.lower }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "F") { classes[Int(byte)] |= ByteClass.hex }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "f") { classes[Int(byte)] |= ByteClass.hex }
        classes[Int(UInt8(ascii: "_"))] = ByteClass.underscore
        for byte in 0x80...0xFF { classes[byte] = ByteClass.high }
        for byte in "@:=-+(\\\u{1B}".utf8 { classes[Int(byte)] = ByteClass.trigger }
    }

    deinit {
        classes.deallocate()
    }
}
