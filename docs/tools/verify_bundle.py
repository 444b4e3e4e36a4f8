#!/usr/bin/env python3
"""Check a Custos evidence bundle without Custos, as its VERIFY.md says.

Usage:
    python3 verify_bundle.py BUNDLE.zip --key checkpoint.pub

--key is the log's published checkpoint key (a file, or the key text NAME+KEYID+BASE64). The
script checks every file against manifest.json, the signatures of manifest.sig and
checkpoint.txt, every event of events.ndjson against proofs/chain.json and the signed root
(RFC 9162 inclusion proof), both ends of the period, and each control report's population
count and exception seqs against the events. It prints what holds, then each problem, and
exits 0 when everything holds, 1 otherwise.

Written from docs/FORMAT.md and docs/EVIDENCE.md alone; needs the `cryptography` package.
"""
import base64
import hashlib
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_chain import canonical, leaf_hash  # noqa: E402  (the same folder)

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def note_key(key_text):
    name, key_id_hex, key_b64 = key_text.strip().split("+", 2)
    raw = base64.b64decode(key_b64)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("the key is not an Ed25519 signed-note key")
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4]
    if key_id.hex() != key_id_hex:
        raise ValueError("the key id does not match the key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def signed_text(note, key):
    """The text of a C2SP signed note, if KEY signed it; None otherwise."""
    name, key_id, public = key
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _, blob = line[2:].partition(" ")
        raw = base64.b64decode(blob)
        if signer == name and raw[:4] == key_id:
            try:
                public.verify(raw[4:], text.encode())
                return text
            except Exception:
                return None
    return None


class Checker:
    def __init__(self, bundle, key):
        self.zip = zipfile.ZipFile(bundle)
        self.key = key
        self.problems = []
        self.passed = []

    def fail(self, where, message):
        self.problems.append(f"{where}: {message}")

    def read(self, name):
        try:
            return self.zip.read(name)
        except KeyError:
            return None

    def entries_are_plain(self):
        # Unzip tools disagree on which of two same-named entries they show, and a link or
        # a climbing name extracts outside the folder: refuse the bundle outright.
        seen = set()
        for info in self.zip.infolist():
            name = info.filename
            parts = name.split("/")
            if (not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts)
                    or any(not (0x20 < ord(c) < 0x7F) for c in name)):
                self.fail(name, "is not a plain relative name of printable ASCII")
            elif name in seen:
                self.fail(name, "appears twice: unzip tools may show either copy")
            elif info.is_dir() or (info.external_attr >> 16) & 0o170000 not in (0, 0o100000):
                self.fail(name, "is not a plain file")
            seen.add(name)
        return not self.problems

    def run(self):
        if not self.entries_are_plain():
            return
        manifest_bytes = self.read("manifest.json")
        if manifest_bytes is None:
            self.fail("manifest.json", "missing: not an evidence bundle")
            return
        manifest = json.loads(manifest_bytes)

        # 1. Every file is as made.
        listed = {f["path"]: f for f in manifest["files"]}
        present = set(self.zip.namelist()) - {"manifest.json", "manifest.sig"}
        for name in sorted(present - set(listed)):
            self.fail(name, "in the bundle but not in the manifest")
        for name in sorted(set(listed) - present):
            self.fail(name, "in the manifest but not in the bundle")
        for name in sorted(set(listed) & present):
            data = self.zip.read(name)
            if hashlib.sha256(data).hexdigest() != listed[name]["sha256"] or len(data) != listed[name]["size"]:
                self.fail(name, "does not match its SHA-256 or size in the manifest")

        # 2. The key signed the manifest and the checkpoint.
        period = manifest["period"]
        expected = "custos evidence manifest v1\n%s\n%s %s %s\nsha256 %s\n" % (
            manifest["origin"], manifest["framework"], period["from"], period["to"], hashlib.sha256(manifest_bytes).hexdigest())
        if signed_text((self.read("manifest.sig") or b"").decode(), self.key) != expected:
            self.fail("manifest.sig", "is not the key's signature of this manifest")
        checkpoint = signed_text((self.read("checkpoint.txt") or b"").decode(), self.key)
        if checkpoint is None:
            return self.fail("checkpoint.txt", "is not signed by the key")
        origin, size, root = checkpoint.split("\n")[:3]
        size, root = int(size), base64.b64decode(root)
        self.passed.append(f"manifest and checkpoint signed: {origin} at size {size}")

        # 3 to 5. The events, chained, in the signed tree, the period complete.
        chain = json.loads(self.read("proofs/chain.json"))
        if chain["treeSize"] != size or bytes.fromhex(chain["rootHash"]) != root or chain["origin"] != origin:
            self.fail("proofs/chain.json", "is for another tree than checkpoint.txt")
        start, end = period["start"], period["end"]
        last_seq, last_leaf = None, None
        if chain["before"] is not None:
            before = json.loads(chain["before"])
            if before["time"] >= start or before["seq"] != chain["firstSeq"] - 1:
                self.fail("proofs/chain.json", "the entry before the period is not just before it")
            last_seq, last_leaf = before["seq"], leaf_hash(chain["before"].encode())
        counts, events = {}, {}
        lines = (self.read("events.ndjson") or b"").split(b"\n")
        if lines[-1] != b"":
            self.fail("events.ndjson", "the last line has no newline")
        for line in lines[:-1]:
            entry = json.loads(line)
            seq = entry.get("seq")
            if canonical(entry).encode() != line:
                self.fail("events.ndjson", f"seq {seq}: not canonical JSON")
            expected_seq = chain["firstSeq"] if last_seq is None else last_seq + 1
            if seq != expected_seq:
                self.fail("events.ndjson", f"seq {expected_seq}: found seq {seq} in its place")
            want_prev = "0" * 64 if last_leaf is None else last_leaf.hex()
            if entry["prev"] != want_prev:
                self.fail("events.ndjson", f"seq {seq}: prev is not the leaf hash of the entry before")
            if not start <= entry["time"] < end:
                self.fail("events.ndjson", f"seq {seq}: its time is outside the period")
            counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
            events[seq] = entry
            last_seq, last_leaf = seq, leaf_hash(line)
            if len(self.problems) > 20:
                return
        if chain["after"] is not None:
            after = json.loads(chain["after"])
            if after["time"] < end or after["prev"] != (last_leaf or b"").hex():
                self.fail("proofs/chain.json", "the entry after the period does not close it")
            last_seq, last_leaf = after["seq"], leaf_hash(chain["after"].encode())
        elif last_seq is not None and last_seq + 1 != size:
            self.fail("proofs/chain.json", "the chain stops before the checkpoint's end with no entry after the period")
        anchor = chain["anchor"]
        proof = [bytes.fromhex(h) for h in anchor["inclusion"]]
        if anchor["seq"] != last_seq or bytes.fromhex(anchor["leafHash"]) != last_leaf:
            self.fail("proofs/chain.json", "the anchor is not the chain's last entry")
        elif not verify_inclusion(anchor["seq"], size, last_leaf, proof, root):
            self.fail("proofs/chain.json", "the inclusion proof does not lead to the signed root")
        else:
            self.passed.append(f"{len(events)} events chained and in the signed tree")

        # 6. The control reports against the events.
        for name in manifest["controls"]:
            report = json.loads(self.read(name))
            kinds = report["population"]["kinds"]
            population = sum(counts.values()) if not kinds else sum(counts.get(k, 0) for k in kinds)
            if population != report["population"]["count"]:
                self.fail(name, f"population {report['population']['count']}, the events hold {population}")
            for item in report["exceptions"]:
                seq = item.get("seq")
                if seq is not None and (seq not in events or (kinds and events[seq]["kind"] not in kinds)):
                    self.fail(name, f"seq {seq} is not an event of the population")
        if not self.problems:
            self.passed.append(f"{len(manifest['controls'])} control reports agree with the events")


def main(argv):
    if len(argv) != 4 or argv[2] != "--key":
        print(__doc__)
        return 2
    key_text = open(argv[3]).read() if os.path.isfile(argv[3]) else argv[3]
    checker = Checker(argv[1], note_key(key_text))
    try:
        checker.run()
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, zipfile.BadZipFile) as error:
        checker.fail("bundle", f"malformed: {error!r}")
    for line in checker.passed:
        print("OK: " + line)
    for line in checker.problems:
        print("FAILED: " + line)
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
