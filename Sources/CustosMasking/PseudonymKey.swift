import Crypto
public import CustosLedger
import Foundation

/// The secret behind keyed pseudonyms: 32 random bytes. The same key gives the same pseudonym
/// for the same value in every run, so masked data can still be joined; without it a
/// pseudonym cannot be turned back into its value, nor checked against a guess.
///
/// Kept in the store folder as `mask.key` (mode 0600, hex), created on first use; never
/// logged, never written to the ledger.
public struct PseudonymKey: Sendable {
    /// The raw bytes; a `SymmetricKey` is made from them for each use (it is not `Sendable`).
    private let bytes: [UInt8]

    /// The file name in a store folder.
    public static let fileName = "mask.key"

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A new random key (for tests and one-off runs; it is not saved).
    public static func random() -> PseudonymKey {
        PseudonymKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }

    /// Reads the key at `path`, creating it first when `create` is set and there is none.
    public static func load(from path: String, createIfMissing create: Bool) throws(SecretFile.Failure) -> PseudonymKey {
        if !SecretFile.exists(path) {
            guard create else { throw SecretFile.Failure(path: path, reason: "no pseudonym key: create one with `custos init`, or pass --create-key") }
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
            try SecretFile.create(path, contents: Array((Hex.encode(bytes) + "\n").utf8))
        }
        let text = String(decoding: try SecretFile.read(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 64, let bytes = Hex.decode(text) else {
            throw SecretFile.Failure(path: path, reason: "is not a pseudonym key (64 hex digits)")
        }
        return PseudonymKey(bytes: bytes)
    }

    /// The pseudonym of `value` (already normalized) as a `type`: `<EMAIL:5f0c2a9e1b7d4c38>`.
    func pseudonym(of value: [UInt8], as type: EntityType) -> [UInt8] {
        var message = Array(type.name.utf8)
        message.append(0)
        message.append(contentsOf: value)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: bytes))
        var output = Array(("<" + type.name.uppercased() + ":").utf8)
        for byte in code.prefix(8) {
            output.append(Self.hexDigits[Int(byte >> 4)])
            output.append(Self.hexDigits[Int(byte & 0x0F)])
        }
        output.append(UInt8(ascii: ">"))
        return output
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The key of input digests (``MaskingSummary/inputKeyedDigest``): derived from this one
    /// under its own label, so that a digest never equals any pseudonym.
    func digestKey() -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array("custos input digest v1".utf8), using: SymmetricKey(data: bytes)))
    }
}
