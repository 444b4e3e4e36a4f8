import Foundation

/// A C2SP `tlog-checkpoint`: the origin of a log, a tree size and the RFC 9162 root at that
/// size, as the text a signed note carries:
///
/// ```
/// example.com/custos/prod
/// 1200
/// JrClVgwud1ODbVr+hTXpE5O+5XWCD8yCJmTHKZRYCNA=
/// ```
public struct Checkpoint: Sendable, Hashable {
    public let origin: String
    public let size: UInt64
    public let rootHash: Hash256
    /// Optional extension lines after the root (none by default).
    public let extensions: [String]

    public init(origin: String, size: UInt64, rootHash: Hash256, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The checkpoint's text, each line ending with a newline.
    public var text: String {
        ([origin, String(size), Data(rootHash.bytes).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses checkpoint text.
    public init(parsing text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw .invalidCheckpoint("the text must end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, !lines[0].isEmpty else { throw .invalidCheckpoint("expected an origin, a size and a root hash, one per line") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else { throw .invalidCheckpoint("the size must be a decimal number without leading zeros") }
        guard let raw = Data(base64Encoded: lines[2]), let root = Hash256(bytes: Array(raw)), Data(raw).base64EncodedString() == lines[2] else {
            throw .invalidCheckpoint("the root hash must be the standard base64 of 32 bytes")
        }
        guard !lines[3...].contains(where: \.isEmpty) else { throw .invalidCheckpoint("extension lines must not be empty") }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }
}

/// A checkpoint with the signed note that carries it.
public struct SignedCheckpoint: Sendable, Hashable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    /// Signs a checkpoint.
    public init(signing checkpoint: Checkpoint, with signer: NoteSigner) throws {
        self.checkpoint = checkpoint
        self.note = try SignedNote(signing: checkpoint.text, with: [signer])
    }

    /// Parses a signed checkpoint (the note's text must be a checkpoint).
    public init(parsing text: String) throws(NoteError) {
        note = try SignedNote(parsing: text)
        checkpoint = try Checkpoint(parsing: note.text)
    }

    /// True when `key` signed it and it is for `key`'s log (the key name is the origin).
    public func isSigned(by key: NoteVerifierKey) -> Bool {
        note.isSigned(by: key)
    }

    /// The signed note's text form.
    public var text: String { note.description }
}
