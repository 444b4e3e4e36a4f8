import Crypto

/// A SHA-256 digest: a leaf hash, a tree node hash, or a content hash.
///
/// Stored inline (no heap allocation) and compared in four word compares.
public struct Hash256: Sendable, Hashable, Comparable, CustomStringConvertible {
    // Big-endian words: comparing words compares bytes.
    private var w0: UInt64
    private var w1: UInt64
    private var w2: UInt64
    private var w3: UInt64

    /// The all-zero hash, the `prev` of the first entry.
    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// The hash made of exactly 32 bytes; nil for any other count.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        w0 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The hash made of exactly 32 bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard let hash = bytes.withUnsafeBytes({ Hash256(bytes: $0) }) else { return nil }
        self = hash
    }

    /// The hash written as 64 hex digits; nil for anything else.
    /// From exactly 64 lower-case hex digits (as entries and documents write hashes).
    init?(lowercaseHexUTF8 digits: UnsafeRawBufferPointer) {
        guard digits.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var valid = true
        withUnsafeMutableBytes(of: &words) { raw in
            let output = raw.bindMemory(to: UInt64.self)
            for word in 0..<4 {
                var value: UInt64 = 0
                for index in word * 16..<word * 16 + 16 {
                    let digit = digits[index]
                    let decimal = digit &- UInt8(ascii: "0")
                    let letter = digit &- UInt8(ascii: "a")
                    valid = valid && (decimal < 10 || letter < 6)
                    value = value << 4 | UInt64(decimal < 10 ? decimal : letter &+ 10)
                }
                output[word] = value
            }
        }
        guard valid else { return nil }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    init(digest: SHA256.Digest) {
        var hash = Hash256.zero
        digest.withUnsafeBytes { raw in
            // SHA-256 digests are always 32 bytes.
            hash = Hash256(bytes: raw) ?? .zero
        }
        self = hash
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with the 32 bytes.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &words) { try body($0) }
    }

    /// The 64 lower-case hex digits.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    /// Appends the 64 lower-case hex digits to `output`.
    public func appendHex(to output: inout [UInt8]) {
        withUnsafeBytes { Hex.append($0, to: &output) }
    }

    public var description: String { hex }

    public static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    // MARK: The hashes of the ledger (docs/FORMAT.md)

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        Hash256(digest: SHA256.hash(data: bytes))
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { sha256($0) }
    }

    /// The RFC 9162 leaf hash of an entry: `SHA-256(0x00 || entry)`.
    public static func leaf(_ entry: UnsafeRawBufferPointer) -> Hash256 {
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: entry)
        return Hash256(digest: hasher.finalize())
    }

    /// The RFC 9162 leaf hash of an entry: `SHA-256(0x00 || entry)`.
    public static func leaf(_ entry: [UInt8]) -> Hash256 {
        entry.withUnsafeBytes { leaf($0) }
    }

    /// The RFC 9162 interior node hash: `SHA-256(0x01 || left || right)`.
    public static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var words = (
            left.w0.bigEndian, left.w1.bigEndian, left.w2.bigEndian, left.w3.bigEndian,
            right.w0.bigEndian, right.w1.bigEndian, right.w2.bigEndian, right.w3.bigEndian
        )
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        Swift.withUnsafeBytes(of: &words) { hasher.update(bufferPointer: $0) }
        return Hash256(digest: hasher.finalize())
    }
}
