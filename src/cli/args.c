/* args.c — the small helpers the subcommands share (see args.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"

const char *fq_cli_option(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n))
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int fq_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fairq %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(try 'fairq %s --help')\n", cmd);
    return 2;
}

int fq_cli_open_log(const char *cmd, const char *cfg_path, const char *db, fq_config *cfg,
                    fq_store **out)
{
    char err[1024];
    if (fq_config_load(cfg_path, cfg, err, sizeof err) ||
        fq_store_open(db, NULL, FQ_STORE_READONLY, out, err, sizeof err)) {
        fprintf(stderr, "fairq %s: %s\n", cmd, err);
        return 2;
    }
    return 0;
}

int fq_cli_write_stdout(const char *cmd, const char *data, size_t len, const char *what)
{
    size_t w = len ? fwrite(data, 1, len, stdout) : 0;
    if (w != len || fflush(stdout)) {
        fprintf(stderr, "fairq %s: cannot write the %s\n", cmd, what);
        return 2;
    }
    return 0;
}
