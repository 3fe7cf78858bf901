/* recover.c — rebuilding the engine's state from the log.
 *
 * The state of a business day depends only on that day's events (a "day"
 * event closes everything before it), so recovery starts at the last day
 * event, which the days table finds without a scan. Kept apart from store.c
 * so that read-only tools do not link the engine. */
#include <stdio.h>
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

fq_status fq_store_recover(fq_store *s, fq_engine *e, char *err, size_t errlen)
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
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(s->db, "SELECT seq, data FROM events WHERE seq >= ?1 ORDER BY seq",
                            -1, &st, NULL);
    if (rc == SQLITE_OK)
        sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    uint64_t expect = from;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
        const char *data = (const char *)sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        unsigned long long n = (unsigned long long)expect;
        char why[160];
        fq_event ev;
        if (seq != expect) {
            r = fq_store_fail(err, errlen, FQ_ECORRUPT, "event %llu: missing", n);
        } else if (fq_codec_decode(cfg, data, len, &ev, why, sizeof why) != FQ_OK) {
            r = fq_store_fail(err, errlen, FQ_ECORRUPT, "event %llu: %s", n, why);
        } else if (seq == from && from > 1 && ev.type != FQ_EV_DAY) {
            r = fq_store_fail(err, errlen, FQ_ECORRUPT,
                              "event %llu: the days table points at a %s event", n,
                              fq_codec_type_name(ev.type));
        } else if ((r = fq_engine_apply(e, &ev)) != FQ_OK) {
            if (r != FQ_ENOMEM)
                r = FQ_ECORRUPT;
            fq_store_fail(err, errlen, r, "event %llu: does not apply (%s)", n, fq_strerror(r));
        }
        if (r)
            break;
        expect++;
        rc = SQLITE_OK; /* next row */
    }
    sqlite3_finalize(st);
    if (r)
        return r;
    if (rc != SQLITE_DONE)
        return fq_store_fail(err, errlen, fq_store_map_rc(rc), "event %llu: %s",
                             (unsigned long long)expect, sqlite3_errmsg(s->db));
    return FQ_OK;
}
