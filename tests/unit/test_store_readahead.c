/* test_store_readahead.c — the read-ahead VFS of read-only connections
 * (src/store/readahead.c) never serves a stale page: while a server process
 * appends and checkpoints as fast as it can, read-only stores in this
 * process verify the whole hash chain again and again. A stale buffered page
 * would show as a hash mismatch, a missing event or a damaged b-tree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "fairq/store.h"
#include "store/internal.h"

static int setup_dir(void **state) { return setup_dir_named(state, "fq_ra"); }

/* The writer process, killed by the teardown even when a check failed. */
static pid_t g_writer = -1;

static int stop_writer(void **state)
{
    (void)state;
    if (g_writer > 0) {
        kill(g_writer, SIGKILL);
        waitpid(g_writer, NULL, 0);
        g_writer = -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The writer: a day, then issues and calls in small transactions, with a
 * checkpoint every few commits, until killed. */
static void writer(const char *db, int ready_fd)
{
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = NULL;
    char err[256];
    if (fq_store_open(db, "off", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err, sizeof err))
        _exit(2);
    sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint = 8", NULL, NULL, NULL);
    fq_evbuf b = {0};
    fq_time t = T0;
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = 20261123;
    fq_engine_exec(e, &c, t, &b);
    c = fq_command_init(FQ_CMD_OPEN);
    c.counter = 0;
    fq_engine_exec(e, &c, t, &b);
    if (fq_store_append(s, &cfg, b.v, b.n))
        _exit(3);
    if (write(ready_fd, "r", 1) != 1)
        _exit(4);
    double t0 = now_s();
    for (int i = 0; now_s() - t0 < 60.0; i++) { /* a safety limit only */
        fq_evbuf_clear(&b);
        for (int k = 0; k < 20; k++) {
            c = fq_command_init(FQ_CMD_ISSUE);
            c.klass = k % 3;
            c.service = k % 2;
            fq_engine_exec(e, &c, t += 100, &b);
            if (k % 2) {
                c = fq_command_init(FQ_CMD_NEXT);
                c.counter = 0;
                fq_engine_exec(e, &c, t, &b);
            }
        }
        if (fq_store_append(s, &cfg, b.v, b.n))
            _exit(5);
        if (i % 16 == 15)
            sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
}

static void test_readers_never_see_stale_pages(void **state)
{
    (void)state;
    assert_non_null(fq_store_readahead_vfs());
    const char *db = path_of("live.db");
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        /* not the test's output: a runner waiting for it must not wait for us */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(6);
        writer(db, p[1]);
        _exit(1);
    }
    g_writer = pid;
    close(p[1]);
    char ch;
    assert_int_equal(read(p[0], &ch, 1), 1);
    close(p[0]);

    uint64_t last = 0;
    int rounds = 0;
    double t0 = now_s();
    while (now_s() - t0 < 3.0 || rounds < 20) {
        fq_store *r = NULL;
        char why[256] = "";
        fq_status st = fq_store_open(db, NULL, FQ_STORE_READONLY, &r, why, sizeof why);
        if (st)
            fail_msg("open: %s", why);
        /* several snapshots through the same connection (and its buffer) */
        for (int k = 0; k < 3; k++) {
            uint64_t n = 0, bad = 0;
            char head[FQ_HASH_HEX];
            st = fq_store_verify_explain(r, &n, head, &bad, why, sizeof why);
            if (st)
                fail_msg("round %d: verify: %s (status %d, bad %llu)", rounds, why, st,
                         (unsigned long long)bad);
            assert_true(n >= last);
            last = n;
        }
        fq_store_close(r);
        rounds++;
        if (rounds > 2000)
            break;
    }
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    g_writer = -1;
    assert_true(WIFSIGNALED(status)); /* the writer was still writing */
    assert_true(last > 200);          /* and the readers saw it grow */

    /* after the writer's death, a server restart recovers all of it */
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_EXCLUSIVE, &s, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_open_check(s), FQ_STORE_CHECK_FULL);
    if (fq_store_recover(s, e, err, sizeof err))
        fail_msg("recover: %s", err);
    uint64_t n;
    char head[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(s, &n, head), FQ_OK);
    assert_true(n >= last);
    fq_store_close(s);
    fq_engine_free(e);
}

/* A connection through the shim reads exactly what a plain one reads. */
static void test_same_bytes_as_plain_reads(void **state)
{
    (void)state;
    const char *db = path_of("live.db"); /* left by the test above */
    sqlite3 *a = NULL, *b = NULL;
    assert_int_equal(sqlite3_open_v2(db, &a, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_open_v2(db, &b, SQLITE_OPEN_READONLY, fq_store_readahead_vfs()),
                     SQLITE_OK);
    const char *q = "SELECT seq, data, prev_hash, hash FROM events ORDER BY seq";
    sqlite3_stmt *sa = NULL, *sb = NULL;
    assert_int_equal(sqlite3_prepare_v2(a, q, -1, &sa, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(b, q, -1, &sb, NULL), SQLITE_OK);
    long rows = 0;
    for (;;) {
        int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
        assert_int_equal(ra, rb);
        if (ra != SQLITE_ROW)
            break;
        for (int c = 0; c < 4; c++)
            assert_string_equal((const char *)sqlite3_column_text(sa, c),
                                (const char *)sqlite3_column_text(sb, c));
        rows++;
    }
    assert_true(rows > 200);
    sqlite3_finalize(sa);
    sqlite3_finalize(sb);
    assert_int_equal(sqlite3_exec(b, "PRAGMA quick_check", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(a);
    sqlite3_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_readers_never_see_stale_pages, stop_writer),
        cmocka_unit_test(test_same_bytes_as_plain_reads),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
