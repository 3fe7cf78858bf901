/* relay.c — see include/fairq/relay.h. */
#include <string.h>

#include "fairq/relay.h"

static void *relay_worker(void *arg)
{
    fq_relay *r = arg;
    int slot = 0;
    fq_status st = FQ_OK;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->full[slot] && !r->done)
            pthread_cond_wait(&r->cv, &r->mu);
        if (!r->full[slot]) {
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        pthread_mutex_unlock(&r->mu);
        st = r->process(r->ctx, slot, st);
        pthread_mutex_lock(&r->mu);
        r->wst = st;
        r->full[slot] = false;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        slot ^= 1;
    }
}

void fq_relay_start(fq_relay *r, fq_relay_fn process, void *ctx)
{
    memset(r, 0, sizeof *r);
    r->process = process;
    r->ctx = ctx;
    if (pthread_mutex_init(&r->mu, NULL))
        return;
    if (!pthread_cond_init(&r->cv, NULL)) {
        r->threaded = pthread_create(&r->th, NULL, relay_worker, r) == 0;
        if (!r->threaded)
            pthread_cond_destroy(&r->cv);
    }
    if (!r->threaded)
        pthread_mutex_destroy(&r->mu);
}

fq_status fq_relay_hand_over(fq_relay *r)
{
    if (!r->threaded) {
        r->wst = r->process(r->ctx, r->fill, r->wst);
        return r->wst;
    }
    pthread_mutex_lock(&r->mu);
    r->full[r->fill] = true;
    pthread_cond_broadcast(&r->cv);
    r->fill ^= 1;
    while (r->full[r->fill])
        pthread_cond_wait(&r->cv, &r->mu);
    fq_status st = r->wst;
    pthread_mutex_unlock(&r->mu);
    return st;
}

fq_status fq_relay_finish(fq_relay *r)
{
    if (r->threaded) {
        pthread_mutex_lock(&r->mu);
        r->done = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->th, NULL);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        r->threaded = false;
    }
    return r->wst;
}
