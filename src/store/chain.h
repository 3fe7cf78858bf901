/* chain.h — the hash chain of the event log (docs/audit.md, "Hash chain").
 *
 *     hash(row) = lowercase hex of SHA-256( prev_hash || data )
 *
 * where prev_hash is the previous row's hash as its 64 ASCII hex characters
 * (64 '0' characters before the first row) and data the row's canonical event
 * bytes, with no separator. A fq_chain holds the digest context so hashing a
 * million rows does not look the algorithm up a million times. */
#ifndef FAIRQ_STORE_CHAIN_H
#define FAIRQ_STORE_CHAIN_H

#include <stddef.h>

#include "fairq/common.h"
#include "fairq/store.h"

#define FQ_HASH_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct fq_chain fq_chain;

fq_chain *fq_chain_new(void); /* NULL on no memory or no SHA-256 */
void fq_chain_free(fq_chain *c); /* NULL is a no-op */

/* out = hex(SHA-256(prev[0..63] || data[0..len))), NUL-terminated.
 * prev must hold 64 characters (it is not read past them). */
fq_status fq_chain_hash(fq_chain *c, const char *prev, const char *data, size_t len,
                        char out[FQ_HASH_HEX]);

#endif
