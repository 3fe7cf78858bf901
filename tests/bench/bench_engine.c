/* bench_engine.c — engine `issue` and `next` with N tickets waiting, against
 * a naive scheduler that scans every waiting ticket (the baseline that shows
 * why decisions look only at queue heads).
 *
 * usage: bench_engine [waiting=100000] [ops=200000]
 * Prints one line per measurement: name, median ns, p99 ns, ops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairq/engine.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    printf("%-28s median_ns %8.1f  p99_ns %9.1f  ops %zu\n", name, v[n / 2], v[n * 99 / 100], n);
}

static fq_sched_cfg bench_cfg(void)
{
    fq_sched_cfg c;
    memset(&c, 0, sizeof c);
    c.policy = FQ_POLICY_ACCUMULATING;
    c.n_classes = 3;
    const char *ids[] = {"vip", "priority", "regular"};
    double w[] = {3, 2, 1};
    for (int k = 0; k < 3; k++) {
        strcpy(c.classes[k].id, ids[k]);
        c.classes[k].weight = w[k];
        c.classes[k].starvation_limit_s = 0; /* limits checked separately: heads only either way */
        c.classes[k].target_wait_s = 600;
    }
    c.n_services = 4;
    for (int s = 0; s < 4; s++) {
        snprintf(c.services[s].id, sizeof c.services[s].id, "%c", 'A' + s);
        snprintf(c.services[s].prefix, sizeof c.services[s].prefix, "%c", 'A' + s);
        c.services[s].service_time_s = 300;
    }
    c.n_counters = 4;
    for (int i = 0; i < 4; i++) {
        snprintf(c.counters[i].id, sizeof c.counters[i].id, "%d", i + 1);
        c.counters[i].services = 0xF;
    }
    c.number_width = 3;
    c.retain_finished = false;
    return c;
}

/* The baseline: every ticket in one array, `next` scans them all. */
typedef struct naive_t {
    fq_time a;
    uint64_t seq;
    int k;
    int waiting;
} naive_t;

int main(int argc, char **argv)
{
    size_t waiting = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t ops = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    fq_sched_cfg cfg = bench_cfg();
    fq_engine *e = fq_engine_new(&cfg);
    fq_command day = fq_command_init(FQ_CMD_BEGIN_DAY);
    day.day = 20261123;
    fq_time t = 1795000000000;
    fq_evbuf out = {0};
    if (!e || fq_engine_exec(e, &day, t, &out))
        return 2;
    for (int c = 0; c < 4; c++) {
        fq_command o = fq_command_init(FQ_CMD_OPEN);
        o.counter = c;
        fq_engine_exec(e, &o, t, &out);
    }
    fq_command issue = fq_command_init(FQ_CMD_ISSUE);
    for (size_t i = 0; i < waiting; i++) {
        issue.klass = (int)(i % 3);
        issue.service = (int)(i % 4);
        fq_evbuf_clear(&out);
        fq_engine_exec(e, &issue, t += 10, &out);
    }
    double *ti = malloc(ops * sizeof *ti), *tn = malloc(ops * sizeof *tn);
    fq_command next = fq_command_init(FQ_CMD_NEXT);
    /* Steady state: each round issues one ticket and calls one, so the
     * number waiting stays at `waiting`. */
    for (size_t i = 0; i < ops; i++) {
        issue.klass = (int)(i % 3);
        issue.service = (int)(i % 4);
        t += 10;
        fq_evbuf_clear(&out);
        double a = now_ns();
        fq_engine_exec(e, &issue, t, &out);
        double b = now_ns();
        next.counter = (int)(i % 4);
        fq_evbuf_clear(&out);
        fq_engine_exec(e, &next, t, &out);
        double c = now_ns();
        ti[i] = b - a;
        tn[i] = c - b;
    }
    if (fq_engine_waiting(e) != waiting) {
        fprintf(stderr, "bench_engine: waiting drifted to %zu\n", fq_engine_waiting(e));
        return 1;
    }
    report("engine_issue", ti, ops);
    report("engine_next", tn, ops);

    /* Baseline: the same decisions by scanning every ticket. */
    size_t cap = waiting + ops + 1, n = 0, nops = ops / 100 ? ops / 100 : 1;
    naive_t *v = malloc(cap * sizeof *v);
    fq_time nt = 1795000000000;
    for (size_t i = 0; i < waiting; i++)
        v[n] = (naive_t){nt += 10, n + 1, (int)(i % 3), 1}, n++;
    size_t called = 0;
    for (size_t i = 0; i < nops; i++) {
        v[n] = (naive_t){nt += 10, n + 1, (int)(i % 3), 1}, n++;
        double a = now_ns();
        size_t best = SIZE_MAX;
        double bp = 0;
        for (size_t j = 0; j < n; j++) {
            if (!v[j].waiting)
                continue;
            double p = cfg.classes[v[j].k].weight * (double)(nt - v[j].a) / 1000.0;
            if (best == SIZE_MAX || p > bp || (p == bp && v[j].seq < v[best].seq)) {
                best = j;
                bp = p;
            }
        }
        v[best].waiting = 0;
        called++;
        tn[i] = now_ns() - a;
    }
    report("naive_scan_next", tn, nops);
    free(v);
    free(ti);
    free(tn);
    fq_evbuf_free(&out);
    fq_engine_free(e);
    return called == nops ? 0 : 1;
}
