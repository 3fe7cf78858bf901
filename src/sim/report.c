/* report.c — writes a simulation result as JSON (SPEC 6), CSV or a table.
 *
 * Numbers are printed with a fixed number of decimals and trailing zeros
 * trimmed (one kept: 8.0, 61.25), so the output depends only on the result
 * and the same seed always gives byte-identical text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fairq/sim.h"
#include "fairq/util.h"

/* Class ids come from the config, which allows only simple ids; escape the
 * JSON specials anyway so the output is always valid. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static fq_status finish(FILE *f)
{
    return ferror(f) || fflush(f) ? FQ_EIO : FQ_OK;
}

fq_status fq_sim_write_json(FILE *f, const fq_sim_result *r)
{
    char a[64], b[64], c[64], d[64];
    fprintf(f, "{\"policy\": \"%s\", \"seed\": %llu, \"replications\": %d, \"hours\": %s, "
               "\"utilization\": %s, \"classes\": [",
            fq_policy_name(r->policy), (unsigned long long)r->seed, r->replications,
            fq_util_num(a, sizeof a, r->hours, 3), fq_util_num(b, sizeof b, r->utilization, 4));
    for (int k = 0; k < r->n_classes; k++) {
        const fq_sim_class_result *cr = &r->classes[k];
        fputs(k ? ", {\"id\": " : "{\"id\": ", f);
        json_str(f, cr->id);
        fprintf(f, ", \"served\": %llu, \"wait_mean_s\": %s, \"wait_mean_ci95_s\": %s",
                (unsigned long long)cr->served, fq_util_num(a, sizeof a, cr->wait_mean_s, 2),
                fq_util_num(b, sizeof b, cr->wait_mean_ci95_s, 2));
        fprintf(f, ", \"wait_p50_s\": %s, \"wait_p90_s\": %s, \"wait_p95_s\": %s",
                fq_util_num(a, sizeof a, cr->wait_p50_s, 3), fq_util_num(b, sizeof b, cr->wait_p90_s, 3),
                fq_util_num(c, sizeof c, cr->wait_p95_s, 3));
        fprintf(f, ", \"wait_max_s\": %s, \"over_target_pct\": %s, \"starvation_breaches\": %llu}",
                fq_util_num(a, sizeof a, cr->wait_max_s, 3), fq_util_num(d, sizeof d, cr->over_target_pct, 2),
                (unsigned long long)cr->starvation_breaches);
    }
    fprintf(f, "], \"fairness\": {\"jain_index\": %s}}\n", fq_util_num(a, sizeof a, r->jain_index, 4));
    return finish(f);
}

fq_status fq_sim_write_csv(FILE *f, const fq_sim_result *r)
{
    char a[64], b[64], c[64], d[64], e[64], g[64], h[64];
    fputs("policy,class,served,wait_mean_s,wait_mean_ci95_s,wait_p50_s,wait_p90_s,wait_p95_s,"
          "wait_max_s,over_target_pct,starvation_breaches\n",
          f);
    for (int k = 0; k < r->n_classes; k++) {
        const fq_sim_class_result *cr = &r->classes[k];
        /* ids are simple tokens (no comma or quote), so no CSV quoting is needed */
        fprintf(f, "%s,%s,%llu,%s,%s,%s,%s,%s,%s,%s,%llu\n", fq_policy_name(r->policy), cr->id,
                (unsigned long long)cr->served, fq_util_num(a, sizeof a, cr->wait_mean_s, 2),
                fq_util_num(b, sizeof b, cr->wait_mean_ci95_s, 2), fq_util_num(c, sizeof c, cr->wait_p50_s, 3),
                fq_util_num(d, sizeof d, cr->wait_p90_s, 3), fq_util_num(e, sizeof e, cr->wait_p95_s, 3),
                fq_util_num(g, sizeof g, cr->wait_max_s, 3), fq_util_num(h, sizeof h, cr->over_target_pct, 2),
                (unsigned long long)cr->starvation_breaches);
    }
    return finish(f);
}

fq_status fq_sim_write_text(FILE *f, const fq_sim_result *r)
{
    char a[64], b[64], c[64];
    fprintf(f, "policy %s, seed %llu, %d replication%s of %s h (warm-up %s h), %d counter%s\n",
            fq_policy_name(r->policy), (unsigned long long)r->seed, r->replications,
            r->replications == 1 ? "" : "s", fq_util_num(a, sizeof a, r->hours, 3),
            fq_util_num(b, sizeof b, r->warmup_hours, 3), r->n_counters, r->n_counters == 1 ? "" : "s");
    fprintf(f, "utilization %s (+/- %s), Jain's index over wait/target %s\n\n",
            fq_util_num(a, sizeof a, r->utilization, 4), fq_util_num(b, sizeof b, r->utilization_ci95, 4),
            fq_util_num(c, sizeof c, r->jain_index, 4));
    fprintf(f, "%-12s %10s %18s %9s %9s %9s %9s %8s %9s\n", "class", "served", "wait mean s",
            "p50 s", "p90 s", "p95 s", "max s", ">target", "breaches");
    for (int k = 0; k < r->n_classes; k++) {
        const fq_sim_class_result *cr = &r->classes[k];
        char mean[64];
        snprintf(mean, sizeof mean, "%.1f +/- %.1f", cr->wait_mean_s, cr->wait_mean_ci95_s);
        fprintf(f, "%-12s %10llu %18s %9.1f %9.1f %9.1f %9.1f %7.1f%% %9llu\n", cr->id,
                (unsigned long long)cr->served, mean, cr->wait_p50_s, cr->wait_p90_s,
                cr->wait_p95_s, cr->wait_max_s, cr->over_target_pct,
                (unsigned long long)cr->starvation_breaches);
    }
    uint64_t unserved = 0, no_show = 0;
    for (int k = 0; k < r->n_classes; k++) {
        unserved += r->classes[k].unserved;
        no_show += r->classes[k].no_show;
    }
    fprintf(f, "\nserved and no-shows are totals over all replications; the wait mean is the\n"
               "mean of the replications' means with its 95%% confidence half-width.\n");
    fprintf(f, "tickets simulated: %llu (warm-up and drain included)\n",
            (unsigned long long)r->tickets);
    if (no_show)
        fprintf(f, "no-shows: %llu (not in the wait figures)\n", (unsigned long long)no_show);
    if (unserved)
        fprintf(f, "never called before the run stopped: %llu (the branch is overloaded)\n",
                (unsigned long long)unserved);
    return finish(f);
}
