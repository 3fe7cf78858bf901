/* test_store_crash.c — durability and recovery of the event log.
 *
 * kill -9: a child process drives a real engine with random commands the way
 * the server does (decide, commit, apply) and reports every acknowledged
 * (committed) event seq through a pipe; the parent SIGKILLs it at a random
 * moment, then checks that every acknowledged event is there, that the chain
 * verifies, and that recovery (from the last day event) gives the same state
 * as applying the whole log from scratch. The next child recovers and carries
 * on in the same database, so restarts, day changes and seq continuity are
 * exercised too.
 *
 * live == recovered: an engine driven in-process is compared with the one
 * fq_store_recover rebuilds: queue order, counters, tickets, the starvation
 * alarm and the number series (shuffled too: the next number drawn must be
 * the one the live engine would have drawn). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "fairq/store.h"
#include "store/codec.h"


static int setup_dir(void **state)
{
    return setup_dir_named(state, "fq_crash");
}


static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64: small, good enough to pick commands */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static int rng_below(uint64_t *s, int n) { return (int)(rng_next(s) % (uint64_t)n); }

static fq_sched_cfg crash_cfg(bool shuffled)
{
    fq_sched_cfg c = fx_cfg(FQ_POLICY_ACCUMULATING);
    c.number_order = shuffled ? FQ_ORDER_SHUFFLED : FQ_ORDER_SEQUENTIAL;
    return c;
}

typedef struct pick {
    int want, seen;
    const fq_ticket *t;
} pick;

static bool pick_nth(const fq_ticket *t, void *ctx)
{
    pick *p = ctx;
    p->t = t;
    return p->seen++ < p->want;
}

/* A random command that makes sense often enough (errors are just skipped). */
static fq_command random_command(const fq_engine *e, uint64_t *rng)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    int r = rng_below(rng, 100);
    int counter = rng_below(rng, cfg->n_counters);
    fq_command c;
    if (r < 33) {
        c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = rng_below(rng, cfg->n_classes);
        c.service = rng_below(rng, cfg->n_services);
        const fq_class_cfg *k = &cfg->classes[c.klass];
        c.reason = k->n_reasons && rng_below(rng, 2) ? rng_below(rng, k->n_reasons) : FQ_NONE;
        c.estimate_s = rng_below(rng, 3000);
        for (int i = 0; i < FQ_KEY_LEN; i++)
            c.key[i] = (uint8_t)rng_next(rng);
        return c;
    }
    static const fq_cmd_type at_counter[] = {
        FQ_CMD_NEXT,  FQ_CMD_NEXT,    FQ_CMD_NEXT,    FQ_CMD_NEXT,     FQ_CMD_START,
        FQ_CMD_START, FQ_CMD_COMPLETE, FQ_CMD_COMPLETE, FQ_CMD_RECALL,  FQ_CMD_NO_SHOW,
        FQ_CMD_OPEN,  FQ_CMD_OPEN,    FQ_CMD_PAUSE,   FQ_CMD_CLOSE,    FQ_CMD_TRANSFER};
    if (r < 85) {
        c = fq_command_init(at_counter[rng_below(rng, (int)FQ_ARRAY_LEN(at_counter))]);
        c.counter = counter;
        if (c.type == FQ_CMD_TRANSFER)
            c.service = rng_below(rng, cfg->n_services);
        return c;
    }
    if (r < 92) {
        pick p = {rng_below(rng, 8), 0, NULL};
        fq_engine_each_waiting(e, pick_nth, &p);
        if (r < 88 && p.t) {
            c = fq_command_init(FQ_CMD_CALL);
            c.counter = counter;
            c.number_service = p.t->number_service;
            c.number = p.t->number;
            snprintf(c.note, sizeof c.note, "requested by \"desk\" %d\n", rng_below(rng, 9));
            return c;
        }
        c = fq_command_init(FQ_CMD_CANCEL);
        c.ticket = p.t ? p.t->seq : fq_engine_last_seq(e);
        return c;
    }
    if (r < 98)
        return fq_command_init(FQ_CMD_TICK);
    c = fq_command_init(FQ_CMD_BEGIN_DAY);
    int32_t day = fq_engine_day(e) ? fq_engine_day(e) : 20261101;
    c.day = fq_codec_ymd_from_days(fq_codec_days_from_ymd(day) + 1);
    c.seed = rng_next(rng);
    return c;
}

/* One server step: decide, commit, apply. 1 = something was committed,
 * 0 = the command was refused by the engine, <0 = store error. */
static int step(fq_engine *e, fq_store *s, const fq_command *c, fq_time now, fq_evbuf *buf)
{
    fq_evbuf_clear(buf);
    if (fq_engine_decide(e, c, now, buf) != FQ_OK || buf->n == 0)
        return 0;
    fq_status st = fq_store_append(s, fq_engine_cfg(e), buf->v, buf->n);
    if (st)
        return st;
    for (size_t i = 0; i < buf->n; i++)
        if (fq_engine_apply(e, &buf->v[i]) != FQ_OK)
            return FQ_ECORRUPT;
    return 1;
}

/* Runs in the child: never returns. Exit codes say what went wrong. */
static void child_main(const char *db, uint64_t seed, int wfd, int max_steps)
{
    fq_sched_cfg cfg = crash_cfg(true);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = NULL;
    char err[256];
    if (!e || fq_store_open(db, "full", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err,
                            sizeof err) != FQ_OK)
        _exit(10);
    if (fq_store_recover(s, e, err, sizeof err) != FQ_OK)
        _exit(11);
    fq_time now = fq_engine_last_time(e) > T0 ? fq_engine_last_time(e) + 1 : T0;
    fq_evbuf buf = {0};
    uint64_t rng = seed;
    if (!fq_engine_day(e)) {
        fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
        d.day = 20261101;
        d.seed = seed;
        if (step(e, s, &d, now, &buf) != 1)
            _exit(12);
    }
    for (int i = 0; i < max_steps; i++) {
        now += rng_below(&rng, 20000);
        fq_command c = random_command(e, &rng);
        int r = step(e, s, &c, now, &buf);
        if (r < 0)
            _exit(13);
        if (r == 1) {
            uint64_t count;
            char head[FQ_HASH_HEX];
            fq_store_head(s, &count, head);
            if (write(wfd, &count, sizeof count) != (ssize_t)sizeof count)
                _exit(14);
        }
    }
    pause(); /* wait for the kill */
    _exit(15);
}

/* --- comparing engines ---------------------------------------------------- */

typedef struct tlist {
    size_t n;
    fq_ticket v[4096];
} tlist;

static bool collect_ticket(const fq_ticket *t, void *ctx)
{
    tlist *l = ctx;
    if (l->n < FQ_ARRAY_LEN(l->v))
        l->v[l->n++] = *t;
    return true;
}

static void same_tickets(const fq_ticket *a, const fq_ticket *b)
{
    assert_true(a->seq == b->seq);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->counter, b->counter);
    assert_int_equal(a->number, b->number);
    assert_int_equal(a->number_service, b->number_service);
    assert_int_equal(a->service, b->service);
    assert_int_equal(a->klass, b->klass);
    assert_int_equal(a->reason, b->reason);
    assert_int_equal(a->recalls, b->recalls);
    assert_true(a->issued_at == b->issued_at && a->called_at == b->called_at &&
                a->started_at == b->started_at && a->finished_at == b->finished_at);
    assert_memory_equal(a->key, b->key, FQ_KEY_LEN);
}

static int step(fq_engine *e, fq_store *s, const fq_command *c, fq_time now, fq_evbuf *buf);

/* Every observable of two engines is the same, including what they would do
 * next: the ticket each counter would call and the next number per service.
 * The last check issues one ticket per service on both: through the store
 * for a (when sa is given, so that a stays the log's state), in memory for b. */
static void same_state(fq_engine *a, fq_store *sa, fq_engine *b)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(a);
    assert_int_equal(fq_engine_day(a), fq_engine_day(b));
    assert_true(fq_engine_day_seed(a) == fq_engine_day_seed(b));
    assert_true(fq_engine_last_seq(a) == fq_engine_last_seq(b));
    assert_true(fq_engine_last_time(a) == fq_engine_last_time(b));
    assert_true(fq_engine_waiting(a) == fq_engine_waiting(b));
    assert_int_equal(fq_engine_alarm(a), fq_engine_alarm(b));
    for (int k = 0; k < cfg->n_classes; k++)
        for (int sv = 0; sv < cfg->n_services; sv++)
            assert_true(fq_engine_waiting_in(a, k, sv) == fq_engine_waiting_in(b, k, sv));
    fq_time now = fq_engine_last_time(a) + SEC(1);
    for (int c = 0; c < cfg->n_counters; c++) {
        assert_int_equal(fq_engine_counter_state(a, c), fq_engine_counter_state(b, c));
        assert_true(fq_engine_counter_ticket(a, c) == fq_engine_counter_ticket(b, c));
        assert_true(fq_engine_peek_next(a, c, now) == fq_engine_peek_next(b, c, now));
    }
    static tlist la, lb;
    la.n = lb.n = 0;
    fq_engine_each_waiting(a, collect_ticket, &la);
    fq_engine_each_waiting(b, collect_ticket, &lb);
    assert_true(la.n == lb.n);
    for (size_t i = 0; i < la.n; i++)
        assert_true(la.v[i].seq == lb.v[i].seq); /* queue order */
    la.n = lb.n = 0;
    fq_engine_each_ticket(a, collect_ticket, &la);
    fq_engine_each_ticket(b, collect_ticket, &lb);
    assert_true(la.n == lb.n);
    for (size_t i = 0; i < la.n; i++)
        same_tickets(&la.v[i], &lb.v[i]);
    if (!fq_engine_day(a))
        return;
    for (int sv = 0; sv < cfg->n_services; sv++) {
        fq_command c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = 0;
        c.service = sv;
        if (sa) {
            fq_evbuf buf = {0};
            assert_int_equal(step(a, sa, &c, now, &buf), 1);
            fq_evbuf_free(&buf);
        } else {
            assert_int_equal(fq_engine_exec(a, &c, now, NULL), FQ_OK);
        }
        assert_int_equal(fq_engine_exec(b, &c, now, NULL), FQ_OK);
        const fq_ticket *ta = fq_engine_ticket(a, fq_engine_last_seq(a));
        const fq_ticket *tb = fq_engine_ticket(b, fq_engine_last_seq(b));
        assert_non_null(ta);
        assert_non_null(tb);
        assert_int_equal(ta->number, tb->number);
    }
}

typedef struct replay {
    fq_engine *e;
    uint64_t n;
    fq_status st;
} replay;

static bool replay_row(const fq_store_row *row, void *ctx)
{
    replay *r = ctx;
    fq_event ev;
    r->st = fq_event_decode(fq_engine_cfg(r->e), row->data, row->len, &ev);
    if (!r->st)
        r->st = fq_engine_apply(r->e, &ev);
    r->n++;
    return r->st == FQ_OK;
}

/* Recovery (from the last day) vs the whole log applied from scratch. */
static void check_recovery(const char *db, bool shuffled, uint64_t min_events, uint64_t *days)
{
    fq_store *s = NULL;
    char err[256];
    /* Straight after the kill, read-only, as an auditor's `fairq verify`
     * would open it before anyone restarts the server. */
    fq_status ost = fq_store_open(db, NULL, FQ_STORE_READONLY, &s, err, sizeof err);
    /* Killed before its first commit (a loaded machine can take the whole
     * budget to start the child): nothing was acknowledged, the file holds
     * no schema yet, and read-only tools rightly call it empty. */
    if (ost == FQ_ECORRUPT && min_events == 0 && strstr(err, "is empty"))
        return;
    if (ost)
        fail_msg("read-only open after kill -9: %s", err);
    uint64_t count, bad = 0;
    char head[FQ_HASH_HEX];
    fq_status st = fq_store_verify_explain(s, &count, head, &bad, err, sizeof err);
    if (st)
        fail_msg("verify: %s", err);
    assert_true(count >= min_events);
    fq_sched_cfg cfg = crash_cfg(shuffled);
    fq_engine *rec = fq_engine_new(&cfg), *full = fq_engine_new(&cfg);
    assert_int_equal(fq_store_recover(s, rec, err, sizeof err), FQ_OK);
    replay r = {full, 0, FQ_OK};
    assert_int_equal(fq_store_each(s, 0, 0, replay_row, &r), FQ_OK);
    assert_int_equal(r.st, FQ_OK);
    assert_true(r.n == count);
    *days = (uint64_t)(fq_codec_days_from_ymd(fq_engine_day(rec)) -
                       fq_codec_days_from_ymd(20261101)) + 1;
    same_state(rec, NULL, full);
    fq_engine_free(rec);
    fq_engine_free(full);
    fq_store_close(s);
}

static void test_kill9(void **state)
{
    (void)state;
    const char *db = path_of("crash.db");
    uint64_t rng = (uint64_t)time(NULL);
    printf("# kill -9 test seed %llu\n", (unsigned long long)rng);
    uint64_t acked_max = 0, days_seen = 0;
    const int rounds = 30;
    for (int round = 0; round < rounds; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        uint64_t seed = rng_next(&rng);
        fflush(stdout);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_main(db, seed, fds[1], 1500);
        }
        close(fds[1]);
        /* let it run 20..200 ms, collecting acknowledgements */
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long budget_ms = 20 + rng_below(&rng, 180);
        bool child_done = false;
        for (;;) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
            if (el >= budget_ms)
                break;
            struct pollfd p = {fds[0], POLLIN, 0};
            if (poll(&p, 1, (int)(budget_ms - el)) <= 0)
                continue;
            uint64_t seq;
            ssize_t n = read(fds[0], &seq, sizeof seq);
            if (n <= 0) {
                child_done = true;
                break;
            }
            assert_int_equal(n, sizeof seq);
            if (seq > acked_max)
                acked_max = seq;
        }
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (child_done || !WIFSIGNALED(status))
            fail_msg("child ended by itself: status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        /* acknowledgements written before the kill are still in the pipe */
        uint64_t seq;
        while (read(fds[0], &seq, sizeof seq) == (ssize_t)sizeof seq)
            if (seq > acked_max)
                acked_max = seq;
        close(fds[0]);
        check_recovery(db, true, acked_max, &days_seen);
    }
    printf("# %d kills, %llu events acknowledged, %llu business days\n", rounds,
           (unsigned long long)acked_max, (unsigned long long)days_seen);
    assert_true(acked_max > 100); /* the children did real work */
}

/* In-process: the live engine and the recovered one are the same. */
static void live_vs_recovered(bool shuffled, uint64_t seed)
{
    char name[64];
    snprintf(name, sizeof name, "live_%d_%llu.db", shuffled, (unsigned long long)seed);
    char db[512];
    snprintf(db, sizeof db, "%s", path_of(name));
    fq_sched_cfg cfg = crash_cfg(shuffled);
    fq_engine *live = fq_engine_new(&cfg);
    fq_store *s = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, "off", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &s, err,
                                   sizeof err),
                     FQ_OK);
    fq_evbuf buf = {0};
    fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
    d.day = 20261101;
    d.seed = seed;
    fq_time now = T0;
    assert_int_equal(step(live, s, &d, now, &buf), 1);
    uint64_t rng = seed;
    for (int i = 0; i < 3000; i++) {
        now += rng_below(&rng, 20000);
        fq_command c = random_command(live, &rng);
        assert_true(step(live, s, &c, now, &buf) >= 0);
        if (i % 1000 == 999) {
            /* what a restart now would rebuild */
            fq_engine *rec = fq_engine_new(&cfg);
            assert_int_equal(fq_store_recover(s, rec, err, sizeof err), FQ_OK);
            same_state(live, s, rec);
            fq_engine_free(rec);
            now = fq_engine_last_time(live);
        }
    }
    fq_engine *rec = fq_engine_new(&cfg);
    assert_int_equal(fq_store_recover(s, rec, err, sizeof err), FQ_OK);
    same_state(live, s, rec);
    fq_engine_free(rec);
    fq_engine_free(live);
    fq_evbuf_free(&buf);
    fq_store_close(s);
}

static void test_live_equals_recovered(void **state)
{
    (void)state;
    live_vs_recovered(false, 11);
    live_vs_recovered(true, 12);
    live_vs_recovered(true, 13);
}

/* A corrupted event in the current day is reported with its seq. */
static void test_recover_reports_seq(void **state)
{
    (void)state;
    const char *db = path_of("bad.db");
    fq_sched_cfg cfg = crash_cfg(false);
    fq_engine *e = fq_engine_new(&cfg);
    fq_store *s = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, "off", FQ_STORE_CREATE, &s, err, sizeof err), FQ_OK);
    fq_evbuf buf = {0};
    fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
    d.day = 20261101;
    assert_int_equal(step(e, s, &d, T0, &buf), 1);
    for (int i = 0; i < 5; i++) {
        fq_command c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = REG;
        c.service = SVC_A;
        assert_int_equal(step(e, s, &c, T0 + SEC(i), &buf), 1);
    }
    /* an event that decodes but does not fit the state: appended with a
     * valid hash, as a buggy writer would */
    fq_event ev = fq_event_init(FQ_EV_CALLED, T0 + SEC(9));
    ev.ticket = 99;
    ev.counter = 0;
    assert_int_equal(fq_store_append(s, &cfg, &ev, 1), FQ_OK);
    fq_engine *fresh = fq_engine_new(&cfg);
    assert_int_equal(fq_store_recover(s, fresh, err, sizeof err), FQ_ECORRUPT);
    assert_non_null(strstr(err, "event 7: "));
    fq_engine_free(fresh);
    fq_engine_free(e);
    fq_evbuf_free(&buf);
    fq_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recover_reports_seq),
        cmocka_unit_test(test_live_equals_recovered),
        cmocka_unit_test(test_kill9),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
