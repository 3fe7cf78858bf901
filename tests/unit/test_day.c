/* test_day.c — the business day: across midnight, across day_starts, across
 * the 2026 DST changes of Berlin and New York (day_starts inside the skipped
 * and the repeated hour too), TZ left as it was; and a day rollover after the
 * server was stopped across the boundary (engine + store). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "fairq/store.h"

/* Milliseconds of a UTC date-time (y, m, d, H, M, S). */
static fq_time utc(int y, int mo, int d, int h, int mi, int s)
{
    /* days from civil, as in any calendar library: March-based years */
    int yy = mo <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return ((days * 86400) + h * 3600 + mi * 60 + s) * (fq_time)1000;
}

static void test_midnight_and_day_starts(void **state)
{
    (void)state;
    const char *sh = "Asia/Shanghai"; /* UTC+8, no DST */
    assert_int_equal(fq_business_day(utc(2026, 3, 1, 15, 59, 59), sh, 0), 20260301);
    assert_int_equal(fq_business_day(utc(2026, 3, 1, 16, 0, 0), sh, 0), 20260302);
    /* a day starting at 05:00: 04:59 local is still yesterday */
    assert_int_equal(fq_business_day(utc(2026, 3, 1, 20, 59, 59), sh, 300), 20260301);
    assert_int_equal(fq_business_day(utc(2026, 3, 1, 21, 0, 0), sh, 300), 20260302);
    assert_true(fq_business_day_start(20260302, sh, 300) == utc(2026, 3, 1, 21, 0, 0));
    /* across a month and a year end */
    assert_int_equal(fq_business_day(utc(2026, 12, 31, 16, 0, 0), sh, 0), 20270101);
    assert_int_equal(fq_business_day(utc(2028, 2, 28, 16, 30, 0), sh, 0), 20280229);
    /* a late start: 23:59 */
    assert_int_equal(fq_business_day(utc(2026, 6, 10, 15, 58, 0), sh, 1439), 20260609);
    assert_int_equal(fq_business_day(utc(2026, 6, 10, 15, 59, 0), sh, 1439), 20260610);
    /* UTC itself, milliseconds just before the start */
    assert_int_equal(fq_business_day(utc(2026, 6, 10, 5, 0, 0) - 1, "UTC", 300), 20260609);
    assert_int_equal(fq_business_day(utc(2026, 6, 10, 5, 0, 0), "UTC", 300), 20260610);
}

static void test_dst_berlin(void **state)
{
    (void)state;
    const char *be = "Europe/Berlin";
    /* 2026-03-29 01:00Z: 02:00 CET becomes 03:00 CEST */
    assert_true(fq_business_day_start(20260328, be, 300) == utc(2026, 3, 28, 4, 0, 0));
    assert_true(fq_business_day_start(20260329, be, 300) == utc(2026, 3, 29, 3, 0, 0));
    assert_int_equal(fq_business_day(utc(2026, 3, 29, 2, 59, 59), be, 300), 20260328);
    assert_int_equal(fq_business_day(utc(2026, 3, 29, 3, 0, 0), be, 300), 20260329);
    /* day_starts 02:30 does not exist that night: the day begins at the jump */
    assert_true(fq_business_day_start(20260329, be, 150) == utc(2026, 3, 29, 1, 0, 0));
    assert_int_equal(fq_business_day(utc(2026, 3, 29, 0, 59, 59), be, 150), 20260328);
    assert_int_equal(fq_business_day(utc(2026, 3, 29, 1, 0, 0), be, 150), 20260329);
    /* 2026-10-25 01:00Z: 03:00 CEST becomes 02:00 CET; 02:30 happens twice
     * and the day begins at the first */
    assert_true(fq_business_day_start(20261025, be, 150) == utc(2026, 10, 25, 0, 30, 0));
    assert_int_equal(fq_business_day(utc(2026, 10, 25, 0, 29, 59), be, 150), 20261024);
    assert_int_equal(fq_business_day(utc(2026, 10, 25, 0, 30, 0), be, 150), 20261025);
    /* 02:15 CET, the second pass: the wall clock is before 02:30 again, the
     * business day does not go back */
    assert_int_equal(fq_business_day(utc(2026, 10, 25, 1, 15, 0), be, 150), 20261025);
    assert_true(fq_business_day_start(20261026, be, 150) == utc(2026, 10, 26, 1, 30, 0));
    assert_int_equal(fq_business_day(utc(2026, 10, 26, 1, 29, 0), be, 150), 20261025);
    /* a plain day start after the change */
    assert_true(fq_business_day_start(20261025, be, 300) == utc(2026, 10, 25, 4, 0, 0));
}

static void test_dst_new_york(void **state)
{
    (void)state;
    const char *ny = "America/New_York";
    /* 2026-03-08 07:00Z: 02:00 EST becomes 03:00 EDT */
    assert_true(fq_business_day_start(20260308, ny, 150) == utc(2026, 3, 8, 7, 0, 0));
    assert_true(fq_business_day_start(20260308, ny, 0) == utc(2026, 3, 8, 5, 0, 0));
    assert_true(fq_business_day_start(20260309, ny, 0) == utc(2026, 3, 9, 4, 0, 0));
    /* 2026-11-01 06:00Z: 02:00 EDT becomes 01:00 EST; 01:30 twice */
    assert_true(fq_business_day_start(20261101, ny, 90) == utc(2026, 11, 1, 5, 30, 0));
    assert_int_equal(fq_business_day(utc(2026, 11, 1, 6, 15, 0), ny, 90), 20261101);
    assert_int_equal(fq_business_day(utc(2026, 11, 1, 5, 29, 0), ny, 90), 20261031);
}

/* Sweep the DST weeks: the day never goes back and changes exactly at
 * fq_business_day_start. */
static void test_monotonic_sweep(void **state)
{
    (void)state;
    const char *zones[] = {"Europe/Berlin", "America/New_York", "Asia/Shanghai",
                           "Australia/Lord_Howe"}; /* a 30-minute DST shift */
    const int starts[] = {0, 60, 90, 120, 150, 179, 300, 1439};
    const fq_time from[] = {utc(2026, 3, 6, 0, 0, 0), utc(2026, 10, 23, 0, 0, 0),
                            utc(2026, 4, 3, 0, 0, 0)};
    for (size_t z = 0; z < FQ_ARRAY_LEN(zones); z++) {
        /* TZ already set to the zone: no zone file is read per call */
        setenv("TZ", zones[z], 1);
        tzset();
        for (size_t k = 0; k < FQ_ARRAY_LEN(starts); k++)
            for (size_t f = 0; f < FQ_ARRAY_LEN(from); f++) {
                int32_t prev = fq_business_day(from[f], zones[z], starts[k]);
                for (fq_time t = from[f]; t < from[f] + SEC(10 * 86400); t += SEC(7 * 60)) {
                    int32_t d = fq_business_day(t, zones[z], starts[k]);
                    assert_true(d >= prev);
                    fq_time s0 = fq_business_day_start(d, zones[z], starts[k]);
                    assert_true(s0 <= t);
                    if (d != prev) /* changed within the last step */
                        assert_true(s0 > t - SEC(7 * 60));
                    prev = d;
                }
            }
    }
    unsetenv("TZ");
    tzset();
}

static void test_tz_restored(void **state)
{
    (void)state;
    setenv("TZ", "America/New_York", 1);
    tzset();
    (void)fq_business_day(utc(2026, 3, 29, 3, 0, 0), "Europe/Berlin", 300);
    assert_string_equal(getenv("TZ"), "America/New_York");
    unsetenv("TZ");
    (void)fq_business_day_start(20260329, "Europe/Berlin", 300);
    assert_null(getenv("TZ"));
    /* already in the zone: same answer */
    setenv("TZ", "Europe/Berlin", 1);
    assert_int_equal(fq_business_day(utc(2026, 3, 29, 2, 59, 59), "Europe/Berlin", 300), 20260328);
    unsetenv("TZ");
    tzset();
}

/* --- rollover after a stop across the boundary ----------------------------- */


static int setup_dir(void **state)
{
    return setup_dir_named(state, "fq_day");
}


static void commit(fq_engine *e, fq_store *s, fq_command *c, fq_time now)
{
    fq_evbuf buf = {0};
    assert_int_equal(fq_engine_decide(e, c, now, &buf), FQ_OK);
    assert_int_equal(fq_store_append(s, fq_engine_cfg(e), buf.v, buf.n), FQ_OK);
    for (size_t i = 0; i < buf.n; i++)
        assert_int_equal(fq_engine_apply(e, &buf.v[i]), FQ_OK);
    fq_evbuf_free(&buf);
}

/* What the server does at start: recover, then begin the business day of
 * `now` if the log's day is older. Returns the engine. */
static fq_engine *server_start(const char *db, fq_store **s, fq_time now, const char *tz,
                               int day_starts)
{
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    char err[256];
    assert_int_equal(fq_store_open(db, "full", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, s, err,
                                   sizeof err),
                     FQ_OK);
    assert_int_equal(fq_store_recover(*s, e, err, sizeof err), FQ_OK);
    int32_t today = fq_business_day(now, tz, day_starts);
    if (fq_engine_day(e) < today) {
        fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
        c.day = today;
        c.seed = (uint64_t)today * 7919u;
        commit(e, *s, &c, now);
    }
    return e;
}

static int64_t count_where(const char *db, const char *query)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, query, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static void test_rollover_after_stop(void **state)
{
    (void)state;
    const char *tz = "Europe/Berlin";
    const int ds = 300;
    char db[512];
    snprintf(db, sizeof db, "%s/day.db", g_dir);

    /* day one: 2026-11-23, open at 08:00 local (07:00Z), tickets left open */
    fq_store *s = NULL;
    fq_time now = utc(2026, 11, 23, 7, 0, 0);
    fq_engine *e = server_start(db, &s, now, tz, ds);
    assert_int_equal(fq_engine_day(e), 20261123);
    fq_command o = fq_command_init(FQ_CMD_OPEN);
    o.counter = 0;
    commit(e, s, &o, now);
    for (int i = 0; i < 4; i++) {
        fq_command c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = i % 3;
        c.service = SVC_A;
        commit(e, s, &c, now + SEC(i));
    }
    fq_command n = fq_command_init(FQ_CMD_NEXT);
    n.counter = 0;
    commit(e, s, &n, now + SEC(60));
    uint64_t last = fq_engine_last_seq(e);
    /* stop at 18:00 local */
    fq_engine_free(e);
    fq_store_close(s);

    /* restart at 04:59 local the next morning: still the 23rd's business day */
    now = utc(2026, 11, 24, 3, 59, 0);
    e = server_start(db, &s, now, tz, ds);
    assert_int_equal(fq_engine_day(e), 20261123);
    assert_true(fq_engine_waiting(e) == 3);
    assert_true(fq_engine_counter_ticket(e, 0) != 0);
    fq_engine_free(e);
    fq_store_close(s);

    /* restart at 06:00 local: the log's day is old, the new day closes it */
    now = utc(2026, 11, 24, 5, 0, 0);
    e = server_start(db, &s, now, tz, ds);
    assert_int_equal(fq_engine_day(e), 20261124);
    assert_true(fq_engine_waiting(e) == 0);
    assert_true(fq_engine_counter_ticket(e, 0) == 0);
    assert_int_equal(fq_engine_counter_state(e, 0), FQ_C_CLOSED);
    assert_int_equal(count_where(db, "SELECT count(*) FROM tickets WHERE day = '2026-11-23'"
                                     " AND outcome = 'closed'"),
                     4);
    /* numbers restart, seqs continue */
    fq_command c = fq_command_init(FQ_CMD_ISSUE);
    c.klass = REG;
    c.service = SVC_A;
    commit(e, s, &c, now + SEC(1));
    const fq_ticket *t = fq_engine_ticket(e, fq_engine_last_seq(e));
    assert_non_null(t);
    assert_true(t->seq == last + 1);
    assert_int_equal(t->number, 1);
    fq_engine_free(e);
    fq_store_close(s);

    /* and once more: the state after the rollover is what recovery gives */
    e = server_start(db, &s, now + SEC(2), tz, ds);
    assert_int_equal(fq_engine_day(e), 20261124);
    assert_true(fq_engine_waiting(e) == 1);
    assert_true(fq_engine_last_seq(e) == last + 1);
    uint64_t count, bad;
    char head[FQ_HASH_HEX];
    assert_int_equal(fq_store_verify(s, &count, head, &bad), FQ_OK);
    assert_int_equal(count_where(db, "SELECT count(*) FROM days"), 2);
    fq_engine_free(e);
    fq_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_midnight_and_day_starts),
        cmocka_unit_test(test_dst_berlin),
        cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_monotonic_sweep),
        cmocka_unit_test(test_tz_restored),
        cmocka_unit_test(test_rollover_after_stop),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
