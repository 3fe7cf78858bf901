/* internal.h — the fq_audit struct, shared by the audit's own files only
 * (audit.c computes it; report.c, html.c and replay.c read it). */
#ifndef FAIRQ_AUDIT_INTERNAL_H
#define FAIRQ_AUDIT_INTERNAL_H

#include "fairq/audit.h"
#include "fairq/util.h"

#define FQ__HOURS 24

/* A counter changing state, for replay. */
typedef struct fq__audit_cev {
    uint64_t ev;      /* event seq */
    fq_time at;
    int32_t day;
    int counter;
    int state;        /* fq_counter_state */
} fq__audit_cev;

/* A business day that has a "day" event in the range. */
typedef struct fq__audit_day {
    int32_t day;
    uint64_t ev;      /* its "day" event */
    fq_time start_at;
    fq_time end_at;   /* the next "day" event's time; 0 = still the current day */
    size_t first, last; /* its tickets: indices [first, last) */
} fq__audit_day;

struct fq_audit {
    fq_config cfg;
    int32_t from, to;
    fq_audit_ticket *t;
    size_t n, cap;
    fq_audit_override *ov;
    size_t n_ov, cap_ov;
    fq__audit_day *days;
    size_t n_days, cap_days;
    fq__audit_cev *cev;
    size_t n_cev, cap_cev;
    fq_time first_at, last_at; /* times of the first and last event read */
    uint64_t events;           /* events covered (the head's seq) */
    char hash[FQ_HASH_HEX];    /* head hash */
    uint64_t bad_seq;          /* 0 = the chain verified */
    fq_audit_stats *by_class;   /* [k] */
    fq_audit_stats *by_service; /* [s * n_classes + k] */
    fq_audit_stats *by_day;     /* [d * n_classes + k] */
    fq_audit_stats *by_hour;    /* [h * n_classes + k] */
    double jain;
};

/* "2026-11-23" into buf (16 bytes). */
const char *fq__audit_day_text(int32_t day, char buf[16]);
/* "A047" into buf. */
const char *fq__audit_number_text(const fq_audit *a, const fq_audit_ticket *t, char *buf,
                                  size_t len);
/* "2026-11-23T09:01:02.123Z" (UTC) into buf (32 bytes). */
const char *fq__audit_iso(fq_time t, char buf[32]);

fq_status fq__audit_write_text(const fq_audit *a, fq_audit_buf *out);
fq_status fq__audit_write_json(const fq_audit *a, fq_audit_buf *out);
fq_status fq__audit_write_csv(const fq_audit *a, fq_audit_buf *out);
fq_status fq__audit_write_html(const fq_audit *a, fq_audit_buf *out);

/* JSON string with escapes. */
fq_status fq__audit_json_str(fq_audit_buf *b, const char *s);

/* Returns from the calling function with x's status when it is an error. */
#define TRY(x)                                                                                     \
    do {                                                                                           \
        fq_status try_st_ = (x);                                                                   \
        if (try_st_)                                                                               \
            return try_st_;                                                                        \
    } while (0)

#endif
