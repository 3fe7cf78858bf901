/* test_audit.c — the audit's figures on small hand-built logs, each computed
 * by hand in the comments. A real engine makes the events and the real store
 * writes them; the audit reads them back from the log. */
#include <math.h>
#include <sqlite3.h>

#include "test_audit_fixture.h"

/* Three regular tickets, waits 60, 120, 300 s; estimates 100 s each. */
static void test_three_regular(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0 - SEC(3600));
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    rig_issue(&r, REG, SVC_A, FQ_NONE, 100, T0);
    rig_issue(&r, REG, SVC_A, FQ_NONE, 100, T0 + SEC(10));
    rig_issue(&r, REG, SVC_A, FQ_NONE, 100, T0 + SEC(20));
    assert_int_equal(rig_next(&r, 0, T0 + SEC(60)), 1);  /* wait 60 */
    assert_int_equal(rig_next(&r, 0, T0 + SEC(130)), 2); /* wait 120 */
    assert_int_equal(rig_next(&r, 0, T0 + SEC(320)), 3); /* wait 300 */
    rig_counter(&r, FQ_CMD_COMPLETE, 0, T0 + SEC(400));

    fq_audit *a = rig_audit(&r, 0, 0);
    assert_int_equal(fq_audit_n_tickets(a), 3);
    assert_int_equal(fq_audit_n_days(a), 1);
    assert_int_equal(fq_audit_day_at(a, 0), DAY1);
    const fq_audit_stats *s = fq_audit_class_stats(a, REG);
    assert_int_equal(s->tickets, 3);
    assert_int_equal(s->served, 3);
    assert_near(s->wait_mean_s, 160.0);          /* (60 + 120 + 300) / 3 */
    assert_near(s->wait_p50_s, 120.0);           /* rank ceil(1.5) = 2 */
    assert_near(s->wait_p90_s, 300.0);           /* rank ceil(2.7) = 3 */
    assert_near(s->wait_p95_s, 300.0);
    assert_near(s->wait_max_s, 300.0);
    assert_near(s->over_target_pct, 0.0);        /* target 1200 */
    assert_int_equal(s->starvation_breaches, 0); /* limit 1800 */
    assert_near(s->overtaken_mean, 0.0);
    assert_near(s->estimate_error_mean_s, (40.0 + 20.0 + 200.0) / 3.0);
    assert_int_equal(fq_audit_class_stats(a, VIP)->served, 0);
    /* one class only: Jain's index of one value is 1 */
    assert_near(fq_audit_jain(a), 1.0);
    /* issued 09:00 local: hour 9 has them, hour 1 (the UTC hour) not */
    assert_int_equal(fq_audit_hour_stats(a, 9, REG)->served, 3);
    assert_int_equal(fq_audit_hour_stats(a, 1, REG)->tickets, 0);
    assert_int_equal(fq_audit_service_stats(a, SVC_A, REG)->served, 3);
    assert_int_equal(fq_audit_service_stats(a, SVC_B, REG)->tickets, 0);
    assert_int_equal(fq_audit_day_stats(a, 0, REG)->served, 3);
    const fq_audit_ticket *t = fq_audit_ticket_at(a, 1);
    assert_int_equal(t->outcome, FQ_AUDIT_DONE);
    assert_int_equal(t->called_at - t->issued_at, 120000);
    assert_int_equal(t->counter, 0);

    /* JSON carries the same figures, and the head of the chain */
    fq_audit_buf b = {0};
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_JSON, &b), FQ_OK);
    assert_non_null(strstr(b.data, "{\"id\":\"regular\",\"served\":3,\"no_show\":0,"
                                    "\"cancelled\":0,\"wait_mean_s\":160.0,\"wait_p50_s\":120.0,"
                                    "\"wait_p90_s\":300.0,\"wait_p95_s\":300.0,"
                                    "\"wait_max_s\":300.0,"));
    assert_non_null(strstr(b.data, "\"from\":\"2026-11-23\",\"to\":\"2026-11-23\""));
    uint64_t n;
    char head[FQ_HASH_HEX], want[128];
    assert_int_equal(fq_store_head(r.s, &n, head), FQ_OK);
    snprintf(want, sizeof want, "\"head\":{\"events\":%llu,\"hash\":\"%s\",\"verify\":\"ok\"}",
             (unsigned long long)n, head);
    assert_non_null(strstr(b.data, want));
    fq_audit_buf_free(&b);
    fq_audit_free(a);
    rig_close(&r);
}

/* A vip issued later overtakes a regular; Jain's index over two classes. */
static void test_two_classes_jain(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0 - SEC(3600));
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    uint64_t reg = rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0);
    uint64_t vip = rig_issue(&r, VIP, SVC_A, FQ_NONE, 0, T0 + SEC(100));
    /* at 200: vip 3 * 100 = 300 beats regular 1 * 200 */
    assert_int_equal(rig_next(&r, 0, T0 + SEC(200)), vip); /* vip waits 100 */
    assert_int_equal(rig_next(&r, 0, T0 + SEC(1500)), reg); /* regular waits 1500 */
    rig_counter(&r, FQ_CMD_COMPLETE, 0, T0 + SEC(1600));

    fq_audit *a = rig_audit(&r, 0, 0);
    const fq_audit_stats *sr = fq_audit_class_stats(a, REG), *sv = fq_audit_class_stats(a, VIP);
    assert_near(sr->wait_mean_s, 1500.0);
    assert_near(sr->over_target_pct, 100.0);      /* 1500 > 1200 */
    assert_int_equal(sr->starvation_breaches, 0); /* 1500 < 1800 */
    assert_near(sr->overtaken_mean, 1.0);         /* the vip, issued later, went first */
    assert_near(sv->wait_mean_s, 100.0);
    assert_near(sv->overtaken_mean, 0.0);
    assert_near(sr->estimate_error_mean_s, 1500.0); /* estimate 0 */
    /* x_vip = 100 / 600, x_regular = 1500 / 1200 */
    double xv = 100.0 / 600.0, xr = 1500.0 / 1200.0;
    double jain = (xv + xr) * (xv + xr) / (2.0 * (xv * xv + xr * xr));
    assert_near(fq_audit_jain(a), jain);
    assert_true(fabs(fq_audit_jain(a) - 0.631004) < 1e-5);
    assert_int_equal(fq_audit_ticket_at(a, 0)->overtaken, 1);
    fq_audit_free(a);
    rig_close(&r);
}

/* Cancel, manual call with a reason, no-show, transfer, tickets closed at
 * the day's end, an empty second day. */
static void test_outcomes(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0 - SEC(3600));
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    rig_counter(&r, FQ_CMD_OPEN, 1, T0);
    uint64_t r1 = rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0);        /* A001 */
    uint64_t r2 = rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0 + SEC(10)); /* A002 */
    uint64_t p1 = rig_issue(&r, PRI, SVC_B, 0, 0, T0 + SEC(20));       /* B001 elderly */
    uint64_t r3 = rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0 + SEC(30)); /* A003 */
    uint64_t r4 = rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0 + SEC(40)); /* A004 */
    fq_command c = fq_command_init(FQ_CMD_CANCEL);
    c.ticket = r2;
    rig_do(&r, &c, T0 + SEC(50)); /* r2 waited 40 s, then left */
    c = fq_command_init(FQ_CMD_CALL);
    c.counter = 0;
    c.number_service = SVC_A;
    c.number = 3;
    snprintf(c.note, sizeof c.note, "needs the step-free counter");
    rig_do(&r, &c, T0 + SEC(100)); /* r3 by hand: waited 70 s, overtakes r1 */
    /* at 120: priority B 2 * 100 = 200 beats r1 120 and r4 80 */
    assert_int_equal(rig_next(&r, 1, T0 + SEC(120)), p1);
    rig_counter(&r, FQ_CMD_NO_SHOW, 1, T0 + SEC(130));
    rig_counter(&r, FQ_CMD_START, 0, T0 + SEC(200));
    c = fq_command_init(FQ_CMD_TRANSFER);
    c.counter = 0;
    c.service = SVC_B;
    rig_do(&r, &c, T0 + SEC(300)); /* r3 waits again, for B */
    assert_int_equal(rig_next(&r, 1, T0 + SEC(310)), r1); /* r1 waited 310 s */
    assert_int_equal(rig_next(&r, 0, T0 + SEC(400)), r3); /* second call: not a new wait */
    rig_counter(&r, FQ_CMD_COMPLETE, 0, T0 + SEC(500));
    /* the day ends: r1 (at counter 2) and r4 (waiting) are closed */
    rig_day(&r, DAY2, T0 + SEC(86400));
    rig_counter(&r, FQ_CMD_OPEN, 0, T0 + SEC(86500));

    fq_audit *a = rig_audit(&r, 0, 0);
    assert_int_equal(fq_audit_n_days(a), 2);
    const fq_audit_stats *s = fq_audit_class_stats(a, REG);
    assert_int_equal(s->tickets, 4);
    assert_int_equal(s->served, 2);              /* r1 310, r3 70 */
    assert_near(s->wait_mean_s, 190.0);
    assert_near(s->wait_p50_s, 70.0);
    assert_near(s->wait_max_s, 310.0);
    assert_int_equal(s->cancelled, 1);
    assert_int_equal(s->closed, 2);
    assert_int_equal(s->no_show, 0);
    assert_int_equal(s->overrides, 1);
    assert_int_equal(s->starvation_breaches, 1); /* r4 waited a whole day */
    assert_near(s->overtaken_mean, 0.25);        /* only r1, by r3 */
    const fq_audit_stats *p = fq_audit_class_stats(a, PRI);
    assert_int_equal(p->tickets, 1);
    assert_int_equal(p->served, 0);
    assert_int_equal(p->no_show, 1);
    assert_int_equal(p->starvation_breaches, 0);
    /* per ticket */
    const fq_audit_ticket *t1 = fq_audit_ticket_at(a, 0), *t2 = fq_audit_ticket_at(a, 1);
    const fq_audit_ticket *tp = fq_audit_ticket_at(a, 2), *t3 = fq_audit_ticket_at(a, 3);
    const fq_audit_ticket *t4 = fq_audit_ticket_at(a, 4);
    assert_int_equal(t1->seq, r1);
    assert_int_equal(t1->overtaken, 1);
    assert_int_equal(t1->outcome, FQ_AUDIT_CLOSED);
    assert_int_equal(t1->counter, 1);
    assert_int_equal(t2->outcome, FQ_AUDIT_CANCELLED);
    assert_int_equal(t2->overtaken, 0); /* r3 was called after r2 had left */
    assert_int_equal(tp->seq, p1);
    assert_true(tp->first_no_show);
    assert_int_equal(tp->reason, 0);
    assert_int_equal(t3->seq, r3);
    assert_int_equal(t3->transfers, 1);
    assert_int_equal(t3->service, SVC_A); /* the service at issue */
    assert_int_equal(t3->manual_calls, 1);
    assert_int_equal(t3->outcome, FQ_AUDIT_DONE);
    assert_int_equal(t3->called_at - t3->issued_at, 70000);
    assert_int_equal(t4->seq, r4);
    assert_int_equal(t4->outcome, FQ_AUDIT_CLOSED);
    assert_int_equal(t4->overtaken, 0);
    /* the override, with its reason */
    assert_int_equal(fq_audit_n_overrides(a), 1);
    const fq_audit_override *o = fq_audit_override_at(a, 0);
    assert_int_equal(o->ticket, 3);
    assert_string_equal(o->note, "needs the step-free counter");
    /* the second day is empty */
    assert_int_equal(fq_audit_day_at(a, 1), DAY2);
    for (int k = 0; k < 3; k++)
        assert_int_equal(fq_audit_day_stats(a, 1, k)->tickets, 0);
    /* per service: the transfer does not move r3 out of A */
    assert_int_equal(fq_audit_service_stats(a, SVC_A, REG)->served, 2);
    assert_int_equal(fq_audit_service_stats(a, SVC_B, PRI)->no_show, 1);

    fq_audit_buf b = {0};
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_JSON, &b), FQ_OK);
    assert_non_null(strstr(b.data, "\"overrides\":[{\"number\":\"A003\",\"day\":\"2026-11-23\","
                                    "\"at\":\"2026-11-23T01:01:40.000Z\",\"counter\":\"1\","
                                    "\"reason\":\"needs the step-free counter\"}]"));
    assert_non_null(strstr(b.data, "{\"day\":\"2026-11-24\",\"classes\":[{\"id\":\"vip\","
                                    "\"served\":0,"));
    fq_audit_buf_free(&b);
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_CSV, &b), FQ_OK);
    assert_non_null(strstr(b.data, "day,number,service,class,reason,issued_at,called_at,wait_s,"
                                    "outcome,counter,manual,estimate_s,overtaken\r\n"));
    assert_non_null(strstr(b.data, "2026-11-23,A003,A,regular,,2026-11-23T01:00:30.000Z,"
                                    "2026-11-23T01:01:40.000Z,70.0,done,1,1,0,0\r\n"));
    assert_non_null(strstr(b.data, "2026-11-23,B001,B,priority,elderly,"));
    assert_non_null(strstr(b.data, ",no_show,2,0,0,0\r\n"));
    fq_audit_buf_free(&b);
    fq_audit_free(a);

    /* the range: only the second day */
    a = rig_audit(&r, DAY2, 0);
    assert_int_equal(fq_audit_n_tickets(a), 0);
    assert_int_equal(fq_audit_n_days(a), 1);
    assert_int_equal(fq_audit_class_stats(a, REG)->tickets, 0);
    assert_near(fq_audit_jain(a), 1.0);
    fq_audit_free(a);
    a = rig_audit(&r, DAY1, DAY1);
    assert_int_equal(fq_audit_n_tickets(a), 5);
    assert_int_equal(fq_audit_n_days(a), 1);
    fq_audit_free(a);
    rig_close(&r);
}

/* Tickets still waiting when the log ends count against their limit up to
 * the log's last event. */
static void test_open_at_end(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0 - SEC(3600));
    rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0);
    rig_issue(&r, VIP, SVC_B, FQ_NONE, 0, T0 + SEC(1000));
    rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0 + SEC(1800)); /* the log ends here */
    fq_audit *a = rig_audit(&r, 0, 0);
    const fq_audit_stats *s = fq_audit_class_stats(a, REG);
    assert_int_equal(s->open, 2);
    assert_int_equal(s->served, 0);
    assert_int_equal(s->starvation_breaches, 1); /* 1800 >= 1800 */
    assert_int_equal(fq_audit_class_stats(a, VIP)->starvation_breaches, 0); /* 800 < 900 */
    /* the first regular was overtaken by nobody: nobody was called */
    assert_near(s->overtaken_mean, 0.0);
    assert_near(s->wait_mean_s, 0.0);
    fq_audit_free(a);
    rig_close(&r);
}

/* An empty log, a log with one empty day, and bad arguments. */
static void test_empty(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    fq_audit *a = rig_audit(&r, 0, 0);
    assert_int_equal(fq_audit_n_tickets(a), 0);
    assert_int_equal(fq_audit_n_days(a), 0);
    fq_audit_buf b = {0};
    for (int f = FQ_AUDIT_TEXT; f <= FQ_AUDIT_HTML; f++)
        assert_int_equal(fq_audit_write(a, (fq_audit_format)f, &b), FQ_OK);
    assert_non_null(strstr(b.data, "\"from\":null,\"to\":null,"));
    assert_non_null(strstr(b.data, "\"events\":0,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"verify\":\"ok\""));
    fq_audit_buf_free(&b);
    fq_audit_free(a);
    rig_day(&r, DAY1, T0);
    a = rig_audit(&r, 0, 0);
    assert_int_equal(fq_audit_n_days(a), 1);
    assert_int_equal(fq_audit_n_tickets(a), 0);
    fq_audit_free(a);
    char err[128];
    assert_int_equal(fq_audit_new(r.s, &r.cfg, DAY2, DAY1, &a, err, sizeof err), FQ_EINVAL);
    assert_null(a);
    rig_close(&r);
}

/* An edited row: the audit still reports, and says where the chain breaks. */
static void test_tampered(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0);
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0 + SEC(1));
    rig_next(&r, 0, T0 + SEC(61));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(r.db, &db), SQLITE_OK);
    /* the wait was 60 s; make the issue 30 s later, keeping the bytes canonical */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE events SET data = replace(data, '%lld', '%lld') WHERE seq = 3",
             (long long)(T0 + SEC(1)), (long long)(T0 + SEC(31)));
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
    fq_audit *a = rig_audit(&r, 0, 0);
    uint64_t events, bad;
    char hash[FQ_HASH_HEX];
    fq_audit_head(a, &events, hash, &bad);
    assert_int_equal(bad, 3);
    assert_int_equal(events, 4);
    assert_near(fq_audit_class_stats(a, REG)->wait_mean_s, 30.0); /* what the row now says */
    fq_audit_buf b = {0};
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_JSON, &b), FQ_OK);
    assert_non_null(strstr(b.data, "\"verify\":\"bad event 3\"}}"));
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_HTML, &b), FQ_OK);
    assert_non_null(strstr(b.data, "bad event 3"));
    fq_audit_buf_free(&b);
    fq_audit_free(a);
    rig_close(&r);
}

/* The HTML page: self-contained, no script, charts, definitions, head. */
static void test_html(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0 - SEC(3600));
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    rig_issue(&r, REG, SVC_A, FQ_NONE, 0, T0);
    rig_issue(&r, VIP, SVC_A, FQ_NONE, 0, T0 + SEC(5));
    rig_next(&r, 0, T0 + SEC(65));
    fq_command c = fq_command_init(FQ_CMD_CALL);
    c.counter = 0;
    c.number_service = SVC_A;
    c.number = 1;
    snprintf(c.note, sizeof c.note, "<b>escaped & shown</b>");
    rig_do(&r, &c, T0 + SEC(2000));
    fq_audit *a = rig_audit(&r, 0, 0);
    fq_audit_buf b = {0};
    assert_int_equal(fq_audit_write(a, FQ_AUDIT_HTML, &b), FQ_OK);
    assert_null(strstr(b.data, "<script"));
    assert_null(strstr(b.data, "src="));
    assert_null(strstr(b.data, "href="));
    assert_null(strstr(b.data, "<b>escaped"));
    assert_non_null(strstr(b.data, "&lt;b&gt;escaped &amp; shown&lt;/b&gt;"));
    assert_non_null(strstr(b.data, "<style>"));
    assert_non_null(strstr(b.data, "@media print"));
    int svgs = 0;
    for (const char *p = b.data; (p = strstr(p, "<svg")); p++)
        svgs++;
    assert_int_equal(svgs, 3);
    assert_non_null(strstr(b.data, "Definitions"));
    assert_non_null(strstr(b.data, "nearest rank"));
    uint64_t events, bad;
    char hash[FQ_HASH_HEX];
    fq_audit_head(a, &events, hash, &bad);
    assert_non_null(strstr(b.data, hash));
    assert_non_null(strstr(b.data, "<span class=\"ok\">ok</span>"));
    /* the regular waited 2000 s: all of the class in the 30-35 minute bin */
    assert_non_null(strstr(b.data, "<title>regular: 100.0%</title>"));
    fq_audit_buf_free(&b);
    fq_audit_free(a);
    rig_close(&r);
}

static void test_parse(void **state)
{
    (void)state;
    int32_t d;
    assert_int_equal(fq_audit_parse_day("2026-11-23", &d), FQ_OK);
    assert_int_equal(d, 20261123);
    assert_int_equal(fq_audit_parse_day("2024-02-29", &d), FQ_OK);
    assert_int_equal(fq_audit_parse_day("2026-02-29", &d), FQ_EINVAL);
    assert_int_equal(fq_audit_parse_day("2026-13-01", &d), FQ_EINVAL);
    assert_int_equal(fq_audit_parse_day("2026-1-01", &d), FQ_EINVAL);
    assert_int_equal(fq_audit_parse_day("20261123", &d), FQ_EINVAL);
    fq_audit_format f;
    assert_int_equal(fq_audit_format_parse("html", &f), FQ_OK);
    assert_int_equal(f, FQ_AUDIT_HTML);
    assert_int_equal(fq_audit_format_parse("xml", &f), FQ_EINVAL);
}

/* The audit's chain check names the same bad event as fq_store_verify, for
 * every kind of edit at every position (the reading thread checks some rows'
 * hashes, the decoding thread the others: seq % 4 == 0 and the rest). */
static void test_chain_check_matches_verify(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, FQ_POLICY_ACCUMULATING);
    rig_day(&r, DAY1, T0);
    rig_counter(&r, FQ_CMD_OPEN, 0, T0);
    for (int i = 0; i < 20; i++) {
        rig_issue(&r, i % 3, SVC_A, i % 3 == PRI ? 0 : FQ_NONE, 0, T0 + SEC(10 * i + 1));
        if (i % 2)
            rig_next(&r, 0, T0 + SEC(10 * i + 5));
    }
    uint64_t n = 0;
    char head[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &n, head), FQ_OK);
    assert_true(n >= 30);
    fq_store_close(r.s); /* checkpointed: the .db file holds everything */
    r.s = NULL;
    FILE *f = fopen(r.db, "rb");
    assert_non_null(f);
    static char bytes[1 << 20];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    assert_true(len > 0 && len < sizeof bytes);

    static const char *const edits[] = {
        "UPDATE events SET data = replace(data, '\"at\":', '\"at\":1')",
        "UPDATE events SET hash = CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END"
        " || substr(hash, 2)",
        "UPDATE events SET prev_hash = CASE WHEN substr(prev_hash, 64, 1) = '0' THEN"
        " substr(prev_hash, 1, 63) || '1' ELSE substr(prev_hash, 1, 63) || '0' END",
        "UPDATE events SET hash = substr(hash, 1, 63)",
        "DELETE FROM events",
    };
    char db[200], sql[400];
    snprintf(db, sizeof db, "%s/t.db", r.dir);
    int compared = 0;
    for (uint64_t seq = 1; seq <= n; seq++) {
        for (size_t k = 0; k < sizeof edits / sizeof *edits; k++) {
            f = fopen(db, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(bytes, 1, len, f), len);
            fclose(f);
            sqlite3 *h = NULL;
            assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
            snprintf(sql, sizeof sql, "%s WHERE seq = %llu", edits[k], (unsigned long long)seq);
            assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
            assert_int_equal(sqlite3_close(h), SQLITE_OK);

            fq_store *s = NULL;
            char err[256];
            if (fq_store_open(db, NULL, FQ_STORE_READONLY, &s, err, sizeof err)) {
                /* a malformed last hash is refused at open already */
                if (seq != n)
                    fail_msg("edit %zu at %llu: %s", k, (unsigned long long)seq, err);
                unlink(db);
                continue;
            }
            uint64_t vn = 0, vbad = 0, events = 0, abad = 0;
            char vh[FQ_HASH_HEX], ah[FQ_HASH_HEX];
            fq_status vst = fq_store_verify(s, &vn, vh, &vbad);
            if (vst == FQ_OK && k == 4 && seq == n) { /* the last row gone: a shorter log */
                fq_store_close(s);
                unlink(db);
                continue;
            }
            if (vst != FQ_ECORRUPT)
                fail_msg("edit %zu at %llu: verify %d", k, (unsigned long long)seq, vst);
            assert_true(vbad >= 1 && vbad <= seq + 1);
            fq_audit *a = NULL;
            fq_status st = fq_audit_new(s, &r.cfg, 0, 0, &a, err, sizeof err);
            if (st == FQ_OK) {
                fq_audit_head(a, &events, ah, &abad);
                if (abad != vbad)
                    fail_msg("edit %zu at %llu: audit says %llu, verify %llu", k,
                             (unsigned long long)seq, (unsigned long long)abad,
                             (unsigned long long)vbad);
                fq_audit_free(a);
                compared++;
            } else {
                /* a deleted event may leave the rest undecodable: then it says so */
                assert_int_equal(k, 4);
                assert_int_equal(st, FQ_ECORRUPT);
            }
            fq_store_close(s);
            unlink(db);
        }
    }
    assert_true(compared >= (int)(4 * n));
    rig_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_regular), cmocka_unit_test(test_two_classes_jain),
        cmocka_unit_test(test_outcomes),      cmocka_unit_test(test_open_at_end),
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_chain_check_matches_verify),
        cmocka_unit_test(test_html),          cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
