/* internal.h — the engine's private state, shared by its .c files only.
 *
 * Tickets live in a pool (an array that grows, never shrinks within a day),
 * addressed by index; a small hash map finds the index of a seq. Each
 * (class, service) pair has a FIFO queue, a doubly linked list through the
 * tickets ordered by (issued_at, seq), so every decision looks only at the
 * heads: O(classes x services) per `next`, whatever the queue length. */
#ifndef FAIRQ_ENGINE_INTERNAL_H
#define FAIRQ_ENGINE_INTERNAL_H

#include "fairq/engine.h"

#define FQ__NIL UINT32_MAX

/* seq -> pool index, open addressing with linear probing; key 0 = empty. */
typedef struct fq__idmap {
    uint64_t *keys;
    uint32_t *vals;
    uint32_t cap; /* power of two, or 0 */
    uint32_t n;
} fq__idmap;

fq_status fq__idmap_reserve(fq__idmap *m, uint32_t n);
void fq__idmap_put(fq__idmap *m, uint64_t key, uint32_t val); /* capacity reserved */
uint32_t fq__idmap_get(const fq__idmap *m, uint64_t key);     /* FQ__NIL if absent */
void fq__idmap_del(fq__idmap *m, uint64_t key);
void fq__idmap_clear(fq__idmap *m);
void fq__idmap_free(fq__idmap *m);

typedef struct fq__queue {
    uint32_t head, tail, len;
} fq__queue;

typedef struct fq__counter {
    uint8_t state;  /* fq_counter_state */
    uint32_t cur;   /* pool index of the called/serving ticket, or FQ__NIL */
} fq__counter;

struct fq_engine {
    fq_sched_cfg cfg;
    int rank[FQ_MAX_CLASSES];      /* strict order: 0 = served first */
    uint64_t stride[FQ_MAX_CLASSES]; /* weighted: virtual time per call */

    fq_ticket *pool;
    uint32_t pool_len, pool_cap;
    uint32_t free_head;            /* free slots chained through .next */
    uint32_t live;                 /* slots in use */
    fq__idmap map;

    fq__queue q[FQ_MAX_CLASSES][FQ_MAX_SERVICES];
    size_t waiting, waiting_class[FQ_MAX_CLASSES];
    fq__counter counters[FQ_MAX_COUNTERS];

    int32_t day;
    uint64_t seed;
    uint32_t issued[FQ_MAX_SERVICES]; /* numbers drawn today per service */
    uint64_t last_seq;
    fq_time last_time;

    uint64_t pass[FQ_MAX_CLASSES];   /* weighted: each class's virtual time */
    uint64_t vtime;                  /* weighted: the highest pass reached */

    bool alarm;
    double svc_mean_s[FQ_MAX_SERVICES]; /* running mean service time, for estimates */
    fq_evbuf scratch;                /* fq_engine_exec's events when the caller wants none */
};

/* policy.c */
uint32_t fq__choose(const fq_engine *e, int counter, fq_time now);
bool fq__overdue(const fq_engine *e, const fq_ticket *t, fq_time now);
uint32_t fq__first_overdue(const fq_engine *e, fq_time now);

/* numbering.c */
uint32_t fq__number(int width, fq_number_order order, uint64_t seed, int service, uint32_t n);

#endif
