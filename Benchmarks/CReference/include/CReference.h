#ifndef CUSTOS_C_REFERENCE_H
#define CUSTOS_C_REFERENCE_H

#include <stddef.h>

/// The reference the ledger's durable appends are compared against, in the same run: plain
/// C appending fixed-size events to LMDB. Per event it computes two SHA-256 (the leaf hash of
/// the chained entry and one interior Merkle hash) and does two puts (the entry and its
/// leaf); every `custos_reference_append` is one durable commit.
typedef struct custos_reference custos_reference;

/// Opens a new LMDB environment in the existing folder `path`; NULL on failure.
custos_reference *custos_reference_open(const char *path, size_t event_bytes);

/// Appends `count` events in one durable commit. Returns 0 or an LMDB error code.
int custos_reference_append(custos_reference *ref, size_t count);

void custos_reference_close(custos_reference *ref);

#endif
