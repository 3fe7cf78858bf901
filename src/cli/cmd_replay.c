/* cmd_replay.c — `fairq replay`: a recorded business day again under another
 * policy (src/audit/replay.c), as text or the JSON of SPEC 6. Read-only. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "fairq/audit.h"
#include "fairq/config.h"
#include "fairq/store.h"

static const char replay_usage[] =
    "usage: fairq replay --db FILE --day DAY --policy P [--config F] [--format text|json]\n"
    "\n"
    "Replays business day DAY (YYYY-MM-DD) of the event log under policy P\n"
    "(fifo, strict, accumulating or weighted): the same arrivals, the same time\n"
    "at the counter for each ticket, the same no-shows and counter hours, with\n"
    "a fresh scheduler making every call. Prints what each class would have\n"
    "waited next to what it did wait, and the cost of priority: the regular\n"
    "class's recorded mean wait minus its mean wait under a fifo replay.\n"
    "docs/audit.md says what a replay can and cannot know.\n"
    "\n"
    "  --db FILE     the event log (read-only; safe while a server runs)\n"
    "  --day DAY     the business day, YYYY-MM-DD\n"
    "  --policy P    the policy to replay under\n"
    "  --config F    the configuration the log was written with (default\n"
    "                config/fairq.cfg): classes, services and counters\n"
    "  --format F    text (default) or json\n"
    "\n"
    "Exit status: 0 ok, 2 usage or I/O error (also: no such day in the log).\n";

int fq_cmd_replay(int argc, char **argv)
{
    const char *db = NULL, *day_s = NULL, *policy_s = NULL, *fmt_s = "text";
    const char *cfg_path = "config/fairq.cfg";
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(replay_usage, stdout);
            return 0;
        } else if ((v = fq_cli_option(argc, argv, &i, "--db", &missing))) {
            db = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--day", &missing))) {
            day_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--policy", &missing))) {
            policy_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--format", &missing))) {
            fmt_s = v;
        } else if ((v = fq_cli_option(argc, argv, &i, "--config", &missing))) {
            cfg_path = v;
        } else if (missing) {
            return fq_cli_usage_error("replay", "%s needs a value", argv[i]);
        } else {
            return fq_cli_usage_error("replay", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!db || !*db)
        return fq_cli_usage_error("replay", "--db FILE is required");
    int32_t day;
    if (!day_s)
        return fq_cli_usage_error("replay", "--day DAY is required");
    if (fq_audit_parse_day(day_s, &day))
        return fq_cli_usage_error("replay", "--day must be a date YYYY-MM-DD, not '%s'", day_s);
    fq_policy policy;
    if (!policy_s)
        return fq_cli_usage_error("replay", "--policy P is required");
    if (fq_policy_parse(policy_s, &policy))
        return fq_cli_usage_error("replay", "--policy must be fifo, strict, accumulating or weighted, not '%s'",
                           policy_s);
    fq_audit_format fmt;
    if (fq_audit_format_parse(fmt_s, &fmt) || (fmt != FQ_AUDIT_TEXT && fmt != FQ_AUDIT_JSON))
        return fq_cli_usage_error("replay", "--format must be text or json, not '%s'", fmt_s);

    static fq_config cfg; /* large: keep it off the stack */
    fq_store *s = NULL;
    if (fq_cli_open_log("replay", cfg_path, db, &cfg, &s))
        return 2;
    char err[1024] = "";
    fq_audit *a = NULL;
    fq_status st = fq_audit_new(s, &cfg, day, day, &a, err, sizeof err);
    fq_store_close(s);
    fq_replay_result r;
    if (!st)
        st = fq_replay_run(a, day, policy, &r, err, sizeof err);
    fq_audit_free(a);
    fq_audit_buf out = {0};
    if (!st && (st = fq_replay_write(&r, fmt, &out)) != FQ_OK)
        snprintf(err, sizeof err, "%s", fq_strerror(st));
    if (st) {
        fprintf(stderr, "fairq replay: %s: %s\n", db, err[0] ? err : fq_strerror(st));
        fq_audit_buf_free(&out);
        return 2;
    }
    int rc = fq_cli_write_stdout("replay", out.data, out.len, "result");
    fq_audit_buf_free(&out);
    return rc;
}
