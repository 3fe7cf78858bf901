/* store.h — the durable, tamper-evident event log (SQLite).
 *
 * One row per engine event, appended in one transaction per call and
 * committed (fsync'd under synchronous=FULL) before fq_store_append returns.
 * Each row carries hash = SHA-256(prev_hash || canonical bytes), hex, with 64
 * zeros before the first row; docs/audit.md defines the canonical bytes (the
 * event as canonical JSON, see fq_event_encode).
 *
 * Recovery: fq_store_recover applies the events of the current business day
 * (from its last "day" event on) to a fresh engine, giving back the state the
 * server had when it stopped. */
#ifndef FAIRQ_STORE_H
#define FAIRQ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"
#include "fairq/engine.h"

#define FQ_HASH_HEX 65 /* 64 hex digits + NUL */

typedef struct fq_store fq_store;

enum {
    FQ_STORE_READONLY = 1u << 0,  /* verify, audit: never writes, never migrates */
    FQ_STORE_EXCLUSIVE = 1u << 1, /* serve: refuse when another server holds the db */
    FQ_STORE_CREATE = 1u << 2,    /* create the file when missing */
    /* serve: after a crash, run the whole-file integrity check (PRAGMA
     * quick_check) on a thread beside fq_store_recover instead of inside
     * fq_store_open, when opening writes nothing (latest schema, WAL). Then
     * a file damaged inside is refused by fq_store_recover (same message,
     * FQ_ECORRUPT) rather than by fq_store_open, and fq_store_append and
     * fq_store_close wait for the check; nothing is ever written before it
     * passed. Added by the store module. */
    FQ_STORE_CHECK_BESIDE = 1u << 3
};

/* Opens (and, unless read-only, creates / migrates) the database at path.
 * synchronous: "full", "normal" or "off" (NULL = "full"). On error returns a
 * status and writes a human-readable reason into err: FQ_EIO (cannot open),
 * FQ_ECORRUPT (not a fairq database, or damaged), FQ_EVERSION (written by a
 * newer fairq), FQ_EBUSY (another server holds it). Never overwrites an
 * existing file it cannot understand. */
fq_status fq_store_open(const char *path, const char *synchronous, unsigned flags,
                        fq_store **out, char *err, size_t errlen);
void fq_store_close(fq_store *s); /* NULL is a no-op */

/* The schema version the file has (after migrations when writable). */
int fq_store_schema_version(const fq_store *s);

/* Appends n events in one transaction: the event rows, their hashes and the
 * derived per-ticket rows. Returns only after the commit. cfg maps indices to
 * ids. On error nothing was written. */
fq_status fq_store_append(fq_store *s, const fq_sched_cfg *cfg, const fq_event *evs, size_t n);

/* Rebuilds state: applies the current day's events (from the last "day"
 * event) to e, which must be fresh. FQ_ECORRUPT when an event does not decode
 * or does not apply; err says which seq. */
fq_status fq_store_recover(fq_store *s, fq_engine *e, char *err, size_t errlen);

/* One row of the log as stored. Pointers are valid during the callback only. */
typedef struct fq_store_row {
    uint64_t seq;          /* 1, 2, ... */
    const char *data;      /* canonical event bytes (JSON text, not NUL-terminated) */
    size_t len;
    const char *prev_hash; /* 64 hex digits */
    const char *hash;      /* 64 hex digits */
} fq_store_row;
typedef bool (*fq_store_row_fn)(const fq_store_row *row, void *ctx);

/* Rows with seq > after, in order, at most limit (0 = all). */
fq_status fq_store_each(fq_store *s, uint64_t after, uint64_t limit, fq_store_row_fn fn,
                        void *ctx);

/* Number of events and the chain head (64 zeros when empty). */
fq_status fq_store_head(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX]);

/* Recomputes the whole chain. FQ_OK: *count and head set. FQ_ECORRUPT: bad_seq
 * is the first sequence number whose row is missing, edited or out of place. */
fq_status fq_store_verify(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX],
                          uint64_t *bad_seq);

/* Canonical event bytes (docs/audit.md): a JSON object with the keys of the
 * event's type in a fixed order, ids instead of indices. Writes at most len
 * bytes; returns the length, or a negative fq_status. */
int fq_event_encode(const fq_sched_cfg *cfg, const fq_event *ev, char *buf, size_t len);
/* The inverse; FQ_ECORRUPT on anything it does not recognise (unknown ids too). */
fq_status fq_event_decode(const fq_sched_cfg *cfg, const char *data, size_t len, fq_event *out);

/* Business day (yyyymmdd) that contains `now` in timezone tz for a day that
 * starts day_starts_min minutes after local midnight. Handles DST. */
int32_t fq_business_day(fq_time now, const char *tz, int day_starts_min);

/* --- added by the store module (append-only) ------------------------------ */

/* fq_store_verify with words: on FQ_ECORRUPT `why` holds the line `fairq
 * verify` prints, e.g. "bad event 17: hash mismatch" or "missing event 17";
 * on other errors what failed. why may be NULL. */
fq_status fq_store_verify_explain(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX],
                                  uint64_t *bad_seq, char *why, size_t whylen);

/* The instant business day `day` (yyyymmdd) begins: the first instant whose
 * local wall-clock time in tz is at or after day_starts_min on that date (in
 * a skipped DST hour, the moment of the jump; in a repeated hour, the first
 * pass). fq_business_day(t) == day exactly for start(day) <= t < start(day+1).
 * Both functions set TZ temporarily unless it already equals tz: call them
 * from one thread only. */
fq_time fq_business_day_start(int32_t day, const char *tz, int day_starts_min);

/* How a writable open checked the file's integrity (docs/storage.md,
 * "Restart and recovery"): FULL ran PRAGMA quick_check over every page;
 * CLEAN skipped it because the lock file's clean-stop marker, written by the
 * previous server's clean stop, still matches the file (same inode, size,
 * mtime, ctime, chain head; no WAL; last full check under
 * FQ_STORE_CHECK_MAX_AGE_S ago). The last row's hash is recomputed either
 * way. NONE: read-only or a new, empty file. */
enum { FQ_STORE_CHECK_NONE = 0, FQ_STORE_CHECK_FULL = 1, FQ_STORE_CHECK_CLEAN = 2 };
int fq_store_open_check(const fq_store *s);
/* A clean stop skips the full check at the next start only when the last
 * full check is younger than this: at least one full check a week. */
#define FQ_STORE_CHECK_MAX_AGE_S (7 * 86400)

#endif
