/* ticketmap.c — open-addressing hash map ticket key -> seq, and capabilities. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "server/ticketmap.h"

typedef struct slot {
    uint8_t key[FQ_KEY_LEN];
    uint64_t seq; /* 0 = empty (ticket seqs start at 1) */
} slot;

struct fq_ticketmap {
    slot *v;
    size_t cap; /* power of two */
    size_t n;
};

fq_ticketmap *fq_ticketmap_new(void)
{
    fq_ticketmap *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cap = 1024;
    m->v = calloc(m->cap, sizeof(slot));
    if (!m->v) {
        free(m);
        return NULL;
    }
    return m;
}

void fq_ticketmap_free(fq_ticketmap *m)
{
    if (!m)
        return;
    free(m->v);
    free(m);
}

void fq_ticketmap_clear(fq_ticketmap *m)
{
    memset(m->v, 0, m->cap * sizeof(slot));
    m->n = 0;
}

size_t fq_ticketmap_size(const fq_ticketmap *m)
{
    return m->n;
}

static size_t hash_of(const uint8_t key[FQ_KEY_LEN])
{
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    return (size_t)h;
}

static slot *find(slot *v, size_t cap, const uint8_t key[FQ_KEY_LEN])
{
    size_t i = hash_of(key) & (cap - 1);
    while (v[i].seq && memcmp(v[i].key, key, FQ_KEY_LEN))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static fq_status grow(fq_ticketmap *m)
{
    size_t cap = m->cap * 2;
    slot *v = calloc(cap, sizeof(slot));
    if (!v)
        return FQ_ENOMEM;
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].seq)
            *find(v, cap, m->v[i].key) = m->v[i];
    free(m->v);
    m->v = v;
    m->cap = cap;
    return FQ_OK;
}

fq_status fq_ticketmap_put(fq_ticketmap *m, const uint8_t key[FQ_KEY_LEN], uint64_t seq)
{
    slot *s;

    if (!seq)
        return FQ_EINVAL;
    if ((m->n + 1) * 10 > m->cap * 7 && grow(m))
        return FQ_ENOMEM;
    s = find(m->v, m->cap, key);
    if (!s->seq) {
        memcpy(s->key, key, FQ_KEY_LEN);
        m->n++;
    }
    s->seq = seq;
    return FQ_OK;
}

uint64_t fq_ticketmap_get(const fq_ticketmap *m, const uint8_t key[FQ_KEY_LEN])
{
    return find(m->v, m->cap, key)->seq;
}

void fq_ticket_key(const char *id, size_t len, uint8_t key[FQ_KEY_LEN])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(id, len, d, &n, EVP_sha256(), NULL) || n < FQ_KEY_LEN)
        memset(d, 0, sizeof(d));
    memcpy(key, d, FQ_KEY_LEN);
}

fq_status fq_ticket_new_id(char id[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return FQ_EIO;
    for (size_t i = 0; i < sizeof(raw); i++) {
        id[2 * i] = hex[raw[i] >> 4];
        id[2 * i + 1] = hex[raw[i] & 15];
    }
    id[32] = '\0';
    return FQ_OK;
}

int fq_ticket_id_valid(const char *id, size_t len)
{
    if (len != 32)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}
