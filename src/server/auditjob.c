/* auditjob.c — GET /api/v1/audit/report off the event loop.
 *
 * A year of a busy branch takes seconds to audit; on the loop thread that
 * would freeze every counter and lobby screen meanwhile. So the report runs
 * on one worker thread with its own read-only connection to the log (WAL
 * lets it read while the server appends; it covers the events up to the
 * chain head it reports). The worker touches nothing of the server but the
 * immutable configuration copy s->cfg and its own job: not the engine, not
 * the server's store handle, no lws object except lws_cancel_service, which
 * is made to be called from other threads.
 *
 *   loop:   fq_auditjob_start  -> thread runs fq_audit_report
 *   worker: result into the job, done = true, lws_cancel_service(ctx)
 *   loop:   LWS_CALLBACK_EVENT_WAIT_CANCELLED -> fq_auditjob_collect joins
 *           the thread and hands the result to the waiting request (http.c)
 *
 * One job at a time: a second request meanwhile is refused (http.c answers
 * 429 busy). A request that goes away is detached; its result is dropped
 * when the job ends. At shutdown fq_auditjob_end joins the worker before
 * anything it uses is freed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_int.h"

struct fq_auditjob {
    pthread_t thread;
    struct lws *wsi; /* the request waiting; NULL once it went away (loop only) */
    /* in: set before the thread starts, read-only afterwards */
    struct lws_context *ctx;
    const fq_config *cfg; /* the server's copy, never changed while it runs */
    int32_t from, to;
    fq_audit_format fmt;
    /* out: written by the worker before done */
    fq_status rc;
    fq_audit_buf out;
    char err[256];
    atomic_bool done;
};

static void *run(void *arg)
{
    fq_auditjob *j = arg;
    fq_store *st = NULL;

    j->rc = fq_store_open(j->cfg->db_path, NULL, FQ_STORE_READONLY, &st, j->err, sizeof(j->err));
    if (j->rc == FQ_OK)
        j->rc = fq_audit_report(st, j->cfg, j->from, j->to, j->fmt, &j->out, j->err,
                                sizeof(j->err));
    fq_store_close(st);
    atomic_store(&j->done, true);
    lws_cancel_service(j->ctx); /* wakes the loop: LWS_CALLBACK_EVENT_WAIT_CANCELLED */
    return NULL;
}

/* The audit and the server's business-day computations switch TZ to the
 * branch's zone for a moment unless it is already set to it; two threads
 * doing that at once would race on the environment. Setting it once, here
 * on the loop thread while no worker runs, means neither ever switches it
 * again (both compare with the same configured name). */
static fq_status pin_timezone(const char *tz)
{
    const char *cur = getenv("TZ");

    if (!tz[0] || (cur && !strcmp(cur, tz)))
        return FQ_OK;
    if (setenv("TZ", tz, 1))
        return FQ_ENOMEM;
    tzset();
    return FQ_OK;
}

fq_status fq_auditjob_start(fq_server *s, struct lws *wsi, int32_t from, int32_t to,
                            fq_audit_format fmt)
{
    fq_auditjob *j;

    if (s->audit_job)
        return FQ_EBUSY;
    if (pin_timezone(s->cfg.timezone))
        return FQ_ENOMEM;
    j = calloc(1, sizeof(*j));
    if (!j)
        return FQ_ENOMEM;
    j->wsi = wsi;
    j->ctx = s->ctx;
    j->cfg = &s->cfg;
    j->from = from;
    j->to = to;
    j->fmt = fmt;
    atomic_init(&j->done, false);
    if (pthread_create(&j->thread, NULL, run, j)) {
        free(j);
        return FQ_EIO;
    }
    s->audit_job = j;
    return FQ_OK;
}

void fq_auditjob_detach(fq_server *s, struct lws *wsi)
{
    if (s->audit_job && s->audit_job->wsi == wsi)
        s->audit_job->wsi = NULL;
}

bool fq_auditjob_collect(fq_server *s, struct lws **wsi, fq_audit_format *fmt, fq_status *rc,
                         fq_audit_buf *out, char *err, size_t errlen)
{
    fq_auditjob *j = s->audit_job;

    if (!j || !atomic_load(&j->done))
        return false;
    pthread_join(j->thread, NULL); /* it has finished or is about to return */
    s->audit_job = NULL;
    *wsi = j->wsi;
    *fmt = j->fmt;
    *rc = j->rc;
    *out = j->out; /* the caller owns it now */
    snprintf(err, errlen, "%s", j->err);
    free(j);
    return true;
}

void fq_auditjob_end(fq_server *s)
{
    fq_auditjob *j = s->audit_job;

    if (!j)
        return;
    pthread_join(j->thread, NULL);
    fq_audit_buf_free(&j->out);
    free(j);
    s->audit_job = NULL;
}
