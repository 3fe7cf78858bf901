/* test_audit_cli.c — `fairq audit` and `fairq replay` as a user runs them
 * (FAIRQ_BIN), on a log written here: every format, the exit codes, and the
 * figures in the JSON. */
#include <math.h>
#include <sys/wait.h>

#include "test_audit_fixture.h"

static char g_cfg[600];

/* Runs "FAIRQ_BIN args", stdout into out (NUL-terminated); the exit status. */
static int run(const char *args, fq_audit_buf *out)
{
    const char *bin = getenv("FAIRQ_BIN");
    assert_non_null(bin);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out->len = 0;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        assert_int_equal(fq_audit_buf_put(out, buf, n), FQ_OK);
    if (!out->data)
        assert_int_equal(fq_audit_buf_put(out, "", 0), FQ_OK);
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int runf(fq_audit_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int runf(fq_audit_buf *out, const char *fmt, ...)
{
    char args[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run(args, out);
}

/* Day 1: regular waits 60 and 180, a vip 30, one manual call. Day 2 empty. */
static void build(rig *r)
{
    rig_open(r, FQ_POLICY_FIFO);
    rig_day(r, DAY1, T0 - SEC(3600));
    rig_counter(r, FQ_CMD_OPEN, 0, T0);
    rig_issue(r, REG, SVC_A, FQ_NONE, 60, T0);
    rig_issue(r, REG, SVC_A, FQ_NONE, 60, T0 + SEC(10));
    rig_issue(r, VIP, SVC_B, FQ_NONE, 60, T0 + SEC(40));
    assert_int_equal(rig_next(r, 0, T0 + SEC(60)), 1); /* 60 */
    fq_command c = fq_command_init(FQ_CMD_CALL);
    c.counter = 0;
    c.number_service = SVC_B;
    c.number = 1;
    snprintf(c.note, sizeof c.note, "appointment, booked");
    rig_do(r, &c, T0 + SEC(70));                        /* vip by hand: 30 */
    assert_int_equal(rig_next(r, 0, T0 + SEC(190)), 2); /* 180 */
    rig_counter(r, FQ_CMD_COMPLETE, 0, T0 + SEC(250));
    rig_day(r, DAY2, T0 + SEC(86400));
}

static void test_audit_formats(void **state)
{
    (void)state;
    rig r;
    build(&r);
    fq_audit_buf o = {0};
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --format json", r.db, g_cfg), 0);
    assert_int_equal(o.data[0], '{');
    assert_non_null(strstr(o.data, "{\"id\":\"regular\",\"served\":2,\"no_show\":0,\"cancelled\":0,"
                                    "\"wait_mean_s\":120.0,\"wait_p50_s\":60.0,"));
    assert_non_null(strstr(o.data, "{\"id\":\"vip\",\"served\":1,"));
    assert_non_null(strstr(o.data, "\"reason\":\"appointment, booked\""));
    assert_non_null(strstr(o.data, "\"verify\":\"ok\""));
    assert_non_null(strstr(o.data, "\"hours\":[{\"hour\":9,"));
    /* x_vip = 30/600 = 0.05, x_regular = 120/1200 = 0.1: (0.15)^2 / (2 * 0.0125) = 0.9 */
    assert_non_null(strstr(o.data, "\"fairness\":{\"jain_index\":0.9}"));

    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --format csv", r.db, g_cfg), 0);
    assert_int_equal(strncmp(o.data, "day,number,service,class,reason,", 32), 0);
    int rows = 0;
    for (const char *p = o.data; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 4); /* header + 3 tickets */
    assert_non_null(strstr(o.data, "2026-11-23,B001,B,vip,,"));

    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --format html", r.db, g_cfg), 0);
    assert_int_equal(strncmp(o.data, "<!DOCTYPE html>", 15), 0);
    assert_null(strstr(o.data, "<script"));

    assert_int_equal(runf(&o, "audit --db '%s' --config='%s'", r.db, g_cfg), 0);
    assert_non_null(strstr(o.data, "Hash chain: ok"));

    /* the range: the second day alone has no tickets */
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --format json --from 2026-11-24",
                          r.db, g_cfg),
                     0);
    assert_non_null(strstr(o.data, "\"from\":\"2026-11-24\""));
    assert_non_null(strstr(o.data, "{\"id\":\"regular\",\"served\":0,"));
    fq_audit_buf_free(&o);
    rig_close(&r);
}

static void test_audit_errors(void **state)
{
    (void)state;
    rig r;
    build(&r);
    fq_audit_buf o = {0};
    assert_int_equal(run("audit --help", &o), 0);
    assert_non_null(strstr(o.data, "usage: fairq audit"));
    assert_int_equal(run("audit", &o), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --format xml", r.db, g_cfg), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --from 2026-02-30", r.db, g_cfg), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --from 2026-11-24 --to 2026-11-23",
                          r.db, g_cfg),
                     2);
    assert_int_equal(runf(&o, "audit --db '%s/missing.db' --config '%s'", r.dir, g_cfg), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s/missing.cfg'", r.db, r.dir), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --bogus", r.db, g_cfg), 2);
    assert_int_equal(runf(&o, "audit --db '%s' --config '%s' --from", r.db, g_cfg), 2);
    fq_audit_buf_free(&o);
    rig_close(&r);
}

static void test_replay_cli(void **state)
{
    (void)state;
    rig r;
    build(&r);
    fq_audit_buf o = {0};
    /* The replay calls `next` the moment a counter is free. Counter 1 opens
     * at 0: regular 1 is called on arrival (wait 0) and holds the counter
     * for its recorded 10 s (60 -> 70); regular 2 arrives at 10 and is
     * called then (wait 0), holding it 60 s (190 -> 250) until 70, when the
     * vip (issued 40) is called: wait 30. Recorded regular mean 120, so the
     * cost of priority is 120 - 0. */
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --day 2026-11-23 --policy fifo "
                              "--format json",
                          r.db, g_cfg),
                     0);
    assert_string_equal(o.data, "{\"day\":\"2026-11-23\",\"policy\":\"fifo\",\"classes\":["
                                "{\"id\":\"vip\",\"served\":1,\"wait_mean_s\":30.0,"
                                "\"wait_p95_s\":30.0,\"wait_max_s\":30.0,"
                                "\"recorded_wait_mean_s\":30.0},"
                                "{\"id\":\"priority\",\"served\":0,\"wait_mean_s\":0.0,"
                                "\"wait_p95_s\":0.0,\"wait_max_s\":0.0,"
                                "\"recorded_wait_mean_s\":0.0},"
                                "{\"id\":\"regular\",\"served\":2,\"wait_mean_s\":0.0,"
                                "\"wait_p95_s\":0.0,\"wait_max_s\":0.0,"
                                "\"recorded_wait_mean_s\":120.0}],"
                                "\"cost_of_priority_s\":120.0}\n");
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --day 2026-11-23 --policy strict",
                          r.db, g_cfg),
                     0);
    assert_non_null(strstr(o.data, "replay of 2026-11-23 under strict"));
    assert_int_equal(run("replay --help", &o), 0);
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --day 2026-11-25 --policy fifo",
                          r.db, g_cfg),
                     2);
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --day 2026-11-23 --policy lottery",
                          r.db, g_cfg),
                     2);
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --policy fifo", r.db, g_cfg), 2);
    assert_int_equal(runf(&o, "replay --db '%s' --config '%s' --day 2026-11-23 --policy fifo "
                              "--format csv",
                          r.db, g_cfg),
                     2);
    fq_audit_buf_free(&o);
    rig_close(&r);
}

int main(void)
{
    const char *src = getenv("FAIRQ_SOURCE_DIR");
    snprintf(g_cfg, sizeof g_cfg, "%s/config/fairq.cfg", src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_formats),
        cmocka_unit_test(test_audit_errors),
        cmocka_unit_test(test_replay_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
