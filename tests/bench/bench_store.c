/* bench_store.c — durability and restart of the event log (SPEC 12).
 *
 *     bench_store DIR [pairs=1000] [restart_events=1000000]
 *
 * 1. Baseline: raw SQLite, WAL, synchronous=FULL, one single-row INSERT per
 *    transaction, as many commits as fairq makes below, on the same disk.
 * 2. fairq: `pairs` rounds of a durable issue and a durable next, each the
 *    server's full path: engine decide -> fq_store_append (one transaction:
 *    event rows, hash chain, derived tickets table) -> engine apply.
 * 3. Restart: a log whose current business day holds `restart_events`
 *    events (the worst case: recovery replays the whole day), then the time
 *    to open the store and rebuild the engine: restart_* after a clean stop
 *    (the previous server closed the log; no full integrity check needed),
 *    restart_crash_* after a server died with the log open (PRAGMA
 *    quick_check of the whole file first).
 *
 *     bench_store --restart DB [runs=5]
 *
 * only times step 3 on an existing log (DB as left by a run above, or any
 * fairq database with the default configuration's ids), `runs` times, and
 * prints each run's figures and the best and median of restart_total.
 * Prints "name value unit" lines for scripts/bench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include <sqlite3.h>

#include "fairq/config.h"
#include "fairq/engine.h"
#include "fairq/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, const char *why)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, why);
    return 2;
}

static double raw_sqlite(const char *path, int commits)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO t(data) VALUES (?)", -1, &st, NULL);
    const char *row = "{\"type\":\"issued\",\"at\":1795000000000,\"ticket\":1,\"service\":\"A\"}";
    double t0 = now_s();
    for (int i = 0; i < commits; i++) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(st, 1, row, -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double dt = now_s() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return commits / dt;
}

/* The server's path for one command: decide, commit, apply. */
static fq_status durable(fq_engine *e, fq_store *s, const fq_command *c, fq_time now, fq_evbuf *b)
{
    fq_evbuf_clear(b);
    fq_status st = fq_engine_decide(e, c, now, b);
    if (!st && b->n)
        st = fq_store_append(s, fq_engine_cfg(e), b->v, b->n);
    for (size_t i = 0; !st && i < b->n; i++)
        st = fq_engine_apply(e, &b->v[i]);
    return st;
}

/* CPU time of this process, user + system: steadier than wall time on a
 * shared machine. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Opens db writable (as the server does) and recovers; the three times. */
static int restart_once(const char *db, const fq_sched_cfg *sc, double out[4], size_t *waiting)
{
    char err[256];
    fq_store *s;
    double c0 = cpu_s(), t0 = now_s();
    /* the server's flags */
    if (fq_store_open(db, "full", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE | FQ_STORE_CHECK_BESIDE, &s,
                      err, sizeof err))
        return die(db, err);
    double t1 = now_s();
    fq_engine *e = fq_engine_new(sc);
    if (fq_store_recover(s, e, err, sizeof err))
        return die("recover", err);
    double t2 = now_s();
    out[3] = cpu_s() - c0;
    *waiting = fq_engine_waiting(e);
    fq_engine_free(e);
    fq_store_close(s);
    out[0] = t1 - t0;
    out[1] = t2 - t1;
    out[2] = t2 - t0;
    return 0;
}

static int restart_only(const char *db, int runs)
{
    fq_config cfg;
    fq_config_defaults(&cfg);
    double total[64], cpu[64];
    runs = runs < 1 ? 1 : runs > 64 ? 64 : runs;
    for (int i = 0; i < runs; i++) {
        double t[4];
        size_t waiting;
        int rc = restart_once(db, &cfg.sched, t, &waiting);
        if (rc)
            return rc;
        printf("run %d open %.3f recover %.3f total %.3f s, cpu %.3f s (%zu waiting)\n", i + 1,
               t[0], t[1], t[2], t[3], waiting);
        fflush(stdout);
        total[i] = t[2];
        cpu[i] = t[3];
    }
    qsort(total, (size_t)runs, sizeof *total, cmp_double);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
    printf("restart_cpu_median %.3f s\n", cpu[runs / 2]);
    printf("restart_total_best %.3f s\n", total[0]);
    printf("restart_total_median %.3f s\n", total[runs / 2]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--restart"))
        return restart_only(argv[2], argc > 3 ? atoi(argv[3]) : 5);
    if (argc < 2)
        return die("usage", "bench_store DIR [pairs] [restart_events]");
    int pairs = argc > 2 ? atoi(argv[2]) : 1000;
    long restart_events = argc > 3 ? atol(argv[3]) : 1000000;
    char path[1024], err[256];
    fq_config cfg;
    fq_config_defaults(&cfg);
    fq_sched_cfg sc = cfg.sched;

    snprintf(path, sizeof path, "%s/raw.db", argv[1]);
    double raw = raw_sqlite(path, 2 * pairs);
    if (raw < 0)
        return die(path, "cannot open");
    printf("raw_sqlite_commits %.0f per_s\n", raw);

    snprintf(path, sizeof path, "%s/fairq.db", argv[1]);
    fq_store *s;
    if (fq_store_open(path, "full", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err, sizeof err))
        return die(path, err);
    fq_engine *e = fq_engine_new(&sc);
    fq_evbuf b = {0};
    fq_time t = 1795000000000;
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = 20261123;
    durable(e, s, &c, t, &b);
    c = fq_command_init(FQ_CMD_OPEN);
    c.counter = 0;
    durable(e, s, &c, t, &b);
    double t0 = now_s();
    for (int i = 0; i < pairs; i++) {
        fq_command is = fq_command_init(FQ_CMD_ISSUE);
        is.klass = i % 3;
        is.service = 0;
        fq_command nx = fq_command_init(FQ_CMD_NEXT);
        nx.counter = 0;
        if (durable(e, s, &is, t += 1000, &b) || durable(e, s, &nx, t += 1000, &b))
            return die("durable", "command failed");
    }
    double rate = 2 * pairs / (now_s() - t0);
    printf("fairq_durable_commits %.0f per_s\n", rate);
    printf("fairq_durable_pairs %.0f per_s\n", rate / 2);
    printf("durable_ratio %.3f of_raw\n", rate / raw);
    fq_engine_free(e);
    fq_store_close(s);

    /* A day holding restart_events events: issue and call in big batches. */
    snprintf(path, sizeof path, "%s/restart.db", argv[1]);
    if (fq_store_open(path, "off", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err, sizeof err))
        return die(path, err);
    e = fq_engine_new(&sc);
    c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = 20261123;
    fq_evbuf_clear(&b);
    fq_engine_exec(e, &c, t, &b);
    for (int k = 0; k < 4; k++) {
        c = fq_command_init(FQ_CMD_OPEN);
        c.counter = k;
        fq_engine_exec(e, &c, t, &b);
    }
    if (fq_store_append(s, &sc, b.v, b.n))
        return die("restart fill", "append failed");
    long total = (long)b.n;
    while (total < restart_events) {
        fq_evbuf_clear(&b);
        for (int i = 0; i < 1000; i++) {
            fq_command is = fq_command_init(FQ_CMD_ISSUE);
            is.klass = i % 3;
            is.service = i % 2;
            fq_engine_exec(e, &is, t += 10, &b);
            if (i % 2) { /* keep a realistic queue: call about half of them */
                fq_command nx = fq_command_init(FQ_CMD_NEXT);
                nx.counter = i % 4;
                fq_engine_exec(e, &nx, t, &b);
            }
        }
        if (fq_store_append(s, &sc, b.v, b.n))
            return die("restart fill", "append failed");
        total += (long)b.n;
    }
    size_t waiting = fq_engine_waiting(e);
    fq_engine_free(e);
    fq_store_close(s); /* a clean stop: the lock file gets the clean-stop marker */
    printf("restart_events %ld events\n", total);

    /* After a clean stop (the usual restart): no full check needed. */
    double r[4];
    size_t got;
    int rc = restart_once(path, &sc, r, &got);
    if (rc)
        return rc;
    if (got != waiting)
        return die("recover", "state differs");
    printf("restart_open %.3f s\n", r[0]);
    printf("restart_recover %.3f s\n", r[1]);
    printf("restart_total %.3f s\n", r[2]);

    /* After a crash: a server that opened the file and died without closing
     * it; the next open runs PRAGMA quick_check over the whole file. */
    pid_t pid = fork();
    if (pid == 0) {
        if (fq_store_open(path, "full", FQ_STORE_EXCLUSIVE, &s, err, sizeof err))
            _exit(2);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return die("crash", "the child did not open the log");
    if ((rc = restart_once(path, &sc, r, &got)) != 0)
        return rc;
    if (got != waiting)
        return die("recover", "state differs");
    printf("restart_crash_open %.3f s\n", r[0]);
    printf("restart_crash_recover %.3f s\n", r[1]);
    printf("restart_crash_total %.3f s\n", r[2]);
    fq_evbuf_free(&b);
    return 0;
}
