/* test_sim.c — the simulator's behaviour beyond the theory cases:
 * starvation limits, weighted call ratios, determinism, common random
 * numbers, no-shows, warm-up, counters from the list, bad input; and its
 * building blocks (random numbers, sorting, percentiles, t quantiles). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairq/config.h"
#include "fairq/sim.h"
#include "sim/rng.h"
#include "sim/stats.h"

enum { VIP = 0, PRIO = 1, REG = 2, NK = 3 };
#define MEAN_S 300.0

/* Default classes (vip 3, priority 2, regular 1), no limits, service A
 * exponential 300 s, `counters` counters, per-class arrival rates per hour. */
static fq_config *branch(fq_policy policy, int counters, const double rate_h[NK], double hours,
                         double warmup)
{
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg);
    cfg->sched.policy = policy;
    for (int k = 0; k < cfg->sched.n_classes; k++) {
        cfg->sched.classes[k].starvation_limit_s = 0;
        cfg->sched.classes[k].head_start_s = 0;
    }
    cfg->sim.hours = hours;
    cfg->sim.warmup_hours = warmup;
    cfg->sim.counters = counters;
    cfg->sim.no_show_probability = 0.0;
    cfg->sim.n_arrivals = 0;
    for (int k = 0; k < NK; k++) {
        if (rate_h[k] <= 0.0)
            continue;
        fq_sim_arrival *a = &cfg->sim.arrivals[cfg->sim.n_arrivals++];
        a->klass = k;
        a->service = 0;
        a->rate_per_hour = rate_h[k];
    }
    for (int s = 0; s < cfg->sched.n_services; s++) {
        cfg->sim.service_time[s].set = true;
        cfg->sim.service_time[s].distribution = FQ_DIST_EXPONENTIAL;
        cfg->sim.service_time[s].mean_s = MEAN_S;
        cfg->sim.service_time[s].cv = 1.0;
    }
    return cfg;
}

static void run(const fq_config *cfg, int policy, uint64_t seed, int reps, fq_sim_result *res)
{
    fq_sim_opts o;
    fq_sim_opts_init(&o);
    o.policy = policy;
    o.seed = seed;
    o.replications = reps;
    char err[256] = "";
    fq_status st = fq_sim_run(cfg, &o, res, err, sizeof err);
    if (st != FQ_OK)
        fail_msg("fq_sim_run: %s (%s)", err, fq_strerror(st));
}

/* The JSON output as a string (caller frees). */
static char *json_of(const fq_sim_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fq_sim_write_json(f, r), FQ_OK);
    fclose(f);
    return buf;
}

/* --- scheduling behaviour ---------------------------------------------------- */

/* strict at rho 0.95, half vip, half regular. Without a limit regular waits
 * hours. With L = 1200 s on regular, an overdue regular ticket goes before
 * every vip, so past L it only waits for a counter to free up and for the
 * overdue regulars ahead of it: a queue of regulars alone (load 0.475 on 4
 * counters), whose waits are a fraction of a service time on average and a
 * few service times at the very worst over ~90,000 tickets. So: p95 within
 * L + 2 S, max within L + 8 S, and the unlimited max more than 3 times that.
 * The limit moves waiting to vip, it does not remove it (SPEC 3): vip's mean
 * wait must grow. */
static void test_starvation_limit_caps_strict(void **state)
{
    (void)state;
    const double rate[NK] = {22.8, 0.0, 22.8}; /* 45.6/h * 300 s / 4 = 0.95 */
    fq_config *cfg = branch(FQ_POLICY_STRICT, 4, rate, 1000.0, 20.0);
    fq_sim_result free_run, limited;
    run(cfg, FQ_NONE, 5, 4, &free_run);
    cfg->sched.classes[REG].starvation_limit_s = 1200;
    run(cfg, FQ_NONE, 5, 4, &limited);
    const fq_sim_class_result *r0 = &free_run.classes[REG], *r1 = &limited.classes[REG];
    printf("# regular without limit: mean %.0f s, p95 %.0f s, max %.0f s\n", r0->wait_mean_s,
           r0->wait_p95_s, r0->wait_max_s);
    printf("# regular with L=1200 s: mean %.0f s, p95 %.0f s, max %.0f s, breaches %llu of %llu\n",
           r1->wait_mean_s, r1->wait_p95_s, r1->wait_max_s,
           (unsigned long long)r1->starvation_breaches, (unsigned long long)r1->served);
    printf("# vip mean wait: %.1f s without, %.1f s with the limit\n",
           free_run.classes[VIP].wait_mean_s, limited.classes[VIP].wait_mean_s);
    assert_true(r1->wait_p95_s <= 1200.0 + 2 * MEAN_S);
    assert_true(r1->wait_max_s <= 1200.0 + 8 * MEAN_S);
    assert_true(r0->wait_max_s > 3.0 * (1200.0 + 8 * MEAN_S));
    assert_true(r1->starvation_breaches > 0);
    assert_int_equal(r0->starvation_breaches, 0); /* no limit, nothing to breach */
    assert_true(limited.classes[VIP].wait_mean_s > free_run.classes[VIP].wait_mean_s);
    /* Same customers, work-conserving either way: the counters did the same work. */
    assert_true(fabs(limited.utilization - free_run.utilization) < 0.005);
    fq_sim_result_free(&free_run);
    fq_sim_result_free(&limited);
    free(cfg);
}

/* weighted with every class backlogged (each alone would overload the
 * counters): calls come 3:2:1 as the weights say. With no warm-up every
 * ticket counts, and FIFO inside a class means `served` is the number of
 * calls the class got. */
static void test_weighted_ratio_when_backlogged(void **state)
{
    (void)state;
    const double rate[NK] = {60.0, 60.0, 60.0}; /* 4 counters serve 48/h */
    fq_config *cfg = branch(FQ_POLICY_WEIGHTED, 4, rate, 100.0, 0.0);
    fq_sim_result r;
    run(cfg, FQ_NONE, 3, 2, &r);
    double v = (double)r.classes[VIP].served, p = (double)r.classes[PRIO].served,
           g = (double)r.classes[REG].served;
    printf("# weighted calls vip:priority:regular = %.0f:%.0f:%.0f = %.3f:%.3f:1\n", v, p, g,
           v / g, p / g);
    assert_true(g > 1000);
    assert_true(fabs(v / g - 3.0) < 0.03 * 3.0);
    assert_true(fabs(p / g - 2.0) < 0.03 * 2.0);
    assert_true(r.classes[REG].unserved > 0); /* really backlogged */
    assert_true(r.utilization > 0.999);
    fq_sim_result_free(&r);

    /* The same load under strict: regular gets (almost) nothing. */
    run(cfg, FQ_POLICY_STRICT, 3, 2, &r);
    assert_true(r.classes[REG].served < r.classes[VIP].served / 100);
    fq_sim_result_free(&r);
    free(cfg);
}

/* --- determinism and common random numbers ------------------------------------- */

static void test_same_seed_same_output(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg); /* the default branch, limits and all */
    fq_sim_result a, b, c;
    run(cfg, FQ_NONE, 42, 3, &a);
    run(cfg, FQ_NONE, 42, 3, &b);
    run(cfg, FQ_NONE, 43, 3, &c);
    char *ja = json_of(&a), *jb = json_of(&b), *jc = json_of(&c);
    assert_string_equal(ja, jb);
    assert_true(strcmp(ja, jc) != 0);
    assert_memory_equal(a.rep_wait_mean, b.rep_wait_mean,
                        (size_t)a.replications * (size_t)a.n_classes * sizeof(double));
    assert_true(a.tickets == b.tickets && a.tickets != c.tickets);
    /* Replications differ from each other (independent streams). */
    assert_true(a.rep_utilization[0] != a.rep_utilization[1]);
    free(ja);
    free(jb);
    free(jc);
    fq_sim_result_free(&a);
    fq_sim_result_free(&b);
    fq_sim_result_free(&c);
    free(cfg);
}

/* The same seed under another policy sees the same customers: the tickets
 * issued in the measured window are the same, whoever is called first. */
static void test_policies_see_the_same_customers(void **state)
{
    (void)state;
    const double rate[NK] = {5.0, 8.0, 30.0};
    fq_config *cfg = branch(FQ_POLICY_FIFO, 4, rate, 50.0, 2.0);
    uint64_t counted[4];
    for (int p = 0; p < 4; p++) {
        fq_sim_result r;
        run(cfg, p, 8, 2, &r);
        counted[p] = 0;
        for (int k = 0; k < NK; k++)
            counted[p] += r.classes[k].served + r.classes[k].no_show + r.classes[k].unserved;
        fq_sim_result_free(&r);
    }
    for (int p = 1; p < 4; p++)
        assert_int_equal(counted[p], counted[0]);
    free(cfg);
}

/* --- no-shows, warm-up, counters --------------------------------------------- */

static void test_no_shows(void **state)
{
    (void)state;
    const double rate[NK] = {0.0, 0.0, 30.0};
    fq_config *cfg = branch(FQ_POLICY_FIFO, 4, rate, 500.0, 1.0);
    cfg->sim.no_show_probability = 0.2;
    fq_sim_result r;
    run(cfg, FQ_NONE, 4, 2, &r);
    double ns = (double)r.classes[REG].no_show;
    double share = ns / (ns + (double)r.classes[REG].served);
    printf("# no-show share %.4f (p = 0.2)\n", share);
    assert_true(fabs(share - 0.2) < 0.01);
    /* Busy time: shows take 300 s, no-shows the fixed delay. */
    double expect = 30.0 / 3600.0 * (0.8 * MEAN_S + 0.2 * FQ_SIM_NO_SHOW_DELAY_S) / 4.0;
    printf("# utilization %.4f, expected %.4f\n", r.utilization, expect);
    assert_true(fabs(r.utilization - expect) < 0.01);
    fq_sim_result_free(&r);
    free(cfg);
}

static void test_warmup_not_counted(void **state)
{
    (void)state;
    const double rate[NK] = {0.0, 0.0, 20.0};
    fq_config *cfg = branch(FQ_POLICY_FIFO, 2, rate, 110.0, 10.0);
    fq_sim_result r;
    run(cfg, FQ_NONE, 6, 4, &r);
    /* 4 replications x 100 measured hours x 20/h = 8000 expected, Poisson
     * sd ~ 89; counting the warm-up too would give 8800. */
    printf("# served %llu of ~8000 expected\n", (unsigned long long)r.classes[REG].served);
    assert_true(llabs((long long)r.classes[REG].served - 8000) < 400);
    assert_int_equal(r.classes[VIP].served, 0);
    assert_true(isnan(r.rep_wait_mean[VIP]));
    assert_int_equal(r.classes[VIP].wait_mean_reps, 0);
    /* --hours overrides simulation.hours. */
    fq_sim_opts o;
    fq_sim_opts_init(&o);
    o.hours = 60.0;
    o.replications = 4;
    o.seed = 6;
    fq_sim_result h;
    char err[128];
    assert_int_equal(fq_sim_run(cfg, &o, &h, err, sizeof err), FQ_OK);
    assert_true(h.hours == 60.0);
    assert_true(llabs((long long)h.classes[REG].served - 4000) < 300);
    fq_sim_result_free(&h);
    fq_sim_result_free(&r);
    free(cfg);
}

/* simulation.counters = 0: the configured counters with their services. */
static void test_counters_from_list(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg);
    assert_true(cfg->sched.n_services >= 2);
    cfg->sim.counters = 0;
    cfg->sched.n_counters = 2;
    cfg->sched.counters[0].services = 1u << 0; /* A only */
    cfg->sched.counters[1].services = 1u << 1; /* B only */
    cfg->sim.hours = 200.0;
    cfg->sim.warmup_hours = 5.0;
    cfg->sim.n_arrivals = 2;
    cfg->sim.arrivals[0] = (fq_sim_arrival){.klass = REG, .service = 0, .rate_per_hour = 9.0};
    cfg->sim.arrivals[1] = (fq_sim_arrival){.klass = VIP, .service = 1, .rate_per_hour = 3.0};
    for (int s = 0; s < 2; s++)
        cfg->sim.service_time[s] = (fq_sim_service_time){FQ_DIST_EXPONENTIAL, 300.0, 1.0, true};
    for (int k = 0; k < cfg->sched.n_classes; k++)
        cfg->sched.classes[k].starvation_limit_s = 0;
    fq_sim_result r;
    run(cfg, FQ_POLICY_FIFO, 9, 4, &r);
    assert_int_equal(r.n_counters, 2);
    /* Two independent M/M/1 queues: rho 0.75 (A) and 0.25 (B);
     * W = rho / (mu - lambda): 900 s and 100 s. Loose: 4 x 200 h only. */
    printf("# counter A: %.0f s (900), counter B: %.0f s (100)\n", r.classes[REG].wait_mean_s,
           r.classes[VIP].wait_mean_s);
    assert_true(fabs(r.classes[REG].wait_mean_s - 900.0) < 0.15 * 900.0);
    assert_true(fabs(r.classes[VIP].wait_mean_s - 100.0) < 0.15 * 100.0);
    assert_true(fabs(r.utilization - 0.5) < 0.03);
    fq_sim_result_free(&r);

    /* Nobody serves B: refused with a message, not simulated forever. */
    cfg->sched.counters[1].services = 1u << 0;
    fq_sim_opts o;
    fq_sim_opts_init(&o);
    char err[256] = "";
    assert_int_equal(fq_sim_run(cfg, &o, &r, err, sizeof err), FQ_EINVAL);
    assert_non_null(strstr(err, "no counter serves"));
    assert_null(r.rep_wait_mean);
    free(cfg);
}

static void test_bad_options(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg);
    fq_sim_opts o;
    fq_sim_result r;
    char err[256];

    fq_sim_opts_init(&o);
    o.hours = cfg->sim.warmup_hours; /* nothing left to measure */
    assert_int_equal(fq_sim_run(cfg, &o, &r, err, sizeof err), FQ_EINVAL);
    assert_non_null(strstr(err, "warmup"));

    fq_sim_opts_init(&o);
    o.replications = 0;
    assert_int_equal(fq_sim_run(cfg, &o, &r, err, sizeof err), FQ_EINVAL);

    fq_sim_opts_init(&o);
    o.policy = 17;
    assert_int_equal(fq_sim_run(cfg, &o, &r, err, sizeof err), FQ_EINVAL);

    fq_sim_opts_init(&o);
    cfg->sim.counters = FQ_MAX_COUNTERS + 1;
    assert_int_equal(fq_sim_run(cfg, &o, &r, err, sizeof err), FQ_EINVAL);
    free(cfg);
}

/* Writers: the JSON has the SPEC keys in order; the CSV one row per class. */
static void test_writers(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg);
    fq_sim_result r;
    run(cfg, FQ_POLICY_WEIGHTED, 1, 2, &r);
    char *j = json_of(&r);
    const char *head = "{\"policy\": \"weighted\", \"seed\": 1, \"replications\": 2, ";
    assert_true(!strncmp(j, head, strlen(head)));
    const char *keys[] = {"\"hours\": ", "\"utilization\": ", "\"classes\": [{\"id\": \"vip\", ",
                          "\"served\": ", "\"wait_mean_s\": ", "\"wait_mean_ci95_s\": ",
                          "\"wait_p50_s\": ", "\"wait_p90_s\": ", "\"wait_p95_s\": ",
                          "\"wait_max_s\": ", "\"over_target_pct\": ",
                          "\"starvation_breaches\": ", "\"fairness\": {\"jain_index\": "};
    const char *at = j;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *p = strstr(at, keys[i]);
        if (!p)
            fail_msg("key %s missing or out of order in %s", keys[i], j);
        at = p;
    }
    free(j);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(fq_sim_write_csv(f, &r), FQ_OK);
    fclose(f);
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + r.n_classes);
    assert_true(!strncmp(buf, "policy,class,served,wait_mean_s,", 32));
    assert_non_null(strstr(buf, "\nweighted,regular,"));
    free(buf);
    fq_sim_result_free(&r);
    fq_sim_result_free(NULL);
    free(cfg);
}

/* --- building blocks ---------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The radix sort against qsort, on values of every size class. */
static void test_sort_matches_qsort(void **state)
{
    (void)state;
    fq_rng r;
    fq_rng_seed(&r, 7);
    for (int round = 0; round < 40; round++) {
        size_t n = (size_t)(fq_rng_next(&r) % 5000);
        unsigned bits = (unsigned)(round % 4 + 1) * 8;
        uint32_t *v = malloc((n + 1) * sizeof *v), *w = malloc((n + 1) * sizeof *w),
                 *tmp = malloc((n + 1) * sizeof *tmp);
        assert_true(v && w && tmp);
        for (size_t i = 0; i < n; i++)
            v[i] = w[i] = (uint32_t)(fq_rng_next(&r) >> (64 - bits));
        fq_stats_sort_u32(v, tmp, n);
        qsort(w, n, sizeof *w, cmp_u32);
        assert_memory_equal(v, w, n * sizeof *v);
        free(v);
        free(w);
        free(tmp);
    }
}

static void test_percentiles_and_t(void **state)
{
    (void)state;
    const uint32_t v[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(fq_stats_percentile(v, 10, 50.0), 5); /* nearest rank: ceil(5) */
    assert_int_equal(fq_stats_percentile(v, 10, 90.0), 9);
    assert_int_equal(fq_stats_percentile(v, 10, 95.0), 10);
    assert_int_equal(fq_stats_percentile(v, 10, 100.0), 10);
    assert_int_equal(fq_stats_percentile(v, 10, 1.0), 1);
    assert_int_equal(fq_stats_percentile(v, 1, 50.0), 1);
    assert_int_equal(fq_stats_percentile(v, 0, 50.0), 0);
    assert_true(fabs(fq_stats_t975(1) - 12.706) < 1e-9);
    assert_true(fabs(fq_stats_t975(9) - 2.262) < 1e-9);
    assert_true(fabs(fq_stats_t975(60) - 2.000) < 0.002);
    assert_true(fabs(fq_stats_t975(120) - 1.980) < 0.002);
    assert_true(fabs(fq_stats_t975(100000) - 1.960) < 0.001);
    double m, h;
    const double x[4] = {1.0, 2.0, 3.0, 4.0};
    fq_stats_mean_ci95(x, 4, &m, &h);
    assert_true(fabs(m - 2.5) < 1e-12);
    assert_true(fabs(h - 3.182 * sqrt(5.0 / 3.0) / 2.0) < 1e-9);
    fq_stats_mean_ci95(x, 1, &m, &h);
    assert_true(m == 1.0 && h == 0.0);
    const double eq[3] = {2.0, 2.0, 2.0}, one[3] = {1.0, 0.0, 0.0};
    assert_true(fabs(fq_stats_jain(eq, 3) - 1.0) < 1e-12);
    assert_true(fabs(fq_stats_jain(one, 3) - 1.0 / 3.0) < 1e-12);
    assert_true(fq_stats_jain(one, 0) == 1.0);
}

static void test_rng(void **state)
{
    (void)state;
    fq_rng a, b;
    fq_rng_seed(&a, 1);
    fq_rng_seed(&b, 1);
    for (int i = 0; i < 100; i++)
        assert_true(fq_rng_next(&a) == fq_rng_next(&b));
    fq_rng_seed(&b, 2);
    assert_true(fq_rng_next(&a) != fq_rng_next(&b));
    /* A jumped copy is another stream. */
    fq_rng_seed(&a, 1);
    b = a;
    fq_rng_jump(&b);
    assert_memory_not_equal(&a, &b, sizeof a);
    fq_rng c = a;
    fq_rng_long_jump(&c);
    assert_memory_not_equal(&b, &c, sizeof b);
    /* Distributions: sample means and cv within a few standard errors. */
    const int n = 400000;
    double se = 0.0, le = 0.0, le2 = 0.0, u = 0.0;
    for (int i = 0; i < n; i++) {
        se += fq_rng_exponential(&a, 300.0);
        double l = fq_rng_lognormal(&a, 300.0, 0.5);
        le += l;
        le2 += l * l;
        u += fq_rng_uniform(&a);
    }
    se /= n;
    le /= n;
    double lcv = sqrt(le2 / n - le * le) / le;
    printf("# exponential mean %.2f, lognormal mean %.2f cv %.4f, uniform mean %.5f\n", se, le,
           lcv, u / n);
    assert_true(fabs(se - 300.0) < 4 * 300.0 / sqrt(n));
    assert_true(fabs(le - 300.0) < 4 * 150.0 / sqrt(n));
    assert_true(fabs(lcv - 0.5) < 0.01);
    assert_true(fabs(u / n - 0.5) < 4 * 0.29 / sqrt(n));
    for (int i = 0; i < 1000; i++) {
        double x = fq_rng_uniform_pos(&a);
        assert_true(x > 0.0 && x <= 1.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starvation_limit_caps_strict),
        cmocka_unit_test(test_weighted_ratio_when_backlogged),
        cmocka_unit_test(test_same_seed_same_output),
        cmocka_unit_test(test_policies_see_the_same_customers),
        cmocka_unit_test(test_no_shows),
        cmocka_unit_test(test_warmup_not_counted),
        cmocka_unit_test(test_counters_from_list),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_sort_matches_qsort),
        cmocka_unit_test(test_percentiles_and_t),
        cmocka_unit_test(test_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
