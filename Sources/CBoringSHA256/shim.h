#ifndef CUSTOS_CBORINGSHA256_SHIM_H
#define CUSTOS_CBORINGSHA256_SHIM_H

#include <stddef.h>

// On Linux, swift-crypto compiles BoringSSL into every binary that uses Crypto, with every
// symbol prefixed `CCryptoBoringSSL_`. This declares BoringSSL's one-shot SHA-256 from there
// (crypto/fipsmodule/sha/sha256.c.inc; nothing is compiled or linked here): it hashes on the
// stack, where swift-crypto's `SHA256` allocates and frees a context object for every hash,
// which cost the ledger's writer about a tenth of its time. Were the symbol ever renamed, the
// link would fail, never a hash. `Hash256Tests` checks it against swift-crypto's `SHA256`.
//
// Writes SHA-256(data[0..<len]) to `out` (32 bytes) and returns `out`. BoringSSL declares the
// bytes as `uint8_t`; `void` here, the same in the calling convention, lets Swift pass raw
// memory of any type without binding it to UInt8.
void *CCryptoBoringSSL_SHA256(const void *data, size_t len, void *out);

#endif
