import Crypto
import Foundation

/// The public half of a signed-note key, in the C2SP signed-note / Go `note` text form:
/// `NAME+KEYID+BASE64(0x01 ‖ Ed25519 public key)`.
///
/// The key id is the first four bytes of `SHA-256(NAME ‖ 0x0A ‖ 0x01 ‖ public key)`, read as a
/// big-endian integer and written as eight hex digits.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]

    /// The signature type of Ed25519 in signed notes.
    static let ed25519: UInt8 = 0x01

    init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
        self.keyID = NoteVerifierKey.keyID(name: name, publicKey: publicKey)
    }

    /// Parses the text form; the key id must match the name and key.
    public init(parsing text: String) throws(NoteError) {
        // Base64 may hold '+': only the first two separate fields.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalidKey("expected NAME+KEYID+KEY, e.g. example.com/log+1a2b3c4d+AXb…") }
        let name = String(parts[0])
        try NoteVerifierKey.checkName(name)
        guard parts[1].utf8.count == 8, let keyID = UInt32(parts[1], radix: 16) else { throw .invalidKey("the key id must be 8 hex digits") }
        guard let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == Self.ed25519 else {
            throw .invalidKey("the key must be base64 of 0x01 followed by a 32-byte Ed25519 public key")
        }
        self.init(name: name, publicKey: Array(raw.dropFirst()))
        guard self.keyID == keyID else { throw .invalidKey("the key id \(parts[1]) does not match the name and key") }
    }

    /// The text form.
    public var description: String {
        name + "+" + String(format: "%08x", keyID) + "+" + Data([Self.ed25519] + publicKey).base64EncodedString()
    }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    public func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
        var material = Array(name.utf8)
        material.append(0x0A)
        material.append(ed25519)
        material.append(contentsOf: publicKey)
        let bytes = Hash256.sha256(material).bytes
        return UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    }

    /// Key names: not empty, no white space, no `+` (C2SP signed-note).
    static func checkName(_ name: String) throws(NoteError) {
        guard !name.isEmpty, !name.contains("+"),
              !name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { throw .invalidKey("a key name must be non-empty, without spaces, control characters or '+'") }
    }
}

/// The private half: an Ed25519 key that signs notes, in the Go `note` text form
/// `PRIVATE+KEY+NAME+KEYID+BASE64(0x01 ‖ 32-byte seed)`.
///
/// Kept in a file of mode 0600 beside the store, never in the log, never printed.
public struct NoteSigner: Sendable {
    public let name: String
    /// The 32-byte Ed25519 seed. (Crypto's key type is not `Sendable`; the seed is.)
    private let seed: [UInt8]
    /// The matching public key.
    public let verifierKey: NoteVerifierKey

    private init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.seed = Array(privateKey.rawRepresentation)
        self.verifierKey = NoteVerifierKey(name: name, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// A new random key for `name`.
    public static func generate(name: String) throws(NoteError) -> NoteSigner {
        try NoteVerifierKey.checkName(name)
        return NoteSigner(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// Parses the private text form.
    public init(parsing text: String) throws(NoteError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw .invalidKey("expected PRIVATE+KEY+NAME+KEYID+KEY")
        }
        let name = String(parts[2])
        try NoteVerifierKey.checkName(name)
        guard let raw = Data(base64Encoded: String(parts[4])), raw.count == 33, raw.first == NoteVerifierKey.ed25519,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw.dropFirst())
        else { throw .invalidKey("the private key must be base64 of 0x01 followed by a 32-byte Ed25519 seed") }
        self.init(name: name, privateKey: key)
        guard String(format: "%08x", verifierKey.keyID) == parts[3] else { throw .invalidKey("the key id does not match the key") }
    }

    /// The private text form. Write it only to a file of mode 0600.
    public var secretText: String {
        "PRIVATE+KEY+" + name + "+" + String(format: "%08x", verifierKey.keyID) + "+"
            + Data([NoteVerifierKey.ed25519] + seed).base64EncodedString()
    }

    /// The Ed25519 signature of `message`.
    public func signature(of message: [UInt8]) throws -> [UInt8] {
        Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: message))
    }

    // MARK: Files

    /// Writes the key to `path`, which must not exist, with mode 0600 from the start.
    public func write(toNewFile path: String) throws(NoteError) {
        do { try SecretFile.create(path, contents: Array((secretText + "\n").utf8)) } catch { throw .keyFile(path: path, reason: error.reason) }
    }

    /// Reads a key written by ``write(toNewFile:)``, refusing a file that others can read.
    public static func read(from path: String) throws(NoteError) -> NoteSigner {
        let bytes: [UInt8]
        do { bytes = try SecretFile.read(path) } catch { throw .keyFile(path: path, reason: error.reason) }
        return try NoteSigner(parsing: String(decoding: bytes, as: UTF8.self))
    }
}
