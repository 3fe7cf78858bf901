/* codec.h — canonical event bytes (docs/audit.md, "Canonical bytes").
 *
 * An event is stored as one canonical JSON object. The codec has two layers:
 *
 *   fq_event  <-- cfg -->  fq_raw_event  <-- bytes -->  "{"type":"issued",...}"
 *
 * fq_raw_event is the event with string ids (class "vip", counter "3",
 * number "A047") instead of configuration indices. It needs no configuration,
 * so the schema migrations and the derived tables (which only ever store ids)
 * work from it, and `fairq verify` / audit never need a config file to read a
 * log. fq_event_encode / fq_event_decode (store.h) are the two layers
 * composed. The writer and the parser agree on one byte layout per type; the
 * parser accepts nothing else (no whitespace, no reordering, no extra or
 * missing keys, no non-canonical numbers or escapes). */
#ifndef FAIRQ_STORE_CODEC_H
#define FAIRQ_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"
#include "fairq/engine.h"

#define FQ_NUMBER_TEXT_LEN 32 /* "A047", prefix + digits, including the NUL */
/* Longest canonical event: the escaped note dominates (6 bytes per char). */
#define FQ_EVENT_MAX_BYTES 2048

/* An event with ids. Strings are "" when the type does not use them;
 * `reason` is "" for "no reason"; `note` is only meaningful when manual. */
typedef struct fq_raw_event {
    fq_event_type type;
    fq_time at;
    uint64_t ticket;
    char klass[FQ_ID_LEN];
    char service[FQ_ID_LEN];
    char reason[FQ_ID_LEN];
    char counter[FQ_ID_LEN];
    char number[FQ_NUMBER_TEXT_LEN]; /* issued: the number as shown, "A047" */
    int state;                       /* counter: fq_counter_state */
    int32_t estimate_s;
    int32_t day; /* yyyymmdd */
    uint64_t seed;
    bool manual;
    uint8_t key[FQ_KEY_LEN];
    char note[FQ_NOTE_LEN];
} fq_raw_event;

/* The canonical name of an event type ("day", "issued", ...), NULL if out of
 * range. Owned by the codec: these names are part of the hashed bytes. */
const char *fq_codec_type_name(fq_event_type t);

/* fq_event -> raw. Checks every index the type uses against cfg and formats
 * the ticket number with the service's prefix and the configured width.
 * FQ_EINVAL when an index is out of range. */
fq_status fq_codec_to_raw(const fq_sched_cfg *cfg, const fq_event *ev, fq_raw_event *raw);

/* raw -> fq_event (unused fields zero / FQ_NONE). FQ_ECORRUPT when an id is
 * not in cfg or the number does not carry the service's prefix; err says what. */
fq_status fq_codec_from_raw(const fq_sched_cfg *cfg, const fq_raw_event *raw, fq_event *ev,
                            char *err, size_t errlen);

/* raw -> canonical bytes. Returns the length (a NUL follows when it fits), or
 * FQ_ELIMIT when len is too small, FQ_EINVAL for an unknown type. */
int fq_codec_write(const fq_raw_event *raw, char *buf, size_t len);

/* Canonical bytes -> raw. FQ_ECORRUPT, with the reason in err, on anything
 * that fq_codec_write would not have produced. */
fq_status fq_codec_parse(const char *data, size_t len, fq_raw_event *raw, char *err,
                         size_t errlen);

/* fq_event_decode with a reason. */
fq_status fq_codec_decode(const fq_sched_cfg *cfg, const char *data, size_t len, fq_event *out,
                          char *err, size_t errlen);

/* yyyymmdd <-> days since 1970-01-01 (proleptic Gregorian). */
int64_t fq_codec_days_from_ymd(int32_t ymd);
int32_t fq_codec_ymd_from_days(int64_t days);
/* Is ymd a real calendar date (1..9999)? */
bool fq_codec_valid_ymd(int32_t ymd);

#endif
