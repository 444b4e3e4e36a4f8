#if os(Linux)
import CBoringSHA256
#endif
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
        guard digits.count == 64, let base = digits.baseAddress else { return nil }
        // Eight digits at a time as one word: each byte is mapped to its nibble with a few
        // word-wide operations, and a byte that is not 0-9 or a-f sets a flag bit. Verification
        // reads the prev of every entry this way.
        var invalid: UInt64 = 0
        func nibbles(_ offset: Int) -> UInt64 {
            let chunk = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            // Per byte b: digit = b - '0' (valid when < 10), letter = b - 'a' (valid when < 6).
            let high: UInt64 = 0x8080_8080_8080_8080
            let digit = (chunk | high) &- 0x3030_3030_3030_3030
            let letter = (chunk | high) &- 0x6161_6161_6161_6161
            // A byte's high bit survives the subtraction when it was at least the base; it is
            // below base + 10 (or + 6) when adding 0x76 (0x7A) to the difference keeps bit 7 clear.
            let isDigit = digit & ~((digit & ~high) &+ 0x7676_7676_7676_7676) & high
            let isLetter = letter & ~((letter & ~high) &+ 0x7A7A_7A7A_7A7A_7A7A) & high
            invalid |= ~(isDigit | isLetter) & high | chunk & high
            let digitMask = (isDigit >> 7) &* 0xFF
            let letterMask = (isLetter >> 7) &* 0xFF
            let value = ((digit & ~high) & digitMask) | (((letter & ~high) &+ 0x0A0A_0A0A_0A0A_0A0A) & letterMask)
            // value holds one nibble per byte, first digit in the lowest byte: pack them into
            // four bytes, first digit highest.
            var packed: UInt64 = 0
            for index in 0..<8 {
                packed = packed << 4 | (value >> (8 * UInt64(index)) & 0x0F)
            }
            return packed
        }
        let w0 = nibbles(0) << 32 | nibbles(8)
        let w1 = nibbles(16) << 32 | nibbles(24)
        let w2 = nibbles(32) << 32 | nibbles(40)
        let w3 = nibbles(48) << 32 | nibbles(56)
        guard invalid == 0 else { return nil }
        self.init(w0: w0, w1: w1, w2: w2, w3: w3)
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
        #if os(Linux)
        // BoringSSL directly: swift-crypto's `SHA256` allocates a context for every hash
        // (see CBoringSHA256/shim.h).
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { out in
            var none: UInt8 = 0
            if bytes.isEmpty {
                _ = CCryptoBoringSSL_SHA256(&none, 0, out.baseAddress)
            } else {
                _ = CCryptoBoringSSL_SHA256(bytes.baseAddress, bytes.count, out.baseAddress)
            }
        }
        return Hash256(w0: UInt64(bigEndian: digest.0), w1: UInt64(bigEndian: digest.1), w2: UInt64(bigEndian: digest.2), w3: UInt64(bigEndian: digest.3))
        #else
        return Hash256(digest: SHA256.hash(data: bytes))
        #endif
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { sha256($0) }
    }

    /// Entries up to this size are hashed from a copy behind their prefix on the stack;
    /// Swift puts a temporary allocation of up to 1,024 bytes there without asking the
    /// system (larger ones cost a query of the thread's stack, on Linux a system call).
    static let stackLeafLimit = 1_023

    /// The RFC 9162 leaf hash of an entry: `SHA-256(0x00 || entry)`.
    public static func leaf(_ entry: UnsafeRawBufferPointer) -> Hash256 {
        guard entry.count <= stackLeafLimit else {
            // A context costs little beside hashing this many bytes.
            var hasher = SHA256()
            Swift.withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: entry)
            return Hash256(digest: hasher.finalize())
        }
        // The prefix and the entry in one buffer, for a one-shot hash: a 400-byte copy costs
        // less than a hashing context.
        return withUnsafeTemporaryAllocation(byteCount: entry.count + 1, alignment: 8) { buffer in
            buffer[0] = 0
            if !entry.isEmpty {
                UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: entry)
            }
            return sha256(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The RFC 9162 leaf hash of an entry: `SHA-256(0x00 || entry)`.
    public static func leaf(_ entry: [UInt8]) -> Hash256 {
        entry.withUnsafeBytes { leaf($0) }
    }

    /// The RFC 9162 interior node hash: `SHA-256(0x01 || left || right)`.
    public static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        // 65 bytes after 7 of padding, so that the words stay aligned.
        var words = (
            UInt64(1).bigEndian,
            left.w0.bigEndian, left.w1.bigEndian, left.w2.bigEndian, left.w3.bigEndian,
            right.w0.bigEndian, right.w1.bigEndian, right.w2.bigEndian, right.w3.bigEndian
        )
        return Swift.withUnsafeBytes(of: &words) { sha256(UnsafeRawBufferPointer(rebasing: $0[7...])) }
    }
}
