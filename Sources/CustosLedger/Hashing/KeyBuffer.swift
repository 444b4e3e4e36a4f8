/// A small fixed-capacity buffer for building LMDB keys without heap allocation.
///
/// Index keys are at most 49 bytes (see docs/FORMAT.md, "Indexes"); the capacity is 64.
public struct KeyBuffer: Sendable {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes written so far.
    public private(set) var count = 0

    public static let capacity = 64

    public init() {}

    /// Appends one byte.
    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        precondition(count < Self.capacity, "KeyBuffer overflow")
        withUnsafeMutableBytes(of: &storage) { $0[count] = byte }
        count += 1
    }

    /// Appends `value` as 8 big-endian bytes, so that keys sort numerically.
    @inline(__always)
    public mutating func append(_ value: UInt64) {
        precondition(count + 8 <= Self.capacity, "KeyBuffer overflow")
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: value.bigEndian, toByteOffset: count, as: UInt64.self) }
        count += 8
    }

    /// Appends a key.
    @inline(__always)
    public mutating func append(_ key: Key128) {
        key.append(to: &self)
    }

    /// Calls `body` with the bytes written.
    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = storage
        let count = self.count
        return try Swift.withUnsafeBytes(of: &copy) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// The bytes written.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension UnsafeRawBufferPointer {
    /// The big-endian `UInt64` at `offset`.
    @inline(__always)
    func loadBigEndianUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
