public import CustosLedger

/// Realistic events for tests and benchmarks: a data platform with sources, staging,
/// masked copies, marts and exports, run by agents and approved by humans.
public struct EventFactory: Sendable {
    public var seed: UInt64

    public init(seed: UInt64 = 42) {
        self.seed = seed
    }

    /// A transform event of about 400 canonical bytes, different for each `index`.
    public func transform(_ index: Int, clientEventID: String? = nil) -> Event {
        let source = index % 500
        let attributes: [String: JSONValue] = [
            "rows": .number(Double(1_000 + index % 9_000)),
            "job": .string("nightly-load-\(index % 31)"),
            "durationMs": .number(Double(index % 977)),
            "note": .string("partition \(index % 365)"),
        ]
        // Every value here is valid by construction.
        return try! Event(
            kind: .transform,
            actor: Actor(id: "agent:etl-bot-\(index % 7)", onBehalfOf: "human:data-eng@example.com"),
            inputs: [NodeID("dataset:pg://crm/public.customers_\(source)"), NodeID("dataset:pg://crm/public.orders_\(source)")],
            outputs: [NodeID("dataset:s3://lake/staging/customers_\(source)")],
            attributes: attributes,
            clientEventID: clientEventID
        )
    }

    /// `count` transform events starting at `start`.
    public func transforms(_ count: Int, startingAt start: Int = 0) -> [Event] {
        (start..<start + count).map { transform($0) }
    }

    /// One event of each core kind, as JSON lines.
    public static let sampleLines: [String] = [
        #"{"kind":"classify","actor":"service:scanner","outputs":["dataset:pg://crm/public.customers"],"attributes":{"tags":["pii"]}}"#,
        #"{"kind":"transform","actor":{"id":"agent:etl-bot","onBehalfOf":"human:alice@example.com"},"inputs":["dataset:pg://crm/public.customers"],"outputs":["dataset:s3://lake/staging/customers"]}"#,
        #"{"kind":"mask","actor":"service:masker","inputs":["dataset:s3://lake/staging/customers"],"outputs":["dataset:s3://lake/masked/customers"],"attributes":{"counts":{"email":120,"phone":77}}}"#,
        #"{"kind":"request","actor":"agent:export-bot","inputs":["dataset:s3://lake/masked/customers"],"outputs":["request:r-1"],"attributes":{"action":"export"}}"#,
        #"{"kind":"approve","actor":"human:bob@example.com","inputs":["request:r-1"]}"#,
        #"{"kind":"export","actor":"agent:export-bot","inputs":["dataset:s3://lake/masked/customers"],"outputs":["export:s3://partner/q3.csv"],"clientEventId":"export-q3"}"#,
    ]
}
