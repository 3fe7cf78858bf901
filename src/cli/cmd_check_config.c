/* cmd_check_config.c — `fairq check-config FILE`: validate a configuration
 * file and warn about valid but unfair setups, without starting anything.
 *
 * Exit status (SPEC 6): 0 valid (warnings, if any, on stderr), 1 invalid
 * (the "file:line: message" error on stderr), 2 usage error or a file that
 * cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fairq/config.h"

static void check_config_usage(FILE *out)
{
    fputs("usage: fairq check-config FILE\n\n"
          "Loads FILE exactly as 'fairq serve' would and reports the first problem as\n"
          "FILE:LINE: message (exit 1). A valid file prints 'FILE: ok' and a summary\n"
          "(exit 0); setups that are valid but unfair, such as a class without a\n"
          "starvation limit next to classes with one, are reported as warnings on\n"
          "stderr and do not change the exit status. Every key, its default and its\n"
          "range are in docs/config.md.\n\n"
          "Exit status: 0 valid, 1 invalid, 2 usage error or unreadable file.\n",
          out);
}

static void check_config_summary(const fq_config *cfg, int warnings)
{
    const fq_sched_cfg *s = &cfg->sched;
    char classes[FQ_MAX_CLASSES * FQ_ID_LEN + 8] = "";
    for (int k = 0; k < s->n_classes; k++) {
        size_t n = strlen(classes);
        snprintf(classes + n, sizeof classes - n, "%s%s", k ? "/" : "", s->classes[k].id);
    }
    printf("branch %s (%s, day starts %02d:%02d): policy %s, classes %s, %d service%s, "
           "%d counter%s, %d warning%s\n",
           cfg->branch_id, cfg->timezone, cfg->day_starts_min / 60, cfg->day_starts_min % 60,
           fq_policy_name(s->policy) ? fq_policy_name(s->policy) : "?", classes, s->n_services,
           s->n_services == 1 ? "" : "s", s->n_counters, s->n_counters == 1 ? "" : "s",
           warnings, warnings == 1 ? "" : "s");
}

int fq_cmd_check_config(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            check_config_usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "fairq check-config: unknown option '%s'\n", argv[i]);
            check_config_usage(stderr);
            return 2;
        }
        if (file) {
            fprintf(stderr, "fairq check-config: one FILE only\n");
            check_config_usage(stderr);
            return 2;
        }
        file = argv[i];
    }
    if (!file) {
        check_config_usage(stderr);
        return 2;
    }

    fq_config *cfg = malloc(sizeof *cfg);
    if (!cfg) {
        fprintf(stderr, "fairq check-config: %s\n", fq_strerror(FQ_ENOMEM));
        return 2;
    }
    char err[1024];
    fq_status st = fq_config_load(file, cfg, err, sizeof err);
    if (st != FQ_OK) {
        fprintf(stderr, "%s\n", err[0] ? err : fq_strerror(st));
        free(cfg);
        return st == FQ_ECONFIG ? 1 : 2;
    }
    char warnings[8192] = "";
    int n = fq_config_lint(cfg, warnings, sizeof warnings);
    fputs(warnings, stderr);
    printf("%s: ok\n", file);
    check_config_summary(cfg, n);
    free(cfg);
    return 0;
}
