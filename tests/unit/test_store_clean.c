/* test_store_clean.c — the clean-stop marker (src/store/clean.c): a server
 * that restarts after a clean stop skips PRAGMA quick_check; after a crash,
 * an outside change, an error, or a week without a full check it runs it,
 * and a damaged file is still refused and left untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "fairq/store.h"

static int setup_dir(void **state) { return setup_dir_named(state, "fq_clean"); }

static const char *lock_of(const char *db)
{
    static char p[600];
    snprintf(p, sizeof p, "%s.lock", db);
    return p;
}

/* The lock file's content ("" when empty or missing); static buffer. */
static const char *marker(const char *db)
{
    static char buf[1024];
    buf[0] = '\0';
    FILE *f = fopen(lock_of(db), "rb");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put_marker(const char *db, const char *text)
{
    FILE *f = fopen(lock_of(db), "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Opens db as the server does; fails the test on error. */
static fq_store *open_server(const char *db)
{
    fq_store *s = NULL;
    char err[256];
    fq_status st =
        fq_store_open(db, "normal", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err, sizeof err);
    if (st)
        fail_msg("open %s: %s", db, err);
    return s;
}

/* Appends a day with `tickets` issues and calls (from the engine e). */
static void write_day(fq_store *s, fq_engine *e, const fq_sched_cfg *cfg, int32_t day,
                      int tickets)
{
    fq_evbuf b = {0};
    fq_time t = T0 + (fq_time)(day % 100) * 86400000;
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = day;
    assert_int_equal(fq_engine_exec(e, &c, t, &b), FQ_OK);
    c = fq_command_init(FQ_CMD_OPEN);
    c.counter = 0;
    assert_int_equal(fq_engine_exec(e, &c, t, &b), FQ_OK);
    for (int i = 0; i < tickets; i++) {
        c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = i % 3;
        c.service = i % 2;
        assert_int_equal(fq_engine_exec(e, &c, t += 1000, &b), FQ_OK);
        if (i % 2) {
            c = fq_command_init(FQ_CMD_NEXT);
            c.counter = 0;
            assert_int_equal(fq_engine_exec(e, &c, t, &b), FQ_OK);
        }
    }
    /* several transactions, as a server makes */
    for (size_t i = 0; i < b.n; i += 50)
        assert_int_equal(fq_store_append(s, cfg, b.v + i, b.n - i < 50 ? b.n - i : 50), FQ_OK);
    fq_evbuf_free(&b);
}

/* A database with two days of events, stopped cleanly by a server. */
static void make_db(const char *db, int tickets)
{
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = open_server(db);
    assert_int_equal(fq_store_open_check(s), FQ_STORE_CHECK_NONE); /* new and empty */
    write_day(s, e, &cfg, 20261101, tickets);
    write_day(s, e, &cfg, 20261102, tickets);
    fq_store_close(s);
    fq_engine_free(e);
}

/* Reopens as the server would, recovers, returns how the open checked. */
static int restart(const char *db, size_t *waiting)
{
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = open_server(db);
    int how = fq_store_open_check(s);
    assert_string_equal(marker(db), ""); /* erased while the server runs */
    char err[256];
    if (fq_store_recover(s, e, err, sizeof err))
        fail_msg("recover: %s", err);
    if (waiting)
        *waiting = fq_engine_waiting(e);
    fq_store_close(s);
    fq_engine_free(e);
    return how;
}

static void test_clean_stop_skips_the_full_check(void **state)
{
    (void)state;
    const char *db = path_of("clean.db");
    make_db(db, 200);
    const char *m = marker(db);
    assert_non_null(strstr(m, "fairq-clean-stop 1 "));
    assert_non_null(strstr(m, " end\n"));
    size_t w1 = 0, w2 = 0;
    assert_int_equal(restart(db, &w1), FQ_STORE_CHECK_CLEAN);
    assert_true(w1 > 0);
    assert_string_not_equal(marker(db), ""); /* written again by the clean stop */
    assert_int_equal(restart(db, &w2), FQ_STORE_CHECK_CLEAN);
    assert_int_equal(w1, w2);

    /* read-only tools neither use nor touch the marker */
    char before[1024];
    snprintf(before, sizeof before, "%s", marker(db));
    fq_store *r = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &r, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_open_check(r), FQ_STORE_CHECK_NONE);
    fq_store_close(r);
    assert_string_equal(marker(db), before);

    /* a writable open without the lock never skips the check */
    assert_int_equal(fq_store_open(db, "normal", 0, &r, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_open_check(r), FQ_STORE_CHECK_FULL);
    fq_store_close(r);
    /* it wrote nothing, so the file is still as the clean stop left it */
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);
    /* another program writes to it: no longer clean */
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "UPDATE tickets SET recalls = recalls + 1 WHERE seq = 1", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);
}

/* A server killed without closing leaves no marker: the full check runs. */
static void test_crash_runs_the_full_check(void **state)
{
    (void)state;
    const char *db = path_of("crash.db");
    make_db(db, 100);
    for (int how = 0; how < 2; how++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
            fq_engine *e = fq_engine_new(&cfg);
            fq_store *s = NULL;
            char err[256];
            if (fq_store_open(db, "normal", FQ_STORE_EXCLUSIVE, &s, err, sizeof err) ||
                fq_store_recover(s, e, err, sizeof err))
                _exit(3);
            if (how == 0)
                _exit(0); /* dies before writing anything */
            write_day(s, e, &cfg, 20261103, 30);
            kill(getpid(), SIGKILL);
            _exit(4);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(how == 0 ? WIFEXITED(status) && WEXITSTATUS(status) == 0
                             : WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_string_equal(marker(db), "");
        size_t w = 0;
        assert_int_equal(restart(db, &w), FQ_STORE_CHECK_FULL);
        assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);
    }
}

/* Overwrites the start of page `page` (1-based) with garbage. */
static void damage_page(const char *db, long page)
{
    int fd = open(db, O_WRONLY);
    assert_true(fd >= 0);
    unsigned char junk[64];
    memset(junk, 0xA5, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, (page - 1) * 4096), (ssize_t)sizeof junk);
    close(fd);
}

/* Damage after a clean stop is seen: the file changed, so the marker no
 * longer matches, the full check runs, and the file is refused untouched —
 * even when the damage put the old mtime back. */
static void test_damage_after_clean_stop_is_refused(void **state)
{
    (void)state;
    for (int reset_mtime = 0; reset_mtime < 2; reset_mtime++) {
        const char *db = path_of(reset_mtime ? "damaged2.db" : "damaged.db");
        make_db(db, 400);
        assert_string_not_equal(marker(db), "");
        struct stat sb;
        assert_int_equal(stat(db, &sb), 0);
        long pages = (long)(sb.st_size / 4096);
        assert_true(pages > 20);
        damage_page(db, pages / 2);
        if (reset_mtime) {
            struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
            assert_int_equal(utimensat(AT_FDCWD, db, ts, 0), 0);
        }
        size_t n0, n1;
        char *before = slurp(db, &n0);
        fq_store *s = NULL;
        char err[256] = "";
        fq_status st =
            fq_store_open(db, "normal", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err, sizeof err);
        assert_int_equal(st, FQ_ECORRUPT);
        assert_null(s);
        assert_non_null(strstr(err, "damaged"));
        assert_non_null(strstr(err, "left untouched"));
        char *after = slurp(db, &n1);
        assert_true(n0 == n1);
        assert_memory_equal(before, after, n0);
        free(before);
        free(after);
        assert_string_equal(marker(db), ""); /* no clean stop recorded for it */
    }
}

/* Replaces "checked=<n>" in the marker. */
static void set_checked(const char *db, long long when)
{
    char m[1024];
    snprintf(m, sizeof m, "%s", marker(db));
    char *p = strstr(m, " checked=");
    assert_non_null(p);
    char *q = strchr(p + 1, ' ');
    assert_non_null(q);
    char out[1100];
    snprintf(out, sizeof out, "%.*s checked=%lld%s", (int)(p - m), m, when, q);
    put_marker(db, out);
}

static void test_marker_must_match(void **state)
{
    (void)state;
    const char *db = path_of("match.db");
    make_db(db, 50);
    char good[1024];
    snprintf(good, sizeof good, "%s", marker(db));

    /* the last full check more than a week ago */
    set_checked(db, (long long)time(NULL) - FQ_STORE_CHECK_MAX_AGE_S - 10);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);
    /* that check is recorded: the next start may skip it */
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);
    set_checked(db, (long long)time(NULL) - FQ_STORE_CHECK_MAX_AGE_S + 3600);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);

    /* malformed, truncated or foreign markers count for nothing */
    snprintf(good, sizeof good, "%s", marker(db));
    const char *bad[] = {"", "fairq-clean-stop 1\n", "garbage", NULL};
    for (int i = 0; i < 4; i++) {
        char m[1024];
        if (bad[i])
            snprintf(m, sizeof m, "%s", bad[i]);
        else
            snprintf(m, sizeof m, "%.*s", (int)strlen(good) - 5, good); /* no " end" */
        put_marker(db, m);
        assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);
        snprintf(good, sizeof good, "%s", marker(db));
    }
    /* another chain head than the file's */
    char *h = strstr(good, " head=");
    assert_non_null(h);
    h[6] = h[6] == '0' ? '1' : '0';
    put_marker(db, good);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);
}

/* A close that is not clean (a reader keeps the WAL alive) or a session
 * with an error writes no marker. */
static void test_no_marker_unless_clean(void **state)
{
    (void)state;
    const char *db = path_of("unclean.db");
    make_db(db, 50);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);

    fq_store *reader = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &reader, err, sizeof err), FQ_OK);
    uint64_t n;
    char head[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(reader, &n, head), FQ_OK);
    {
        fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
        fq_engine *e = fq_engine_new(&cfg);
        fq_store *s = open_server(db);
        assert_int_equal(fq_store_recover(s, e, err, sizeof err), FQ_OK);
        write_day(s, e, &cfg, 20261104, 10);
        fq_store_close(s);
        fq_engine_free(e);
    }
    assert_string_equal(marker(db), ""); /* the WAL is still there */
    fq_store_close(reader);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);

    /* recovery fails (a configuration without the log's classes) */
    assert_string_not_equal(marker(db), "");
    fq_sched_cfg other = fx_cfg(FQ_POLICY_ACCUMULATING);
    strcpy(other.classes[0].id, "gold");
    fq_engine *e = fq_engine_new(&other);
    fq_store *s = open_server(db);
    assert_int_equal(fq_store_open_check(s), FQ_STORE_CHECK_CLEAN);
    assert_int_equal(fq_store_recover(s, e, err, sizeof err), FQ_ECORRUPT);
    fq_store_close(s);
    fq_engine_free(e);
    assert_string_equal(marker(db), "");
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_FULL);
}

/* FQ_STORE_CHECK_BESIDE (the server's flag): after a crash the full check
 * runs beside the recovery; a sound file recovers as usual, a damaged one
 * is refused by the recovery at the latest, nothing is appended to it and
 * its bytes stay as they were. */
static void test_check_beside_recovery(void **state)
{
    (void)state;
    const unsigned flags = FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE | FQ_STORE_CHECK_BESIDE;
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    char err[512];

    /* sound, after a crash (no marker) */
    const char *db = path_of("beside.db");
    make_db(db, 300);
    size_t want = 0;
    assert_int_equal(restart(db, &want), FQ_STORE_CHECK_CLEAN);
    put_marker(db, "");
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = NULL;
    assert_int_equal(fq_store_open(db, "normal", flags, &s, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_open_check(s), FQ_STORE_CHECK_FULL);
    if (fq_store_recover(s, e, err, sizeof err))
        fail_msg("recover: %s", err);
    assert_int_equal(fq_engine_waiting(e), want);
    write_day(s, e, &cfg, 20261105, 5);
    fq_store_close(s);
    fq_engine_free(e);
    assert_int_equal(restart(db, NULL), FQ_STORE_CHECK_CLEAN);

    /* damaged inside, after a crash */
    db = path_of("beside_bad.db");
    make_db(db, 400);
    struct stat sb;
    assert_int_equal(stat(db, &sb), 0);
    damage_page(db, (long)(sb.st_size / 4096) / 2);
    put_marker(db, "");
    size_t n0, n1;
    char *before = slurp(db, &n0);
    e = fq_engine_new(&cfg);
    s = NULL;
    err[0] = '\0';
    fq_status st = fq_store_open(db, "normal", flags, &s, err, sizeof err);
    if (st == FQ_OK) {
        /* the check runs beside: appending waits for it and is refused */
        fq_event ev = fq_event_init(FQ_EV_ALARM_OFF, T0);
        assert_int_equal(fq_store_append(s, &cfg, &ev, 1), FQ_ECORRUPT);
        st = fq_store_recover(s, e, err, sizeof err);
        fq_store_close(s);
    }
    assert_int_equal(st, FQ_ECORRUPT);
    assert_non_null(strstr(err, "damaged"));
    fq_engine_free(e);
    char *after = slurp(db, &n1);
    assert_true(n0 == n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    assert_string_equal(marker(db), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_stop_skips_the_full_check),
        cmocka_unit_test(test_crash_runs_the_full_check),
        cmocka_unit_test(test_damage_after_clean_stop_is_refused),
        cmocka_unit_test(test_marker_must_match),
        cmocka_unit_test(test_no_marker_unless_clean),
        cmocka_unit_test(test_check_beside_recovery),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
