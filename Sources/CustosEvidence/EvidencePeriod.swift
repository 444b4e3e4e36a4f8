public import CustosLedger
import Foundation

/// The period a bundle covers: whole UTC days, `from` and `to` both included, as the
/// `DURING $from TO $to` of the `queries/` files reads them.
public struct EvidencePeriod: Sendable, Hashable {
    /// `YYYY-MM-DD`.
    public let from: String
    /// `YYYY-MM-DD`, included.
    public let to: String
    /// From the first microsecond of `from` up to, not including, the day after `to`.
    public let times: Range<Timestamp>

    public init(from: String, to: String) throws(EvidenceError) {
        guard let start = Self.midnight(from) else { throw .invalidPeriod("--from must be a date such as 2026-01-01, not \"\(from)\"") }
        guard let last = Self.midnight(to) else { throw .invalidPeriod("--to must be a date such as 2026-03-31, not \"\(to)\"") }
        guard last >= start else { throw .invalidPeriod("the period ends (\(to)) before it starts (\(from))") }
        self.from = from
        self.to = to
        times = Timestamp(microseconds: start)..<Timestamp(microseconds: last + 86_400_000_000)
    }

    /// Microseconds since 1970 at the start of a `YYYY-MM-DD` day, UTC.
    static func midnight(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        guard let time = Timestamp(rfc3339: text + "T00:00:00Z") else { return nil }
        // Reject dates that do not exist (2026-02-30) rather than let them roll over.
        guard time.description.hasPrefix(String(format: "%04d-%02d-%02d", year, month, day)) else { return nil }
        return time.microseconds
    }

    /// The LQL parameters of the period.
    public var parameters: [String: String] { ["from": from, "to": to] }
}
