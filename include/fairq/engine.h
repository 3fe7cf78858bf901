/* engine.h — the pure scheduling engine: tickets, queues, counters, policies.
 *
 * The engine is a deterministic state machine. It has no I/O, no clock, no
 * logging, no globals and no randomness of its own: time and seeds come in as
 * arguments. Every change is described by events:
 *
 *     fq_engine_decide(e, cmd, now, out)   read-only: validates the command and
 *                                          appends the events it would cause
 *     fq_engine_apply(e, ev)               changes the state by one event
 *
 * The server decides, commits the events to the log, then applies them (so a
 * failed commit changes nothing). Recovery applies the logged events in order
 * and gets the same state back. The simulator and the tests use
 * fq_engine_exec(), which does both.
 *
 * Indices: classes, services and counters are referred to by their index in
 * the fq_sched_cfg arrays; the store maps them to and from the configured
 * string ids. Tickets are referred to by their sequence number `seq`, unique
 * and increasing for the lifetime of a database (never reused, across days).
 */
#ifndef FAIRQ_ENGINE_H
#define FAIRQ_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"

#define FQ_MAX_CLASSES 8
#define FQ_MAX_SERVICES 32
#define FQ_MAX_COUNTERS 128
#define FQ_MAX_REASONS 8
#define FQ_ID_LEN 32    /* ids and short names, including the NUL */
#define FQ_NAME_LEN 64  /* display names, including the NUL */
#define FQ_NOTE_LEN 128 /* manual-call reason text, including the NUL */
#define FQ_KEY_LEN 16   /* opaque ticket key bytes (server: hash of the capability) */
#define FQ_NONE (-1)

typedef enum fq_policy {
    FQ_POLICY_FIFO = 0,
    FQ_POLICY_STRICT = 1,
    FQ_POLICY_ACCUMULATING = 2,
    FQ_POLICY_WEIGHTED = 3
} fq_policy;

/* "fifo", "strict", ...; NULL for an out-of-range value. */
const char *fq_policy_name(fq_policy p);
/* 0 and *out set on a known name, FQ_EINVAL otherwise. */
fq_status fq_policy_parse(const char *name, fq_policy *out);

enum { FQ_ISSUER_KIOSK = 1u << 0, FQ_ISSUER_STAFF = 1u << 1 };

typedef struct fq_class_cfg {
    char id[FQ_ID_LEN];
    double weight;            /* > 0 */
    int64_t head_start_s;     /* h_k, seconds, >= 0 */
    int64_t starvation_limit_s; /* L_k, seconds, 0 = none */
    int64_t target_wait_s;    /* audit target, seconds, > 0 */
    unsigned issued_by;       /* FQ_ISSUER_* bits */
    int n_reasons;
    char reasons[FQ_MAX_REASONS][FQ_ID_LEN];
} fq_class_cfg;

typedef struct fq_service_cfg {
    char id[FQ_ID_LEN];
    char name[FQ_NAME_LEN];
    char prefix[8];
    double service_time_s; /* prior mean service time for estimates, > 0 */
} fq_service_cfg;

typedef struct fq_counter_cfg {
    char id[FQ_ID_LEN];
    char name[FQ_NAME_LEN];
    uint32_t services; /* bit s set = serves service index s */
} fq_counter_cfg;

typedef enum fq_number_order { FQ_ORDER_SEQUENTIAL = 0, FQ_ORDER_SHUFFLED = 1 } fq_number_order;

/* Everything the engine needs to know; plain data, copied by fq_engine_new. */
typedef struct fq_sched_cfg {
    fq_policy policy;
    int n_classes, n_services, n_counters;
    fq_class_cfg classes[FQ_MAX_CLASSES];
    fq_service_cfg services[FQ_MAX_SERVICES];
    fq_counter_cfg counters[FQ_MAX_COUNTERS];
    int number_width;           /* digits, 1..6 */
    fq_number_order number_order;
    bool retain_finished;       /* keep done/no-show/cancelled tickets until the
                                   day ends (server: yes, for status pages;
                                   simulator: no, slots are reused) */
} fq_sched_cfg;

typedef enum fq_ticket_status {
    FQ_T_WAITING = 0,
    FQ_T_CALLED = 1,
    FQ_T_SERVING = 2,
    FQ_T_DONE = 3,
    FQ_T_NO_SHOW = 4,
    FQ_T_CANCELLED = 5,
    FQ_T_CLOSED = 6
} fq_ticket_status;
const char *fq_ticket_status_name(fq_ticket_status s); /* "waiting", ... */

typedef enum fq_counter_state { FQ_C_CLOSED = 0, FQ_C_OPEN = 1, FQ_C_PAUSED = 2 } fq_counter_state;
const char *fq_counter_state_name(fq_counter_state s); /* "closed", "open", "paused" */

/* A ticket as the engine keeps it. Times are 0 when the event has not
 * happened. Read-only for callers. */
typedef struct fq_ticket {
    uint64_t seq;
    fq_time issued_at;     /* ordering key; kept across a transfer */
    fq_time enqueued_at;   /* when it last joined a queue */
    fq_time called_at;     /* first call (the audit's wait ends here) */
    fq_time last_called_at;
    fq_time started_at;
    fq_time finished_at;
    uint32_t number;       /* numeric part of the ticket number */
    int32_t estimate_s;    /* estimate given at issue */
    int16_t counter;       /* counter index while called/serving, else FQ_NONE */
    uint16_t recalls;
    uint8_t klass, service, number_service, reason; /* reason: 0 none, r+1 = reasons[r] */
    uint8_t status;        /* fq_ticket_status */
    uint8_t overdue_noted; /* engine-internal */
    uint8_t key[FQ_KEY_LEN];
    uint32_t prev, next;   /* engine-internal queue links */
} fq_ticket;

typedef enum fq_event_type {
    FQ_EV_DAY = 1,         /* a business day begins: day, seed */
    FQ_EV_ISSUED,          /* ticket, klass, service, reason, number, key, estimate_s */
    FQ_EV_CALLED,          /* ticket, counter; manual + note for a manual call */
    FQ_EV_RECALLED,        /* ticket, counter */
    FQ_EV_NO_SHOW,         /* ticket, counter */
    FQ_EV_STARTED,         /* ticket, counter */
    FQ_EV_COMPLETED,       /* ticket, counter */
    FQ_EV_TRANSFERRED,     /* ticket, counter (from), service (to) */
    FQ_EV_CANCELLED,       /* ticket */
    FQ_EV_CLOSED,          /* ticket: still open when the day ended */
    FQ_EV_COUNTER,         /* counter, state */
    FQ_EV_ALARM_ON,        /* ticket: the first overdue ticket */
    FQ_EV_ALARM_OFF        /* no ticket is overdue any more */
} fq_event_type;
#define FQ_EV_MAX FQ_EV_ALARM_OFF
const char *fq_event_type_name(fq_event_type t); /* "day", "issued", ... */
fq_status fq_event_type_parse(const char *name, fq_event_type *out);

/* One state change. Fields not used by a type are zero (or FQ_NONE for
 * indices), so events compare equal with memcmp-free field checks. */
typedef struct fq_event {
    fq_event_type type;
    fq_time at;
    uint64_t ticket;     /* seq, 0 = none */
    int counter;         /* FQ_NONE = none */
    int service;         /* FQ_NONE = none */
    int klass;           /* FQ_NONE = none */
    int reason;          /* FQ_NONE = none, else index into the class's reasons */
    int state;           /* FQ_EV_COUNTER: fq_counter_state */
    uint32_t number;
    int32_t estimate_s;
    int32_t day;         /* FQ_EV_DAY: yyyymmdd */
    uint64_t seed;       /* FQ_EV_DAY: seed of the shuffled numbering */
    bool manual;         /* FQ_EV_CALLED by number (an override) */
    uint8_t key[FQ_KEY_LEN];
    char note[FQ_NOTE_LEN]; /* manual call reason */
} fq_event;

/* A growable list of events. Zero-initialise, then fq_evbuf_free. */
typedef struct fq_evbuf {
    fq_event *v;
    size_t n, cap;
} fq_evbuf;
fq_status fq_evbuf_reserve(fq_evbuf *b, size_t extra);
fq_status fq_evbuf_push(fq_evbuf *b, const fq_event *ev);
void fq_evbuf_clear(fq_evbuf *b);
void fq_evbuf_free(fq_evbuf *b);
/* An event of the given type with every index field FQ_NONE. */
fq_event fq_event_init(fq_event_type type, fq_time at);

typedef enum fq_cmd_type {
    FQ_CMD_BEGIN_DAY = 1, /* day, seed: closes open tickets, restarts numbers, closes counters */
    FQ_CMD_ISSUE,         /* service, klass, reason, key, estimate_s */
    FQ_CMD_NEXT,          /* counter */
    FQ_CMD_CALL,          /* counter, number + number_service (by number), note (required) */
    FQ_CMD_RECALL,        /* counter */
    FQ_CMD_NO_SHOW,       /* counter */
    FQ_CMD_START,         /* counter */
    FQ_CMD_COMPLETE,      /* counter */
    FQ_CMD_TRANSFER,      /* counter, service */
    FQ_CMD_CANCEL,        /* ticket */
    FQ_CMD_OPEN,          /* counter */
    FQ_CMD_PAUSE,         /* counter */
    FQ_CMD_CLOSE,         /* counter */
    FQ_CMD_TICK           /* raises / clears the starvation alarm as time passes */
} fq_cmd_type;

typedef struct fq_command {
    fq_cmd_type type;
    int counter;          /* FQ_NONE when unused */
    int service;          /* ISSUE, TRANSFER */
    int klass;            /* ISSUE */
    int reason;           /* ISSUE: FQ_NONE or index into the class's reasons */
    uint64_t ticket;      /* CANCEL */
    int number_service;   /* CALL: service whose prefix the number carries */
    uint32_t number;      /* CALL */
    int32_t estimate_s;   /* ISSUE: recorded in the event (see fq_engine_estimate_new) */
    int32_t day;          /* BEGIN_DAY: yyyymmdd */
    uint64_t seed;        /* BEGIN_DAY */
    uint8_t key[FQ_KEY_LEN]; /* ISSUE */
    char note[FQ_NOTE_LEN];  /* CALL */
} fq_command;
/* A command of the given type with every index field FQ_NONE. */
fq_command fq_command_init(fq_cmd_type type);

typedef struct fq_engine fq_engine;

/* Creates an engine for cfg (copied). Returns NULL on bad cfg or no memory.
 * The engine starts with no business day (day == 0), all counters closed. */
fq_engine *fq_engine_new(const fq_sched_cfg *cfg);
void fq_engine_free(fq_engine *e); /* NULL is a no-op */
const fq_sched_cfg *fq_engine_cfg(const fq_engine *e);

/* Validates cmd against the current state at time `now` and appends the
 * events it causes to `out` (nothing when it returns an error). Read-only.
 * `now` must not be earlier than the last applied event's time; an earlier
 * value is treated as that time. Errors: FQ_EINVAL (bad indices or fields),
 * FQ_ENOTFOUND (no such ticket or number), FQ_ESTATE (wrong state, e.g. next
 * on a closed counter), FQ_ENOMEM. NEXT on an open counter with nothing
 * eligible succeeds with no CALLED event. NEXT and CALL first complete the
 * counter's current ticket (serving or called) if it has one. */
fq_status fq_engine_decide(const fq_engine *e, const fq_command *cmd, fq_time now,
                           fq_evbuf *out);

/* Applies one event. Atomic: on error nothing changed. Errors: FQ_ENOMEM,
 * FQ_ECORRUPT (the event does not fit the state, e.g. replaying an edited log). */
fq_status fq_engine_apply(fq_engine *e, const fq_event *ev);

/* decide + apply every event. On error nothing changed. When out is non-NULL
 * the events are appended to it. */
fq_status fq_engine_exec(fq_engine *e, const fq_command *cmd, fq_time now, fq_evbuf *out);

/* --- queries (read-only) ------------------------------------------------ */

int32_t fq_engine_day(const fq_engine *e);            /* yyyymmdd, 0 before the first day */
uint64_t fq_engine_day_seed(const fq_engine *e);
uint64_t fq_engine_last_seq(const fq_engine *e);      /* highest ticket seq ever issued */
fq_time fq_engine_last_time(const fq_engine *e);      /* time of the last applied event */
size_t fq_engine_waiting(const fq_engine *e);         /* tickets waiting, all services */
size_t fq_engine_waiting_in(const fq_engine *e, int klass, int service);
bool fq_engine_alarm(const fq_engine *e);             /* starvation alarm raised */
fq_counter_state fq_engine_counter_state(const fq_engine *e, int counter);
/* Seq of the counter's current (called or serving) ticket, 0 if none. */
uint64_t fq_engine_counter_ticket(const fq_engine *e, int counter);
/* The ticket with this seq, or NULL (unknown, or finished and not retained). */
const fq_ticket *fq_engine_ticket(const fq_engine *e, uint64_t seq);
/* Today's ticket carrying `number` under service `number_service`'s prefix. */
const fq_ticket *fq_engine_find_number(const fq_engine *e, int number_service, uint32_t number);
/* Today's number for the n-th (0-based) ticket of a service: sequential is
 * n + 1; shuffled is a seeded permutation of 1..10^width-1, then sequential. */
uint32_t fq_engine_number_for(const fq_engine *e, int service, uint32_t n);

/* Is the ticket overdue at `now` (waiting and past its class's limit)? */
bool fq_engine_overdue(const fq_engine *e, const fq_ticket *t, fq_time now);

/* Calls fn for every live ticket (waiting, called, serving, and retained
 * finished ones) in seq order; stops early when fn returns false. */
typedef bool (*fq_ticket_fn)(const fq_ticket *t, void *ctx);
void fq_engine_each_ticket(const fq_engine *e, fq_ticket_fn fn, void *ctx);
/* Calls fn for every waiting ticket in the order `next` would consider them
 * within each (class, service) queue: class by class, service by service. */
void fq_engine_each_waiting(const fq_engine *e, fq_ticket_fn fn, void *ctx);

/* Which ticket would `next` call at this counter now? 0 if none. Read-only. */
uint64_t fq_engine_peek_next(const fq_engine *e, int counter, fq_time now);

/* Wait estimates, seconds (see docs/scheduling.md for the method).
 * estimate_new: for a ticket of (klass, service) issued now.
 * estimate: remaining wait of a waiting ticket; 0 once called. */
int32_t fq_engine_estimate_new(const fq_engine *e, int klass, int service, fq_time now);
int32_t fq_engine_estimate(const fq_engine *e, uint64_t seq, fq_time now);

/* Formats "A047" into buf; returns buf. */
char *fq_engine_format_number(const fq_engine *e, int number_service, uint32_t number,
                              char *buf, size_t len);
/* Parses "A047" back (longest matching prefix); FQ_EINVAL if it matches none. */
fq_status fq_engine_parse_number(const fq_engine *e, const char *text, int *number_service,
                                 uint32_t *number);

#endif
