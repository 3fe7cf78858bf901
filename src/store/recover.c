/* recover.c — rebuilding the engine's state from the log.
 *
 * The state of a business day depends only on that day's events (a "day"
 * event closes everything before it), so recovery starts at the last day
 * event, which the days table finds without a scan. Kept apart from store.c
 * so that read-only tools do not link the engine.
 *
 * Two threads share the work of a long day: this one steps SQLite and
 * decodes the rows into one of two batches of events while a worker applies
 * the other batch to the engine (measured: applying is the larger half, so
 * decoding goes with the reading). Batches alternate strictly, so the engine sees the events in log
 * order; only the worker touches the engine, only this thread SQLite. The
 * worker ends with the recovery: the server itself stays single-threaded.
 * Without a worker (pthread_create failed) the batches are applied inline. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/internal.h"

/* Seq of the last day event, 0 when there is none. */
static int last_day_seq(fq_store *s, uint64_t *out)
{
    sqlite3_stmt *st = NULL;
    const char *sql = s->version >= 2
                          ? "SELECT seq FROM days ORDER BY seq DESC LIMIT 1"
                          : "SELECT MAX(seq) FROM events WHERE data LIKE '{\"type\":\"day\",%'";
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    *out = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = (uint64_t)sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static fq_status replay(fq_store *s, fq_engine *e, char *err, size_t errlen);

fq_status fq_store_recover(fq_store *s, fq_engine *e, char *err, size_t errlen)
{
    fq_status r = replay(s, e, err, errlen);
    /* A whole-file check started by the open ran beside the replay: its
     * verdict comes first (damage also explains a replay that failed). */
    fq_status c = fq_store_check_wait(s, err, errlen);
    if (c)
        r = c;
    if (r)
        s->healthy = false; /* whatever it was, check the whole file next time */
    return r;
}

/* --- the two-thread pipeline ------------------------------------------------ */

#define RBATCH 1024

/* Decoded events in log order. When the reader found a row it cannot use,
 * `fail` and `msg` say why: that row comes after the n good ones, so the
 * worker reports it only if none of them failed to apply first. */
typedef struct rbatch {
    size_t n;
    uint64_t seq[RBATCH];
    fq_event ev[RBATCH];
    fq_status fail;
    char msg[256];
} rbatch;

typedef struct rpipe {
    fq_engine *e;
    const fq_sched_cfg *cfg;
    uint64_t from, expect; /* first seq; the seq the next row must have (reader) */
    char *err;             /* written by the worker only */
    size_t errlen;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rbatch b[2];
    bool full[2]; /* handed to the worker, not yet applied */
    bool done;    /* the reader has no more batches */
    int fill;     /* the batch the reader fills */
    bool threaded;
    fq_status wst; /* the worker's first error (under mu) */
} rpipe;

/* The reader's part for one row: in sequence, decodes, is a day event where
 * the days table says. False (and the batch's fail set) when it is not. */
static bool decode_row(rpipe *q, rbatch *b, uint64_t seq, const char *data, size_t len)
{
    unsigned long long n = (unsigned long long)q->expect;
    char why[160];
    fq_event *ev = &b->ev[b->n];
    if (seq != q->expect) {
        b->fail = fq_store_fail(b->msg, sizeof b->msg, FQ_ECORRUPT, "event %llu: missing", n);
    } else if (fq_codec_decode(q->cfg, data, len, ev, why, sizeof why) != FQ_OK) {
        b->fail = fq_store_fail(b->msg, sizeof b->msg, FQ_ECORRUPT, "event %llu: %s", n, why);
    } else if (seq == q->from && q->from > 1 && ev->type != FQ_EV_DAY) {
        b->fail = fq_store_fail(b->msg, sizeof b->msg, FQ_ECORRUPT,
                                "event %llu: the days table points at a %s event", n,
                                fq_codec_type_name(ev->type));
    } else {
        b->seq[b->n++] = seq;
        q->expect++;
        return true;
    }
    return false;
}

/* The worker's part: applies batch b unless an earlier batch failed (st);
 * empties it. On error err says which seq and why. */
static fq_status apply_batch(rpipe *q, rbatch *b, fq_status st)
{
    for (size_t i = 0; i < b->n && !st; i++) {
        if ((st = fq_engine_apply(q->e, &b->ev[i])) != FQ_OK) {
            if (st != FQ_ENOMEM)
                st = FQ_ECORRUPT;
            fq_store_fail(q->err, q->errlen, st, "event %llu: does not apply (%s)",
                          (unsigned long long)b->seq[i], fq_strerror(st));
        }
    }
    if (!st && b->fail)
        st = fq_store_fail(q->err, q->errlen, b->fail, "%s", b->msg);
    b->n = 0;
    b->fail = FQ_OK;
    return st;
}

/* The same two-batch hand-off as in src/audit/audit.c, on purpose: one
 * shared copy measured slower there (commit 5504bfe). */
static void *worker(void *arg)
{
    rpipe *q = arg;
    int idx = 0;
    fq_status st = FQ_OK;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->full[idx] && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->full[idx]) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        pthread_mutex_unlock(&q->mu);
        st = apply_batch(q, &q->b[idx], st);
        pthread_mutex_lock(&q->mu);
        q->wst = st;
        q->full[idx] = false;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        idx ^= 1;
    }
}

/* Hands the batch being filled over and waits until the other one is free.
 * Returns the worker's error state so far. */
static fq_status hand_over(rpipe *q)
{
    if (!q->threaded) {
        q->wst = apply_batch(q, &q->b[q->fill], q->wst);
        return q->wst;
    }
    pthread_mutex_lock(&q->mu);
    q->full[q->fill] = true;
    pthread_cond_broadcast(&q->cv);
    q->fill ^= 1;
    while (q->full[q->fill])
        pthread_cond_wait(&q->cv, &q->mu);
    fq_status st = q->wst;
    pthread_mutex_unlock(&q->mu);
    return st;
}

static fq_status replay(fq_store *s, fq_engine *e, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    fq_status r = fq_store_check_tail(s, err, errlen);
    if (r)
        return r;
    uint64_t from = 0;
    int rc = last_day_seq(s, &from);
    if (rc != SQLITE_OK)
        return fq_store_fail(err, errlen, fq_store_map_rc(rc), "%s: %s", s->path,
                             sqlite3_errmsg(s->db));
    if (from == 0)
        from = 1;
    /* The day's rows are read through a read-only connection of their own
     * on the read-ahead VFS (readahead.c): far fewer system calls than the
     * writer's page-by-page reads. The writer holds the lock, so both see
     * the same log. If it cannot be opened, the writer's connection reads. */
    sqlite3 *db = s->db, *rdb = NULL;
    const char *vfs = fq_store_readahead_vfs();
    if (vfs && sqlite3_open_v2(s->path, &rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs) ==
                   SQLITE_OK) {
        sqlite3_busy_timeout(rdb, 5000);
        db = rdb;
    } else {
        sqlite3_close(rdb);
        rdb = NULL;
    }
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, "SELECT seq, data FROM events WHERE seq >= ?1 ORDER BY seq", -1,
                            &st, NULL);
    if (rc != SQLITE_OK && rdb) { /* e.g. no read access for a second connection */
        sqlite3_close(rdb);
        rdb = NULL;
        db = s->db;
        rc = sqlite3_prepare_v2(db, "SELECT seq, data FROM events WHERE seq >= ?1 ORDER BY seq",
                                -1, &st, NULL);
    }
    if (rc != SQLITE_OK)
        return fq_store_fail(err, errlen, fq_store_map_rc(rc), "%s: %s", s->path,
                             sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);

    rpipe *q = calloc(1, sizeof *q);
    if (!q) {
        sqlite3_finalize(st);
        sqlite3_close(rdb);
        return fq_store_fail(err, errlen, FQ_ENOMEM, "out of memory");
    }
    q->e = e;
    q->cfg = fq_engine_cfg(e);
    q->from = q->expect = from;
    q->err = err;
    q->errlen = errlen;
    pthread_t th;
    if (!pthread_mutex_init(&q->mu, NULL)) {
        if (!pthread_cond_init(&q->cv, NULL)) {
            q->threaded = pthread_create(&th, NULL, worker, q) == 0;
            if (!q->threaded)
                pthread_cond_destroy(&q->cv);
        }
        if (!q->threaded)
            pthread_mutex_destroy(&q->mu);
    }

    fq_status wst = FQ_OK;
    bool stop = false;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *data = (const char *)sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        rbatch *b = &q->b[q->fill];
        stop = !decode_row(q, b, (uint64_t)sqlite3_column_int64(st, 0), data ? data : "", len);
        if ((stop || b->n == RBATCH) && (wst = hand_over(q)) != FQ_OK)
            break;
    }
    if (!stop && !wst && q->b[q->fill].n)
        hand_over(q); /* the last, partial batch */
    if (q->threaded) {
        pthread_mutex_lock(&q->mu);
        q->done = true;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(th, NULL);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
    }
    /* joined: the worker's message in err is complete and visible */
    r = q->wst;
    uint64_t expect = q->expect;
    free(q);
    if (!r && !stop && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = fq_store_fail(err, errlen, fq_store_map_rc(rc), "event %llu: %s",
                          (unsigned long long)expect, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(rdb);
    return r;
}
