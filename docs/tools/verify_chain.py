#!/usr/bin/env python3
"""Check a Custos log export without Custos: canonical bytes, hash chain, Merkle root.

Usage:
    custos export --store STORE > entries.ndjson
    python3 verify_chain.py entries.ndjson [--expect-root HEX]
                                           [--checkpoint CHECKPOINT.txt --key KEY.pub]

Each line must be one entry exactly as stored (docs/FORMAT.md). The script checks that
every line is the RFC 8785 canonical JSON of an entry, that seqs count up by one, that each
entry's "prev" is the leaf hash of the line before, and that times never go back. When the
export starts at seq 0 it prints the RFC 9162 Merkle root over all leaves, which must equal
the root in a signed checkpoint of the same size. With --checkpoint and --key it checks that
the checkpoint (a C2SP signed note) is signed by the key, and that the export's first SIZE
entries hash to its root (this needs the `cryptography` package for Ed25519). Exits 0 when
everything holds, 1 otherwise.

Written from the specification alone, with the Python standard library only.
"""
import base64
import hashlib
import json
import math
import re
import sys

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def es_number(x):
    """ECMAScript Number.prototype.toString, as RFC 8785 requires."""
    if x == 0:
        return "0"
    if math.isnan(x) or math.isinf(x):
        raise ValueError("numbers must be finite")
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    integer, _, fraction = mantissa.partition(".")
    digits = integer + fraction
    point = len(integer) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + text


def canonical(value):
    """RFC 8785 (JCS) serialization."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(float(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("not a JSON value")


def leaf_hash(entry_bytes):
    return hashlib.sha256(b"\x00" + entry_bytes).digest()


def merkle_root(leaves):
    """RFC 9162 section 2.1.1, over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Reduce pairwise from the left; an odd node is promoted unchanged, which is exactly the
    # split at the largest power of two smaller than n.
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def check_checkpoint(note_path, key_text, leaves):
    """Checks a signed checkpoint against the log's public key and the exported leaves."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, key_id_hex, key_b64 = key_text.strip().split("+", 2)
    raw_key = base64.b64decode(key_b64)
    if len(raw_key) != 33 or raw_key[0] != 1:
        return "the key is not an Ed25519 signed-note key"
    public = raw_key[1:]
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    if key_id.hex() != key_id_hex:
        return "the key id does not match the key"
    note = open(note_path, "rb").read().decode("utf-8")
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            return "a signature line does not start with an em dash"
        signer, _, blob = line[2:].partition(" ")
        raw = base64.b64decode(blob)
        if signer == name and raw[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode())
            except Exception:
                return "the checkpoint's signature does not verify"
            break
    else:
        return "the checkpoint has no signature by this key"
    origin, size, root, *_ = text.split("\n")
    size = int(size)
    if size > len(leaves):
        return f"the checkpoint is for {size} entries, the export has {len(leaves)}"
    if merkle_root(leaves[:size]) != base64.b64decode(root):
        return f"the first {size} entries do not hash to the checkpoint's root"
    print(f"checkpoint: {origin} at size {size} is signed by {name} and matches the export")
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    expect_root = argv[argv.index("--expect-root") + 1] if "--expect-root" in argv else None
    checkpoint = argv[argv.index("--checkpoint") + 1] if "--checkpoint" in argv else None
    key = open(argv[argv.index("--key") + 1]).read() if "--key" in argv else None
    leaves, previous, previous_time, first_seq, problems = [], None, None, None, []
    with open(argv[1], "rb") as handle:
        for number, line in enumerate(handle, 1):
            raw = line.rstrip(b"\n")
            if not raw:
                continue
            try:
                entry = json.loads(raw.decode("utf-8"))
                if canonical(entry).encode("utf-8") != raw:
                    raise ValueError("not in canonical form")
                seq, prev, time = entry["seq"], entry["prev"], entry["time"]
                if entry.get("v") != 1 or not isinstance(seq, int) or not HEX64.match(prev) or not TIME.match(time):
                    raise ValueError("missing or malformed seq, prev, time or v")
            except (ValueError, KeyError, UnicodeDecodeError) as error:
                problems.append(f"line {number}: {error}")
                break
            if first_seq is None:
                first_seq = seq
                if seq == 0 and prev != "0" * 64:
                    problems.append("seq 0: prev is not all zeros")
            elif seq != first_seq + len(leaves):
                problems.append(f"line {number}: expected seq {first_seq + len(leaves)}, found {seq}")
                break
            if previous is not None and prev != previous.hex():
                problems.append(f"seq {seq}: prev does not match the hash of seq {seq - 1}")
            if previous_time is not None and time < previous_time:
                problems.append(f"seq {seq}: time goes back")
            previous, previous_time = leaf_hash(raw), time
            leaves.append(previous)
    if problems:
        for problem in problems:
            print(problem)
        print("FAILED")
        return 1
    print(f"OK: {len(leaves)} entries, seq {first_seq} to {(first_seq or 0) + len(leaves) - 1}")
    if leaves:
        print(f"last leaf hash: {leaves[-1].hex()}")
    if first_seq == 0 or not leaves:
        root = merkle_root(leaves).hex()
        print(f"Merkle root at size {len(leaves)}: {root}")
        if expect_root and root != expect_root:
            print(f"FAILED: expected root {expect_root}")
            return 1
    if checkpoint:
        if first_seq not in (0, None) or not key:
            print("FAILED: a checkpoint needs --key and an export from seq 0")
            return 1
        problem = check_checkpoint(checkpoint, key, leaves)
        if problem:
            print(f"FAILED: {problem}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
