/* conns.c — connection counts in all and per address. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/conns.h"

typedef struct entry {
    fq_conn_addr addr;
    int count; /* 0 = free slot (no tombstones: see release) */
} entry;

typedef struct owned {
    const void *owner; /* NULL = free slot */
    fq_conn_addr addr;
} owned;

struct fq_conns {
    int max_total, per_address, total;
    entry *v;
    size_t cap, used; /* used = slots with count > 0 */
    owned *o;         /* owner -> address, linear probing */
    size_t ocap, oused;
};

fq_conns *fq_conns_new(int max_total, int per_address)
{
    fq_conns *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->max_total = max_total;
    c->per_address = per_address;
    c->cap = 256;
    c->v = calloc(c->cap, sizeof(entry));
    c->ocap = 256;
    c->o = calloc(c->ocap, sizeof(owned));
    if (!c->v || !c->o) {
        free(c->v);
        free(c->o);
        free(c);
        return NULL;
    }
    return c;
}

void fq_conns_free(fq_conns *c)
{
    if (!c)
        return;
    free(c->o);
    free(c->v);
    free(c);
}

int fq_conns_total(const fq_conns *c)
{
    return c->total;
}

fq_conn_addr fq_conn_addr_of(const struct sockaddr *sa)
{
    fq_conn_addr a;
    memset(&a, 0, sizeof(a));
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        a.a[10] = 0xff;
        a.a[11] = 0xff;
        memcpy(&a.a[12], &s4->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(a.a, &s6->sin6_addr, 16);
    }
    return a;
}

static size_t hash_addr(const fq_conn_addr *a)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->a[i]) * 1099511628211ull;
    return (size_t)h;
}

/* Slot holding addr, or the free slot where it would go. */
static entry *slot_for(entry *v, size_t cap, const fq_conn_addr *a)
{
    size_t i = hash_addr(a) & (cap - 1);
    while (v[i].count && memcmp(&v[i].addr, a, sizeof(*a)))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static bool grow(fq_conns *c)
{
    size_t cap = c->cap * 2;
    entry *v = calloc(cap, sizeof(entry));
    if (!v)
        return false;
    for (size_t i = 0; i < c->cap; i++)
        if (c->v[i].count)
            *slot_for(v, cap, &c->v[i].addr) = c->v[i];
    free(c->v);
    c->v = v;
    c->cap = cap;
    return true;
}

bool fq_conns_admit(fq_conns *c, const fq_conn_addr *addr)
{
    entry *e;

    if (c->total >= c->max_total)
        return false;
    if (!c->per_address) {
        c->total++;
        return true;
    }
    if ((c->used + 1) * 2 > c->cap && !grow(c))
        return false;
    e = slot_for(c->v, c->cap, addr);
    if (e->count >= c->per_address)
        return false;
    if (!e->count) {
        e->addr = *addr;
        c->used++;
    }
    e->count++;
    c->total++;
    return true;
}

/* Deleting from linear probing without tombstones: re-insert the rest of
 * the cluster after the freed slot. */
static void remove_at(fq_conns *c, size_t i)
{
    size_t j = i;
    c->v[i].count = 0;
    for (;;) {
        entry moved;
        j = (j + 1) & (c->cap - 1);
        if (!c->v[j].count)
            return;
        moved = c->v[j];
        c->v[j].count = 0;
        *slot_for(c->v, c->cap, &moved.addr) = moved;
    }
}

void fq_conns_release(fq_conns *c, const fq_conn_addr *addr)
{
    entry *e;

    if (c->total > 0)
        c->total--;
    if (!c->per_address)
        return;
    e = slot_for(c->v, c->cap, addr);
    if (!e->count)
        return;
    if (--e->count == 0) {
        c->used--;
        remove_at(c, (size_t)(e - c->v));
    }
}

static size_t hash_ptr(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17);
}

static owned *owned_slot(owned *o, size_t cap, const void *owner)
{
    size_t i = hash_ptr(owner) & (cap - 1);
    while (o[i].owner && o[i].owner != owner)
        i = (i + 1) & (cap - 1);
    return &o[i];
}

static bool grow_owned(fq_conns *c)
{
    size_t cap = c->ocap * 2;
    owned *o = calloc(cap, sizeof(owned));
    if (!o)
        return false;
    for (size_t i = 0; i < c->ocap; i++)
        if (c->o[i].owner)
            *owned_slot(o, cap, c->o[i].owner) = c->o[i];
    free(c->o);
    c->o = o;
    c->ocap = cap;
    return true;
}

int fq_conns_attach(fq_conns *c, const void *owner, const fq_conn_addr *addr)
{
    owned *s;

    if ((c->oused + 1) * 2 > c->ocap && !grow_owned(c)) {
        fq_conns_release(c, addr);
        return -1;
    }
    s = owned_slot(c->o, c->ocap, owner);
    if (!s->owner)
        c->oused++;
    s->owner = owner;
    s->addr = *addr;
    return 0;
}

void fq_conns_detach(fq_conns *c, const void *owner)
{
    owned *s = owned_slot(c->o, c->ocap, owner);
    size_t i, j;

    if (!s->owner)
        return;
    fq_conns_release(c, &s->addr);
    c->oused--;
    /* backward-shift deletion keeps every probe chain intact */
    i = (size_t)(s - c->o);
    c->o[i].owner = NULL;
    for (j = (i + 1) & (c->ocap - 1); c->o[j].owner; j = (j + 1) & (c->ocap - 1)) {
        owned moved = c->o[j];
        c->o[j].owner = NULL;
        *owned_slot(c->o, c->ocap, moved.owner) = moved;
    }
}
