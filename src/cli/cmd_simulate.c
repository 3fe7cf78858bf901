/* cmd_simulate.c — `fairq simulate`: the branch's `simulation` section run
 * through the real scheduler (src/sim), printed as text, JSON or CSV. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "fairq/config.h"
#include "fairq/sim.h"

static const char simulate_usage[] =
    "usage: fairq simulate --config F [--policy P] [--seed N] [--replications R]\n"
    "                      [--hours H] [--format text|json|csv]\n"
    "\n"
    "Discrete-event simulation of the config's `simulation` section with the real\n"
    "scheduler: Poisson arrivals per class and service, the configured service\n"
    "times, counters calling `next` whenever they are free. Continuous time, one\n"
    "business day without rollover, so H may be thousands of hours.\n"
    "\n"
    "  --config F        the configuration file (required)\n"
    "  --policy P        fifo, strict, accumulating or weighted (default: the config's)\n"
    "  --seed N          random seed, 0..2^64-1 (default 1); same seed, same output\n"
    "  --replications R  independent replications, 1..100000 (default 10)\n"
    "  --hours H         simulated hours per replication (default simulation.hours)\n"
    "  --format F        text (default), json or csv\n"
    "\n"
    "Tickets issued during the first simulation.warmup_hours are not counted.\n"
    "`served` is the total over all replications; wait_mean_s is the mean of the\n"
    "replications' means with its 95% confidence half-width (wait_mean_ci95_s).\n"
    "Exit status: 0 ok, 2 usage error or bad configuration.\n";

enum { FMT_TEXT, FMT_JSON, FMT_CSV };

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int fq_cmd_simulate(int argc, char **argv)
{
    const char *config = NULL, *format = "text";
    fq_sim_opts opts;
    fq_sim_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int missing = 0;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(simulate_usage, stdout);
            return 0;
        } else if ((v = fq_cli_option(argc, argv, &i, "--config", &missing))) {
            config = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--policy", &missing))) {
            fq_policy p;
            if (fq_policy_parse(v, &p) != FQ_OK)
                return fq_cli_usage_error("simulate", "unknown policy '%s' (fifo, strict, accumulating, weighted)",
                                   v);
            opts.policy = (int)p;
        } else if ((v = fq_cli_option(argc, argv, &i, "--seed", &missing))) {
            if (parse_u64(v, &opts.seed))
                return fq_cli_usage_error("simulate", "--seed wants a number 0..2^64-1, not '%s'", v);
        } else if ((v = fq_cli_option(argc, argv, &i, "--replications", &missing))) {
            uint64_t r;
            if (parse_u64(v, &r) || r < 1 || r > FQ_SIM_MAX_REPLICATIONS)
                return fq_cli_usage_error("simulate", "--replications wants 1..100000, not '%s'", v);
            opts.replications = (int)r;
        } else if ((v = fq_cli_option(argc, argv, &i, "--hours", &missing))) {
            if (parse_double(v, &opts.hours) || !(opts.hours > 0.0))
                return fq_cli_usage_error("simulate", "--hours wants a positive number, not '%s'", v);
        } else if ((v = fq_cli_option(argc, argv, &i, "--format", &missing))) {
            if (strcmp(v, "text") && strcmp(v, "json") && strcmp(v, "csv"))
                return fq_cli_usage_error("simulate", "--format is text, json or csv, not '%s'", v);
            format = v;
        } else if (missing) {
            return fq_cli_usage_error("simulate", "%s needs a value", argv[i]);
        } else {
            return fq_cli_usage_error("simulate", "unknown argument '%s'", argv[i]);
        }
    }
    if (!config)
        return fq_cli_usage_error("simulate", "--config F is required");

    fq_config *cfg = malloc(sizeof *cfg); /* large: keep it off the stack */
    if (!cfg) {
        fputs("fairq simulate: out of memory\n", stderr);
        return 2;
    }
    char err[512] = "";
    int rc = 2;
    fq_sim_result res;
    memset(&res, 0, sizeof res);
    fq_status st = fq_config_load(config, cfg, err, sizeof err);
    if (st != FQ_OK) {
        fprintf(stderr, "fairq simulate: %s\n", err[0] ? err : fq_strerror(st));
        goto done;
    }
    st = fq_sim_run(cfg, &opts, &res, err, sizeof err);
    if (st != FQ_OK) {
        fprintf(stderr, "fairq simulate: %s: %s\n", config, err[0] ? err : fq_strerror(st));
        goto done;
    }
    if (!strcmp(format, "json"))
        st = fq_sim_write_json(stdout, &res);
    else if (!strcmp(format, "csv"))
        st = fq_sim_write_csv(stdout, &res);
    else
        st = fq_sim_write_text(stdout, &res);
    if (st != FQ_OK) {
        fprintf(stderr, "fairq simulate: writing the result: %s\n", fq_strerror(st));
        goto done;
    }
    rc = 0;
done:
    fq_sim_result_free(&res);
    free(cfg);
    return rc;
}
