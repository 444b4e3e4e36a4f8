#include "CReference.h"

#include <lmdb.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct custos_reference {
    MDB_env *env;
    MDB_dbi entries;
    MDB_dbi tree;
    size_t event_bytes;
    uint64_t seq;
    unsigned char prev[SHA256_DIGEST_LENGTH];
    unsigned char event[4096];
};

static void put_be64(unsigned char *out, uint64_t value) {
    for (int i = 7; i >= 0; i--) { out[i] = (unsigned char)(value & 0xff); value >>= 8; }
}

custos_reference *custos_reference_open(const char *path, size_t event_bytes) {
    if (event_bytes < 80 || event_bytes > 4096) return NULL;
    custos_reference *ref = calloc(1, sizeof(custos_reference));
    if (!ref) return NULL;
    ref->event_bytes = event_bytes;
    memset(ref->event, 'x', event_bytes);
    MDB_txn *txn = NULL;
    if (mdb_env_create(&ref->env)) { free(ref); return NULL; }
    mdb_env_set_maxdbs(ref->env, 4);
    mdb_env_set_mapsize(ref->env, (size_t)64 << 30);
    if (mdb_env_open(ref->env, path, MDB_NOTLS, 0600)
        || mdb_txn_begin(ref->env, NULL, 0, &txn)
        || mdb_dbi_open(txn, "entries", MDB_CREATE, &ref->entries)
        || mdb_dbi_open(txn, "tree", MDB_CREATE, &ref->tree)
        || mdb_txn_commit(txn)) {
        mdb_env_close(ref->env);
        free(ref);
        return NULL;
    }
    return ref;
}

int custos_reference_append(custos_reference *ref, size_t count) {
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(ref->env, NULL, 0, &txn);
    if (rc) return rc;
    unsigned char leaf[SHA256_DIGEST_LENGTH];
    unsigned char interior[1 + 2 * SHA256_DIGEST_LENGTH];
    unsigned char parent[SHA256_DIGEST_LENGTH];
    for (size_t i = 0; i < count; i++, ref->seq++) {
        /* The entry carries its seq and the previous leaf hash, like a ledger entry. */
        put_be64(ref->event, ref->seq);
        memcpy(ref->event + 8, ref->prev, sizeof(ref->prev));
        SHA256_CTX ctx;
        unsigned char zero = 0;
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, &zero, 1);
        SHA256_Update(&ctx, ref->event, ref->event_bytes);
        SHA256_Final(leaf, &ctx);
        /* The second hash: an interior Merkle node over the previous and this leaf. */
        interior[0] = 1;
        memcpy(interior + 1, ref->prev, sizeof(ref->prev));
        memcpy(interior + 1 + sizeof(ref->prev), leaf, sizeof(leaf));
        SHA256(interior, sizeof(interior), parent);
        memcpy(ref->prev, leaf, sizeof(leaf));

        unsigned char key[9];
        put_be64(key, ref->seq);
        key[8] = 0;
        MDB_val k = {8, key}, v = {ref->event_bytes, ref->event};
        if ((rc = mdb_put(txn, ref->entries, &k, &v, MDB_APPEND))) { mdb_txn_abort(txn); return rc; }
        MDB_val tk = {9, key}, tv = {sizeof(leaf), leaf};
        if ((rc = mdb_put(txn, ref->tree, &tk, &tv, MDB_APPEND))) { mdb_txn_abort(txn); return rc; }
        (void)parent;
    }
    return mdb_txn_commit(txn);
}

void custos_reference_close(custos_reference *ref) {
    if (!ref) return;
    mdb_env_close(ref->env);
    free(ref);
}
