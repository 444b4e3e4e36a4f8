/// Mixed into every ``NodeKeyMap`` slot choice, so that node ids crafted to share key bits
/// cannot pile up in one place: keys are XXH3 of public names, not secret.
@usableFromInline let nodeKeyMapSeed = UInt64.random(in: .min ... .max)

/// A map from node keys to values, for traversals that visit many nodes: open addressing
/// with linear probing over the keys' own (already random) bits, instead of hashing them
/// again as `Dictionary` does. Insert and look up only; nothing is ever removed.
///
/// Inlinable so that each client specializes it for its value type: unspecialized, every
/// access would look up generic metadata at run time.
public struct NodeKeyMap<Value>: Sendable where Value: Sendable {
    @usableFromInline var slots: [(key: NodeKey, value: Value)?]
    @usableFromInline var mask: Int
    @usableFromInline var shift: UInt64
    @usableFromInline var storedCount = 0

    /// The number of keys in the map.
    @inlinable public var count: Int { storedCount }

    @inlinable
    public init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        slots = Array(repeating: nil, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    @inlinable @inline(__always)
    func home(of key: NodeKey) -> Int {
        var mixed = (key.key.low ^ nodeKeyMapSeed) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= key.key.high
        mixed = mixed &* 0xC2B2_AE3D_27D4_EB4F
        return Int(truncatingIfNeeded: mixed >> shift)
    }

    /// The value for `key`, if any.
    @inlinable
    public subscript(key: NodeKey) -> Value? {
        var index = home(of: key)
        while let slot = slots[index] {
            if slot.key == key { return slot.value }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Sets the value for `key`; returns true when the key was not in the map before.
    @inlinable @discardableResult
    public mutating func set(_ value: Value, for key: NodeKey) -> Bool {
        var index = home(of: key)
        while let slot = slots[index] {
            if slot.key == key {
                slots[index] = (key, value)
                return false
            }
            index = (index + 1) & mask
        }
        slots[index] = (key, value)
        storedCount += 1
        if storedCount * 2 > slots.count { grow() }
        return true
    }

    @inlinable
    mutating func grow() {
        let old = slots
        slots = Array(repeating: nil, count: old.count * 2)
        mask = slots.count - 1
        shift -= 1
        storedCount = 0
        for case let (key, value)? in old { set(value, for: key) }
    }
}
