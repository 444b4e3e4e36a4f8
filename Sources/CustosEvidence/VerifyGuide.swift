/// `VERIFY.md`: how to check the bundle, with Custos and without it.
enum VerifyGuide {
    static func text(_ context: BundleContext) -> String {
        let previous = context.previous.map { old in
            """

            7. **The log only grew since the previous bundle.** `previous-checkpoint.txt` is the previous bundle's
               checkpoint (size \(old.size)); check that it is byte for byte the `checkpoint.txt` of the bundle you
               received before, and that it verifies with the key (step 2). `proofs/consistency.json` is an RFC 9162
               consistency proof (docs/FORMAT.md, section 5) from its root to this bundle's root: run the algorithm of
               RFC 9162 section 2.1.4.2 with `firstSize`, `secondSize`, `hashes`, `firstRoot` and `secondRoot`. If it
               holds, nothing that was in the log at size \(old.size) was removed or rewritten.
            """
        } ?? ""
        return """
            # Verifying this evidence bundle

            This bundle holds the evidence for **\(context.framework.title)** over **\(context.period.from) to \(context.period.to)**
            (UTC days, both included) from the Custos log `\(context.origin)`, anchored to its signed checkpoint of
            size \(context.checkpoint.size). It holds \(context.eventCount) events, from seq \(context.firstSeq).

            ## With Custos

            ```sh
            custos verify-bundle THIS.zip --key checkpoint.pub\(context.previous == nil ? "" : " --previous PREVIOUS.zip")
            ```

            Use the log's public key as its operator published it (`custos checkpoint` prints it), not the copy
            in this bundle: the bundle's own copy proves that the bundle is self-consistent, not that it comes from
            the log you trust. The command works offline, with no store, and names the file (and the seq, for
            events) of anything that does not hold. It exits 0 when everything holds, 1 otherwise.

            ## Without Custos

            Everything below needs SHA-256, Ed25519 and a JSON parser. The formats are specified in the Custos
            documentation, docs/FORMAT.md (entries, hashes, proofs, checkpoints, and "Evidence bundles");
            `docs/tools/verify_bundle.py` there does steps 1 to 3, and the population counts and exception seqs of the
            control reports, in Python, written from those documents alone.

            1. **Every file is as made.** `manifest.json` lists every other file with its SHA-256 and size. Hash
               each file and compare; a file in the zip that the manifest does not list, or one it lists that is
               missing, is a failure. `manifest.json` and `manifest.sig` themselves are not listed. So is a zip entry
               name used twice (unzip tools differ on which copy they show), an entry that is a link or a folder, and
               a name that is not a plain relative path of printable ASCII.
            2. **The key signed it.** `checkpoint.pub` is a signed-note key, `NAME+KEYID+BASE64(0x01 ‖ public key)`
               (C2SP signed-note). `checkpoint.txt` is a C2SP tlog-checkpoint: origin, size and base64 root hash,
               then a blank line and a signature line `— NAME BASE64(KEYID ‖ SIGNATURE)`; check the Ed25519 signature
               over the text before the blank line. `manifest.sig` is a signed note by the same key whose text is

               ```
               custos evidence manifest v1
               \(context.origin)
               \(context.framework.rawValue) \(context.period.from) \(context.period.to)
               sha256 HEX-OF-SHA-256(manifest.json)
               ```

               Check its signature and that the hash is that of `manifest.json`. Then no file can change without
               failing step 1 or this one.
            3. **The events are the log's.** `events.ndjson` holds the entries of the period exactly as the log
               stores them, one per line. For each line, the leaf hash is `SHA-256(0x00 ‖ line bytes)`; each entry's
               `prev` must be the leaf hash of the line before, and its `seq` one more. In `proofs/chain.json`,
               `before` is the entry just before the period (its leaf hash must be the first line's `prev`) and `after`
               the entry just after it (its `prev` must be the last line's leaf hash).
            4. **The chain is in the signed tree.** `anchor` is the last entry of that chain (`after`, or the last
               line): its `leafHash` must match, and `inclusion` is an RFC 9162 inclusion proof (section 2.1.3.2) of
               leaf `anchor.seq` in a tree of `treeSize` leaves whose root is `rootHash`. `treeSize` and `rootHash`
               must be those of `checkpoint.txt`. Since every entry holds the hash of the one before it, this one
               proof ties every event of the period to the signed root.
            5. **The period is complete.** Every line's `time` falls inside the period; `before`'s time is before it;
               `after`'s time is after it (or, without `after`, the last line is the last entry of the checkpointed
               log, `seq = treeSize − 1`). So no event of the period was left out at either end.
            6. **The control reports agree with the events.** Each `controls/<id>.json` names its query (the exact
               `queries/` text), its population (`population.kinds`, empty meaning every kind, and `count`), and its
               exceptions by seq. Count the lines of `events.ndjson` of those kinds; check that every exception's seq
               is an event of the period of a population kind (for approvals, one the gate did not mark `refused`),
               and that every path edge's `firstSeq` inside the period is an event recording that edge. To re-run a
               query against the live log, use `custos query -f QUERY --param from=\(context.period.from) --param to=\(context.period.to)`
               with `AS OF CHECKPOINT \(context.checkpoint.size)`.\(previous)

            `oscal/assessment-results.json` (NIST OSCAL \(OSCALAssessmentResults.oscalVersion)) restates each control's finding; its
            evidence links carry the SHA-256 of the reports they point to. `report.html` is the same for people.

            """
    }
}
