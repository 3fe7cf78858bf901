/* test_sim_theory.c — the simulator, driving the real engine, against
 * queueing theory.
 *
 * Each case builds a branch in code (fq_config_defaults, then adjusted),
 * runs fq_sim_run and compares the simulated mean wait per class with the
 * exact result for that discipline under Poisson arrivals and exponential
 * service with c identical counters and one service time for everyone:
 *
 *   fifo          Erlang C (Erlang 1917)
 *   strict        Cobham 1954, non-preemptive priority M/M/c, equal rates
 *   accumulating  Kleinrock 1964, delay-dependent priority, b_k = weight_k
 *
 * plus the conservation law (sum rho_k W_k is the same under every
 * work-conserving policy) and two M/G/1 checks of the service-time
 * distributions (Pollaczek-Khinchine).
 *
 * "Agrees" means |sim - theory| <= max(ci95, TOL_REL * theory), where ci95 is
 * the simulation's own 95% half-width across replications. TOL_REL = 2%
 * covers what the CI does not: the fixed seed makes each case one draw that
 * is outside its 95% CI with 5% probability (with about 20 comparisons one
 * such draw is expected somewhere), and the residual bias of starting empty
 * (the warm-up of 20 h is more than 10 relaxation times of these queues;
 * millisecond rounding is below 1e-5 relative). Every case also asserts
 * that its CI is tighter than 4% of the theory, so the check has teeth: a
 * scheduler that got a class's order wrong moves its mean by far more.
 *
 * Starvation limits are 0 in the theory cases: a limit changes the
 * discipline, and the formulas are for the pure policies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairq/config.h"
#include "fairq/sim.h"

#define TOL_REL 0.02
#define CI_MAX_REL 0.04
#define MEAN_S 300.0 /* mean service time */
#define COUNTERS 4

/* The default classes are vip (weight 3), priority (2), regular (1). */
enum { VIP = 0, PRIO = 1, REG = 2, NK = 3 };

static fq_config *branch(fq_policy policy, int counters, double rho, const double share[NK],
                         double hours)
{
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    fq_config_defaults(cfg);
    assert_int_equal(cfg->sched.n_classes, NK);
    cfg->sched.policy = policy;
    for (int k = 0; k < NK; k++) {
        cfg->sched.classes[k].starvation_limit_s = 0;
        cfg->sched.classes[k].head_start_s = 0;
    }
    cfg->sim.hours = hours;
    cfg->sim.warmup_hours = 20.0;
    cfg->sim.counters = counters;
    cfg->sim.no_show_probability = 0.0;
    double lambda_h = rho * counters * 3600.0 / MEAN_S; /* total arrivals per hour */
    cfg->sim.n_arrivals = 0;
    for (int k = 0; k < NK; k++) {
        if (share[k] <= 0.0)
            continue;
        fq_sim_arrival *a = &cfg->sim.arrivals[cfg->sim.n_arrivals++];
        a->klass = k;
        a->service = 0;
        a->rate_per_hour = lambda_h * share[k];
    }
    for (int s = 0; s < cfg->sched.n_services; s++) {
        cfg->sim.service_time[s].set = true;
        cfg->sim.service_time[s].distribution = FQ_DIST_EXPONENTIAL;
        cfg->sim.service_time[s].mean_s = MEAN_S;
        cfg->sim.service_time[s].cv = 1.0;
    }
    return cfg;
}

static void run(const fq_config *cfg, uint64_t seed, int reps, fq_sim_result *res)
{
    fq_sim_opts o;
    fq_sim_opts_init(&o);
    o.seed = seed;
    o.replications = reps;
    char err[256] = "";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fq_status st = fq_sim_run(cfg, &o, res, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != FQ_OK)
        fail_msg("fq_sim_run: %s (%s)", err, fq_strerror(st));
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# %s: %llu tickets in %.2f s (%.0f tickets/s)\n", fq_policy_name(res->policy),
           (unsigned long long)res->tickets, secs, (double)res->tickets / secs);
}

/* --- theory ---------------------------------------------------------------- */

/* Erlang C: probability of waiting in M/M/c with offered load a = lambda/mu. */
static double erlang_c(int c, double a)
{
    double term = 1.0, sum = 1.0; /* a^k / k!, k = 0 */
    for (int k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / c * c / (c - a); /* a^c / c! * c / (c - a) */
    return last / (sum + last);
}

static double w_fifo(int c, double lambda, double mu)
{
    return erlang_c(c, lambda / mu) / (c * mu - lambda);
}

/* Cobham: classes in priority order order[0] (highest) ... */
static void w_cobham(int c, const double lambda[NK], double mu, const int order[NK], double w[NK])
{
    double lam = 0.0;
    for (int k = 0; k < NK; k++)
        lam += lambda[k];
    double w0 = erlang_c(c, lam / mu) / (c * mu);
    double sigma_prev = 0.0;
    for (int i = 0; i < NK; i++) {
        int k = order[i];
        double sigma = sigma_prev + lambda[k] / (c * mu);
        w[k] = w0 / ((1.0 - sigma_prev) * (1.0 - sigma));
        sigma_prev = sigma;
    }
}

/* Kleinrock: classes ordered by rate b ascending (asc[0] lowest). */
static void w_kleinrock(int c, const double lambda[NK], double mu, const double b[NK],
                        const int asc[NK], double w[NK])
{
    double lam = 0.0, rho[NK];
    for (int k = 0; k < NK; k++) {
        lam += lambda[k];
        rho[k] = lambda[k] / (c * mu);
    }
    double wf = w_fifo(c, lam, mu);
    for (int p = 0; p < NK; p++) {
        int kp = asc[p];
        double num = wf, den = 1.0;
        for (int i = 0; i < p; i++)
            num -= rho[asc[i]] * w[asc[i]] * (1.0 - b[asc[i]] / b[kp]);
        for (int i = p + 1; i < NK; i++)
            den -= rho[asc[i]] * (1.0 - b[kp] / b[asc[i]]);
        w[kp] = num / den;
    }
}

static void agree(const char *what, double sim, double ci, double theory)
{
    double tol = fmax(ci, TOL_REL * theory);
    printf("# %-28s theory %8.2f s  sim %8.2f +/- %6.2f s  (diff %+.2f%%)\n", what, theory, sim,
           ci, 100.0 * (sim - theory) / theory);
    if (ci > CI_MAX_REL * theory)
        fail_msg("%s: CI %.2f too wide for a meaningful check (theory %.2f)", what, ci, theory);
    if (fabs(sim - theory) > tol)
        fail_msg("%s: sim %.2f +/- %.2f vs theory %.2f", what, sim, ci, theory);
}

/* rho 0.8 on 4 counters; vip 20%, priority 30%, regular 50% of arrivals. */
static const double SHARE[NK] = {0.2, 0.3, 0.5};
#define RHO 0.8
#define HOURS 8000.0
#define REPS 10

static void lambdas(double lambda[NK], double *mu)
{
    double lam = RHO * COUNTERS / MEAN_S; /* per second */
    for (int k = 0; k < NK; k++)
        lambda[k] = lam * SHARE[k];
    *mu = 1.0 / MEAN_S;
}

/* Sum over classes of rho_k * W_k in each replication: the conserved quantity. */
static void conserved(const fq_sim_result *r, const double lambda[NK], double mu, double x[REPS])
{
    assert_int_equal(r->replications, REPS);
    for (int i = 0; i < REPS; i++) {
        x[i] = 0.0;
        for (int k = 0; k < NK; k++)
            x[i] += lambda[k] / (COUNTERS * mu) * r->rep_wait_mean[i * r->n_classes + k];
    }
}

static void mean_ci(const double x[REPS], double *mean, double *ci)
{
    double m = 0.0, ss = 0.0;
    for (int i = 0; i < REPS; i++)
        m += x[i] / REPS;
    for (int i = 0; i < REPS; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *ci = 2.262 * sqrt(ss / (REPS - 1)) / sqrt((double)REPS); /* t_{0.975, 9} */
}

static void test_fifo_erlang_c(void **state)
{
    (void)state;
    double lambda[NK], mu;
    lambdas(lambda, &mu);
    fq_config *cfg = branch(FQ_POLICY_FIFO, COUNTERS, RHO, SHARE, HOURS);
    fq_sim_result r;
    run(cfg, 11, REPS, &r);
    double w = w_fifo(COUNTERS, RHO * COUNTERS * mu, mu);
    static const char *names[NK] = {"fifo vip", "fifo priority", "fifo regular"};
    for (int k = 0; k < NK; k++)
        agree(names[k], r.classes[k].wait_mean_s, r.classes[k].wait_mean_ci95_s, w);
    /* Erlang C also gives P(wait > 0) = C(c, a): the p50 must sit on the
     * right side of zero accordingly (C = 0.596 > 0.5 -> median > 0). */
    assert_true(erlang_c(COUNTERS, RHO * COUNTERS) > 0.5);
    assert_true(r.classes[REG].wait_p50_s > 0.0);
    assert_true(fabs(r.utilization - RHO) < 0.01);
    fq_sim_result_free(&r);
    free(cfg);
}

static void test_strict_cobham(void **state)
{
    (void)state;
    double lambda[NK], mu, w[NK];
    lambdas(lambda, &mu);
    static const int order[NK] = {VIP, PRIO, REG}; /* by weight, highest first */
    w_cobham(COUNTERS, lambda, mu, order, w);
    fq_config *cfg = branch(FQ_POLICY_STRICT, COUNTERS, RHO, SHARE, HOURS);
    fq_sim_result r;
    run(cfg, 12, REPS, &r);
    static const char *names[NK] = {"strict vip", "strict priority", "strict regular"};
    for (int k = 0; k < NK; k++)
        agree(names[k], r.classes[k].wait_mean_s, r.classes[k].wait_mean_ci95_s, w[k]);
    fq_sim_result_free(&r);
    free(cfg);
}

static void test_accumulating_kleinrock(void **state)
{
    (void)state;
    double lambda[NK], mu, w[NK];
    lambdas(lambda, &mu);
    fq_config *cfg = branch(FQ_POLICY_ACCUMULATING, COUNTERS, RHO, SHARE, HOURS);
    double b[NK];
    for (int k = 0; k < NK; k++)
        b[k] = cfg->sched.classes[k].weight;
    assert_true(b[REG] < b[PRIO] && b[PRIO] < b[VIP]);
    static const int asc[NK] = {REG, PRIO, VIP};
    w_kleinrock(COUNTERS, lambda, mu, b, asc, w);
    fq_sim_result r;
    run(cfg, 13, REPS, &r);
    static const char *names[NK] = {"accumulating vip", "accumulating priority",
                                    "accumulating regular"};
    for (int k = 0; k < NK; k++)
        agree(names[k], r.classes[k].wait_mean_s, r.classes[k].wait_mean_ci95_s, w[k]);
    fq_sim_result_free(&r);
    free(cfg);
}

/* Same customers (same seed: common random numbers) under every policy:
 * sum rho_k W_k must equal rho * W_fifo for each, and the per-replication
 * differences from fifo (paired, so most of the noise cancels) must be 0
 * within their own CI or 0.5% of the theory. */
static void test_conservation(void **state)
{
    (void)state;
    double lambda[NK], mu;
    lambdas(lambda, &mu);
    double theory = RHO * w_fifo(COUNTERS, RHO * COUNTERS * mu, mu);
    static const fq_policy pol[] = {FQ_POLICY_FIFO, FQ_POLICY_STRICT, FQ_POLICY_ACCUMULATING,
                                    FQ_POLICY_WEIGHTED};
    double x[4][REPS];
    for (int i = 0; i < 4; i++) {
        fq_config *cfg = branch(pol[i], COUNTERS, RHO, SHARE, HOURS / 2);
        fq_sim_result r;
        run(cfg, 99, REPS, &r);
        conserved(&r, lambda, mu, x[i]);
        fq_sim_result_free(&r);
        free(cfg);
        double m, ci;
        mean_ci(x[i], &m, &ci);
        char what[64];
        snprintf(what, sizeof what, "sum rho_k W_k, %s", fq_policy_name(pol[i]));
        agree(what, m, ci, theory);
        if (i == 0)
            continue;
        double d[REPS];
        for (int j = 0; j < REPS; j++)
            d[j] = x[i][j] - x[0][j];
        mean_ci(d, &m, &ci);
        printf("#   paired difference from fifo %+.3f +/- %.3f s\n", m, ci);
        assert_true(fabs(m) <= fmax(ci, 0.005 * theory));
    }
}

/* M/G/1 with deterministic and lognormal service: Pollaczek-Khinchine
 * W = lambda E[S^2] / (2 (1 - rho)), E[S^2] = m^2 (1 + cv^2). Checks that
 * the service-time distributions have the configured mean and variance. */
static void check_pk(fq_distribution dist, double cv, uint64_t seed)
{
    static const double only_regular[NK] = {0.0, 0.0, 1.0};
    double rho = 0.7;
    fq_config *cfg = branch(FQ_POLICY_FIFO, 1, rho, only_regular, 4000.0);
    for (int s = 0; s < cfg->sched.n_services; s++) {
        cfg->sim.service_time[s].distribution = dist;
        cfg->sim.service_time[s].cv = cv;
    }
    double lambda = rho / MEAN_S;
    double es2 = MEAN_S * MEAN_S * (1.0 + cv * cv);
    double theory = lambda * es2 / (2.0 * (1.0 - rho));
    fq_sim_result r;
    run(cfg, seed, REPS, &r);
    char what[64];
    snprintf(what, sizeof what, "M/G/1 P-K, cv %.1f", cv);
    agree(what, r.classes[REG].wait_mean_s, r.classes[REG].wait_mean_ci95_s, theory);
    assert_true(fabs(r.utilization - rho) < 0.01);
    fq_sim_result_free(&r);
    free(cfg);
}

static void test_deterministic_service_pk(void **state)
{
    (void)state;
    check_pk(FQ_DIST_DETERMINISTIC, 0.0, 21);
}

static void test_lognormal_service_pk(void **state)
{
    (void)state;
    check_pk(FQ_DIST_LOGNORMAL, 0.5, 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_erlang_c),
        cmocka_unit_test(test_strict_cobham),
        cmocka_unit_test(test_accumulating_kleinrock),
        cmocka_unit_test(test_conservation),
        cmocka_unit_test(test_deterministic_service_pk),
        cmocka_unit_test(test_lognormal_service_pk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
