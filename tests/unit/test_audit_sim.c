/* test_audit_sim.c — the audit of a simulated day agrees with the
 * simulator's own statistics for the same run.
 *
 * `fairq simulate` drives the real engine; its on_events hook hands every
 * event to a real event log, which the audit then reads back. For every
 * ticket the simulator counted (issued inside its measured window), the
 * audit must find the same number served and no-shows, the same mean and
 * the same longest wait: two independent computations of one run. */
#include "test_audit_fixture.h"

#include <math.h>

#include "fairq/sim.h"

typedef struct sink {
    rig *r;
    fq_time t0;       /* the simulated day's first event */
    fq_status st;
} sink;

static void to_log(int replication, const fq_event *evs, size_t n, void *ctx)
{
    sink *k = ctx;
    (void)replication;
    if (!k->t0)
        k->t0 = evs[0].at;
    if (!k->st)
        k->st = fq_store_append(k->r->s, &k->r->cfg.sched, evs, n);
}

static void test_audit_matches_simulator(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    r.cfg.sim.counters = 0;       /* the configured counters, so ids map 1:1 */
    r.cfg.sim.warmup_hours = 0.0; /* every ticket of the window is counted */
    r.cfg.sim.hours = 24.0;
    r.cfg.sim.no_show_probability = 0.05;

    sink k = {&r, 0, FQ_OK};
    fq_sim_opts o;
    fq_sim_opts_init(&o);
    o.replications = 1;
    o.seed = 7;
    o.on_events = to_log;
    o.events_ctx = &k;
    fq_sim_result res;
    char err[256];
    if (fq_sim_run(&r.cfg, &o, &res, err, sizeof err))
        fail_msg("simulate: %s", err);
    assert_int_equal(k.st, FQ_OK);

    fq_audit *a = rig_audit(&r, 0, 0);
    fq_time window_end = k.t0 + (fq_time)(24.0 * 3.6e6);
    uint64_t total_served = 0;
    for (int c = 0; c < r.cfg.sched.n_classes; c++) {
        uint64_t served = 0, no_show = 0;
        double sum = 0.0, max = 0.0;
        for (size_t i = 0; i < fq_audit_n_tickets(a); i++) {
            const fq_audit_ticket *t = fq_audit_ticket_at(a, i);
            if (t->klass != c || t->issued_at >= window_end)
                continue;
            if (t->first_no_show)
                no_show++;
            if (!fq_audit_ticket_served(t))
                continue;
            double w = (double)(t->called_at - t->issued_at) / 1000.0;
            served++;
            sum += w;
            if (w > max)
                max = w;
        }
        const fq_sim_class_result *s = &res.classes[c];
        assert_string_equal(s->id, r.cfg.sched.classes[c].id);
        assert_int_equal(served, s->served);
        assert_int_equal(no_show, s->no_show);
        if (served) {
            assert_true(fabs(sum / (double)served - s->wait_mean_s) < 1e-3);
            assert_true(fabs(max - s->wait_max_s) < 1e-3);
        }
        total_served += served;
    }
    printf("# %llu tickets served in the window\n", (unsigned long long)total_served);
    assert_true(total_served > 700); /* a real day, not an empty one */
    /* The audit's own class figures cover the window and the drain after it. */
    for (int c = 0; c < r.cfg.sched.n_classes; c++)
        assert_true(fq_audit_class_stats(a, c)->served >= res.classes[c].served);

    fq_audit_free(a);
    fq_sim_result_free(&res);
    rig_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_matches_simulator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
