/// Where context words were last seen (absolute end offsets): "phone", "ssn", "card",
/// "Authorization", … A detector asks whether one came shortly before its candidate; a
/// nearby context word raises confidence, and some candidates (nine bare digits for an SSN)
/// count only with one. Carried from window to window, so context works across chunks.
struct ContextMarks: Sendable, Equatable {
    static let never = Int.min / 2

    var phone = never
    var ssn = never
    var card = never
    var authorization = never
    /// "version", "build", "release": dotted numbers after them are versions, not addresses.
    var version = never

    /// How close a context word must be: the bytes between its end and the candidate.
    static let window = 48

    /// True when `mark` ends at most ``window`` bytes before the absolute offset `start`.
    static func isNear(_ mark: Int, _ start: Int) -> Bool {
        start >= mark && start - mark <= window
    }
}
