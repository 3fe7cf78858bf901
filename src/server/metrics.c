/* metrics.c — GET /metrics in the Prometheus text format: tickets by state,
 * today's waits, connections, requests by status, events and commit time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        {
            size_t cap = t->cap * 2 + (size_t)n + 256;
            char *q = realloc(t->p, cap);
            if (!q) {
                t->failed = true;
                return;
            }
            t->p = q;
            t->cap = cap;
        }
    }
}

static const int wait_buckets[] = {60, 120, 300, 600, 900, 1200, 1800, 3600};

typedef struct tally {
    uint64_t by_status[FQ_T_CLOSED + 1];
    uint64_t bucket[FQ_ARRAY_LEN(wait_buckets)];
    uint64_t waits;
    double wait_sum;
} tally;

static bool count_ticket(const fq_ticket *t, void *arg)
{
    tally *c = arg;

    if (t->status <= FQ_T_CLOSED)
        c->by_status[t->status]++;
    if (t->called_at && t->called_at >= t->issued_at) {
        double w = (double)(t->called_at - t->issued_at) / 1000.0;
        for (size_t i = 0; i < FQ_ARRAY_LEN(wait_buckets); i++)
            if (w <= wait_buckets[i])
                c->bucket[i]++;
        c->waits++;
        c->wait_sum += w;
    }
    return true;
}

char *fq_metrics_text(fq_server *s, fq_time now, size_t *len)
{
    text t = {NULL, 0, 0, false};
    tally c;
    int total = fq_conns_total(s->conns);
    int http = total - s->n_display - s->n_staff;

    (void)now;
    memset(&c, 0, sizeof(c));
    fq_engine_each_ticket(s->engine, count_ticket, &c);

    put(&t, "# HELP fairq_tickets Tickets of the current business day by state.\n"
            "# TYPE fairq_tickets gauge\n");
    for (int st = FQ_T_WAITING; st <= FQ_T_CLOSED; st++)
        put(&t, "fairq_tickets{state=\"%s\"} %llu\n", fq_ticket_status_name((fq_ticket_status)st),
            (unsigned long long)c.by_status[st]);
    put(&t, "# HELP fairq_wait_seconds Waits (issue to first call) of today's called tickets.\n"
            "# TYPE fairq_wait_seconds histogram\n");
    for (size_t i = 0; i < FQ_ARRAY_LEN(wait_buckets); i++)
        put(&t, "fairq_wait_seconds_bucket{le=\"%d\"} %llu\n", wait_buckets[i],
            (unsigned long long)c.bucket[i]);
    put(&t, "fairq_wait_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)c.waits);
    put(&t, "fairq_wait_seconds_sum %.3f\nfairq_wait_seconds_count %llu\n", c.wait_sum,
        (unsigned long long)c.waits);
    put(&t, "# HELP fairq_starvation_alarm 1 while some ticket is past its class's limit.\n"
            "# TYPE fairq_starvation_alarm gauge\nfairq_starvation_alarm %d\n",
        s->alarm.active ? 1 : 0);
    put(&t, "# HELP fairq_connections Open connections by kind.\n"
            "# TYPE fairq_connections gauge\n"
            "fairq_connections{kind=\"display\"} %d\n"
            "fairq_connections{kind=\"staff\"} %d\n"
            "fairq_connections{kind=\"http\"} %d\n",
        s->n_display, s->n_staff, http > 0 ? http : 0);
    put(&t, "# HELP fairq_ws_lagging_closed_total WebSockets closed (4408) for falling too far "
            "behind.\n"
            "# TYPE fairq_ws_lagging_closed_total counter\n"
            "fairq_ws_lagging_closed_total{kind=\"display\"} %llu\n"
            "fairq_ws_lagging_closed_total{kind=\"staff\"} %llu\n",
        (unsigned long long)s->lagging_closed[0], (unsigned long long)s->lagging_closed[1]);
    put(&t, "# HELP fairq_requests_total HTTP responses by status code.\n"
            "# TYPE fairq_requests_total counter\n");
    for (size_t code = 0; code < FQ_ARRAY_LEN(s->requests); code++)
        if (s->requests[code])
            put(&t, "fairq_requests_total{code=\"%zu\"} %llu\n", code,
                (unsigned long long)s->requests[code]);
    put(&t, "# HELP fairq_events_total Events committed to the log since start.\n"
            "# TYPE fairq_events_total counter\nfairq_events_total %llu\n",
        (unsigned long long)s->events_total);
    put(&t, "# HELP fairq_commit_seconds Time to commit a batch of events (fsync included).\n"
            "# TYPE fairq_commit_seconds summary\n"
            "fairq_commit_seconds_sum %.6f\nfairq_commit_seconds_count %llu\n"
            "# HELP fairq_commit_seconds_max Slowest commit since start.\n"
            "# TYPE fairq_commit_seconds_max gauge\nfairq_commit_seconds_max %.6f\n",
        s->commit_seconds, (unsigned long long)s->commits, s->commit_seconds_max);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    if (len)
        *len = t.len;
    return t.p;
}
