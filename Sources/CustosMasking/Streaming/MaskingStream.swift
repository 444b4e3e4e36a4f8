import Crypto

/// One masking run over input of any size, in chunks, with memory bounded by the chunk size
/// plus a fixed window (``TextScanner/lookBehind`` + ``TextScanner/lookAhead``), and, for
/// JSON, the names given to sensitive object keys (at most ``maxRememberedKeys`` of them): a
/// value cut by a chunk boundary is still found, and the output is byte for byte what masking
/// the whole input at once gives.
///
/// How: the scanner only starts tokens at least ``TextScanner/lookAhead`` bytes before the
/// end of what has arrived, and no detector looks further than ``TextScanner/lookBehind``
/// back from a token, so everything more than that behind the scanner is settled: no finding
/// can still appear there. Settled findings are chosen left to right (at one start, the
/// surest; overlapping a chosen one, dropped) and settled bytes are written out.
public struct MaskingStream {
    public let masker: Masker
    /// The format asked for; ``MaskingSummary/format`` says what `auto` became.
    public let requestedFormat: InputFormat

    private var format: InputFormat?
    private var buffer: [UInt8] = []
    /// Absolute offset of `buffer[0]`.
    private var bufferStart = 0
    /// Absolute offset of the next token the scanner looks at.
    private var scanPosition = 0
    /// Absolute offset up to which output has been written.
    private var emitted = 0
    private var marks = ContextMarks()
    private var pending: [Finding] = []
    private var structure = JSONStructure()
    private var inputHash = SHA256()
    private var outputHash = SHA256()
    private var inputKeyedHash: HMAC<SHA256>?
    private var summary = MaskingSummary()
    private var finished = false
    private var output: [UInt8] = []
    /// Masked values per type ordinal; the summary's dictionary is made at the end.
    private var typeCounts = [Int](repeating: 0, count: EntityType.all.count)
    /// For each name a JSON object key's value gets before numbering (its pseudonym, or its
    /// type's placeholder), the number each spelling got, and the next number: two keys of
    /// one object must never get one name (``keyName(for:_:rule:)``).
    private var keyNames: [[UInt8]: (spellings: [[UInt8]: Int], next: Int)] = [:]
    /// Spellings remembered in ``keyNames``, at most ``maxRememberedKeys``.
    private var rememberedSpellings = 0
    /// Names given once the memory is full to a name not seen before: numbered apart (`#~1`),
    /// never reused.
    private var unremembered = 0
    /// The most distinct key values remembered in one run.
    static let maxRememberedKeys = 65_536

    /// The most input bytes held at once, for tests of bounded memory.
    public private(set) var peakBufferedBytes = 0
    /// How many masked findings the summary lists.
    private let reportLimit: Int
    /// False to skip the SHA-256 of input and output (the summary then has none).
    private let hashing: Bool

    init(masker: Masker, format: InputFormat, reportLimit: Int = MaskingSummary.maxReportedFindings, hashing: Bool = true) {
        self.masker = masker
        self.reportLimit = reportLimit
        self.hashing = hashing
        if hashing, let key = masker.key { inputKeyedHash = HMAC<SHA256>(key: key.digestKey()) }
        requestedFormat = format
        if format != .auto { self.format = format }
        summary.policyName = masker.policy.name
        summary.policyDigest = masker.policy.digest
        summary.covers = masker.policy.covers.sorted()
    }

    /// Feeds the next chunk; `sink` receives whatever output is settled (possibly nothing).
    public mutating func write(_ chunk: UnsafeRawBufferPointer, to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        precondition(!finished, "write after finish")
        guard !chunk.isEmpty else { return }
        if hashing {
            inputHash.update(bufferPointer: chunk)
            inputKeyedHash?.update(data: chunk)
        }
        summary.bytesIn += chunk.count
        if format == nil, let first = chunk.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) {
            format = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .text
        }
        buffer.append(contentsOf: chunk)
        peakBufferedBytes = max(peakBufferedBytes, buffer.count)
        try process(final: false, sink)
    }

    /// Feeds bytes from an array.
    public mutating func write(_ chunk: [UInt8], to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try chunk.withUnsafeBytes { try write($0, to: sink) }
    }

    /// Ends the input: writes the rest and returns what the run did.
    public mutating func finish(to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows -> MaskingSummary {
        precondition(!finished, "finish called twice")
        try process(final: true, sink)
        finished = true
        summary.format = format ?? .text
        for (type, count) in zip(EntityType.all, typeCounts) where count > 0 { summary.counts[type.name] = count }
        if hashing {
            summary.inputSHA256 = Self.hex(inputHash.finalize())
            summary.outputSHA256 = Self.hex(outputHash.finalize())
            if let keyed = inputKeyedHash { summary.inputKeyedDigest = Self.hex(keyed.finalize()) }
        }
        return summary
    }

    // MARK: The pass

    private mutating func process(final: Bool, _ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        buffer.withUnsafeBytes { raw in
            var scanner = TextScanner(raw, base: bufferStart, marks: marks)
            let from = scanPosition - bufferStart
            let limit = final ? raw.count : raw.count - TextScanner.lookAhead
            if limit > from { scanPosition = bufferStart + scanner.run(from: from, limit: limit) }
            marks = scanner.marks
            for finding in scanner.findings {
                if masker.rule(for: finding) != nil { pending.append(finding) } else { summary.skipped += 1 }
            }
        }
        let bufferEnd = bufferStart + buffer.count
        let settled = final ? Int.max : scanPosition - TextScanner.lookBehind

        // Choose among the settled findings, left to right.
        pending.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.outranks($1) }
        var chosen: [Finding] = []
        var waiting: [Finding] = []
        var cursor = emitted
        for finding in pending {
            if finding.range.lowerBound >= settled {
                waiting.append(finding)
            } else if finding.range.lowerBound >= cursor {
                chosen.append(finding)
                cursor = finding.range.upperBound
            } else {
                summary.skipped += 1
            }
        }
        pending = waiting
        let emitTo = min(bufferEnd, final ? bufferEnd : max(settled, cursor))

        // Write out what is settled, with the chosen findings replaced.
        output.removeAll(keepingCapacity: true)
        buffer.withUnsafeBytes { raw in
            for finding in chosen {
                copy(raw, upTo: finding.range.lowerBound)
                let value = UnsafeRawBufferPointer(rebasing: raw[(finding.range.lowerBound - bufferStart)..<(finding.range.upperBound - bufferStart)])
                replace(finding, value)
                if format == .json { structure.advance(over: value) }
                emitted = finding.range.upperBound
            }
            if emitTo > emitted { copy(raw, upTo: emitTo) }
        }
        if !output.isEmpty {
            summary.bytesOut += output.count
            try output.withUnsafeBytes { bytes in
                if hashing { outputHash.update(bufferPointer: bytes) }
                try sink(bytes)
            }
        }

        // Keep what the scanner may still look back at, and what is not written yet.
        let keepFrom = max(bufferStart, min(emitted, scanPosition - TextScanner.lookBehind))
        if keepFrom > bufferStart {
            buffer.removeFirst(keepFrom - bufferStart)
            bufferStart = keepFrom
        }
    }

    /// Appends the input from ``emitted`` to `end` unchanged.
    private mutating func copy(_ raw: UnsafeRawBufferPointer, upTo end: Int) {
        guard end > emitted else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: raw[(emitted - bufferStart)..<(end - bufferStart)])
        output.append(contentsOf: bytes)
        if format == .json { structure.advance(over: bytes) }
        emitted = end
    }

    /// Appends the replacement of one finding (a distinct name for a JSON object key), or the
    /// value itself where the structure says it must stay (a `key=` name).
    private mutating func replace(_ finding: Finding, _ value: UnsafeRawBufferPointer) {
        guard let rule = masker.rule(for: finding) else {
            output.append(contentsOf: value)
            return
        }
        var quote = false
        switch format {
        case .json:
            switch structure.place {
            case .key:
                // A value's place does not protect it, but keys of one object must stay
                // distinct, so that the output means what the input meant.
                output.append(contentsOf: keyName(for: value, finding.type, rule: rule))
                count(finding)
                return
            case .stringValue: break
            case .bare: quote = true
            }
        case .keyValue:
            let end = finding.range.upperBound - bufferStart
            let isKey = buffer.withUnsafeBytes { raw in end < raw.count && raw[end] == UInt8(ascii: "=") }
            if isKey {
                output.append(contentsOf: value)
                summary.skipped += 1
                return
            }
        default:
            break
        }
        if quote { output.append(UInt8(ascii: "\"")) }
        output.append(contentsOf: masker.replacement(for: value, type: finding.type, rule: rule))
        if quote { output.append(UInt8(ascii: "\"")) }
        count(finding)
    }

    private mutating func count(_ finding: Finding) {
        typeCounts[Int(finding.type.ordinal)] += 1
        if summary.findings.count < reportLimit {
            summary.findings.append(finding)
        } else {
            summary.findingsTruncated = true
        }
    }

    /// What replaces a sensitive value that is a JSON object key: its pseudonym when the rule
    /// asks for pseudonyms (another spelling of the same value, which shares the pseudonym,
    /// gets it numbered: `#2`, `#3`), else the type's placeholder numbered by distinct value of
    /// that type in this run (`<EMAIL#1>`, `<EMAIL#2>`), so that two keys of one object never
    /// become one, and nothing links them across runs.
    private mutating func keyName(for value: UnsafeRawBufferPointer, _ type: EntityType, rule: MaskingPolicy.Rule) -> [UInt8] {
        let pseudonymous = rule.maskingOperator == .pseudonym && masker.key != nil
        let base = pseudonymous ? masker.replacement(for: value, type: type, rule: rule) : type.placeholderBytes
        // A pseudonym's first spelling keeps it as it is; placeholders are numbered from 1.
        func name(_ number: Int) -> [UInt8] { pseudonymous && number == 1 ? base : Array(base.dropLast()) + Array("#\(number)>".utf8) }
        let spelling = Array(value)
        let room = rememberedSpellings < Self.maxRememberedKeys
        guard var entry = keyNames[base] else {
            guard room else {
                unremembered += 1
                return Array(base.dropLast()) + Array("#~\(unremembered)>".utf8)
            }
            keyNames[base] = ([spelling: 1], 2)
            rememberedSpellings += 1
            return name(1)
        }
        if let number = entry.spellings[spelling] { return name(number) }
        let number = entry.next
        entry.next += 1
        if room {
            entry.spellings[spelling] = number
            rememberedSpellings += 1
        }
        keyNames[base] = entry
        return name(number)
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
