#!/usr/bin/env python3
"""Check a Custos gate token offline, with the store's public key and nothing else.

Usage:
    python3 verify_token.py TOKEN --key gate.pub [--action ACTION] [--resource RESOURCE]
                            [--now UNIX_SECONDS]

TOKEN is the compact token (cgt1.CLAIMS.SIGNATURE) or a file holding it; --key is the
store's gate.pub (custos-gate+KEYID+BASE64) or that text. The script checks the Ed25519
signature, the key id, the version, the time window, and, when given, the action and that the
resource matches a pattern of the token's scope. It prints the claims and "OK", or the first
problem, and exits 0 or 1. Whether the token was already used only the ledger can say.

Written from docs/FORMAT.md ("Gate tokens") alone; needs the `cryptography` package.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url_decode(text):
    if re.search(r"[^A-Za-z0-9_-]", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # One text per token: unused bits of the last character must be zero.
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != text:
        raise ValueError("not the canonical base64url of its bytes")
    return raw


def canonical(value):
    """RFC 8785 for the values a token holds: strings, integers, arrays, objects."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read(argument):
    if os.path.isfile(argument):
        with open(argument, encoding="utf-8") as handle:
            return handle.read().strip()
    return argument.strip()


def glob(pattern, text):
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), text, re.DOTALL) is not None


def check(token, key_text, action=None, resource=None, now=None):
    name, key_id, key_b64 = key_text.split("+", 2)
    public = base64.b64decode(key_b64)
    if name != "custos-gate" or len(public) != 32:
        return "the key is not a gate public key (custos-gate+KEYID+BASE64)"
    if hashlib.sha256(public).hexdigest()[:8] != key_id:
        return "the key's id does not match the key"
    if not token.startswith("cgt1.") or len(token) > 8192:
        return "a gate token starts with cgt1. and is at most 8 KiB"
    signed, _, signature_text = token.rpartition(".")
    parts = token.split(".")
    if len(parts) != 3:
        return "a gate token reads cgt1.CLAIMS.SIGNATURE"
    try:
        claims_bytes = b64url_decode(parts[1])
        signature = b64url_decode(signature_text)
    except ValueError:
        return "the claims or the signature is not base64url"
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed.encode("ascii"))
    except InvalidSignature:
        return "the signature does not verify: the token was altered, forged, or signed by another key"
    claims = json.loads(claims_bytes)
    if canonical(claims) != claims_bytes:
        return "the claims are not canonical JSON"
    print(json.dumps(claims, indent=2, sort_keys=True))
    if claims.get("v") != 1:
        return "not version 1 claims"
    if claims.get("kid") != key_id:
        return "the token names key %s, not %s" % (claims.get("kid"), key_id)
    now = int(time.time()) if now is None else now
    if now < claims["nbf"]:
        return "not valid before %d" % claims["nbf"]
    if now >= claims["exp"]:
        return "expired at %d" % claims["exp"]
    if action is not None and action != claims["act"]:
        return "issued for %s, not %s" % (claims["act"], action)
    if resource is not None and not any(glob(pattern, resource) for pattern in claims["scp"]):
        return "%s is outside the scope %s" % (resource, ", ".join(claims["scp"]))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token")
    parser.add_argument("--key", required=True)
    parser.add_argument("--action")
    parser.add_argument("--resource")
    parser.add_argument("--now", type=int)
    arguments = parser.parse_args()
    try:
        problem = check(read(arguments.token), read(arguments.key), arguments.action, arguments.resource, arguments.now)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        problem = "malformed: %s" % error
    if problem:
        print("FAILED: " + problem)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
