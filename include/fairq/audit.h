/* audit.h — fairness audit and replay, computed from the event log alone.
 *
 * The audit reads every row of the log in order, decodes it with the
 * configuration (ids -> indices) and builds one record per ticket: its day,
 * class, reason, service at issue, issue time, first call, outcome, estimate,
 * manual calls, transfers and how many later tickets overtook it. Every figure
 * of the report (SPEC 10) is computed from those records, never from a derived
 * table, so an auditor can recompute it from the NDJSON export. docs/audit.md
 * ("Metrics", "Report", "Replay") defines each figure exactly.
 *
 *     fq_audit_new(store, cfg, from, to, &a, err)   one pass over the log
 *     fq_audit_write(a, FQ_AUDIT_JSON, &buf)        text, json, csv or html
 *     fq_replay_run(a, day, policy, &result, err)   the day again, another policy
 *
 * fq_audit_report() does the first two in one call; the server uses it for
 * GET /api/v1/audit/report. The store may be read-only and a server may be
 * appending meanwhile: the audit covers exactly the events up to the chain
 * head it reports. */
#ifndef FAIRQ_AUDIT_H
#define FAIRQ_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"
#include "fairq/config.h"
#include "fairq/engine.h"
#include "fairq/store.h"

/* --- a growable text buffer ----------------------------------------------- */

/* Zero-initialise; data is NUL-terminated whenever it is non-NULL. Owned by
 * the caller: release with fq_audit_buf_free. */
typedef struct fq_audit_buf {
    char *data;
    size_t len, cap;
} fq_audit_buf;
fq_status fq_audit_buf_put(fq_audit_buf *b, const char *s, size_t n);
fq_status fq_audit_buf_puts(fq_audit_buf *b, const char *s);
fq_status fq_audit_buf_printf(fq_audit_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fq_audit_buf_free(fq_audit_buf *b); /* b stays valid and empty */

typedef enum fq_audit_format {
    FQ_AUDIT_TEXT = 0,
    FQ_AUDIT_JSON = 1,
    FQ_AUDIT_CSV = 2,
    FQ_AUDIT_HTML = 3
} fq_audit_format;
/* "text", "json", "csv", "html" -> 0 and *out; FQ_EINVAL otherwise. */
fq_status fq_audit_format_parse(const char *name, fq_audit_format *out);
/* MIME type for a format ("application/json", ...). */
const char *fq_audit_format_mime(fq_audit_format f);

/* "2026-11-23" -> 20261123; FQ_EINVAL unless a real calendar date. */
fq_status fq_audit_parse_day(const char *text, int32_t *out);

/* --- per ticket ------------------------------------------------------------ */

typedef enum fq_audit_outcome {
    FQ_AUDIT_OPEN = 0,      /* still waiting, called or serving at the end of the log */
    FQ_AUDIT_DONE = 1,
    FQ_AUDIT_NO_SHOW = 2,
    FQ_AUDIT_CANCELLED = 3,
    FQ_AUDIT_CLOSED = 4     /* still open when its business day ended */
} fq_audit_outcome;
const char *fq_audit_outcome_name(fq_audit_outcome o); /* "open", "done", ... */

/* One ticket as the log tells it. Times are 0 when the event did not happen. */
typedef struct fq_audit_ticket {
    uint64_t seq;
    int32_t day;            /* yyyymmdd of the last "day" event before the issue */
    int klass;
    int service;            /* service at issue (a transfer does not change it) */
    int reason;             /* FQ_NONE or index into the class's reasons */
    uint32_t number;
    int hour;               /* local hour of day (branch.timezone) of issued_at */
    fq_time issued_at;
    fq_time called_at;      /* first call: the wait ends here */
    fq_time started_at;     /* start of the first visit */
    fq_time visit_end_at;   /* end of the first visit (completed, no-show,
                               transferred, or closed while at the counter) */
    fq_time end_at;         /* finished: done, no-show, cancelled or closed */
    int32_t estimate_s;     /* the estimate given at issue */
    int counter;            /* counter of the first call, FQ_NONE if never called */
    fq_audit_outcome outcome;
    bool first_no_show;     /* the first call was answered by a no-show */
    uint16_t manual_calls;  /* calls by number (overrides) */
    uint16_t transfers;
    uint32_t overtaken;     /* later-issued tickets called first (docs/audit.md) */
    uint64_t call_ev;       /* event seq of the first call, 0 = none */
    uint64_t end_ev;        /* event seq that ended the wait without a call */
    uint64_t issue_ev;      /* event seq of the issue */
    uint64_t visit_end_ev;  /* event seq that ended the first visit */
} fq_audit_ticket;

/* served = called at least once and the first call was not a no-show. */
bool fq_audit_ticket_served(const fq_audit_ticket *t);

typedef struct fq_audit_override {
    size_t ticket;          /* index of the ticket (fq_audit_ticket_at) */
    fq_time at;
    int counter;
    char note[FQ_NOTE_LEN]; /* the reason staff gave */
} fq_audit_override;

/* The figures of one group of tickets (a class, or a class within a service,
 * day or hour of day). Waits in seconds with millisecond resolution. */
typedef struct fq_audit_stats {
    uint64_t tickets;       /* issued in the group */
    uint64_t served, no_show, cancelled, closed, open;
    double wait_mean_s, wait_p50_s, wait_p90_s, wait_p95_s, wait_max_s; /* over served */
    double over_target_pct; /* % of served with wait > target_wait */
    uint64_t starvation_breaches;
    uint64_t overrides;     /* manual calls */
    double overtaken_mean;  /* over every ticket of the group */
    double estimate_error_mean_s; /* mean |estimate - wait| over served */
} fq_audit_stats;

typedef struct fq_audit fq_audit;

/* Reads the log of s and computes the audit of business days [from, to]
 * (yyyymmdd; 0 = unbounded on that side).
 *
 * Needs: s open (read-only is fine), cfg the configuration the log was
 * written with (its ids decode the events). Verifies the hash chain first and
 * then reads exactly the verified events, so the reported head is the last
 * event the figures include; a broken chain does not stop the audit, it is
 * reported as "bad event N". Returns FQ_OK and *out (fq_audit_free it), or
 * FQ_ECORRUPT (an event does not decode with cfg or does not fit the ones
 * before it), FQ_EIO, FQ_ENOMEM, FQ_EINVAL (from > to), with a message in err.
 * Changes the TZ environment variable while it runs (restored): call it from
 * one thread at a time. */
fq_status fq_audit_new(fq_store *s, const fq_config *cfg, int32_t from, int32_t to,
                       fq_audit **out, char *err, size_t errlen);
void fq_audit_free(fq_audit *a); /* NULL is a no-op */

/* Appends the report in the given format to out (docs/audit.md, "Report"). */
fq_status fq_audit_write(const fq_audit *a, fq_audit_format fmt, fq_audit_buf *out);

/* fq_audit_new + fq_audit_write + fq_audit_free: what `fairq audit` prints
 * and GET /api/v1/audit/report returns. Same contract as fq_audit_new; out is
 * appended to only on success. */
fq_status fq_audit_report(fq_store *s, const fq_config *cfg, int32_t from, int32_t to,
                          fq_audit_format fmt, fq_audit_buf *out, char *err, size_t errlen);

/* --- queries on a computed audit (read-only; pointers live as long as a) --- */

const fq_config *fq_audit_config(const fq_audit *a);
size_t fq_audit_n_tickets(const fq_audit *a);
const fq_audit_ticket *fq_audit_ticket_at(const fq_audit *a, size_t i); /* issue order */
size_t fq_audit_n_overrides(const fq_audit *a);
const fq_audit_override *fq_audit_override_at(const fq_audit *a, size_t i);
/* Business days in the range that have a "day" event, ascending. */
size_t fq_audit_n_days(const fq_audit *a);
int32_t fq_audit_day_at(const fq_audit *a, size_t i);
/* NULL when an index is out of range. */
const fq_audit_stats *fq_audit_class_stats(const fq_audit *a, int klass);
const fq_audit_stats *fq_audit_service_stats(const fq_audit *a, int service, int klass);
const fq_audit_stats *fq_audit_day_stats(const fq_audit *a, size_t day_index, int klass);
const fq_audit_stats *fq_audit_hour_stats(const fq_audit *a, int hour, int klass);
/* Jain's index over x_k = wait_mean_k / target_wait_k of classes with served > 0. */
double fq_audit_jain(const fq_audit *a);
/* The chain: events covered, head hash, and the verify result (bad_seq 0 = ok). */
void fq_audit_head(const fq_audit *a, uint64_t *events, char hash[FQ_HASH_HEX],
                   uint64_t *bad_seq);

/* --- replay ------------------------------------------------------------------ */

typedef struct fq_replay_class {
    char id[FQ_ID_LEN];
    uint64_t served;              /* called in the replay and showed up */
    uint64_t unserved;            /* never called in the replay before the day ended */
    double wait_mean_s, wait_p95_s, wait_max_s;
    double recorded_wait_mean_s;  /* the audit's wait_mean_s of that day */
} fq_replay_class;

typedef struct fq_replay_result {
    int32_t day;
    fq_policy policy;
    int n_classes;
    fq_replay_class classes[FQ_MAX_CLASSES];
    int regular;                  /* the class cost_of_priority_s is about */
    double cost_of_priority_s;    /* regular: recorded mean - mean under fifo replay */
} fq_replay_result;

/* Replays business day `day` of the audit under `policy` (docs/audit.md,
 * "Replay"): the recorded arrivals, visit durations, no-shows and counter
 * hours drive a fresh engine built from the audit's configuration. Needs: a
 * covers `day`. FQ_ENOTFOUND when the log has no such day; FQ_ENOMEM. */
fq_status fq_replay_run(const fq_audit *a, int32_t day, fq_policy policy, fq_replay_result *out,
                        char *err, size_t errlen);
/* Text or JSON (SPEC 6); FQ_EINVAL for another format. */
fq_status fq_replay_write(const fq_replay_result *r, fq_audit_format fmt, fq_audit_buf *out);

#endif
