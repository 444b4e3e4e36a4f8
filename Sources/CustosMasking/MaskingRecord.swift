public import CustosLedger

extension MaskingSummary {
    /// The `mask` event that records this run: the input node derives the output node, with
    /// the policy, the counts per type, the sizes, the SHA-256 of the output and the keyed
    /// digest of the input (``inputKeyedDigest``; none without a key). Never a value, never a
    /// fragment of one, never a position (positions plus the input would give values away to
    /// whoever holds the input), and never a plain hash of the input, which would give a short
    /// input away to whoever can guess it.
    ///
    /// `covers` lists the sensitivity tags the masking removes, which stops their taint at
    /// the output (docs/LINEAGE.md).
    public func maskEvent(input: NodeID, output: NodeID, actor: Actor, clientEventID: String? = nil) throws(EventError) -> Event {
        var countValues: [String: JSONValue] = [:]
        for (type, count) in counts { countValues[type] = .number(Double(count)) }
        var attributes: [String: JSONValue] = [
            "counts": .object(countValues),
            "total": .number(Double(total)),
            "policy": .string(policyName),
            "policyDigest": .string(policyDigest),
            "covers": .array(covers.map { .string($0) }),
            "format": .string(format.rawValue),
            "outputSha256": .string(outputSHA256),
            "bytesIn": .number(Double(bytesIn)),
            "bytesOut": .number(Double(bytesOut)),
        ]
        if !inputKeyedDigest.isEmpty { attributes["inputHmacSha256"] = .string(inputKeyedDigest) }
        return try Event(kind: .mask, actor: actor, inputs: [input], outputs: [output], attributes: attributes, clientEventID: clientEventID)
    }
}

extension Ledger {
    /// Appends the `mask` event of a run (``MaskingSummary/maskEvent(input:output:actor:clientEventID:)``);
    /// returns once it is durable.
    @discardableResult
    public func recordMasking(_ summary: MaskingSummary, input: NodeID, output: NodeID, actor: Actor, clientEventID: String? = nil) async throws -> AppendReceipt {
        try await append(summary.maskEvent(input: input, output: output, actor: actor, clientEventID: clientEventID))
    }
}
