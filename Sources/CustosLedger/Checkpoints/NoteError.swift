/// Why a key, a signed note or a checkpoint is not valid.
public enum NoteError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidKey(String)
    case invalidNote(String)
    case invalidCheckpoint(String)
    case keyFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidKey(let reason): return "invalid key: \(reason)"
        case .invalidNote(let reason): return "invalid signed note: \(reason)"
        case .invalidCheckpoint(let reason): return "invalid checkpoint: \(reason)"
        case .keyFile(let path, let reason): return "key file \(path): \(reason)"
        }
    }
}
