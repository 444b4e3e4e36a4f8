import CustosGate
import CustosLedger
import CustosTestSupport
import Foundation

/// The policy most gate tests run under.
let testPolicyText = """
version: 1
groups:
  data-owners: [human:alice@example.com, human:bob@example.com]
  security: [human:sec@example.com, human:sam@example.com]
defaults:
  wait: 1h
  tokenTTL: 5m
rules:
  - name: pii-exports
    action: export
    when: { inheritsTags: [pii, phi] }
    decision: require_approval
    approvals: 2
    approvers: [data-owners, security]
  - name: exports
    action: export
    decision: require_approval
    approvers: [data-owners, security]
  - name: hasty
    action: hasty_*
    decision: require_approval
    wait: 400ms
    tokenTTL: 1s
  - name: brief-tokens
    action: brief_*
    decision: require_approval
    tokenTTL: 5s
  - name: reads
    action: read_sensitive
    decision: allow
  - name: deletes
    action: delete
    decision: deny
    reason: deletes go through change management
  - name: escalations
    action: escalate
    decision: require_approval
neverApprove:
  - identities: [human:intern@example.com]
    actions: ["*"]
"""

/// A store with a gate on it, in a temporary folder that lives as long as the value.
struct GateFixture {
    let folder: TemporaryDirectory
    let ledger: Ledger
    let gate: Gate

    init(policy: String = testPolicyText) throws {
        folder = TemporaryDirectory("custos-gate")
        ledger = try Ledger.create(at: folder.file("store"), origin: "test.example/gate")
        gate = try Gate(ledger: ledger, policy: GatePolicy.parse(policy, file: "gate.yaml"))
    }

    /// Every event of the log, in order.
    func events() throws -> [LedgerEntry] {
        try ledger.entries(from: 0, limit: 100_000)
    }

    /// The events naming `request` as an input, of `kind`.
    func events(_ kind: EventKind, about request: NodeID) throws -> [LedgerEntry] {
        try events().filter { $0.event.kind == kind && $0.event.inputs.contains(request) }
    }
}

enum People {
    static let alice = human("alice@example.com")
    static let bob = human("bob@example.com")
    static let sec = human("sec@example.com")
    static let sam = human("sam@example.com")
    static let intern = human("intern@example.com")
    static let outsider = human("mallory@example.com")
    static let agent = agentActor("report-bot", onBehalfOf: "human:alice@example.com")
    static let loneAgent = agentActor("etl-bot")

    static func human(_ name: String, onBehalfOf: String? = nil) -> Actor {
        // Fixed, valid test identities.
        (try? Actor.human(name, onBehalfOf: onBehalfOf)) ?? fallback
    }

    static func agentActor(_ name: String, onBehalfOf: String? = nil) -> Actor {
        (try? Actor.agent(name, onBehalfOf: onBehalfOf)) ?? fallback
    }

    private static let fallback: Actor = {
        do { return try Actor(id: "human:nobody") } catch { fatalError("\(error)") }
    }()
}

func node(_ text: String) throws -> NodeID { try NodeID(text) }
