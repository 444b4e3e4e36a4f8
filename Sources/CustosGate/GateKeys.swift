public import CustosLedger
import Crypto
import Foundation

/// The Ed25519 key pair that signs just-in-time tokens, kept in the store folder:
/// `gate.key` (the private key, base64, mode 0600) and `gate.pub` (the public key,
/// `custos-gate+KEYID+BASE64`, for verifiers). Created on first use; a second process that
/// opens the same store reads the same key.
public struct GateSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey
    /// The public half, for verifying tokens.
    public let verifier: GateVerifierKey

    public static let privateFileName = "gate.key"
    public static let publicFileName = "gate.pub"

    public init(rawRepresentation: [UInt8]) throws(GateError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation) else {
            throw .invalidToken("the gate signing key must be 32 bytes of Ed25519 private key")
        }
        privateKey = key
        verifier = GateVerifierKey(publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// A new random key, not saved.
    public static func generate() -> GateSigningKey {
        let key = Curve25519.Signing.PrivateKey()
        return GateSigningKey(key: key)
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        privateKey = key
        verifier = GateVerifierKey(publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// The key of the store at `folder`, created (with its public file) when missing.
    public static func load(inStore folder: String) throws(SecretFile.Failure) -> GateSigningKey {
        let path = folder + "/" + privateFileName
        if !SecretFile.exists(path) {
            let key = generate()
            let text = Array((Data(key.privateKey.rawRepresentation).base64EncodedString() + "\n").utf8)
            do {
                try SecretFile.create(path, contents: text)
                let publicPath = folder + "/" + publicFileName
                try? FileManager.default.removeItem(atPath: publicPath)
                _ = FileManager.default.createFile(atPath: publicPath, contents: Data((key.verifier.description + "\n").utf8), attributes: [.posixPermissions: 0o644])
                return key
            } catch {
                // Another process may have created it first: then use theirs.
                guard SecretFile.exists(path) else { throw error }
            }
        }
        let bytes = try SecretFile.read(path)
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), let key = try? GateSigningKey(rawRepresentation: Array(raw)) else {
            throw SecretFile.Failure(path: path, reason: "is not a gate signing key (base64 of 32 bytes); move it away to have a new one made, which voids tokens already issued")
        }
        return key
    }

    func signature(for message: [UInt8]) -> [UInt8] {
        // Signing with a valid key cannot fail; an empty signature would only fail verification.
        (try? Array(privateKey.signature(for: message))) ?? []
    }
}

/// The public key that verifies gate tokens offline: `custos-gate+KEYID+BASE64(public key)`,
/// where KEYID is the first four bytes of SHA-256 of the public key, in hex.
public struct GateVerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    /// The first four bytes of SHA-256(public key), in hex: tokens name the key that signed them.
    public let keyID: String

    public init(publicKey: [UInt8]) {
        self.publicKey = publicKey
        keyID = Hex.encode(SHA256.hash(data: publicKey).prefix(4))
    }

    /// Reads the text form (`gate.pub`).
    public init(parsing text: String) throws(GateError) {
        // Base64 may itself hold "+": split off the name and the key id only.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "custos-gate", let raw = Data(base64Encoded: String(parts[2])), raw.count == 32 else {
            throw .invalidToken("a gate public key reads custos-gate+KEYID+BASE64 (the store's gate.pub)")
        }
        self.init(publicKey: Array(raw))
        guard keyID == parts[1] else { throw .invalidToken("the key id \(parts[1]) does not match the key, whose id is \(keyID)") }
    }

    public var description: String { "custos-gate+\(keyID)+\(Data(publicKey).base64EncodedString())" }

    public func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
