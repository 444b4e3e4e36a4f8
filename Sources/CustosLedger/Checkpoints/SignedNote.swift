import Foundation

/// A C2SP signed note: text, a blank line, and one signature line per key,
/// `— NAME BASE64(KEYID ‖ SIGNATURE)`. The signatures cover the text including its final
/// newline.
public struct SignedNote: Sendable, Hashable, CustomStringConvertible {
    /// One signature line.
    public struct Signature: Sendable, Hashable {
        public let name: String
        public let keyID: UInt32
        public let signature: [UInt8]
    }

    /// The signed text, ending with a newline.
    public let text: String
    public let signatures: [Signature]

    private static let dash = "\u{2014} "
    static let maxSignatures = 100

    /// Signs `text` (which must end with a newline and hold no blank line) with `signers`.
    public init(signing text: String, with signers: [NoteSigner]) throws {
        guard text.hasSuffix("\n"), !text.contains("\n\n") else { throw NoteError.invalidNote("the text must end with a newline and have no blank line") }
        self.text = text
        self.signatures = try signers.map { signer in
            Signature(name: signer.name, keyID: signer.verifierKey.keyID, signature: try signer.signature(of: Array(text.utf8)))
        }
    }

    /// Parses a signed note.
    public init(parsing note: String) throws(NoteError) {
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw .invalidNote("no blank line before the signatures") }
        let text = String(note[..<split.lowerBound]) + "\n"
        let block = note[split.upperBound...]
        guard block.hasSuffix("\n") else { throw .invalidNote("the last signature line must end with a newline") }
        var signatures: [Signature] = []
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(Self.dash) else { throw .invalidNote("a signature line must start with an em dash and a space") }
            let fields = line.dropFirst(Self.dash.count).split(separator: " ", omittingEmptySubsequences: false)
            // Only canonical base64: otherwise two texts would carry the same signature.
            guard fields.count == 2, let raw = Data(base64Encoded: String(fields[1])), raw.count > 4, raw.base64EncodedString() == fields[1] else {
                throw .invalidNote("a signature line must be '— NAME BASE64'")
            }
            let bytes = Array(raw)
            let keyID = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            signatures.append(Signature(name: String(fields[0]), keyID: keyID, signature: Array(bytes[4...])))
        }
        guard !signatures.isEmpty, signatures.count <= Self.maxSignatures else { throw .invalidNote("a note needs 1 to \(Self.maxSignatures) signatures") }
        self.text = text
        self.signatures = signatures
    }

    /// The note as text: the signed text, a blank line, the signature lines.
    public var description: String {
        text + "\n" + signatures.map { signature in
            let raw = [UInt8(signature.keyID >> 24), UInt8(signature.keyID >> 16 & 0xFF), UInt8(signature.keyID >> 8 & 0xFF), UInt8(signature.keyID & 0xFF)] + signature.signature
            return Self.dash + signature.name + " " + Data(raw).base64EncodedString() + "\n"
        }.joined()
    }

    /// True when a signature by `key` (same name and key id) is present and valid. As in the
    /// Go `note` package, the first line with the key's name and id decides.
    public func isSigned(by key: NoteVerifierKey) -> Bool {
        guard let line = signatures.first(where: { $0.name == key.name && $0.keyID == key.keyID }) else { return false }
        return key.isValidSignature(line.signature, of: Array(text.utf8))
    }
}
