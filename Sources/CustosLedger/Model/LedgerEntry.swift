/// An event as the ledger holds it: the client's event plus the members the ledger assigned.
///
/// `bytes` are the canonical (RFC 8785) JSON of the whole entry, exactly as stored and
/// hashed; `leafHash` is `SHA-256(0x00 || bytes)`.
public struct LedgerEntry: Sendable, Hashable {
    /// The entry's position in the log, from 0.
    public let seq: UInt64
    /// When the ledger appended it. Never earlier than the entry before it.
    public let time: Timestamp
    /// The leaf hash of the entry before it; all zeros for seq 0. Read from ``bytes`` when
    /// asked for: most readers never need it.
    public var prev: Hash256 {
        bytes.withUnsafeBytes { Hash256(lowercaseHexUTF8: UnsafeRawBufferPointer(rebasing: $0[prevRange])) } ?? .zero
    }
    private let prevRange: Range<Int>
    /// What the client submitted.
    public let event: Event
    /// The canonical bytes.
    public let bytes: [UInt8]

    /// The RFC 9162 leaf hash, `SHA-256(0x00 || bytes)`.
    public var leafHash: Hash256 { Hash256.leaf(bytes) }

    /// The format version written in every entry (`"v":1`).
    public static let formatVersion = 1

    /// Decodes and checks stored entry bytes: they must be exactly the canonical JSON of an
    /// entry (docs/FORMAT.md); anything else was not written by the ledger.
    public init(bytes: UnsafeRawBufferPointer) throws(EntryDecodingError) {
        let view = try EntryView(bytes)
        self.seq = view.seq
        self.time = view.time
        self.prevRange = view.prevRange
        self.event = try view.event()
        self.bytes = Array(bytes)
    }

    /// Decodes stored entry bytes without checking them again: for reads of the store's own
    /// entries, where `custos verify`, not every read, checks them.
    init(storedBytes bytes: UnsafeRawBufferPointer) throws(EntryDecodingError) {
        let view = try EntryView(bytes, strict: false)
        self.seq = view.seq
        self.time = view.time
        self.prevRange = view.prevRange
        self.event = try view.event()
        self.bytes = Array(bytes)
    }

    /// Decodes and checks stored entry bytes.
    public init(bytes: [UInt8]) throws(EntryDecodingError) {
        do {
            self = try bytes.withUnsafeBytes { try LedgerEntry(bytes: $0) }
        } catch let error as EntryDecodingError {
            throw error
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// The whole entry: the event's canonical content completed by the assigned members.
    static func encode(content: [UInt8], prev: Hash256, seq: UInt64, time: Timestamp) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.count + 140)
        bytes.append(contentsOf: content)
        appendAssigned(prev: prev, seq: seq, time: time, to: &bytes)
        return bytes
    }

    /// Appends `,"prev":"…","seq":N,"time":"…","v":1}`.
    static func appendAssigned(prev: Hash256, seq: UInt64, time: Timestamp, to bytes: inout [UInt8]) {
        var timeText: [UInt8] = []
        timeText.reserveCapacity(27)
        time.append(to: &timeText)
        appendAssigned(prev: prev, seq: seq, timeText: timeText, to: &bytes)
    }

    /// Appends `,"prev":"…","seq":N,"time":"…","v":1}` with the time already in the ledger's
    /// form: every entry of a commit has the same time, which the writer formats once.
    static func appendAssigned(prev: Hash256, seq: UInt64, timeText: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(contentsOf: #","prev":""#.utf8)
        prev.appendHex(to: &bytes)
        bytes.append(contentsOf: #"","seq":"#.utf8)
        appendDecimal(seq, to: &bytes)
        bytes.append(contentsOf: #","time":""#.utf8)
        bytes.append(contentsOf: timeText)
        bytes.append(contentsOf: #"","v":1}"#.utf8)
    }

    /// Appends the decimal digits of `value`.
    @inline(__always)
    static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// The canonical size of `event` once appended at `seq`.
    public static func encodedSize(of event: Event, seq: UInt64) -> Int {
        event.canonicalContent().count + assignedLength(seq: seq)
    }

    /// Length of the assigned members' text for a given seq.
    static func assignedLength(seq: UInt64) -> Int {
        // ,"prev":" (9) + 64 + ","seq": (8) + digits + ,"time":" (9) + 27 + ","v":1} (8)
        125 + String(seq).utf8.count
    }
}

extension EventLimits {
    /// No limits, and ids as any version accepted them: for reading back what was checked
    /// when it was written (entries, key files, tokens, a server's answers).
    public static let unbounded: EventLimits = {
        var limits = EventLimits()
        limits.maxEntryBytes = .max
        limits.maxNodes = .max
        limits.maxEdges = .max
        limits.maxNodeIDBytes = .max
        limits.maxClientEventIDBytes = .max
        limits.maxAttributeDepth = 1_000
        limits.allowsDeceptiveCharacters = true
        return limits
    }()
}

/// Why stored bytes are not a valid entry.
public enum EntryDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedJSON(JSONParseError)
    case invalid(String)
    case invalidEvent(EventError)
    /// Valid, but not byte-for-byte the canonical form: the bytes were altered.
    case notCanonical

    public var description: String {
        switch self {
        case .malformedJSON(let error): return "the entry is not valid JSON: \(error)"
        case .invalid(let reason): return reason
        case .invalidEvent(let error): return "the entry's event is invalid: \(error)"
        case .notCanonical: return "the entry is not in canonical form (RFC 8785)"
        }
    }
}
