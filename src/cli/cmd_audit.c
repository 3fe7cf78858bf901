/* cmd_audit.c — `fairq audit`: the fairness report of the event log (src/audit)
 * as text, JSON, CSV or a self-contained HTML page, on stdout.
 *
 * Read-only: opens the database with FQ_STORE_READONLY, so it is safe while a
 * server runs (WAL gives this process its own snapshot). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "fairq/audit.h"
#include "fairq/config.h"
#include "fairq/store.h"

static const char audit_usage[] =
    "usage: fairq audit --db FILE [--from DAY] [--to DAY] [--format text|json|csv|html]\n"
    "                   [--config F]\n"
    "\n"
    "Fairness report computed from the event log alone: per class (and per\n"
    "service, business day and hour of day) served, no-shows, cancellations,\n"
    "wait mean / p50 / p90 / p95 / max (issue to first call), share over the\n"
    "class's target, starvation breaches, manual calls with their reasons,\n"
    "how often later tickets were called first, estimate error and Jain's\n"
    "index; with the hash chain's head and its verification. docs/audit.md\n"
    "defines every figure.\n"
    "\n"
    "  --db FILE     the event log (read-only; safe while a server runs)\n"
    "  --from DAY    first business day, YYYY-MM-DD (default: the first)\n"
    "  --to DAY      last business day, YYYY-MM-DD (default: the last)\n"
    "  --format F    text (default), json, csv (one row per ticket) or html\n"
    "  --config F    the configuration the log was written with, for its ids\n"
    "                (default config/fairq.cfg)\n"
    "\n"
    "Exit status: 0 ok (a broken hash chain is reported in the output),\n"
    "2 usage or I/O error.\n";

int fq_cmd_audit(int argc, char **argv)
{
    const char *db = NULL, *from_s = NULL, *to_s = NULL, *fmt_s = "text";
    const char *cfg_path = "config/fairq.cfg";
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(audit_usage, stdout);
            return 0;
        } else if ((v = fq_cli_option(argc, argv, &i, "--db", &missing))) {
            db = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--from", &missing))) {
            from_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--to", &missing))) {
            to_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--format", &missing))) {
            fmt_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--config", &missing))) {
            cfg_path = v;
        } else if (missing) {
            return fq_cli_usage_error("audit", "%s needs a value", argv[i]);
        } else {
            return fq_cli_usage_error("audit", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!db || !*db)
        return fq_cli_usage_error("audit", "--db FILE is required");
    fq_audit_format fmt;
    if (fq_audit_format_parse(fmt_s, &fmt))
        return fq_cli_usage_error("audit", "--format must be text, json, csv or html, not '%s'", fmt_s);
    int32_t from = 0, to = 0;
    if (from_s && fq_audit_parse_day(from_s, &from))
        return fq_cli_usage_error("audit", "--from must be a date YYYY-MM-DD, not '%s'", from_s);
    if (to_s && fq_audit_parse_day(to_s, &to))
        return fq_cli_usage_error("audit", "--to must be a date YYYY-MM-DD, not '%s'", to_s);
    if (from && to && from > to)
        return fq_cli_usage_error("audit", "--from %s is after --to %s", from_s, to_s);

    static fq_config cfg; /* large: keep it off the stack */
    fq_store *s = NULL;
    if (fq_cli_open_log("audit", cfg_path, db, &cfg, &s))
        return 2;
    char err[1024] = "";
    fq_audit_buf out = {0};
    fq_status st = fq_audit_report(s, &cfg, from, to, fmt, &out, err, sizeof err);
    fq_store_close(s);
    if (st) {
        fprintf(stderr, "fairq audit: %s: %s\n", db, err[0] ? err : fq_strerror(st));
        fq_audit_buf_free(&out);
        return 2;
    }
    int rc = fq_cli_write_stdout("audit", out.data, out.len, "report");
    fq_audit_buf_free(&out);
    return rc;
}
