/* ticketmap.h — ticket key (hash of the capability) -> ticket seq.
 *
 * The capability a customer holds is 32 hex characters; the engine and the
 * log only ever see its key, the first FQ_KEY_LEN bytes of its SHA-256. This
 * map finds a ticket from a presented capability in O(1). Open addressing
 * with linear probing; keys are uniformly random, so their first bytes are
 * a good hash. */
#ifndef FAIRQ_SERVER_TICKETMAP_H
#define FAIRQ_SERVER_TICKETMAP_H

#include <stdint.h>

#include "fairq/common.h"
#include "fairq/engine.h"

typedef struct fq_ticketmap fq_ticketmap;

fq_ticketmap *fq_ticketmap_new(void);
void fq_ticketmap_free(fq_ticketmap *m); /* NULL is a no-op */
void fq_ticketmap_clear(fq_ticketmap *m);
/* Adds or replaces key -> seq. FQ_ENOMEM leaves the map unchanged. */
fq_status fq_ticketmap_put(fq_ticketmap *m, const uint8_t key[FQ_KEY_LEN], uint64_t seq);
/* The seq for key, 0 when absent. */
uint64_t fq_ticketmap_get(const fq_ticketmap *m, const uint8_t key[FQ_KEY_LEN]);
size_t fq_ticketmap_size(const fq_ticketmap *m);

/* The capability text -> key: first FQ_KEY_LEN bytes of SHA-256(id). */
void fq_ticket_key(const char *id, size_t len, uint8_t key[FQ_KEY_LEN]);
/* A fresh capability: 32 lowercase hex chars of 16 random bytes + NUL.
 * FQ_EIO when the kernel gives no randomness. */
fq_status fq_ticket_new_id(char id[33]);
/* Is id exactly 32 lowercase hex characters? */
int fq_ticket_id_valid(const char *id, size_t len);

#endif
