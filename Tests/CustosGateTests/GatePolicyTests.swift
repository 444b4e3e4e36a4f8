import CustosConfig
import CustosLedger
import Foundation
import Testing

@testable import CustosGate

@Suite("Gate policy")
struct GatePolicyTests {
    @Test("rules match action and resource patterns in order; no match means no rule")
    func matching() throws {
        let policy = try GatePolicy.parse(testPolicyText, file: "gate.yaml")
        let dataset = try node("dataset:s3://lake/orders")
        #expect(policy.rule(for: "export", resource: dataset, tags: { [] })?.name == "exports")
        #expect(policy.rule(for: "export", resource: dataset, tags: { ["pii"] })?.name == "pii-exports")
        #expect(policy.rule(for: "hasty_export", resource: dataset, tags: { [] })?.name == "hasty")
        #expect(policy.rule(for: "delete", resource: dataset, tags: { [] })?.decision == .deny)
        #expect(policy.rule(for: "launch_missiles", resource: dataset, tags: { [] }) == nil)
        let rule = try #require(policy.rule(for: "hasty_x", resource: dataset, tags: { [] }))
        #expect(rule.waitSeconds == 0.4 && rule.tokenSeconds == 1 && rule.line == 19)
        #expect(policy.eligibleApprovers(for: try #require(policy.rule(for: "export", resource: dataset, tags: { [] }))).count == 4)
        #expect(policy.isExcluded(People.intern.id, from: "export"))
        #expect(!policy.isExcluded(People.alice.id, from: "export"))
    }

    @Test("globs: * for any run, ? for one character")
    func globs() {
        #expect(GatePolicy.glob("dataset:s3://lake/*", matches: "dataset:s3://lake/a/b"))
        #expect(GatePolicy.glob("infra_*", matches: "infra_"))
        #expect(GatePolicy.glob("a?c", matches: "abc"))
        #expect(!GatePolicy.glob("a?c", matches: "ac"))
        #expect(!GatePolicy.glob("dataset:*", matches: "export:x"))
        #expect(GatePolicy.glob("*", matches: ""))
        // ? is one code point, not one byte of it.
        #expect(GatePolicy.glob("dataset:caf?", matches: "dataset:caf\u{E9}"))
        #expect(!GatePolicy.glob("dataset:caf?", matches: "dataset:cafe\u{301}"))
    }

    @Test("an invalid policy is rejected with its line and what to write instead")
    func invalid() throws {
        let cases: [(String, Int, String)] = [
            ("version: 1\nrules:\n  - action: export\n    decision: aprove\n", 4, "unknown decision \"aprove\""),
            ("version: 1\ngroups:\n  owners: [human:a]\nrules:\n  - action: export\n    decision: require_approval\n    approvers: [ownres]\n", 5, "did you mean \"owners\"?"),
            ("version: 1\nrules:\n  - action: export\n    decision: require_approval\n    approvers: [agent:bot]\n", 3, "an agent can never approve"),
            ("version: 1\ngroups:\n  owners: [human:a]\nrules:\n  - action: export\n    decision: require_approval\n    approvals: 2\n    approvers: [owners]\n", 5, "needs 2 distinct approvers"),
            ("version: 1\nrules:\n  - action: export\n    decision: allow\n    wait: soon\n", 5, "expected a duration"),
            ("version: 2\nrules: []\n", 1, "version 1"),
            ("version: 1\ngroups:\n  owners: [alice]\nrules: []\n", 3, "is not an identity"),
            ("version: 1\nrules:\n  - action: export\n    decison: allow\n", 4, "decison"),
            // One name per rule: a request's token is checked against the rule of its name.
            ("version: 1\nrules:\n  - name: exports\n    action: export\n    decision: allow\n  - name: exports\n    action: export\n    decision: deny\n", 6, "is taken by the rule at line 3"),
            ("version: 1\nrules:\n  - action: export\n    decision: allow\n  - name: rule 1\n    action: delete\n    decision: deny\n", 5, "\"rule 1\" is taken"),
            // Typos that would switch a control off without a word.
            ("version: 1\nneverApprove:\n  - identities: [intern@example.com]\nrules: []\n", 3, "is not an identity"),
            ("version: 1\nneverApprove:\n  - actions: [export]\nrules: []\n", 3, "needs identities or groups"),
            ("version: 1\nrules:\n  - action: Delete\n    decision: deny\n", 3, "can never match an action"),
            ("version: 1\nrules:\n  - action: []\n    decision: deny\n", 3, "matches nothing"),
            ("version: 1\nrules:\n  - action: export\n    resource: []\n    decision: deny\n", 4, "matches nothing"),
            ("version: 1\nrules:\n  - action: export\n    resource: [\"\"]\n    decision: deny\n", 4, "empty resource pattern"),
            ("version: 1\nrules:\n  - action: export\n    when: { inheritsTags: [PII] }\n    decision: deny\n", 4, "can never match a tag"),
            ("version: 1\nrules:\n  - action: export\n    when: { inheritsTags: [\"p*\"] }\n    decision: deny\n", 4, "can never match a tag"),
            // A quorum counts people who may approve, as the gate does.
            ("version: 1\ngroups:\n  ops: [human:alice, service:bot]\nrules:\n  - action: export\n    decision: require_approval\n    approvals: 2\n    approvers: [ops]\n", 5, "only 1 people"),
            ("version: 1\ngroups:\n  ops: [human:Alice@x.com, human:alice@x.com]\nrules:\n  - action: export\n    decision: require_approval\n    approvals: 2\n    approvers: [ops]\n", 5, "only 1 people"),
            ("version: 1\ngroups:\n  ops: [human:a, human:b]\nneverApprove:\n  - identities: [human:B]\nrules:\n  - action: export\n    decision: require_approval\n    approvals: 2\n    approvers: [ops]\n", 7, "only 1 people"),
            // Excluded from one of the rule's actions: that action lacks a quorum.
            ("version: 1\ngroups:\n  ops: [human:a, human:b]\nneverApprove:\n  - identities: [human:a]\n    actions: [delete]\nrules:\n  - action: [export, delete]\n    decision: require_approval\n    approvals: 2\n    approvers: [ops]\n", 8, "who may approve delete"),
        ]
        for (text, line, fragment) in cases {
            do {
                _ = try GatePolicy.parse(text, file: "bad.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error) for \(text)")
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }

    @Test("reloading an invalid file keeps the policy in force; a valid one replaces it")
    func reload() async throws {
        let fixture = try GateFixture()
        let path = fixture.folder.file("gate.yaml")
        try "version: 1\nrules:\n  - action: export\n    decision: allow\n".write(toFile: path, atomically: true, encoding: .utf8)
        try fixture.gate.reloadPolicy(from: path)
        #expect(fixture.gate.policy.rules.count == 1)

        try "version: 1\nrules:\n  - action: export\n    decision: nope\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: GateError.self) { try fixture.gate.reloadPolicy(from: path) }
        do {
            try fixture.gate.reloadPolicy(from: path)
        } catch {
            #expect(error.description.contains("gate.yaml:4:"), "\(error)")
        }
        #expect(fixture.gate.policy.rules.first?.decision == .allow)
        let asked = try await fixture.gate.request(.export(resource: node("dataset:x")), by: People.loneAgent, justification: "test")
        #expect(asked.status == .approved)
    }
}
