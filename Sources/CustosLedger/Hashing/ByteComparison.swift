#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// Whether the two byte ranges hold the same bytes: one `memcmp`, where the generic
    /// `elementsEqual` steps byte by byte (names and keys are compared per entry when a
    /// store is verified).
    func hasSameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        guard let base = baseAddress, let otherBase = other.baseAddress else { return count == 0 }
        return memcmp(base, otherBase, count) == 0
    }

    /// Whether the bytes are those of `other`.
    func hasSameBytes(as other: [UInt8]) -> Bool {
        other.withUnsafeBytes { hasSameBytes(as: $0) }
    }

    /// Whether the bytes are the UTF-8 of `literal`.
    func hasSameBytes(as literal: StaticString) -> Bool {
        hasSameBytes(as: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
