#ifndef CUSTOS_CLMDB_SHIM_H
#define CUSTOS_CLMDB_SHIM_H
#include <lmdb.h>
#endif
