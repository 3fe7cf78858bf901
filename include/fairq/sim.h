/* sim.h — discrete-event simulation of a branch, driving the real engine.
 *
 * fq_sim_run simulates the configuration's `simulation` section: Poisson
 * arrivals per (class, service), service times per service (exponential,
 * deterministic or lognormal), counters that call `next` whenever they are
 * idle and a ticket is waiting, and optional no-shows. Every scheduling
 * decision is made by fq_engine_exec on a real fq_engine; the simulator only
 * decides *when* things happen. See docs/scheduling.md.
 *
 * Time is continuous, rounded to the engine's milliseconds. One business day
 * begins at t = 0 and never ends (no rollover), so `hours` may be thousands.
 *
 * Replications are independent: replication r draws from its own random
 * stream derived from (seed, r), and each (class, service) arrival stream has
 * its own sub-stream that also draws its tickets' service times and no-show
 * outcomes. So two runs with the same seed and different policies see exactly
 * the same customers (common random numbers), and the same seed always gives
 * byte-identical output. */
#ifndef FAIRQ_SIM_H
#define FAIRQ_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "fairq/common.h"
#include "fairq/config.h"
#include "fairq/engine.h"

#define FQ_SIM_MAX_REPLICATIONS 100000
/* A no-show is marked this long after the call; the counter is busy meanwhile. */
#define FQ_SIM_NO_SHOW_DELAY_S 60

typedef struct fq_sim_opts {
    int policy;       /* FQ_NONE = the configured policy, else an fq_policy */
    uint64_t seed;    /* default 1 */
    int replications; /* 1..FQ_SIM_MAX_REPLICATIONS, default 10 */
    double hours;     /* 0 = simulation.hours; else > simulation.warmup_hours */
    /* Optional (NULL = none): called after every engine call with the events
     * it produced, in order, so a run can be written to an event log and
     * audited. `replication` counts from 0. */
    void (*on_events)(int replication, const fq_event *evs, size_t n, void *ctx);
    void *events_ctx;
} fq_sim_opts;

/* The defaults: configured policy, seed 1, 10 replications, configured hours. */
void fq_sim_opts_init(fq_sim_opts *o);

typedef struct fq_sim_class_result {
    char id[FQ_ID_LEN];
    double target_wait_s;       /* copied from the config */
    int64_t starvation_limit_s; /* copied from the config (0 = none) */
    uint64_t served;            /* called and showed up, summed over replications */
    uint64_t no_show;           /* called and did not show up, summed */
    uint64_t unserved;          /* counted but never called before the run stopped */
    double wait_mean_s;         /* mean over replications of each replication's mean */
    double wait_mean_ci95_s;    /* t_{0.975,R-1} * s / sqrt(R); 0 when R < 2 */
    int wait_mean_reps;         /* replications that served this class (the R above) */
    double wait_p50_s, wait_p90_s, wait_p95_s, wait_max_s; /* pooled, nearest rank */
    double over_target_pct;     /* % of served with wait > target_wait */
    uint64_t starvation_breaches; /* served whose wait reached the limit, summed */
} fq_sim_class_result;

/* What fq_sim_run found. Owns rep_wait_mean and rep_utilization: release
 * with fq_sim_result_free. */
typedef struct fq_sim_result {
    fq_policy policy;
    uint64_t seed;
    int replications;
    double hours, warmup_hours;
    int n_counters;
    double utilization;         /* mean over replications */
    double utilization_ci95;
    double jain_index;          /* over x_k = wait_mean_k / target_wait_k, classes served */
    int n_classes;
    fq_sim_class_result classes[FQ_MAX_CLASSES];
    /* Per replication: rep_wait_mean[r * n_classes + k] is class k's mean
     * wait in seconds in replication r (NAN when it served none of k);
     * rep_utilization[r] that replication's utilization. */
    double *rep_wait_mean;
    double *rep_utilization;
    uint64_t tickets;           /* every ticket issued, warm-up and drain included */
    uint64_t engine_calls;      /* fq_engine_exec calls made */
} fq_sim_result;

/* Runs the simulation of cfg->sim with cfg's classes and services.
 *
 * Needs: cfg valid (as fq_config_load leaves it), opts valid. Counters are
 * cfg->sim.counters identical counters serving every service when that is
 * > 0, else cfg->sched.counters. Every service that has arrivals must be
 * served by some counter.
 *
 * Measured window: tickets issued in [warmup_hours, hours) count. After
 * `hours` arrivals go on (so the load stays the same) until every counted
 * ticket has been called, but at most (hours - warmup_hours) more; counted
 * tickets still waiting then are `unserved`. Utilization is busy counter
 * time in [warmup, hours) over counters * (hours - warmup).
 *
 * Returns FQ_OK and fills *out (fq_sim_result_free it), or FQ_EINVAL with a
 * message in err (bad options or a configuration the simulator cannot run;
 * *out then owns nothing), or FQ_ENOMEM. */
fq_status fq_sim_run(const fq_config *cfg, const fq_sim_opts *opts, fq_sim_result *out,
                     char *err, size_t errlen);
void fq_sim_result_free(fq_sim_result *r); /* NULL is a no-op; r stays valid, empty */

/* Writers (SPEC 6). json: exactly the keys of `simulate --format json`, one
 * line; csv: a header and one row per class; text: a readable table.
 * Return FQ_OK or FQ_EIO when the stream reports an error. */
fq_status fq_sim_write_json(FILE *f, const fq_sim_result *r);
fq_status fq_sim_write_csv(FILE *f, const fq_sim_result *r);
fq_status fq_sim_write_text(FILE *f, const fq_sim_result *r);

#endif
