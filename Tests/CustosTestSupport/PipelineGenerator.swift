public import CustosLedger

/// A deterministic generator of a realistic data platform's history: datasets in layers
/// (sources, raw, staging, cleaned, masked, joined, marts, exports), derivations re-run many
/// times, sources classified as PII or PHI, and agents asking for approval to export, with
/// humans approving and denying, and a known set of violations for the audit queries.
public struct PipelineGenerator: Sendable {
    public struct Shape: Sendable {
        /// Datasets per layer.
        public var nodesPerLayer: Int
        /// The layers, sources first, exports last.
        public var layers: [String] = ["source", "raw", "staging", "cleaned", "masked", "joined", "mart", "export"]
        /// How often a derivation has 1, 2, 3, … inputs (relative weights): fan-in 1 to 4,
        /// mostly 1, so that a trace across the eight layers reaches some 40 to 70 nodes.
        public var fanInWeights: [Int] = [62, 28, 7, 3]
        public init(nodesPerLayer: Int) { self.nodesPerLayer = nodesPerLayer }
    }

    public let shape: Shape
    public let seed: UInt64
    /// Each derivation: its inputs and its output, by layer.
    public let derivations: [(inputs: [NodeID], output: NodeID, kind: EventKind)]

    public init(shape: Shape, seed: UInt64 = 2026) {
        self.shape = shape
        self.seed = seed
        var random = SeededRandom(seed: seed)
        var derivations: [(inputs: [NodeID], output: NodeID, kind: EventKind)] = []
        for layer in 1..<shape.layers.count {
            for index in 0..<shape.nodesPerLayer {
                var pick = Int(random.next() % UInt64(shape.fanInWeights.reduce(0, +)))
                var fanIn = 1
                for weight in shape.fanInWeights {
                    if pick < weight { break }
                    pick -= weight
                    fanIn += 1
                }
                let inputs = (0..<fanIn).map { _ in Self.node(layer - 1, Int(random.next() % UInt64(shape.nodesPerLayer)), shape) }
                let kind: EventKind = shape.layers[layer] == "masked" ? .mask : .transform
                derivations.append((Array(Set(inputs)).sorted(), Self.node(layer, index, shape), kind))
            }
        }
        self.derivations = derivations
    }

    /// The id of dataset `index` of `layer`; the last layer holds exports.
    public static func node(_ layer: Int, _ index: Int, _ shape: Shape) -> NodeID {
        let name = shape.layers[layer]
        // Built from fixed parts; always a valid id.
        if name == "export" { return try! NodeID("export:s3://partner/\(index).csv") }
        return try! NodeID("dataset:\(name)/\(index)")
    }

    public func node(_ layer: Int, _ index: Int) -> NodeID { Self.node(layer, index, shape) }

    /// The `count` events from `start` on: first the classification of every source, then
    /// derivations re-run at random, about 400 canonical bytes each.
    public func events(_ count: Int, startingAt start: Int = 0) -> [Event] {
        var random = SeededRandom(seed: seed &+ UInt64(start))
        var events: [Event] = []
        events.reserveCapacity(count)
        for position in start..<start + count {
            if position < shape.nodesPerLayer {
                let tag = position % 3 == 0 ? "phi" : "pii"
                events.append(Self.make(.classify, actor: "service:scanner", inputs: [], outputs: [node(0, position)], attributes: ["tags": .array([.string(tag)])]))
                continue
            }
            let derivation = derivations[Int(random.next() % UInt64(derivations.count))]
            events.append(Self.make(
                derivation.kind, actor: "agent:pipeline-\(position % 13)", onBehalfOf: "human:owner-\(position % 5)@example.com",
                inputs: derivation.inputs, outputs: [derivation.output],
                attributes: [
                    "rows": .number(Double(1_000 + Int(random.next() % 100_000))), "durationMs": .number(Double(random.next() % 60_000)),
                    "job": .string("job-\(position % 97)"), "run": .string("run-\(position)"),
                ]
            ))
        }
        return events
    }

    /// The approval story, with its violations: what the audit queries must find.
    public struct ApprovalStory: Sendable {
        public var events: [Event] = []
        /// Offsets in ``events`` of exports with no approved request.
        public var unapprovedExports: [Int] = []
        /// Offsets of approvals by the requester's principal or by an agent.
        public var selfApprovals: [Int] = []
        /// Offsets of executions after a denial.
        public var executionsAfterDenial: [Int] = []
    }

    /// `requests` approval flows: most approved and carried out, some denied, some
    /// violating the rules in a known way.
    public func approvalStory(requests: Int) -> ApprovalStory {
        var story = ApprovalStory()
        let exportLayer = shape.layers.count - 1
        for index in 0..<requests {
            let request = try! NodeID("request:r-\(index)")
            let source = node(exportLayer - 1, index % shape.nodesPerLayer)
            let destination = try! NodeID("export:s3://partner/requested-\(index).csv")
            let requester = "agent:export-bot-\(index % 3)"
            let principal = "human:analyst-\(index % 4)@example.com"
            story.events.append(Self.make(.request, actor: requester, onBehalfOf: principal, inputs: [source], outputs: [request], attributes: ["action": "export", "justification": .string("quarterly report \(index)")]))
            switch index % 10 {
            case 7:  // denied, then carried out anyway
                story.events.append(Self.make(.deny, actor: "human:approver@example.com", inputs: [request], outputs: [], attributes: ["reason": "not justified"]))
                story.executionsAfterDenial.append(story.events.count)
                story.events.append(Self.make(.execute, actor: requester, inputs: [request], outputs: [destination], attributes: [:]))
                story.unapprovedExports.append(story.events.count)
                story.events.append(Self.make(.export, actor: requester, inputs: [source], outputs: [destination], attributes: [:]))
            case 8:  // the principal approves its own agent's request
                story.selfApprovals.append(story.events.count)
                story.events.append(Self.make(.approve, actor: principal, inputs: [request], outputs: [], attributes: ["refused": "self-approval"]))
            case 9:  // an export with no request at all
                story.unapprovedExports.append(story.events.count + 1)
                story.events.append(Self.make(.deny, actor: "human:approver@example.com", inputs: [request], outputs: [], attributes: ["reason": "late"]))
                story.events.append(Self.make(.export, actor: "agent:rogue", inputs: [source], outputs: [try! NodeID("export:s3://elsewhere/\(index).csv")], attributes: [:]))
            default:
                story.events.append(Self.make(.approve, actor: "human:approver@example.com", inputs: [request], outputs: [], attributes: [:]))
                story.events.append(Self.make(.execute, actor: requester, inputs: [request], outputs: [destination], attributes: [:]))
                story.events.append(Self.make(.export, actor: requester, inputs: [source], outputs: [destination], attributes: [:]))
            }
        }
        return story
    }

    static func make(_ kind: EventKind, actor: String, onBehalfOf: String? = nil, inputs: [NodeID], outputs: [NodeID], attributes: [String: JSONValue]) -> Event {
        // Every part is built from fixed, valid pieces.
        try! Event(kind: kind, actor: Actor(id: actor, onBehalfOf: onBehalfOf), inputs: inputs, outputs: outputs, attributes: attributes)
    }
}

/// SplitMix64: fast, and the same sequence on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
