/* sim.c — the discrete-event simulation loop (see fairq/sim.h).
 *
 * The future is a binary heap of at most one pending event per arrival
 * stream (its next arrival) and one per counter (the end of its current
 * service, or of waiting for a no-show). Events are ordered by (time, kind,
 * index) so equal times always resolve the same way: counters finishing
 * before arrivals, lower indices first.
 *
 * The simulator never decides who is called: an idle counter sends
 * FQ_CMD_NEXT to the engine and serves whatever the engine calls. What the
 * simulator needs to know about a ticket when it is called (its service
 * time, whether it will be a no-show) was drawn at arrival and travels in the
 * ticket's opaque key bytes, so no per-ticket memory is kept here. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fairq/sim.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define SIM_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00Z: times are never 0 */
#define SIM_DAY 20240101
#define SIM_MAX_HOURS 1e7
#define SIM_MAX_DURATION_MS 1e12 /* a single draw is capped at ~31 years */

enum { EV_COUNTER = 0, EV_ARRIVAL = 1 };

typedef struct sim_event {
    fq_time at;
    uint32_t key; /* kind << 16 | index: the tie-breaker */
} sim_event;

typedef struct sim_stream {
    int klass, service;
    double rate_per_hour;
    double mean_gap_ms;
    double next_at;  /* exact (unrounded) time of the next arrival, ms */
    fq_rng rng;      /* interarrival gaps, service times, no-shows */
    fq_command issue;
} sim_stream;

typedef struct sim_counter {
    fq_time busy_since;
    bool busy, no_show;
} sim_counter;

typedef struct sim_waits {
    uint32_t *v; /* milliseconds, pooled over replications */
    size_t n, cap;
} sim_waits;

typedef struct sim_class {
    int64_t target_ms, limit_ms;
    sim_waits waits;
    uint64_t served, no_show, unserved, over_target, breaches;
    /* this replication */
    double rep_sum_ms;
    uint64_t rep_n;
    int64_t outstanding; /* counted, not yet called */
} sim_class;

typedef struct sim {
    fq_sched_cfg sched;
    const fq_sim_cfg *scfg;
    const fq_config *cfg;
    fq_engine *e;
    fq_evbuf evs;

    sim_event *heap;
    size_t heap_n;

    int n_streams;
    sim_stream streams[FQ_MAX_SIM_ARRIVALS];
    sim_counter counters[FQ_MAX_COUNTERS];
    uint64_t idle[2];                     /* bit c: open, no ticket */
    uint64_t serves[FQ_MAX_SERVICES][2];  /* bit c: counter c serves s */
    fq_command next_cmd, no_show_cmd;

    int n_classes;
    sim_class classes[FQ_MAX_CLASSES];
    double no_show_p;

    const fq_sim_opts *opts;
    int rep;                 /* the replication running */

    fq_time win_start, win_end, stop_at;
    int64_t outstanding;
    double busy_ms;
    uint64_t tickets, engine_calls;
} sim;

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t len,
                                                          const char *fmt, ...)
{
    if (!err || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

void fq_sim_opts_init(fq_sim_opts *o)
{
    o->policy = FQ_NONE;
    o->seed = 1;
    o->replications = 10;
    o->hours = 0.0;
    o->on_events = NULL;
    o->events_ctx = NULL;
}

/* --- the event heap ------------------------------------------------------ */

static bool ev_before(const sim_event *a, const sim_event *b)
{
    return a->at != b->at ? a->at < b->at : a->key < b->key;
}

/* Capacity is reserved up front: one slot per stream and per counter. */
static void heap_push(sim *x, fq_time at, uint32_t key)
{
    size_t i = x->heap_n++;
    sim_event ev = {at, key};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_before(&ev, &x->heap[p]))
            break;
        x->heap[i] = x->heap[p];
        i = p;
    }
    x->heap[i] = ev;
}

static sim_event heap_pop(sim *x)
{
    sim_event top = x->heap[0];
    sim_event last = x->heap[--x->heap_n];
    size_t n = x->heap_n, i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= n)
            break;
        m = l;
        if (l + 1 < n && ev_before(&x->heap[l + 1], &x->heap[l]))
            m = l + 1;
        if (!ev_before(&x->heap[m], &last))
            break;
        x->heap[i] = x->heap[m];
        i = m;
    }
    if (n)
        x->heap[i] = last;
    return top;
}

/* --- drawing ------------------------------------------------------------- */

static int64_t to_ms(double v)
{
    if (!(v > 0.0))
        return 0;
    return v > SIM_MAX_DURATION_MS ? (int64_t)SIM_MAX_DURATION_MS : (int64_t)llround(v);
}

static int64_t draw_service_ms(const sim *x, int service, fq_rng *r)
{
    const fq_sim_service_time *st = &x->scfg->service_time[service];
    double mean_ms = (st->set ? st->mean_s : x->sched.services[service].service_time_s) * 1000.0;
    if (!st->set)
        return to_ms(fq_rng_exponential(r, mean_ms));
    switch (st->distribution) {
    case FQ_DIST_DETERMINISTIC: return to_ms(mean_ms);
    case FQ_DIST_LOGNORMAL:
        return st->cv > 0.0 ? to_ms(fq_rng_lognormal(r, mean_ms, st->cv)) : to_ms(mean_ms);
    case FQ_DIST_EXPONENTIAL:
    default: return to_ms(fq_rng_exponential(r, mean_ms));
    }
}

static void schedule_arrival(sim *x, int j)
{
    sim_stream *st = &x->streams[j];
    st->next_at += fq_rng_exponential(&st->rng, st->mean_gap_ms);
    heap_push(x, (fq_time)llround(st->next_at), (uint32_t)EV_ARRIVAL << 16 | (uint32_t)j);
}

/* --- bookkeeping ----------------------------------------------------------- */

static bool counted(const sim *x, fq_time issued_at)
{
    return issued_at >= x->win_start && issued_at < x->win_end;
}

static void add_busy(sim *x, fq_time from, fq_time to)
{
    fq_time a = from > x->win_start ? from : x->win_start;
    fq_time b = to < x->win_end ? to : x->win_end;
    if (b > a)
        x->busy_ms += (double)(b - a);
}

static fq_status record_wait(sim_class *k, int64_t wait_ms)
{
    if (k->waits.n == k->waits.cap) {
        size_t cap = k->waits.cap ? k->waits.cap * 2 : 4096;
        uint32_t *v = realloc(k->waits.v, cap * sizeof *v);
        if (!v)
            return FQ_ENOMEM;
        k->waits.v = v;
        k->waits.cap = cap;
    }
    k->waits.v[k->waits.n++] = wait_ms > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)wait_ms;
    k->served++;
    k->rep_sum_ms += (double)wait_ms;
    k->rep_n++;
    if (wait_ms > k->target_ms)
        k->over_target++;
    if (k->limit_ms > 0 && wait_ms >= k->limit_ms)
        k->breaches++;
    return FQ_OK;
}

static void set_idle(sim *x, int c, bool idle)
{
    uint64_t bit = (uint64_t)1 << (c & 63);
    if (idle)
        x->idle[c >> 6] |= bit;
    else
        x->idle[c >> 6] &= ~bit;
}

/* Every engine call of the simulation: into our one evbuf (with NULL the
 * engine would use its own), counted, and shown to the caller's hook. */
static fq_status sim_exec(sim *x, const fq_command *cmd, fq_time now)
{
    fq_evbuf_clear(&x->evs);
    fq_status st = fq_engine_exec(x->e, cmd, now, &x->evs);
    x->engine_calls++;
    if (st == FQ_OK && x->opts->on_events && x->evs.n)
        x->opts->on_events(x->rep, x->evs.v, x->evs.n, x->opts->events_ctx);
    return st;
}

/* --- the counters ---------------------------------------------------------- */

/* Counter c (open, its previous ticket finished or none) asks the engine for
 * the next ticket at `now`; the engine completes the previous one. */
static fq_status call_next(sim *x, int c, fq_time now)
{
    x->next_cmd.counter = c;
    fq_status st = sim_exec(x, &x->next_cmd, now);
    if (st != FQ_OK)
        return st;
    uint64_t seq = 0;
    for (size_t i = 0; i < x->evs.n; i++)
        if (x->evs.v[i].type == FQ_EV_CALLED) {
            seq = x->evs.v[i].ticket;
            break;
        }
    sim_counter *ctr = &x->counters[c];
    if (!seq) {
        ctr->busy = false;
        set_idle(x, c, true);
        return FQ_OK;
    }
    const fq_ticket *t = fq_engine_ticket(x->e, seq);
    if (!t)
        return FQ_ECORRUPT;
    int64_t service_ms;
    memcpy(&service_ms, t->key, sizeof service_ms);
    bool no_show = t->key[8] != 0;
    if (counted(x, t->issued_at)) {
        sim_class *k = &x->classes[t->klass];
        x->outstanding--;
        k->outstanding--;
        if (no_show) {
            k->no_show++;
        } else {
            st = record_wait(k, now - t->issued_at);
            if (st != FQ_OK)
                return st;
        }
    }
    set_idle(x, c, false);
    ctr->busy = true;
    ctr->no_show = no_show;
    ctr->busy_since = now;
    int64_t hold = no_show ? (int64_t)FQ_SIM_NO_SHOW_DELAY_S * 1000 : service_ms;
    heap_push(x, now + hold, (uint32_t)EV_COUNTER << 16 | (uint32_t)c);
    return FQ_OK;
}

static fq_status on_counter(sim *x, int c, fq_time now)
{
    sim_counter *ctr = &x->counters[c];
    add_busy(x, ctr->busy_since, now);
    ctr->busy = false;
    if (ctr->no_show) {
        x->no_show_cmd.counter = c;
        fq_status st = sim_exec(x, &x->no_show_cmd, now);
        if (st != FQ_OK)
            return st;
    }
    return call_next(x, c, now);
}

static fq_status on_arrival(sim *x, int j, fq_time now)
{
    sim_stream *st = &x->streams[j];
    int64_t service_ms = draw_service_ms(x, st->service, &st->rng);
    bool no_show = x->no_show_p > 0.0 && fq_rng_uniform(&st->rng) < x->no_show_p;
    memcpy(st->issue.key, &service_ms, sizeof service_ms);
    st->issue.key[8] = no_show;
    fq_status rc = sim_exec(x, &st->issue, now);
    if (rc != FQ_OK)
        return rc;
    x->tickets++;
    if (counted(x, now)) {
        x->outstanding++;
        x->classes[st->klass].outstanding++;
    }
    schedule_arrival(x, j);
    /* An idle counter serving this service calls at once; there is at most
     * one waiting ticket it could serve: this one. */
    uint64_t m0 = x->idle[0] & x->serves[st->service][0];
    uint64_t m1 = x->idle[1] & x->serves[st->service][1];
    if (m0)
        return call_next(x, __builtin_ctzll(m0), now);
    if (m1)
        return call_next(x, 64 + __builtin_ctzll(m1), now);
    return FQ_OK;
}

/* --- set-up ------------------------------------------------------------------ */

static fq_status build_sched(sim *x, const fq_config *cfg, const fq_sim_opts *opts, char *err,
                             size_t errlen)
{
    x->sched = cfg->sched;
    x->sched.retain_finished = false;
    if (opts->policy != FQ_NONE)
        x->sched.policy = (fq_policy)opts->policy;
    int nc = cfg->sim.counters;
    if (nc > FQ_MAX_COUNTERS) {
        set_err(err, errlen, "simulation.counters: at most %d counters", FQ_MAX_COUNTERS);
        return FQ_EINVAL;
    }
    if (nc > 0) {
        uint32_t all = x->sched.n_services >= 32 ? UINT32_MAX
                                                 : ((uint32_t)1 << x->sched.n_services) - 1;
        x->sched.n_counters = nc;
        for (int c = 0; c < nc; c++) {
            fq_counter_cfg *cc = &x->sched.counters[c];
            memset(cc, 0, sizeof *cc);
            snprintf(cc->id, sizeof cc->id, "sim%d", c + 1);
            snprintf(cc->name, sizeof cc->name, "%d", c + 1);
            cc->services = all;
        }
    }
    if (x->sched.n_counters < 1) {
        set_err(err, errlen, "%s", "the simulation needs at least one counter");
        return FQ_EINVAL;
    }
    memset(x->serves, 0, sizeof x->serves);
    for (int c = 0; c < x->sched.n_counters; c++)
        for (int s = 0; s < x->sched.n_services; s++)
            if (x->sched.counters[c].services & ((uint32_t)1 << s))
                x->serves[s][c >> 6] |= (uint64_t)1 << (c & 63);
    return FQ_OK;
}

static fq_status build_streams(sim *x, char *err, size_t errlen)
{
    const fq_sim_cfg *s = x->scfg;
    x->n_streams = 0;
    for (int j = 0; j < s->n_arrivals; j++) {
        const fq_sim_arrival *a = &s->arrivals[j];
        if (a->klass < 0 || a->klass >= x->sched.n_classes || a->service < 0 ||
            a->service >= x->sched.n_services || !(a->rate_per_hour >= 0.0)) {
            set_err(err, errlen, "%s", "simulation.arrivals: bad class, service or rate");
            return FQ_EINVAL;
        }
        if (a->rate_per_hour > 0.0 && !(x->serves[a->service][0] | x->serves[a->service][1])) {
            set_err(err, errlen, "simulation.arrivals: no counter serves service '%s'",
                    x->sched.services[a->service].id);
            return FQ_EINVAL;
        }
        sim_stream *st = &x->streams[j];
        st->klass = a->klass;
        st->service = a->service;
        st->rate_per_hour = a->rate_per_hour;
        st->mean_gap_ms = a->rate_per_hour > 0.0 ? 3.6e6 / a->rate_per_hour : 0.0;
        st->issue = fq_command_init(FQ_CMD_ISSUE);
        st->issue.klass = a->klass;
        st->issue.service = a->service;
        st->issue.reason = FQ_NONE;
        x->n_streams = j + 1;
    }
    return FQ_OK;
}

/* --- one replication -------------------------------------------------------- */

static fq_status run_replication(sim *x, fq_rng rep_rng, double *utilization)
{
    fq_status st = FQ_ENOMEM;
    x->e = fq_engine_new(&x->sched);
    if (!x->e)
        return FQ_EINVAL;
    x->heap_n = 0;
    x->outstanding = 0;
    x->busy_ms = 0.0;
    x->idle[0] = x->idle[1] = 0;
    for (int k = 0; k < x->n_classes; k++) {
        x->classes[k].rep_sum_ms = 0.0;
        x->classes[k].rep_n = 0;
        x->classes[k].outstanding = 0;
    }
    fq_time t0 = SIM_EPOCH_MS;
    for (int j = 0; j < x->n_streams; j++) {
        x->streams[j].rng = rep_rng;
        fq_rng_jump(&rep_rng);
    }
    fq_command day = fq_command_init(FQ_CMD_BEGIN_DAY);
    day.day = SIM_DAY;
    day.seed = fq_rng_next(&rep_rng);
    if ((st = sim_exec(x, &day, t0)) != FQ_OK)
        goto done;
    for (int c = 0; c < x->sched.n_counters; c++) {
        fq_command open = fq_command_init(FQ_CMD_OPEN);
        open.counter = c;
        if ((st = sim_exec(x, &open, t0)) != FQ_OK)
            goto done;
        x->counters[c].busy = false;
        x->counters[c].no_show = false;
        set_idle(x, c, true);
    }
    for (int j = 0; j < x->n_streams; j++) {
        x->streams[j].next_at = (double)t0;
        if (x->streams[j].rate_per_hour > 0.0)
            schedule_arrival(x, j);
    }
    while (x->heap_n) {
        const sim_event *ev = &x->heap[0];
        if (ev->at >= x->stop_at || (ev->at >= x->win_end && x->outstanding == 0))
            break;
        sim_event e = heap_pop(x);
        unsigned idx = e.key & 0xffffu;
        st = (e.key >> 16) == EV_ARRIVAL ? on_arrival(x, (int)idx, e.at)
                                         : on_counter(x, (int)idx, e.at);
        if (st != FQ_OK)
            goto done;
    }
    /* Every stop is at or after win_end: a counter still busy was busy to there. */
    for (int c = 0; c < x->sched.n_counters; c++)
        if (x->counters[c].busy)
            add_busy(x, x->counters[c].busy_since, x->win_end);
    for (int k = 0; k < x->n_classes; k++)
        x->classes[k].unserved += (uint64_t)x->classes[k].outstanding;
    *utilization =
        x->busy_ms / ((double)x->sched.n_counters * (double)(x->win_end - x->win_start));
    st = FQ_OK;
done:
    fq_engine_free(x->e);
    x->e = NULL;
    return st;
}

/* --- results ------------------------------------------------------------------- */

static fq_status summarize(sim *x, fq_sim_result *out)
{
    int R = out->replications, K = x->n_classes;
    size_t max_n = 0;
    for (int k = 0; k < K; k++)
        if (x->classes[k].waits.n > max_n)
            max_n = x->classes[k].waits.n;
    uint32_t *tmp = malloc((max_n ? max_n : 1) * sizeof *tmp);
    double *col = malloc((size_t)R * sizeof *col);
    if (!tmp || !col) {
        free(tmp);
        free(col);
        return FQ_ENOMEM;
    }
    double x_fair[FQ_MAX_CLASSES];
    size_t n_fair = 0;
    out->n_classes = K;
    for (int k = 0; k < K; k++) {
        const fq_class_cfg *cc = &x->sched.classes[k];
        sim_class *sc = &x->classes[k];
        fq_sim_class_result *cr = &out->classes[k];
        memset(cr, 0, sizeof *cr);
        snprintf(cr->id, sizeof cr->id, "%s", cc->id);
        cr->target_wait_s = (double)cc->target_wait_s;
        cr->starvation_limit_s = cc->starvation_limit_s;
        cr->served = sc->served;
        cr->no_show = sc->no_show;
        cr->unserved = sc->unserved;
        cr->starvation_breaches = sc->breaches;
        size_t n_rep = 0;
        for (int r = 0; r < R; r++) {
            double m = out->rep_wait_mean[(size_t)r * (size_t)K + (size_t)k];
            if (!isnan(m))
                col[n_rep++] = m;
        }
        fq_stats_mean_ci95(col, n_rep, &cr->wait_mean_s, &cr->wait_mean_ci95_s);
        cr->wait_mean_reps = (int)n_rep;
        size_t n = sc->waits.n;
        if (n) {
            fq_stats_sort_u32(sc->waits.v, tmp, n);
            cr->wait_p50_s = fq_stats_percentile(sc->waits.v, n, 50.0) / 1000.0;
            cr->wait_p90_s = fq_stats_percentile(sc->waits.v, n, 90.0) / 1000.0;
            cr->wait_p95_s = fq_stats_percentile(sc->waits.v, n, 95.0) / 1000.0;
            cr->wait_max_s = sc->waits.v[n - 1] / 1000.0;
            cr->over_target_pct = 100.0 * (double)sc->over_target / (double)n;
        }
        if (n_rep && cc->target_wait_s > 0)
            x_fair[n_fair++] = cr->wait_mean_s / (double)cc->target_wait_s;
    }
    out->jain_index = fq_stats_jain(x_fair, n_fair);
    fq_stats_mean_ci95(out->rep_utilization, (size_t)R, &out->utilization,
                       &out->utilization_ci95);
    free(tmp);
    free(col);
    return FQ_OK;
}

static fq_status check_opts(const fq_config *cfg, const fq_sim_opts *opts, char *err,
                            size_t errlen)
{
    if (opts->policy != FQ_NONE && !fq_policy_name((fq_policy)opts->policy)) {
        set_err(err, errlen, "%s", "unknown policy");
        return FQ_EINVAL;
    }
    if (opts->replications < 1 || opts->replications > FQ_SIM_MAX_REPLICATIONS) {
        set_err(err, errlen, "replications must be 1..%d", FQ_SIM_MAX_REPLICATIONS);
        return FQ_EINVAL;
    }
    double hours = opts->hours != 0.0 ? opts->hours : cfg->sim.hours;
    if (!(hours > cfg->sim.warmup_hours) || !(hours <= SIM_MAX_HOURS) ||
        !(cfg->sim.warmup_hours >= 0.0)) {
        set_err(err, errlen, "hours must be more than simulation.warmup_hours (%g) and at most %.0f",
                cfg->sim.warmup_hours, SIM_MAX_HOURS);
        return FQ_EINVAL;
    }
    if (!(cfg->sim.no_show_probability >= 0.0 && cfg->sim.no_show_probability <= 1.0)) {
        set_err(err, errlen, "%s", "simulation.no_show_probability must be 0..1");
        return FQ_EINVAL;
    }
    return FQ_OK;
}

fq_status fq_sim_run(const fq_config *cfg, const fq_sim_opts *opts, fq_sim_result *out,
                     char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    fq_status st = check_opts(cfg, opts, err, errlen);
    if (st != FQ_OK)
        return st;
    sim *x = calloc(1, sizeof *x);
    if (!x)
        return FQ_ENOMEM;
    x->cfg = cfg;
    x->scfg = &cfg->sim;
    x->opts = opts;
    if ((st = build_sched(x, cfg, opts, err, errlen)) != FQ_OK ||
        (st = build_streams(x, err, errlen)) != FQ_OK)
        goto done;
    x->n_classes = x->sched.n_classes;
    for (int k = 0; k < x->n_classes; k++) {
        x->classes[k].target_ms = x->sched.classes[k].target_wait_s * 1000;
        x->classes[k].limit_ms = x->sched.classes[k].starvation_limit_s * 1000;
    }
    x->no_show_p = cfg->sim.no_show_probability;
    x->next_cmd = fq_command_init(FQ_CMD_NEXT);
    x->no_show_cmd = fq_command_init(FQ_CMD_NO_SHOW);

    double hours = opts->hours != 0.0 ? opts->hours : cfg->sim.hours;
    out->policy = x->sched.policy;
    out->seed = opts->seed;
    out->replications = opts->replications;
    out->hours = hours;
    out->warmup_hours = cfg->sim.warmup_hours;
    out->n_counters = x->sched.n_counters;
    x->win_start = SIM_EPOCH_MS + llround(cfg->sim.warmup_hours * 3.6e6);
    x->win_end = SIM_EPOCH_MS + llround(hours * 3.6e6);
    x->stop_at = x->win_end + (x->win_end - x->win_start);

    st = FQ_ENOMEM;
    size_t R = (size_t)opts->replications, K = (size_t)x->n_classes;
    x->heap = malloc(((size_t)x->n_streams + (size_t)x->sched.n_counters) * sizeof *x->heap);
    out->rep_wait_mean = malloc((R * K > 0 ? R * K : 1) * sizeof *out->rep_wait_mean);
    out->rep_utilization = malloc(R * sizeof *out->rep_utilization);
    if (!x->heap || !out->rep_wait_mean || !out->rep_utilization ||
        fq_evbuf_reserve(&x->evs, 16) != FQ_OK)
        goto done;

    fq_rng base;
    fq_rng_seed(&base, opts->seed);
    for (size_t r = 0; r < R; r++) {
        x->rep = (int)r;
        st = run_replication(x, base, &out->rep_utilization[r]);
        if (st == FQ_EINVAL)
            set_err(err, errlen, "%s", "the engine rejected the simulated branch");
        if (st != FQ_OK)
            goto done;
        for (size_t k = 0; k < K; k++) {
            const sim_class *sc = &x->classes[k];
            out->rep_wait_mean[r * K + k] =
                sc->rep_n ? sc->rep_sum_ms / (double)sc->rep_n / 1000.0 : NAN;
        }
        fq_rng_long_jump(&base);
    }
    out->tickets = x->tickets;
    out->engine_calls = x->engine_calls;
    st = summarize(x, out);
done:
    for (int k = 0; k < FQ_MAX_CLASSES; k++)
        free(x->classes[k].waits.v);
    free(x->heap);
    fq_evbuf_free(&x->evs);
    free(x);
    if (st != FQ_OK)
        fq_sim_result_free(out);
    return st;
}

void fq_sim_result_free(fq_sim_result *r)
{
    if (!r)
        return;
    free(r->rep_wait_mean);
    free(r->rep_utilization);
    r->rep_wait_mean = NULL;
    r->rep_utilization = NULL;
}
