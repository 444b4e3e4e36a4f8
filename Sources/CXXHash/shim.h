#ifndef CUSTOS_CXXHASH_SHIM_H
#define CUSTOS_CXXHASH_SHIM_H
#include <xxhash.h>
#endif
