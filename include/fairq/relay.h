/* relay.h — two batches, two threads: a reader fills one batch while a
 * worker thread processes the other, strictly alternating, so the worker
 * sees the batches in the order they were filled.
 *
 * Used where a long scan of the log has a deadline: the restart's replay
 * (src/store/recover.c) and the audit (src/audit/audit.c). The reader owns
 * the batch in slot r->fill; fq_relay_hand_over() gives it to the worker
 * and returns once the other slot is free again (r->fill then names it).
 * process(ctx, slot, st) processes and empties a batch; it gets the status
 * so far and returns the new one (after an error it should only empty the
 * batch). If no thread can be started, hand_over processes inline. */
#ifndef FAIRQ_RELAY_H
#define FAIRQ_RELAY_H

#include <pthread.h>
#include <stdbool.h>

#include "fairq/common.h"

typedef fq_status (*fq_relay_fn)(void *ctx, int slot, fq_status st);

typedef struct fq_relay {
    fq_relay_fn process;
    void *ctx;
    int fill;      /* the slot the reader fills (reader only) */
    bool threaded; /* a worker runs */
    pthread_t th;
    _Alignas(64) pthread_mutex_t mu; /* apart from what the reader reads per row */
    pthread_cond_t cv;
    bool full[2];  /* handed to the worker, not yet processed (under mu) */
    bool done;     /* the reader has no more batches (under mu) */
    fq_status wst; /* the worker's status (under mu) */
} fq_relay;

/* Starts the worker if it can; the relay then must be finished. */
void fq_relay_start(fq_relay *r, fq_relay_fn process, void *ctx);

/* Hands slot r->fill over; returns the worker's status so far. */
fq_status fq_relay_hand_over(fq_relay *r);

/* Waits for the worker to process what it was given and joins it. After it
 * everything the worker wrote is visible. Returns its final status. */
fq_status fq_relay_finish(fq_relay *r);

#endif
