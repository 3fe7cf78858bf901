/* idmap.c — seq -> pool index map for the engine (linear probing, backward
 * shift deletion, so there are no tombstones and lookups stay short). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t idmap_slot(uint64_t key, uint32_t mask)
{
    /* Fibonacci hashing spreads consecutive seqs over the table. */
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

fq_status fq__idmap_reserve(fq__idmap *m, uint32_t n)
{
    if ((uint64_t)n * 2 <= m->cap)
        return FQ_OK;
    uint32_t cap = m->cap ? m->cap : 64;
    while ((uint64_t)n * 2 > cap) {
        if (cap > (UINT32_MAX >> 1))
            return FQ_ENOMEM;
        cap <<= 1;
    }
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = malloc((size_t)cap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return FQ_ENOMEM;
    }
    fq__idmap grown = {keys, vals, cap, 0};
    for (uint32_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            fq__idmap_put(&grown, m->keys[i], m->vals[i]);
    fq__idmap_free(m);
    *m = grown;
    return FQ_OK;
}

void fq__idmap_put(fq__idmap *m, uint64_t key, uint32_t val)
{
    uint32_t mask = m->cap - 1;
    uint32_t i = idmap_slot(key, mask);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & mask;
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

uint32_t fq__idmap_get(const fq__idmap *m, uint64_t key)
{
    if (!m->cap || !key)
        return FQ__NIL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = idmap_slot(key, mask);; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (!m->keys[i])
            return FQ__NIL;
    }
}

void fq__idmap_del(fq__idmap *m, uint64_t key)
{
    if (!m->cap || !key)
        return;
    uint32_t mask = m->cap - 1;
    uint32_t i = idmap_slot(key, mask);
    while (m->keys[i] != key) {
        if (!m->keys[i])
            return;
        i = (i + 1) & mask;
    }
    m->n--;
    /* Shift later members of the probe run back into the hole. */
    for (uint32_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        uint32_t home = idmap_slot(m->keys[j], mask);
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
}

void fq__idmap_clear(fq__idmap *m)
{
    if (m->cap)
        memset(m->keys, 0, (size_t)m->cap * sizeof *m->keys);
    m->n = 0;
}

void fq__idmap_free(fq__idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
