/// What went wrong making or checking an evidence bundle, and what to do about it.
public enum EvidenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The period cannot be used as given.
    case invalidPeriod(String)
    /// The store cannot back a bundle (no signing key, no events, a query failed…).
    case cannotBuild(String)
    /// The previous bundle given with `--previous` cannot be read or does not fit.
    case invalidPrevious(String)
    /// The bundle cannot be read as a zip of the expected files.
    case unreadable(String)

    public var description: String {
        switch self {
        case .invalidPeriod(let reason): return "invalid period: \(reason)"
        case .cannotBuild(let reason): return "cannot build the bundle: \(reason)"
        case .invalidPrevious(let reason): return "the previous bundle cannot be used: \(reason)"
        case .unreadable(let reason): return "cannot read the bundle: \(reason)"
        }
    }
}
