/* tokens.h — bearer tokens and roles from auth.tokens_file, and the
 * per-kiosk-token issue rate limit.
 *
 * The file holds `role token` lines (roles kiosk, staff, auditor; several
 * tokens per role; # comments). Only SHA-256 digests of the tokens are kept
 * in memory, and a presented token is hashed and compared against every
 * digest with CRYPTO_memcmp, so neither the content nor the length of a
 * valid token leaks through timing. */
#ifndef FAIRQ_SERVER_TOKENS_H
#define FAIRQ_SERVER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

#include "fairq/common.h"

typedef enum fq_role {
    FQ_ROLE_NONE = 0,
    FQ_ROLE_KIOSK = 1,
    FQ_ROLE_STAFF = 2,
    FQ_ROLE_AUDITOR = 3
} fq_role;

const char *fq_role_name(fq_role r); /* "kiosk", ...; "none" */

typedef struct fq_tokens fq_tokens;

/* Loads the tokens file at path. When it does not exist, creates it (and its
 * parent directory) with mode 0600 and one fresh 128-bit token per role, sets
 * *created and copies the new file's text into fresh (when non-NULL) so the
 * caller can show it once. Refuses (FQ_EDENIED) a file readable by group or
 * others, FQ_ECONFIG a malformed line, FQ_EIO an unreadable file; err says
 * why and how to fix it. */
fq_status fq_tokens_open(const char *path, fq_tokens **out, bool *created, char *fresh,
                         size_t freshlen, char *err, size_t errlen);
void fq_tokens_free(fq_tokens *t); /* NULL is a no-op */

/* The role of token[0..len) (FQ_ROLE_NONE when unknown) and, when known, a
 * stable index for it in *id. Constant time in the number of tokens. */
fq_role fq_tokens_check(const fq_tokens *t, const char *token, size_t len, int *id);

/* Takes one issue from token id's bucket (per_minute per minute, bursts up
 * to per_minute). false when the bucket is empty. */
bool fq_tokens_take(fq_tokens *t, int id, int per_minute, fq_time now);

#endif
