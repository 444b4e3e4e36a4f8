import Crypto
import Foundation

/// Name-based UUIDs (RFC 9562 version 5), so that the same inputs give the same bundle, byte
/// for byte: every UUID of a bundle is derived from the bundle's identity and a role name.
enum DeterministicUUID {
    /// The namespace of Custos evidence UUIDs (itself a version 5 UUID of "custos.evidence" in
    /// the URL namespace).
    static let namespace: [UInt8] = make(namespace: [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8], name: "custos.evidence")

    static func uuid(_ name: String) -> String {
        format(make(namespace: namespace, name: name))
    }

    private static func make(namespace: [UInt8], name: String) -> [UInt8] {
        var hasher = Insecure.SHA1()
        hasher.update(data: namespace)
        hasher.update(data: Array(name.utf8))
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes
    }

    private static func format(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }
}
