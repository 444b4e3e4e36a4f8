#!/usr/bin/env python3
"""Check a Custos log export without Custos: canonical bytes, hash chain, Merkle root.

Usage:
    custos export --store STORE > entries.ndjson
    python3 verify_chain.py entries.ndjson [--expect-root HEX]

Each line must be one entry exactly as stored (docs/FORMAT.md). The script checks that
every line is the RFC 8785 canonical JSON of an entry, that seqs count up by one, that each
entry's "prev" is the leaf hash of the line before, and that times never go back. When the
export starts at seq 0 it prints the RFC 9162 Merkle root over all leaves, which must equal
the root in a signed checkpoint of the same size. Exits 0 when everything holds, 1 otherwise.

Written from the specification alone, with the Python standard library only.
"""
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


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    expect_root = argv[argv.index("--expect-root") + 1] if "--expect-root" in argv else None
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
