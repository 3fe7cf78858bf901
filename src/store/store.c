/* store.c — the event log in SQLite: open, identify, migrate, append, read,
 * verify.
 *
 * Opening never writes to a file before it is known to be a fairq database
 * (or a brand-new empty one): identification and, for writable opens,
 * PRAGMA quick_check come first; journal mode and migrations after. Appends
 * are one BEGIN IMMEDIATE ... COMMIT each, so a crash leaves either all of a
 * call's events or none. The derived tables (days, tickets) are updated from
 * the same raw events in the same transaction, and rebuilt from the log by
 * migration 2 for databases that predate them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/internal.h"
#include "store/schema.h"

fq_status fq_store_fail(char *err, size_t errlen, fq_status st, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}
#define FAIL(st, ...) fq_store_fail(err, errlen, (st), __VA_ARGS__)

fq_status fq_store_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return FQ_OK;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT: return FQ_ECORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return FQ_EBUSY;
    case SQLITE_NOMEM: return FQ_ENOMEM;
    default: return FQ_EIO;
    }
}

static const char *const writer_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT_EVENT] = "INSERT INTO events(seq, data, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)",
    [ST_INSERT_DAY] = "INSERT INTO days(seq, day, seed) VALUES (?1, ?2, ?3)",
    [ST_ISSUE] = "INSERT INTO tickets(seq, day, service, class, reason, number, issued_at,"
                 " outcome, last_service, estimate_s, issued_event)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'waiting', ?3, ?8, ?9)",
    [ST_CALLED] = "UPDATE tickets SET called_at = COALESCE(called_at, ?2), outcome = 'called',"
                  " counter = ?3, manual = MAX(manual, ?4) WHERE seq = ?1",
    [ST_RECALLED] = "UPDATE tickets SET recalls = recalls + 1, counter = ?3 WHERE seq = ?1",
    [ST_STARTED] = "UPDATE tickets SET started_at = COALESCE(started_at, ?2),"
                   " outcome = 'serving', counter = ?3 WHERE seq = ?1",
    [ST_FINISH] = "UPDATE tickets SET finished_at = ?2, outcome = ?4,"
                  " counter = COALESCE(?3, counter) WHERE seq = ?1",
    [ST_TRANSFERRED] = "UPDATE tickets SET outcome = 'waiting', transfers = transfers + 1,"
                       " counter = ?3, last_service = ?4 WHERE seq = ?1",
};

static fq_status prepare_writer(fq_store *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        if (s->st[i])
            continue;
        int rc = sqlite3_prepare_v3(s->db, writer_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->st[i], NULL);
        if (rc != SQLITE_OK)
            return fq_store_map_rc(rc);
    }
    return FQ_OK;
}

/* Runs a cached statement that returns no rows, and resets it. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void rollback(fq_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* One integer from a constant query (PRAGMA, count). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *out = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static void format_day(int32_t ymd, char out[16])
{
    snprintf(out, 16, "%04d-%02d-%02d", (int)(ymd / 10000), (int)(ymd / 100 % 100),
             (int)(ymd % 100));
}

/* --- derived tables -------------------------------------------------------- */

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Updates days / tickets for one event (event row `seq`). *day tracks the
 * business day across a batch. Needs the writer statements. */
static int derive(fq_store *s, uint64_t seq, const fq_raw_event *r, int32_t *day)
{
    sqlite3_stmt *st = NULL;
    char dbuf[16], seed[24];
    switch (r->type) {
    case FQ_EV_DAY:
        st = s->st[ST_INSERT_DAY];
        format_day(r->day, dbuf);
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        sqlite3_bind_text(st, 2, dbuf, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, seed, -1, SQLITE_STATIC);
        *day = r->day;
        return run(st);
    case FQ_EV_ISSUED:
        st = s->st[ST_ISSUE];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)r->ticket);
        if (*day) {
            format_day(*day, dbuf);
            sqlite3_bind_text(st, 2, dbuf, -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(st, 3, r->service, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->klass, -1, SQLITE_STATIC);
        bind_text_or_null(st, 5, r->reason);
        sqlite3_bind_text(st, 6, r->number, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, r->at);
        sqlite3_bind_int64(st, 8, r->estimate_s);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)seq);
        return run(st);
    case FQ_EV_CALLED:
        st = s->st[ST_CALLED];
        sqlite3_bind_int(st, 4, r->manual ? 1 : 0);
        break;
    case FQ_EV_RECALLED: st = s->st[ST_RECALLED]; break;
    case FQ_EV_STARTED: st = s->st[ST_STARTED]; break;
    case FQ_EV_TRANSFERRED:
        st = s->st[ST_TRANSFERRED];
        sqlite3_bind_text(st, 4, r->service, -1, SQLITE_STATIC);
        break;
    case FQ_EV_COMPLETED:
    case FQ_EV_NO_SHOW:
    case FQ_EV_CANCELLED:
    case FQ_EV_CLOSED:
        st = s->st[ST_FINISH];
        sqlite3_bind_text(st, 4,
                          r->type == FQ_EV_COMPLETED  ? "done"
                          : r->type == FQ_EV_NO_SHOW  ? "no_show"
                          : r->type == FQ_EV_CANCELLED ? "cancelled"
                                                       : "closed",
                          -1, SQLITE_STATIC);
        break;
    case FQ_EV_COUNTER:
    case FQ_EV_ALARM_ON:
    case FQ_EV_ALARM_OFF: return SQLITE_OK;
    }
    if (!st)
        return SQLITE_MISUSE;
    /* The ticket updates share parameters: ?1 ticket, ?2 at, ?3 counter. */
    sqlite3_bind_int64(st, 1, (sqlite3_int64)r->ticket);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, r->at);
    if (sqlite3_bind_parameter_count(st) >= 3)
        bind_text_or_null(st, 3, r->counter);
    return run(st);
}

/* Migration 2's data step: fill days and tickets from the existing log. */
static fq_status backfill(fq_store *s, char *err, size_t errlen)
{
    fq_status st = prepare_writer(s);
    if (st)
        return FAIL(st, "%s: cannot prepare statements: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT seq, data FROM events ORDER BY seq", -1, &q, NULL);
    int32_t day = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(q, 0);
        const char *data = (const char *)sqlite3_column_text(q, 1);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        fq_raw_event raw;
        char why[128];
        if (fq_codec_parse(data, len, &raw, why, sizeof why)) {
            sqlite3_finalize(q);
            return FAIL(FQ_ECORRUPT, "%s: event %llu: %s", s->path, (unsigned long long)seq,
                        why);
        }
        rc = derive(s, seq, &raw, &day);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return FAIL(fq_store_map_rc(rc), "%s: migrating to schema 2: %s", s->path,
                    sqlite3_errmsg(s->db));
    return FQ_OK;
}

static fq_status migrate(fq_store *s, bool fresh, char *err, size_t errlen)
{
    for (int v = s->version + 1; v <= FQ_SCHEMA_LATEST; v++) {
        char pragma[96];
        fq_status st = FQ_OK;
        int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK && fresh && v == 1) {
            snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d", FQ_SCHEMA_APP_ID);
            rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, fq_schema_sql(v), NULL, NULL, NULL);
        if (rc == SQLITE_OK && v == 2)
            st = backfill(s, err, errlen);
        if (rc == SQLITE_OK && !st) {
            snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
            rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
        }
        if (rc == SQLITE_OK && !st)
            rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK && !st)
            st = FAIL(fq_store_map_rc(rc), "%s: migration to schema %d failed: %s", s->path, v,
                      sqlite3_errmsg(s->db));
        if (st) {
            rollback(s);
            return st;
        }
        s->version = v;
    }
    return FQ_OK;
}

/* --- open / close ---------------------------------------------------------- */

static fq_status take_lock(fq_store *s, char *err, size_t errlen)
{
    size_t n = strlen(s->path) + sizeof ".lock";
    char *lp = malloc(n);
    if (!lp)
        return FAIL(FQ_ENOMEM, "out of memory");
    snprintf(lp, n, "%s.lock", s->path);
    s->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lock_fd < 0) {
        fq_status st = FAIL(FQ_EIO, "%s: %s", lp, strerror(errno));
        free(lp);
        return st;
    }
    free(lp);
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return FAIL(FQ_EBUSY, "another fairq server is using %s", s->path);
        return FAIL(FQ_EIO, "%s.lock: %s", s->path, strerror(errno));
    }
    return FQ_OK;
}

/* Is this file ours? Reads only. Sets s->version; *fresh for an empty file. */
static fq_status identify(fq_store *s, bool *fresh, char *err, size_t errlen)
{
    int64_t app = 0, version = 0, objects = 0;
    int rc = query_int(s->db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = query_int(s->db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &objects);
    if (rc != SQLITE_OK) {
        fq_status st = fq_store_map_rc(rc);
        if (st == FQ_ECORRUPT)
            return FAIL(st, "%s is not a fairq database or is damaged (%s); left untouched",
                        s->path, sqlite3_errstr(rc));
        return FAIL(st, "%s: %s", s->path, sqlite3_errmsg(s->db));
    }
    *fresh = false;
    if (app == 0 && version == 0 && objects == 0) {
        if (s->flags & FQ_STORE_READONLY)
            return FAIL(FQ_ECORRUPT, "%s is empty, not a fairq database", s->path);
        *fresh = true;
        s->version = 0;
        return FQ_OK;
    }
    if (app != FQ_SCHEMA_APP_ID)
        return FAIL(FQ_ECORRUPT, "%s is a SQLite database but not a fairq one; left untouched",
                    s->path);
    if (version > FQ_SCHEMA_LATEST)
        return FAIL(FQ_EVERSION,
                    "%s has schema version %lld, newer than this fairq knows (%d): "
                    "upgrade fairq",
                    s->path, (long long)version, FQ_SCHEMA_LATEST);
    if (version < 1)
        return FAIL(FQ_ECORRUPT, "%s has fairq's id but no schema version; damaged", s->path);
    s->version = (int)version;
    return FQ_OK;
}

static fq_status quick_check_on(fq_store *s, sqlite3 *db, char *err, size_t errlen);

/* --- the whole-file check beside the recovery (FQ_STORE_CHECK_BESIDE) ------
 *
 * Opening does not write to a file that is already at the latest schema and
 * in WAL mode, and neither does recovery: so the check may run on a thread
 * of its own, on a read-only connection of its own, while the caller
 * replays the day. Everything that could write (append, close) and the end
 * of fq_store_recover wait for it first; a failed check fails them, and the
 * caller (the server) refuses to start with the check's message. */

static bool can_defer_check(fq_store *s)
{
    if (s->version != FQ_SCHEMA_LATEST)
        return false; /* a migration will write: check first */
    sqlite3_stmt *q = NULL;
    bool wal = false;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(q, 0);
        wal = mode && !strcmp(mode, "wal");
    }
    sqlite3_finalize(q);
    return wal;
}

static void *check_thread(void *arg)
{
    fq_store *s = arg;
    sqlite3 *db = NULL;
    const char *vfs = fq_store_readahead_vfs();
    int rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs);
    if (rc != SQLITE_OK && vfs) {
        sqlite3_close(db);
        db = NULL;
        rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    }
    if (rc != SQLITE_OK) {
        s->check_status = fq_store_fail(s->check_err, sizeof s->check_err, FQ_EIO,
                                        "%s: cannot open for the integrity check: %s", s->path,
                                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    } else {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, 5000);
        s->check_status = quick_check_on(s, db, s->check_err, sizeof s->check_err);
    }
    sqlite3_close(db);
    return NULL;
}

static fq_status start_check(fq_store *s)
{
    s->check_status = FQ_OK;
    s->check_err[0] = '\0';
    if (pthread_create(&s->check_th, NULL, check_thread, s) != 0)
        return FQ_EIO; /* then the caller checks inline */
    s->check_pending = true;
    return FQ_OK;
}

fq_status fq_store_check_wait(fq_store *s, char *err, size_t errlen)
{
    if (s->check_pending) {
        pthread_join(s->check_th, NULL);
        s->check_pending = false;
        s->check_failed = s->check_status != FQ_OK;
    }
    if (!s->check_failed)
        return FQ_OK;
    s->healthy = false;
    return FAIL(s->check_status, "%s", s->check_err);
}

/* Is the log's last row the one the clean-stop marker recorded? */
static bool tail_matches_marker(fq_store *s)
{
    sqlite3_stmt *st = NULL;
    bool same = false;
    int rc = sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 1);
        same = (uint64_t)sqlite3_column_int64(st, 0) == s->marker_seq && h &&
               !strcmp(h, s->marker_head);
    }
    sqlite3_finalize(st);
    return same;
}

static fq_status quick_check(fq_store *s, char *err, size_t errlen)
{
    /* It reads every page: through a read-only connection on the read-ahead
     * VFS when one opens (nothing has written yet; this process holds the
     * lock), else through the writer's own. */
    sqlite3 *db = s->db, *rdb = NULL;
    const char *vfs = fq_store_readahead_vfs();
    if (vfs && sqlite3_open_v2(s->path, &rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs) ==
                   SQLITE_OK) {
        sqlite3_extended_result_codes(rdb, 1);
        sqlite3_busy_timeout(rdb, 5000);
        db = rdb;
    } else {
        sqlite3_close(rdb);
        rdb = NULL;
    }
    fq_status r = quick_check_on(s, db, err, errlen);
    sqlite3_close(rdb);
    return r;
}

static fq_status quick_check_on(fq_store *s, sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *msg = (const char *)sqlite3_column_text(st, 0);
        if (msg && !strcmp(msg, "ok")) {
            sqlite3_finalize(st);
            return FQ_OK;
        }
        fq_status r = FAIL(FQ_ECORRUPT, "%s is damaged (quick_check: %s); left untouched",
                           s->path, msg ? msg : "?");
        sqlite3_finalize(st);
        return r;
    }
    sqlite3_finalize(st);
    return FAIL(FQ_ECORRUPT, "%s is damaged (%s); left untouched", s->path, sqlite3_errstr(rc));
}

/* Reads the end of the log into the cache: next seq, head hash, current day. */
static fq_status load_cache(fq_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    s->next_seq = 1;
    memcpy(s->head, FQ_HASH_ZERO, FQ_HASH_HEX);
    s->day = 0;
    int rc = sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 1);
        s->next_seq = (uint64_t)sqlite3_column_int64(st, 0) + 1;
        if (!h || strlen(h) != 64) {
            sqlite3_finalize(st);
            return FAIL(FQ_ECORRUPT, "%s: event %llu has a malformed hash", s->path,
                        (unsigned long long)(s->next_seq - 1));
        }
        memcpy(s->head, h, FQ_HASH_HEX);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FAIL(fq_store_map_rc(rc), "%s: %s", s->path, sqlite3_errmsg(s->db));
    if (s->version < 2)
        return FQ_OK;
    rc = sqlite3_prepare_v2(s->db, "SELECT day FROM days ORDER BY seq DESC LIMIT 1", -1, &st,
                            NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        int y = 0, m = 0, dd = 0;
        if (!d || sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3) {
            sqlite3_finalize(st);
            return FAIL(FQ_ECORRUPT, "%s: malformed day in the days table", s->path);
        }
        s->day = y * 10000 + m * 100 + dd;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FAIL(fq_store_map_rc(rc), "%s: %s", s->path, sqlite3_errmsg(s->db));
    return FQ_OK;
}

fq_status fq_store_check_tail(fq_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    fq_status r = FQ_OK;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT seq, data, prev_hash, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &st,
        NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        unsigned long long seq = (unsigned long long)sqlite3_column_int64(st, 0);
        const char *data = (const char *)sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        const char *prev = (const char *)sqlite3_column_text(st, 2);
        const char *hash = (const char *)sqlite3_column_text(st, 3);
        char want[FQ_HASH_HEX];
        if (!prev || strlen(prev) != 64 || !hash)
            r = FAIL(FQ_ECORRUPT, "%s: event %llu: malformed hash columns", s->path, seq);
        else if ((r = fq_chain_hash(s->chain, prev, data, len, want)) != FQ_OK)
            r = FAIL(r, "%s: cannot compute SHA-256", s->path);
        else if (strcmp(want, hash))
            r = FAIL(FQ_ECORRUPT,
                     "%s: event %llu: hash mismatch at the end of the log (run fairq verify)",
                     s->path, seq);
    } else if (rc != SQLITE_DONE) {
        r = FAIL(fq_store_map_rc(rc), "%s: %s", s->path, sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(st);
    return r;
}

/* A truncated file can pass PRAGMA quick_check (a short last page reads as
 * zeros inside a record), so compare its size with the SQLite header: a
 * whole number of pages, and at least the page count the header records
 * (when that count is valid, i.e. its version-valid-for matches). Files that
 * do not start with the SQLite magic are left for SQLite to refuse.
 *
 * A read-only tool may open the file while a server writes it. A checkpoint
 * writes page 1 (the new page count) before the pages that extend the file,
 * then empties the WAL, so one look can catch a count ahead of the size for
 * a moment. The look is ordered (WAL, header, then size) and a mismatch is
 * looked at again, up to 9 times 20 ms apart: a live file settles at once, a
 * truncated one stays truncated. */
static fq_status size_look(const char *path, char *err, size_t errlen)
{
    unsigned char h[100];
    struct stat ws, sb;
    char wal[4096];
    /* With frames in the WAL the header's count may run ahead of the file: a
     * checkpoint killed half-way has written page 1 but not yet the pages
     * that extend the file. SQLite finishes it from the WAL on open, so the
     * count is only checked when the WAL holds nothing. */
    bool wal_frames = snprintf(wal, sizeof wal, "%s-wal", path) < (int)sizeof wal &&
                      stat(wal, &ws) == 0 && ws.st_size > 32;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FAIL(FQ_EIO, "%s: %s", path, strerror(errno));
    ssize_t n = pread(fd, h, sizeof h, 0);
    int sr = fstat(fd, &sb);
    close(fd);
    if (sr != 0)
        return FAIL(FQ_EIO, "%s: %s", path, strerror(errno));
    if (sb.st_size == 0 || n < 16 || memcmp(h, "SQLite format 3", 16))
        return FQ_OK;
    if (n < (ssize_t)sizeof h)
        return FAIL(FQ_ECORRUPT, "%s is damaged (truncated inside the header); left untouched",
                    path);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    uint32_t pages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 | (uint32_t)h[30] << 8 | h[31];
    bool valid = !memcmp(h + 24, h + 92, 4) && pages > 0 && !wal_frames;
    if (page < 512 || (page & (page - 1)) || sb.st_size % page != 0 ||
        (valid && (uint64_t)pages * page > (uint64_t)sb.st_size))
        return FAIL(FQ_ECORRUPT,
                    "%s is damaged (truncated: %lld bytes, pages of %u%s); left untouched", path,
                    (long long)sb.st_size, page, valid ? "" : ", no valid page count");
    return FQ_OK;
}

static fq_status check_size(const char *path, char *err, size_t errlen)
{
    fq_status st;
    for (int attempt = 0; (st = size_look(path, err, errlen)) == FQ_ECORRUPT && attempt < 9;
         attempt++) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return st;
}

static fq_status open_db(fq_store *s, const char *sync, bool exists, char *err, size_t errlen)
{
    bool ro = s->flags & FQ_STORE_READONLY;
    int oflags = ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (!ro && !exists)
        oflags |= SQLITE_OPEN_CREATE;
    /* Read-only tools scan the log: read it in big chunks (readahead.c). */
    int rc = sqlite3_open_v2(s->path, &s->db, oflags | SQLITE_OPEN_NOMUTEX,
                             ro ? fq_store_readahead_vfs() : NULL);
    if (rc != SQLITE_OK)
        return FAIL(FQ_EIO, "%s: cannot open: %s", s->path,
                    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);

    bool fresh = false;
    fq_status st = identify(s, &fresh, err, errlen);
    if (st)
        return st;
    if (!ro && !fresh) {
        if (s->marker_ok && tail_matches_marker(s)) {
            s->open_check = FQ_STORE_CHECK_CLEAN;
        } else {
            if (!(s->flags & FQ_STORE_CHECK_BESIDE) || !can_defer_check(s) ||
                start_check(s) != FQ_OK) {
                if ((st = quick_check(s, err, errlen)) != FQ_OK)
                    return st;
            }
            s->open_check = FQ_STORE_CHECK_FULL;
            s->checked_at = (int64_t)time(NULL);
        }
    } else if (fresh) {
        s->checked_at = (int64_t)time(NULL); /* nothing in it to check */
    }
    if (!ro) {
        char pragma[64];
        sqlite3_stmt *q = NULL;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &q, NULL);
        if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(q, 0);
            rc = mode && !strcmp(mode, "wal") ? SQLITE_OK : SQLITE_ERROR;
        } else if (rc == SQLITE_OK) {
            rc = sqlite3_errcode(s->db);
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_OK)
            return FAIL(FQ_EIO, "%s: cannot switch to WAL: %s", s->path, sqlite3_errmsg(s->db));
        snprintf(pragma, sizeof pragma, "PRAGMA synchronous = %s", sync);
        if ((rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL)) != SQLITE_OK)
            return FAIL(fq_store_map_rc(rc), "%s: %s", s->path, sqlite3_errmsg(s->db));
        if ((st = migrate(s, fresh, err, errlen)) != FQ_OK)
            return st;
        if ((st = prepare_writer(s)) != FQ_OK)
            return FAIL(st, "%s: cannot prepare statements: %s", s->path, sqlite3_errmsg(s->db));
    }
    if ((st = load_cache(s, err, errlen)) != FQ_OK)
        return st;
    if (!ro && (st = fq_store_check_tail(s, err, errlen)) != FQ_OK)
        return st;
    s->healthy = !ro;
    return FQ_OK;
}

fq_status fq_store_open(const char *path, const char *synchronous, unsigned flags,
                        fq_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    const char *sync = synchronous ? synchronous : "full";
    if (strcmp(sync, "full") && strcmp(sync, "normal") && strcmp(sync, "off"))
        return FAIL(FQ_EINVAL, "synchronous must be \"full\", \"normal\" or \"off\", not \"%s\"",
                    sync);
    if (!path || !*path)
        return FAIL(FQ_EINVAL, "no database path");
    if (flags & FQ_STORE_READONLY)
        flags &= ~(unsigned)(FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE);

    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    if (!exists && (errno != ENOENT || !(flags & FQ_STORE_CREATE)))
        return FAIL(FQ_EIO, "%s: %s", path, strerror(errno));
    if (exists && !S_ISREG(sb.st_mode))
        return FAIL(FQ_EIO, "%s: not a regular file", path);
    fq_status st = exists ? check_size(path, err, errlen) : FQ_OK;
    if (st)
        return st;

    fq_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path)) || !(s->chain = fq_chain_new())) {
        fq_store_close(s);
        return FAIL(FQ_ENOMEM, "out of memory");
    }
    s->flags = flags;
    s->lock_fd = -1;
    if (flags & FQ_STORE_EXCLUSIVE) {
        st = take_lock(s, err, errlen);
        if (!st && !(flags & FQ_STORE_READONLY))
            fq_store_marker_take(s);
    }
    if (!st)
        st = open_db(s, sync, exists, err, errlen);
    if (st) {
        fq_store_close(s);
        return st;
    }
    *out = s;
    return FQ_OK;
}

void fq_store_close(fq_store *s)
{
    if (!s)
        return;
    fq_store_check_wait(s, NULL, 0);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    /* sqlite3_close (not _v2) fails when a statement is still open: then
     * the close is not clean and no marker is written. */
    bool clean = s->db && s->healthy && s->lock_fd >= 0 && sqlite3_close(s->db) == SQLITE_OK;
    if (clean)
        fq_store_marker_write(s, s->next_seq - 1, s->head);
    else if (s->db)
        sqlite3_close_v2(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    fq_chain_free(s->chain);
    free(s->path);
    free(s);
}

int fq_store_schema_version(const fq_store *s) { return s->version; }
int fq_store_open_check(const fq_store *s) { return s->open_check; }

/* --- append ---------------------------------------------------------------- */

fq_status fq_store_append(fq_store *s, const fq_sched_cfg *cfg, const fq_event *evs, size_t n)
{
    if (s->flags & FQ_STORE_READONLY)
        return FQ_EDENIED;
    if ((s->check_pending || s->check_failed) && fq_store_check_wait(s, NULL, 0) != FQ_OK)
        return FQ_ECORRUPT; /* the file failed its integrity check: never build on it */
    if (n == 0)
        return FQ_OK;
    /* Work on copies: the cache only moves once COMMIT succeeded. */
    char head[FQ_HASH_HEX], hash[FQ_HASH_HEX];
    memcpy(head, s->head, FQ_HASH_HEX);
    uint64_t seq = s->next_seq;
    int32_t day = s->day;
    char buf[FQ_EVENT_MAX_BYTES];
    fq_status st = FQ_OK;
    int rc = run(s->st[ST_BEGIN]);
    if (rc != SQLITE_OK)
        return fq_store_map_rc(rc);
    for (size_t i = 0; i < n && !st && rc == SQLITE_OK; i++, seq++) {
        fq_raw_event raw;
        if ((st = fq_codec_to_raw(cfg, &evs[i], &raw)) != FQ_OK)
            break;
        int len = fq_codec_write(&raw, buf, sizeof buf);
        if (len < 0) {
            st = (fq_status)len;
            break;
        }
        if ((st = fq_chain_hash(s->chain, head, buf, (size_t)len, hash)) != FQ_OK)
            break;
        sqlite3_stmt *ins = s->st[ST_INSERT_EVENT];
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)seq);
        sqlite3_bind_text(ins, 2, buf, len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, head, 64, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, hash, 64, SQLITE_STATIC);
        rc = run(ins);
        if (rc == SQLITE_OK)
            rc = derive(s, seq, &raw, &day);
        memcpy(head, hash, FQ_HASH_HEX);
    }
    if (!st && rc == SQLITE_OK)
        rc = run(s->st[ST_COMMIT]);
    if (st || rc != SQLITE_OK) {
        rollback(s);
        if (rc != SQLITE_OK || st == FQ_EIO || st == FQ_ECORRUPT)
            s->healthy = false; /* the next start checks the whole file */
        return st ? st : fq_store_map_rc(rc);
    }
    memcpy(s->head, head, FQ_HASH_HEX);
    s->next_seq = seq;
    s->day = day;
    return FQ_OK;
}

/* --- reading --------------------------------------------------------------- */

fq_status fq_store_each(fq_store *s, uint64_t after, uint64_t limit, fq_store_row_fn fn,
                        void *ctx)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT seq, data, prev_hash, hash FROM events WHERE seq > ?1"
                                " ORDER BY seq LIMIT ?2",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fq_store_map_rc(rc);
    sqlite3_bind_int64(st, 1, after > INT64_MAX ? INT64_MAX : (sqlite3_int64)after);
    sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fq_store_row row;
        row.seq = (uint64_t)sqlite3_column_int64(st, 0);
        row.data = (const char *)sqlite3_column_text(st, 1);
        row.len = (size_t)sqlite3_column_bytes(st, 1);
        row.prev_hash = (const char *)sqlite3_column_text(st, 2);
        row.hash = (const char *)sqlite3_column_text(st, 3);
        if (!row.data)
            row.data = "";
        if (!row.prev_hash)
            row.prev_hash = "";
        if (!row.hash)
            row.hash = "";
        if (!fn(&row, ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? FQ_OK : fq_store_map_rc(rc);
}

fq_status fq_store_head(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX])
{
    if (!(s->flags & FQ_STORE_READONLY)) {
        *count = s->next_seq - 1;
        memcpy(head, s->head, FQ_HASH_HEX);
        return FQ_OK;
    }
    /* Read-only: a server may have appended since we opened. */
    fq_store probe = *s;
    fq_status st = load_cache(&probe, NULL, 0);
    if (st)
        return st;
    *count = probe.next_seq - 1;
    memcpy(head, probe.head, FQ_HASH_HEX);
    return FQ_OK;
}

fq_status fq_store_verify_explain(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX],
                                  uint64_t *bad_seq, char *why, size_t whylen)
{
    char *err = why;
    size_t errlen = whylen;
    char prev[FQ_HASH_HEX], want[FQ_HASH_HEX];
    memcpy(prev, FQ_HASH_ZERO, FQ_HASH_HEX);
    uint64_t expect = 1;
    *count = 0;
    *bad_seq = 0;
    if (why && whylen)
        why[0] = '\0';
    sqlite3_stmt *st = NULL;
    /* One statement = one read transaction: a consistent snapshot even while
     * a server appends. */
    int rc = sqlite3_prepare_v2(s->db, "SELECT seq, data, prev_hash, hash FROM events ORDER BY seq",
                                -1, &st, NULL);
    fq_status r = FQ_OK;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
        const char *data = (const char *)sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        const char *ph = (const char *)sqlite3_column_text(st, 2);
        const char *h = (const char *)sqlite3_column_text(st, 3);
        unsigned long long bad = (unsigned long long)seq;
        if (seq != expect) {
            *bad_seq = expect;
            r = FAIL(FQ_ECORRUPT, "missing event %llu", (unsigned long long)expect);
        } else if (!ph || strcmp(ph, prev)) {
            *bad_seq = seq;
            r = FAIL(FQ_ECORRUPT, "bad event %llu: prev_hash does not match event %llu's hash",
                     bad, bad - 1);
        } else if (!data) {
            *bad_seq = seq;
            r = FAIL(FQ_ECORRUPT, "bad event %llu: no data", bad);
        } else if ((r = fq_chain_hash(s->chain, prev, data, len, want)) != FQ_OK) {
            r = FAIL(r, "cannot compute SHA-256");
        } else if (!h || strcmp(h, want)) {
            *bad_seq = seq;
            r = FAIL(FQ_ECORRUPT, "bad event %llu: hash mismatch", bad);
        }
        if (r)
            break;
        memcpy(prev, want, FQ_HASH_HEX);
        expect++;
        rc = SQLITE_OK; /* next row */
    }
    sqlite3_finalize(st);
    if (r)
        return r;
    if (rc != SQLITE_DONE) {
        *bad_seq = expect;
        r = fq_store_map_rc(rc);
        return FAIL(r, "%s reading event %llu: %s",
                    r == FQ_ECORRUPT ? "database damaged" : "I/O error",
                    (unsigned long long)expect, sqlite3_errstr(rc));
    }
    *count = expect - 1;
    memcpy(head, prev, FQ_HASH_HEX);
    return FQ_OK;
}

fq_status fq_store_verify(fq_store *s, uint64_t *count, char head[FQ_HASH_HEX],
                          uint64_t *bad_seq)
{
    return fq_store_verify_explain(s, count, head, bad_seq, NULL, 0);
}
