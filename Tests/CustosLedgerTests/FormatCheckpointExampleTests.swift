import Foundation
import Testing

@testable import CustosLedger

/// docs/FORMAT.md's key, checkpoint and proof examples (computed there with another
/// implementation) are what this code produces.
@Suite("docs/FORMAT.md checkpoint and proof examples")
struct FormatCheckpointExampleTests {
    @Test("the example key, signed checkpoint and proofs are as documented")
    func examples() throws {
        let document = FormatExampleTests.formatDocument
        let line = try #require(document.split(separator: "\n").first { $0.hasPrefix("PRIVATE+KEY+example.com/custos/demo+") })
        let signer = try NoteSigner(parsing: String(line))
        #expect(signer.secretText == String(line))
        #expect(document.contains("\n" + signer.verifierKey.description + "\n"))

        let leaf0 = try #require(Hash256(hex: "f1ea1d0dd60a017cdbfa26a15aa2f098f1b1444af524ab4a11e764cc66cfe54f"))
        let leaf1 = try #require(Hash256(hex: "5b6e83596e9cc8c55007f2066e80d237679ff3104af7c01d5525d9e3e3053fda"))
        let root = Hash256.node(leaf0, leaf1)
        let signed = try SignedCheckpoint(signing: Checkpoint(origin: "example.com/custos/demo", size: 2, rootHash: root), with: signer)
        #expect(document.contains("\n" + signed.text + "```"), "Ed25519 is deterministic: the same key and text give the same note")
        #expect(try SignedCheckpoint(parsing: signed.text).isSigned(by: signer.verifierKey))

        #expect(InclusionProof(leafIndex: 0, treeSize: 2, hashes: [leaf1]).verify(leafHash: leaf0, root: root))
        #expect(ConsistencyProof(firstSize: 1, secondSize: 2, hashes: [leaf1]).verify(firstRoot: leaf0, secondRoot: root))
        #expect(document.contains("\"hashes\": [\n    \"\(leaf1.hex)\"\n  ]"))
    }
}
