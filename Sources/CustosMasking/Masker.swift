/// Finds and masks personal data and secrets, by a ``MaskingPolicy``.
///
/// ```swift
/// let masker = Masker(policy: try MaskingPolicy.load(contentsOf: "policy.yaml"), key: key)
/// let (masked, summary) = masker.mask(Array(text.utf8))
/// print(summary.counts)   // ["email": 2, "card_number": 1]
///
/// var stream = masker.stream()           // any size, bounded memory
/// for chunk in chunks { stream.write(chunk) { output.write($0) } }
/// let summary = stream.finish { output.write($0) }
/// ```
///
/// A `Masker` is a value: share it between tasks freely. Each ``MaskingStream`` it makes is
/// one run's state.
public struct Masker: Sendable {
    public let policy: MaskingPolicy
    let key: PseudonymKey?
    /// The policy's rule and threshold per type ordinal, looked up once per finding.
    let rules: [(rule: MaskingPolicy.Rule, threshold: Double)?]

    /// `key` is needed only when the policy uses ``MaskingOperator/pseudonym``; without it,
    /// pseudonyms fall back to placeholders rather than to anything reversible.
    public init(policy: MaskingPolicy = .standard, key: PseudonymKey? = nil) {
        self.policy = policy
        self.key = key
        rules = EntityType.all.map { type in policy.rule(for: type).map { ($0, $0.threshold ?? policy.threshold) } }
    }

    /// The rule for a finding, when the policy masks it.
    @inline(__always)
    func rule(for finding: Finding) -> MaskingPolicy.Rule? {
        guard let entry = rules[Int(finding.type.ordinal)], finding.confidence >= entry.threshold else { return nil }
        return entry.rule
    }

    /// A new streaming run. `hashing: false` skips the SHA-256 of input and output, which a
    /// mask event records: for runs that will not be recorded.
    public func stream(format: InputFormat = .auto, hashing: Bool = true) -> MaskingStream {
        MaskingStream(masker: self, format: format, hashing: hashing)
    }

    /// Masks `input` whole.
    public func mask(_ input: [UInt8], format: InputFormat = .auto) -> (output: [UInt8], summary: MaskingSummary) {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 64)
        var stream = stream(format: format)
        input.withUnsafeBytes { bytes in stream.write(bytes) { output.append(contentsOf: $0) } }
        let summary = stream.finish { output.append(contentsOf: $0) }
        return (output, summary)
    }

    /// Masks a string (invalid UTF-8 cannot occur in a `String`).
    public func mask(_ text: String, format: InputFormat = .auto) -> (output: String, summary: MaskingSummary) {
        let (output, summary) = mask(Array(text.utf8), format: format)
        return (String(decoding: output, as: UTF8.self), summary)
    }

    /// Every finding that masking `input` replaces, however many (the summary lists at most
    /// ``MaskingSummary/maxReportedFindings``).
    public func maskedFindings(in input: [UInt8], format: InputFormat = .auto) -> [Finding] {
        var stream = MaskingStream(masker: self, format: format, reportLimit: .max)
        input.withUnsafeBytes { bytes in stream.write(bytes) { _ in } }
        return stream.finish { _ in }.findings
    }

    /// Every finding in `input`, masked or not, surest first where they overlap: for reports
    /// and tests. Masking chooses among these.
    public static func findings(in input: [UInt8]) -> [Finding] {
        input.withUnsafeBytes { bytes in
            var scanner = TextScanner(bytes, base: 0, marks: ContextMarks())
            _ = scanner.run(from: 0, limit: bytes.count)
            return scanner.findings.sorted { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.outranks($1) }
        }
    }

    // MARK: Replacements

    /// The bytes that replace `value`, a finding of `type`.
    func replacement(for value: UnsafeRawBufferPointer, type: EntityType, rule: MaskingPolicy.Rule) -> [UInt8] {
        switch rule.maskingOperator {
        case .redact:
            return MaskingOperator.redaction
        case .placeholder:
            return type.placeholderBytes
        case .keepLast(let count):
            var output = Array(value)
            let positions = output.indices.filter { Self.isAlphanumeric(output[$0]) }
            let masked = positions.count > count ? positions.dropLast(count) : positions[...]
            for index in masked { output[index] = UInt8(ascii: "*") }
            return output
        case .pseudonym:
            guard let key else { return type.placeholderBytes }
            return key.pseudonym(of: Self.normalized(value, as: type), as: type)
        }
    }

    /// The form two spellings of one value share: emails in lower case, numbers as digits.
    static func normalized(_ value: UnsafeRawBufferPointer, as type: EntityType) -> [UInt8] {
        switch type {
        case .email, .macAddress, .ipAddress:
            return value.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        case .phone:
            var digits = value.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            if digits.count == 11 && digits.first == UInt8(ascii: "1") { digits.removeFirst() }
            return digits
        case .ssn, .cardNumber, .iban, .passport, .driversLicense:
            return value.filter(isAlphanumeric).map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 & ~0x20 : $0 }
        case .personName, .postalAddress:
            // Case and spacing do not make another person.
            var output: [UInt8] = []
            for byte in value {
                let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if folded == UInt8(ascii: " ") && output.last == UInt8(ascii: " ") { continue }
                output.append(folded)
            }
            return output
        default:
            return Array(value)
        }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }
}
