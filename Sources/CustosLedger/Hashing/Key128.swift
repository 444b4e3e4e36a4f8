import CXXHash

/// A compact 16-byte key that stands for a longer name (a node id, a kind) in index keys.
///
/// Made with XXH3-128: fast, and never trusted for integrity. Every store that maps a
/// `Key128` to a name keeps the full name and checks it, and probes with another seed
/// when two names collide (see ``Interner``), so a collision can never give a wrong answer.
public struct Key128: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The key of `bytes` under `seed` (seed 0 first, then 1, 2, … on collisions).
    public init(hashing bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) {
        let hash = XXH3_128bits_withSeed(bytes.baseAddress, bytes.count, seed)
        self.init(high: hash.high64, low: hash.low64)
    }

    /// The key of the UTF-8 of `string` under `seed`.
    public init(hashing string: String, seed: UInt64 = 0) {
        var string = string
        self = string.withUTF8 { Key128(hashing: UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// The key from its 16 big-endian bytes.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 16 else { return nil }
        high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Appends the 16 big-endian bytes.
    @inline(__always)
    public func append(to output: inout KeyBuffer) {
        output.append(high)
        output.append(low)
    }

    public static func < (lhs: Key128, rhs: Key128) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public var description: String {
        var bytes = KeyBuffer()
        append(to: &bytes)
        return bytes.withUnsafeBytes { Hex.encode($0) }
    }
}
