/* test_audit_replay.c — a simulated day, driven here with a small arrival
 * process through the real engine into a real log: the audit must agree with
 * statistics this test keeps itself (a naive model: quadratic overtaken
 * count, sort-and-pick percentiles), and replaying the day under the policy
 * it was recorded with must give back exactly the recorded waits.
 *
 * The day: two counters open at 09:00 (counter 2 pauses 10:00-10:20),
 * arrivals for three hours (~40 an hour: 10% vip, 20% priority, 70%
 * regular; 70% service A), a 15 s walk-up before each start, exponential
 * service (mean 150 s), 10% no-shows (marked 60 s after the call), 5% who
 * cancel after 10-30 minutes if still waiting. Staff call `next` the moment
 * a counter is free, so the recorded day is exactly what the policy does. */
#include <math.h>

#include "test_audit_fixture.h"

#define MAXT 400
#define WALK_MS 15000
#define NO_SHOW_MS 60000

typedef struct tk {
    fq_time issued, called, cancel_at, service_ms;
    int klass, service;
    bool no_show, cancelled;
    int32_t estimate_s;
    uint64_t call_step, end_step; /* order of first call / of cancellation */
} tk;

typedef struct ctr {
    bool busy, started;
    uint64_t seq;
    fq_time start_at, end_at;
} ctr;

typedef struct day {
    rig r;
    uint64_t rng;
    tk t[MAXT + 1]; /* by seq */
    int n;
    ctr c[2];
    uint64_t step;
    fq_time pause_at, resume_at;
    bool paused_done, resumed_done;
} day;

static double uniform(day *d)
{
    d->rng ^= d->rng << 13;
    d->rng ^= d->rng >> 7;
    d->rng ^= d->rng << 17;
    return (double)(d->rng >> 11) / 9007199254740992.0;
}

static void call(day *d, int c, fq_time now)
{
    fq_command cmd = fq_command_init(FQ_CMD_NEXT);
    cmd.counter = c;
    rig_do(&d->r, &cmd, now);
    d->c[c].busy = false;
    for (size_t i = 0; i < d->r.buf.n; i++) {
        const fq_event *ev = &d->r.buf.v[i];
        if (ev->type != FQ_EV_CALLED)
            continue;
        tk *t = &d->t[ev->ticket];
        t->called = now;
        t->call_step = ++d->step;
        d->c[c] = (ctr){true, false, ev->ticket, now + WALK_MS, 0};
        d->c[c].end_at = t->no_show ? now + NO_SHOW_MS : now + WALK_MS + t->service_ms;
        d->c[c].started = t->no_show; /* a no-show never starts */
    }
}

static bool counter_open(day *d, int c)
{
    return fq_engine_counter_state(d->r.e, c) == FQ_C_OPEN;
}

/* Records the day under `policy`. */
static void record(day *d, fq_policy policy, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    rig_open(&d->r, policy);
    d->rng = seed;
    rig_day(&d->r, DAY1, T0 - SEC(3600));
    rig_counter(&d->r, FQ_CMD_OPEN, 0, T0);
    rig_counter(&d->r, FQ_CMD_OPEN, 1, T0);
    d->pause_at = T0 + SEC(3600) + 123;
    d->resume_at = T0 + SEC(4800) + 457;
    fq_time next_arrival = T0 + (fq_time)(-log(1.0 - uniform(d)) * 90000.0);
    fq_time stop = T0 + SEC(3 * 3600);
    for (;;) {
        /* the earliest of: arrival, a counter's start or end, a cancel, pause, resume */
        fq_time now = INT64_MAX;
        int what = -1, which = -1;
        if (next_arrival < stop && d->n < MAXT) {
            now = next_arrival;
            what = 0;
        }
        for (int c = 0; c < 2; c++) {
            if (!d->c[c].busy)
                continue;
            fq_time at = d->c[c].started ? d->c[c].end_at : d->c[c].start_at;
            if (at < now) {
                now = at;
                what = 1;
                which = c;
            }
        }
        for (int s = 1; s <= d->n; s++) {
            tk *t = &d->t[s];
            if (t->cancel_at && !t->called && !t->cancelled && t->cancel_at < now) {
                now = t->cancel_at;
                what = 2;
                which = s;
            }
        }
        if (!d->paused_done && d->pause_at < now) {
            now = d->pause_at;
            what = 3;
        }
        if (d->paused_done && !d->resumed_done && d->resume_at < now) {
            now = d->resume_at;
            what = 4;
        }
        if (what < 0)
            break;
        if (what == 0) {
            tk *t = &d->t[++d->n];
            double u = uniform(d);
            t->klass = u < 0.1 ? VIP : u < 0.3 ? PRI : REG;
            t->service = uniform(d) < 0.7 ? SVC_A : SVC_B;
            t->issued = now;
            t->service_ms = 1000 + (fq_time)(-log(1.0 - uniform(d)) * 150000.0);
            t->no_show = uniform(d) < 0.1;
            if (uniform(d) < 0.05)
                t->cancel_at = now + SEC(600) + (fq_time)(uniform(d) * 1200000.0);
            t->estimate_s = fq_engine_estimate_new(d->r.e, t->klass, t->service, now);
            uint64_t seq = rig_issue(&d->r, t->klass, t->service, FQ_NONE, t->estimate_s, now);
            assert_int_equal(seq, (uint64_t)d->n);
            next_arrival = now + 1 + (fq_time)(-log(1.0 - uniform(d)) * 90000.0);
        } else if (what == 1) {
            ctr *k = &d->c[which];
            if (!k->started) {
                rig_counter(&d->r, FQ_CMD_START, which, now);
                k->started = true;
                continue;
            }
            if (d->t[k->seq].no_show)
                rig_counter(&d->r, FQ_CMD_NO_SHOW, which, now);
            if (counter_open(d, which)) {
                call(d, which, now); /* completes the current ticket, if any */
                continue;
            }
            if (!d->t[k->seq].no_show)
                rig_counter(&d->r, FQ_CMD_COMPLETE, which, now);
            k->busy = false;
            continue;
        } else if (what == 2) {
            fq_command cmd = fq_command_init(FQ_CMD_CANCEL);
            cmd.ticket = (uint64_t)which;
            rig_do(&d->r, &cmd, now);
            d->t[which].cancelled = true;
            d->t[which].end_step = ++d->step;
        } else if (what == 3) {
            rig_counter(&d->r, FQ_CMD_PAUSE, 1, now);
            d->paused_done = true;
        } else {
            rig_counter(&d->r, FQ_CMD_OPEN, 1, now);
            d->resumed_done = true;
        }
        for (int c = 0; c < 2; c++)
            if (!d->c[c].busy && counter_open(d, c))
                call(d, c, now);
    }
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static double nearest_rank(const int64_t *v, int n, double p)
{
    int r = (int)ceil(p / 100.0 * n);
    return (double)v[(r < 1 ? 1 : r) - 1] / 1000.0;
}

/* The audit against the day's own bookkeeping, class by class. */
static void check_audit(day *d, const fq_audit *a)
{
    const fq_sched_cfg *cfg = &d->r.cfg.sched;
    assert_int_equal(fq_audit_n_tickets(a), (size_t)d->n);
    int total_served = 0;
    for (int k = 0; k < 3; k++) {
        int64_t w[MAXT];
        int n = 0, no_show = 0, cancelled = 0, over = 0, breaches = 0, tickets = 0;
        double err = 0, overtaken = 0;
        for (int i = 1; i <= d->n; i++) {
            tk *t = &d->t[i];
            if (t->klass != k)
                continue;
            tickets++;
            no_show += t->no_show && t->called;
            cancelled += t->cancelled;
            /* naive overtaken: every later ticket of the service called first */
            uint64_t end = t->called ? t->call_step : t->end_step;
            for (int j = i + 1; j <= d->n; j++)
                overtaken += d->t[j].service == t->service && d->t[j].called &&
                             d->t[j].call_step < end;
            int64_t waited = t->called ? t->called - t->issued : t->cancel_at - t->issued;
            bool served = t->called && !t->no_show;
            if (cfg->classes[k].starvation_limit_s > 0 && (served || !t->called) &&
                waited >= cfg->classes[k].starvation_limit_s * 1000)
                breaches++;
            if (!served)
                continue;
            w[n++] = waited;
            over += waited > cfg->classes[k].target_wait_s * 1000;
            err += fabs((double)t->estimate_s * 1000.0 - (double)waited) / 1000.0;
        }
        const fq_audit_stats *s = fq_audit_class_stats(a, k);
        assert_int_equal(s->tickets, tickets);
        assert_int_equal(s->served, n);
        assert_int_equal(s->no_show, no_show);
        assert_int_equal(s->cancelled, cancelled);
        assert_int_equal(s->starvation_breaches, breaches);
        assert_int_equal(s->open + s->closed, 0);
        assert_true(fabs(s->overtaken_mean - overtaken / tickets) < 1e-9);
        total_served += n;
        if (!n)
            continue;
        qsort(w, (size_t)n, sizeof *w, cmp_i64);
        double sum = 0;
        for (int i = 0; i < n; i++)
            sum += (double)w[i];
        assert_true(fabs(s->wait_mean_s - sum / n / 1000.0) < 1e-6);
        assert_true(fabs(s->wait_p50_s - nearest_rank(w, n, 50)) < 1e-9);
        assert_true(fabs(s->wait_p90_s - nearest_rank(w, n, 90)) < 1e-9);
        assert_true(fabs(s->wait_p95_s - nearest_rank(w, n, 95)) < 1e-9);
        assert_true(fabs(s->wait_max_s - (double)w[n - 1] / 1000.0) < 1e-9);
        assert_true(fabs(s->over_target_pct - 100.0 * over / n) < 1e-9);
        assert_true(fabs(s->estimate_error_mean_s - err / n) < 1e-6);
    }
    assert_true(total_served > 60); /* the day is not trivially small */
}

static void test_audit_matches_the_day(void **state)
{
    (void)state;
    static day d;
    record(&d, FQ_POLICY_ACCUMULATING, 0x9e3779b97f4a7c15ull);
    fq_audit *a = rig_audit(&d.r, 0, 0);
    check_audit(&d, a);
    /* somebody was overtaken: the check above is not vacuous */
    assert_true(fq_audit_class_stats(a, REG)->overtaken_mean > 0.0);
    fq_audit_free(a);
    rig_close(&d.r);
}

/* Replaying a day under the policy it was recorded with gives back exactly
 * the recorded waits, class by class. */
static void replay_reproduces(fq_policy policy, uint64_t seed)
{
    static day d;
    record(&d, policy, seed);
    fq_audit *a = rig_audit(&d.r, DAY1, DAY1);
    fq_replay_result rr;
    char err[256];
    fq_status st = fq_replay_run(a, DAY1, policy, &rr, err, sizeof err);
    if (st)
        fail_msg("replay: %s", err);
    assert_int_equal(rr.n_classes, 3);
    assert_int_equal(rr.regular, REG);
    for (int k = 0; k < 3; k++) {
        const fq_audit_stats *s = fq_audit_day_stats(a, 0, k);
        const fq_replay_class *c = &rr.classes[k];
        assert_string_equal(c->id, d.r.cfg.sched.classes[k].id);
        assert_int_equal(c->served, s->served);
        assert_true(fabs(c->wait_mean_s - s->wait_mean_s) < 1e-9);
        assert_true(fabs(c->recorded_wait_mean_s - s->wait_mean_s) < 1e-9);
        assert_true(fabs(c->wait_p95_s - s->wait_p95_s) < 1e-9);
        assert_true(fabs(c->wait_max_s - s->wait_max_s) < 1e-9);
    }
    if (policy == FQ_POLICY_FIFO)
        assert_true(fabs(rr.cost_of_priority_s) < 1e-9);
    else /* priority made the regulars of this busy day wait longer */
        assert_true(rr.cost_of_priority_s > 1.0);

    /* The cost of priority is the recorded regular mean minus the fifo
     * replay's; a strict replay serves vip no later on average than fifo. */
    fq_replay_result fifo, strict;
    assert_int_equal(fq_replay_run(a, DAY1, FQ_POLICY_FIFO, &fifo, err, sizeof err), FQ_OK);
    assert_int_equal(fq_replay_run(a, DAY1, FQ_POLICY_STRICT, &strict, err, sizeof err), FQ_OK);
    double recorded = fq_audit_day_stats(a, 0, REG)->wait_mean_s;
    assert_true(fabs(rr.cost_of_priority_s - (recorded - fifo.classes[REG].wait_mean_s)) < 1e-9);
    assert_true(fabs(strict.cost_of_priority_s - rr.cost_of_priority_s) < 1e-9);
    assert_true(strict.classes[VIP].wait_mean_s <= fifo.classes[VIP].wait_mean_s);
    uint64_t all = 0;
    for (int k = 0; k < 3; k++)
        all += fifo.classes[k].served;
    assert_int_equal(all, fq_audit_class_stats(a, 0)->served + fq_audit_class_stats(a, 1)->served +
                              fq_audit_class_stats(a, 2)->served);

    fq_audit_buf b = {0};
    assert_int_equal(fq_replay_write(&rr, FQ_AUDIT_JSON, &b), FQ_OK);
    char want[96];
    snprintf(want, sizeof want, "{\"day\":\"2026-11-23\",\"policy\":\"%s\",\"classes\":[{\"id\":\"vip\",",
             fq_policy_name(policy));
    assert_int_equal(strncmp(b.data, want, strlen(want)), 0);
    assert_non_null(strstr(b.data, "],\"cost_of_priority_s\":"));
    fq_audit_buf_free(&b);
    assert_int_equal(fq_replay_run(a, DAY2, policy, &rr, err, sizeof err), FQ_ENOTFOUND);
    fq_audit_free(a);
    rig_close(&d.r);
}

static void test_replay_fifo(void **state)
{
    (void)state;
    replay_reproduces(FQ_POLICY_FIFO, 12345);
}

static void test_replay_accumulating(void **state)
{
    (void)state;
    replay_reproduces(FQ_POLICY_ACCUMULATING, 777);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_matches_the_day),
        cmocka_unit_test(test_replay_fifo),
        cmocka_unit_test(test_replay_accumulating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
