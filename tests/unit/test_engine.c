/* test_engine.c — every policy and lifecycle transition of the engine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "engine_fixture.h"

static const fq_ticket *tk(fq_engine *e, uint64_t seq)
{
    const fq_ticket *t = fq_engine_ticket(e, seq);
    assert_non_null(t);
    return t;
}

/* --- lifecycle ---------------------------------------------------------- */

static void test_full_lifecycle(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_ACCUMULATING);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    assert_int_equal(a, 1);
    assert_int_equal(tk(e, a)->status, FQ_T_WAITING);
    assert_int_equal(fq_engine_waiting(e), 1);

    assert_int_equal(fx_do(e, FQ_CMD_NEXT, 0, T0 + SEC(1)), FQ_ESTATE); /* closed */
    assert_int_equal(fx_do(e, FQ_CMD_OPEN, 0, T0 + SEC(2)), FQ_OK);
    assert_int_equal(fx_next(e, 0, T0 + SEC(3)), a);
    assert_int_equal(tk(e, a)->status, FQ_T_CALLED);
    assert_int_equal(tk(e, a)->called_at, T0 + SEC(3));
    assert_int_equal(tk(e, a)->counter, 0);
    assert_int_equal(fq_engine_waiting(e), 0);

    assert_int_equal(fx_do(e, FQ_CMD_RECALL, 0, T0 + SEC(30)), FQ_OK);
    assert_int_equal(tk(e, a)->recalls, 1);
    assert_int_equal(tk(e, a)->called_at, T0 + SEC(3)); /* first call kept */
    assert_int_equal(tk(e, a)->last_called_at, T0 + SEC(30));

    assert_int_equal(fx_do(e, FQ_CMD_START, 0, T0 + SEC(40)), FQ_OK);
    assert_int_equal(tk(e, a)->status, FQ_T_SERVING);
    assert_int_equal(fx_do(e, FQ_CMD_RECALL, 0, T0 + SEC(41)), FQ_ESTATE);
    assert_int_equal(fx_do(e, FQ_CMD_NO_SHOW, 0, T0 + SEC(41)), FQ_ESTATE);
    assert_int_equal(fx_do(e, FQ_CMD_START, 0, T0 + SEC(41)), FQ_ESTATE);
    assert_int_equal(fx_do(e, FQ_CMD_COMPLETE, 0, T0 + SEC(100)), FQ_OK);
    assert_int_equal(tk(e, a)->status, FQ_T_DONE);
    assert_int_equal(tk(e, a)->finished_at, T0 + SEC(100));
    assert_int_equal(fq_engine_counter_ticket(e, 0), 0);
    assert_int_equal(fx_do(e, FQ_CMD_COMPLETE, 0, T0 + SEC(101)), FQ_ESTATE);
    fq_engine_free(e);
}

static void test_no_show(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, REG, SVC_A, T0 + SEC(1));
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    assert_int_equal(fx_do(e, FQ_CMD_NO_SHOW, 1, T0 + SEC(2)), FQ_ESTATE); /* nobody called */
    assert_int_equal(fx_next(e, 1, T0 + SEC(2)), a);
    assert_int_equal(fx_do(e, FQ_CMD_NO_SHOW, 1, T0 + SEC(60)), FQ_OK);
    assert_int_equal(tk(e, a)->status, FQ_T_NO_SHOW);
    assert_int_equal(fq_engine_counter_ticket(e, 1), 0);
    assert_int_equal(fx_next(e, 1, T0 + SEC(61)), b);
    fq_engine_free(e);
}

static void test_next_completes_current(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, VIP, SVC_A, T0 + SEC(1));
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    assert_int_equal(fx_next(e, 1, T0 + SEC(5)), a);
    fq_evbuf out = {0};
    fq_command c = fq_command_init(FQ_CMD_NEXT);
    c.counter = 1;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(9), &out), FQ_OK);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.v[0].type, FQ_EV_COMPLETED);
    assert_int_equal(out.v[0].ticket, a);
    assert_int_equal(out.v[1].type, FQ_EV_CALLED);
    assert_int_equal(out.v[1].ticket, b);
    assert_int_equal(tk(e, a)->status, FQ_T_DONE);
    /* next with nothing waiting: completes b, calls nobody, succeeds */
    fq_evbuf_clear(&out);
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(20), &out), FQ_OK);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].type, FQ_EV_COMPLETED);
    assert_int_equal(fq_engine_counter_ticket(e, 1), 0);
    fq_evbuf_clear(&out);
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(21), &out), FQ_OK);
    assert_int_equal(out.n, 0);
    fq_evbuf_free(&out);
    fq_engine_free(e);
}

static void test_counter_serves_nothing_waiting(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_ACCUMULATING);
    uint64_t b = fx_issue(e, VIP, SVC_B, T0);
    fx_do(e, FQ_CMD_OPEN, 1, T0); /* counter 1 serves A only */
    assert_int_equal(fx_next(e, 1, T0 + SEC(5000)), 0);
    assert_int_equal(tk(e, b)->status, FQ_T_WAITING);
    assert_int_equal(fq_engine_peek_next(e, 1, T0 + SEC(5000)), 0);
    fx_do(e, FQ_CMD_OPEN, 2, T0);
    assert_int_equal(fx_next(e, 2, T0 + SEC(5001)), b);
    fq_engine_free(e);
}

static void test_transfer_keeps_issue_time(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, REG, SVC_B, T0 + SEC(10));
    uint64_t c = fx_issue(e, REG, SVC_B, T0 + SEC(20));
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    fx_do(e, FQ_CMD_OPEN, 2, T0);
    assert_int_equal(fx_next(e, 1, T0 + SEC(30)), a);
    fq_command t = fq_command_init(FQ_CMD_TRANSFER);
    t.counter = 1;
    t.service = SVC_B;
    assert_int_equal(fq_engine_exec(e, &t, T0 + SEC(31), NULL), FQ_ESTATE); /* only when serving */
    fx_do(e, FQ_CMD_START, 1, T0 + SEC(32));
    t.service = SVC_A;
    assert_int_equal(fq_engine_exec(e, &t, T0 + SEC(33), NULL), FQ_ESTATE); /* same service */
    t.service = 7;
    assert_int_equal(fq_engine_exec(e, &t, T0 + SEC(33), NULL), FQ_EINVAL);
    t.service = SVC_B;
    assert_int_equal(fq_engine_exec(e, &t, T0 + SEC(100), NULL), FQ_OK);
    const fq_ticket *ta = tk(e, a);
    assert_int_equal(ta->status, FQ_T_WAITING);
    assert_int_equal(ta->service, SVC_B);
    assert_int_equal(ta->number_service, SVC_A); /* keeps its printed number */
    assert_int_equal(ta->issued_at, T0);
    assert_int_equal(fq_engine_counter_ticket(e, 1), 0);
    /* a was issued before b and c: it goes first at B */
    assert_int_equal(fx_next(e, 2, T0 + SEC(101)), a);
    assert_int_equal(fx_next(e, 2, T0 + SEC(102)), b);
    assert_int_equal(fx_next(e, 2, T0 + SEC(103)), c);
    assert_int_equal(tk(e, a)->called_at, T0 + SEC(30)); /* first call is kept for the audit */
    fq_engine_free(e);
}

static void test_cancel(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, REG, SVC_A, T0 + SEC(1));
    fq_command c = fq_command_init(FQ_CMD_CANCEL);
    c.ticket = a;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(2), NULL), FQ_OK);
    assert_int_equal(tk(e, a)->status, FQ_T_CANCELLED);
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(3), NULL), FQ_ESTATE);
    c.ticket = 999;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(3), NULL), FQ_ENOTFOUND);
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    assert_int_equal(fx_next(e, 1, T0 + SEC(4)), b);
    c.ticket = b; /* called: too late to cancel */
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(5), NULL), FQ_ESTATE);
    fq_engine_free(e);
}

static void test_manual_call(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, REG, SVC_A, T0 + SEC(1));
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    fq_command c = fq_command_init(FQ_CMD_CALL);
    c.counter = 1;
    c.number_service = SVC_A;
    c.number = tk(e, b)->number;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(2), NULL), FQ_EINVAL); /* no reason */
    strcpy(c.note, "customer returned with missing document");
    fq_evbuf out = {0};
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(2), &out), FQ_OK);
    assert_int_equal(out.n, 1);
    assert_true(out.v[0].manual);
    assert_string_equal(out.v[0].note, "customer returned with missing document");
    assert_int_equal(fq_engine_counter_ticket(e, 1), b);
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(3), NULL), FQ_ESTATE); /* b no longer waiting */
    c.number = 77;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(3), NULL), FQ_ENOTFOUND);
    fx_do(e, FQ_CMD_PAUSE, 1, T0 + SEC(4));
    c.number = 1;
    assert_int_equal(fq_engine_exec(e, &c, T0 + SEC(5), NULL), FQ_ESTATE); /* paused */
    fq_evbuf_free(&out);
    fq_engine_free(e);
}

static void test_counter_states(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    fx_issue(e, REG, SVC_A, T0);
    fx_issue(e, REG, SVC_A, T0);
    assert_int_equal(fx_do(e, FQ_CMD_PAUSE, 1, T0), FQ_ESTATE);  /* closed -> paused */
    assert_int_equal(fx_do(e, FQ_CMD_CLOSE, 1, T0), FQ_ESTATE);  /* already closed */
    assert_int_equal(fx_do(e, FQ_CMD_OPEN, 1, T0), FQ_OK);
    assert_int_equal(fx_do(e, FQ_CMD_OPEN, 1, T0), FQ_ESTATE);
    assert_int_equal(fx_next(e, 1, T0 + SEC(1)), 1);
    assert_int_equal(fx_do(e, FQ_CMD_PAUSE, 1, T0 + SEC(2)), FQ_OK);
    assert_int_equal(fq_engine_counter_state(e, 1), FQ_C_PAUSED);
    assert_int_equal(fx_do(e, FQ_CMD_NEXT, 1, T0 + SEC(3)), FQ_ESTATE);
    /* a paused counter finishes its customer */
    assert_int_equal(fx_do(e, FQ_CMD_START, 1, T0 + SEC(3)), FQ_OK);
    assert_int_equal(fx_do(e, FQ_CMD_CLOSE, 1, T0 + SEC(4)), FQ_ESTATE); /* still serving */
    assert_int_equal(fx_do(e, FQ_CMD_COMPLETE, 1, T0 + SEC(5)), FQ_OK);
    assert_int_equal(fx_do(e, FQ_CMD_CLOSE, 1, T0 + SEC(6)), FQ_OK);
    assert_int_equal(fx_do(e, FQ_CMD_NEXT, 1, T0 + SEC(7)), FQ_ESTATE);
    assert_int_equal(fx_do(e, FQ_CMD_OPEN, 99, T0), FQ_EINVAL);
    fq_engine_free(e);
}

/* --- policies ----------------------------------------------------------- */

static void test_fifo_order_and_ties(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t r = fx_issue(e, REG, SVC_A, T0);
    uint64_t v = fx_issue(e, VIP, SVC_B, T0); /* same instant: seq breaks the tie */
    uint64_t p = fx_issue(e, PRI, SVC_A, T0 + SEC(1));
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    assert_int_equal(fx_next(e, 0, T0 + SEC(9)), r);
    assert_int_equal(fx_next(e, 0, T0 + SEC(9)), v);
    assert_int_equal(fx_next(e, 0, T0 + SEC(9)), p);
    fq_engine_free(e);
}

static void test_strict_order(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_STRICT);
    uint64_t r = fx_issue(e, REG, SVC_A, T0);
    uint64_t p = fx_issue(e, PRI, SVC_A, T0 + SEC(1));
    uint64_t v1 = fx_issue(e, VIP, SVC_B, T0 + SEC(2));
    uint64_t v2 = fx_issue(e, VIP, SVC_A, T0 + SEC(3));
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    assert_int_equal(fx_next(e, 0, T0 + SEC(10)), v1); /* FIFO inside the class, across services */
    assert_int_equal(fx_next(e, 0, T0 + SEC(11)), v2);
    assert_int_equal(fx_next(e, 0, T0 + SEC(12)), p);
    assert_int_equal(fx_next(e, 0, T0 + SEC(13)), r);
    fq_engine_free(e);

    /* equal weights: config order decides */
    fq_sched_cfg c = fx_cfg(FQ_POLICY_STRICT);
    c.classes[VIP].weight = 1.0;
    c.classes[PRI].weight = 1.0;
    e = fq_engine_new(&c);
    fx_day(e, 20261123, 1, T0);
    uint64_t rr = fx_issue(e, REG, SVC_A, T0);
    uint64_t pp = fx_issue(e, PRI, SVC_A, T0 + SEC(1));
    uint64_t vv = fx_issue(e, VIP, SVC_A, T0 + SEC(2));
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    assert_int_equal(fx_next(e, 0, T0 + SEC(10)), vv);
    assert_int_equal(fx_next(e, 0, T0 + SEC(11)), pp);
    assert_int_equal(fx_next(e, 0, T0 + SEC(12)), rr);
    fq_engine_free(e);
}

static void test_accumulating_priority_and_ties(void **state)
{
    (void)state;
    /* regular at T0, vip at T0+100 s. At T0+t: P_reg = t, P_vip = 3 (t - 100). */
    for (int when = 140; when <= 160; when += 10) {
        fq_engine *e = fx_engine(FQ_POLICY_ACCUMULATING);
        uint64_t r = fx_issue(e, REG, SVC_A, T0);
        uint64_t v = fx_issue(e, VIP, SVC_A, T0 + SEC(100));
        fx_do(e, FQ_CMD_OPEN, 0, T0);
        uint64_t got = fx_next(e, 0, T0 + SEC(when));
        if (when < 150)
            assert_int_equal(got, r);
        else if (when == 150)
            assert_int_equal(got, r); /* 150 == 150: the smaller seq */
        else
            assert_int_equal(got, v);
        fq_engine_free(e);
    }
    /* head_start: h gives a class a lead of h seconds of priority */
    fq_sched_cfg c = fx_cfg(FQ_POLICY_ACCUMULATING);
    c.classes[PRI].head_start_s = 300;
    fq_engine *e = fq_engine_new(&c);
    fx_day(e, 20261123, 1, T0);
    uint64_t r = fx_issue(e, REG, SVC_A, T0);
    uint64_t p = fx_issue(e, PRI, SVC_A, T0 + SEC(500));
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    /* at T0+520: reg 520, pri 2*20 + 300 = 340 -> regular */
    assert_int_equal(fq_engine_peek_next(e, 0, T0 + SEC(520)), r);
    /* at T0+700: reg 700, pri 2*200 + 300 = 700 -> tie -> smaller seq (regular) */
    assert_int_equal(fq_engine_peek_next(e, 0, T0 + SEC(700)), r);
    /* at T0+710: reg 710, pri 720 -> priority */
    assert_int_equal(fx_next(e, 0, T0 + SEC(710)), p);
    fq_engine_free(e);
}

static void count_calls(fq_engine *e, int n, fq_time *now, int calls[3], int window[][3])
{
    for (int i = 0; i < n; i++) {
        uint64_t s = fx_next(e, 0, *now);
        assert_true(s != 0);
        int k = tk(e, s)->klass;
        calls[k]++;
        if (window)
            window[i][k] = 1;
        *now += 1;
    }
}

static void test_weighted_ratio(void **state)
{
    (void)state;
    fq_sched_cfg c = fx_cfg(FQ_POLICY_WEIGHTED);
    for (int k = 0; k < 3; k++)
        c.classes[k].starvation_limit_s = 0;
    fq_engine *e = fq_engine_new(&c);
    fx_day(e, 20261123, 1, T0);
    for (int i = 0; i < 200; i++)
        for (int k = 0; k < 3; k++)
            fx_issue(e, k, SVC_A, T0 + i);
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    fq_time now = T0 + SEC(1000);
    int calls[3] = {0}, win[120][3];
    memset(win, 0, sizeof win);
    count_calls(e, 120, &now, calls, win);
    assert_int_equal(calls[VIP], 60); /* 3:2:1 of 120 */
    assert_int_equal(calls[PRI], 40);
    assert_int_equal(calls[REG], 20);
    /* smooth: every 6 consecutive calls hold each class within one of its share */
    for (int i = 0; i + 6 <= 120; i++) {
        int w[3] = {0};
        for (int j = i; j < i + 6; j++)
            for (int k = 0; k < 3; k++)
                w[k] += win[j][k];
        assert_in_range(w[VIP], 2, 4);
        assert_in_range(w[PRI], 1, 3);
        assert_in_range(w[REG], 0, 2);
    }
    fq_engine_free(e);
}

static void test_weighted_idle_class_banks_no_credit(void **state)
{
    (void)state;
    fq_sched_cfg c = fx_cfg(FQ_POLICY_WEIGHTED);
    for (int k = 0; k < 3; k++)
        c.classes[k].starvation_limit_s = 0;
    fq_engine *e = fq_engine_new(&c);
    fx_day(e, 20261123, 1, T0);
    for (int i = 0; i < 100; i++)
        fx_issue(e, REG, SVC_A, T0 + i);
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    fq_time now = T0 + SEC(10);
    int calls[3] = {0};
    count_calls(e, 30, &now, calls, NULL); /* only regular was there */
    assert_int_equal(calls[REG], 30);
    for (int i = 0; i < 50; i++)
        fx_issue(e, VIP, SVC_A, now);
    memset(calls, 0, sizeof calls);
    count_calls(e, 8, &now, calls, NULL);
    /* vip arrives after regular had 30 calls alone: it gets its 3:1 share, not 30 in a row */
    assert_int_equal(calls[VIP], 6);
    assert_int_equal(calls[REG], 2);
    fq_engine_free(e);
}

/* --- starvation --------------------------------------------------------- */

static void test_strict_overdue_first_earliest_deadline(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_STRICT);
    uint64_t r = fx_issue(e, REG, SVC_A, T0);            /* deadline T0+1800 */
    uint64_t p = fx_issue(e, PRI, SVC_A, T0 + SEC(650)); /* deadline T0+1850 */
    for (int i = 0; i < 5; i++)
        fx_issue(e, VIP, SVC_A, T0 + SEC(1000 + i));     /* deadlines T0+1900.. */
    fx_do(e, FQ_CMD_OPEN, 1, T0 + SEC(1005));
    /* nobody overdue yet: strict calls a vip */
    assert_int_equal(tk(e, fx_next(e, 1, T0 + SEC(1799)))->klass, VIP);
    /* regular and priority overdue: earliest deadline first, ahead of the vips */
    assert_int_equal(fx_next(e, 1, T0 + SEC(1860)), r);
    assert_int_equal(fx_next(e, 1, T0 + SEC(1861)), p);
    assert_int_equal(tk(e, fx_next(e, 1, T0 + SEC(1862)))->klass, VIP);
    fq_engine_free(e);
}

static void test_overdue_across_services(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_STRICT);
    uint64_t rb = fx_issue(e, REG, SVC_B, T0);
    uint64_t va = fx_issue(e, VIP, SVC_A, T0 + SEC(1795));
    fx_do(e, FQ_CMD_OPEN, 0, T0);
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    /* counter 1 serves only A: the overdue B ticket is not eligible there */
    assert_int_equal(fq_engine_peek_next(e, 1, T0 + SEC(1800)), va);
    /* counter 0 serves A and B: the overdue regular at B beats the vip at A */
    assert_int_equal(fq_engine_peek_next(e, 0, T0 + SEC(1799)), va);
    assert_int_equal(fx_next(e, 0, T0 + SEC(1800)), rb);
    assert_true(fq_engine_overdue(e, tk(e, va), T0 + SEC(1795 + 900)));
    fq_engine_free(e);
}

static void test_alarm_raised_and_cleared(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_STRICT);
    uint64_t r = fx_issue(e, REG, SVC_A, T0);
    fq_evbuf out = {0};
    fq_command tick = fq_command_init(FQ_CMD_TICK);
    assert_int_equal(fq_engine_exec(e, &tick, T0 + SEC(1799), &out), FQ_OK);
    assert_int_equal(out.n, 0);
    assert_int_equal(fq_engine_exec(e, &tick, T0 + SEC(1800), &out), FQ_OK);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].type, FQ_EV_ALARM_ON);
    assert_int_equal(out.v[0].ticket, r);
    assert_true(fq_engine_alarm(e));
    assert_int_equal(fq_engine_exec(e, &tick, T0 + SEC(1801), &out), FQ_OK);
    assert_int_equal(out.n, 1); /* raised once */
    fx_do(e, FQ_CMD_OPEN, 1, T0 + SEC(1802));
    assert_int_equal(fx_next(e, 1, T0 + SEC(1803)), r);
    assert_int_equal(fq_engine_exec(e, &tick, T0 + SEC(1804), &out), FQ_OK);
    assert_int_equal(out.n, 2);
    assert_int_equal(out.v[1].type, FQ_EV_ALARM_OFF);
    assert_false(fq_engine_alarm(e));
    fq_evbuf_free(&out);
    fq_engine_free(e);
}

/* --- numbering and days ------------------------------------------------- */

static void test_numbers_shared_by_classes(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_ACCUMULATING);
    char buf[16];
    uint64_t a1 = fx_issue(e, VIP, SVC_A, T0);
    uint64_t a2 = fx_issue(e, REG, SVC_A, T0);
    uint64_t b1 = fx_issue(e, PRI, SVC_B, T0);
    assert_string_equal(fq_engine_format_number(e, SVC_A, tk(e, a1)->number, buf, sizeof buf), "A001");
    assert_string_equal(fq_engine_format_number(e, SVC_A, tk(e, a2)->number, buf, sizeof buf), "A002");
    assert_string_equal(fq_engine_format_number(e, SVC_B, tk(e, b1)->number, buf, sizeof buf), "B001");
    assert_string_equal(fq_engine_format_number(e, SVC_A, 1000, buf, sizeof buf), "A1000");
    int s;
    uint32_t n;
    assert_int_equal(fq_engine_parse_number(e, "B047", &s, &n), FQ_OK);
    assert_int_equal(s, SVC_B);
    assert_int_equal(n, 47);
    assert_int_equal(fq_engine_parse_number(e, "C047", &s, &n), FQ_EINVAL);
    assert_int_equal(fq_engine_parse_number(e, "A04x", &s, &n), FQ_EINVAL);
    assert_int_equal(fq_engine_parse_number(e, "A", &s, &n), FQ_EINVAL);
    assert_ptr_equal(fq_engine_find_number(e, SVC_A, 2), tk(e, a2));
    fq_engine_free(e);
}

static void test_shuffled_numbers_are_a_permutation(void **state)
{
    (void)state;
    fq_sched_cfg c = fx_cfg(FQ_POLICY_FIFO);
    c.number_order = FQ_ORDER_SHUFFLED;
    fq_engine *e = fq_engine_new(&c);
    fx_day(e, 20261123, 12345, T0);
    static unsigned char seen[1000];
    memset(seen, 0, sizeof seen);
    int in_order = 0;
    for (uint32_t i = 0; i < 999; i++) {
        uint32_t n = fq_engine_number_for(e, SVC_A, i);
        assert_in_range(n, 1, 999);
        assert_int_equal(seen[n], 0);
        seen[n] = 1;
        in_order += n == i + 1;
    }
    assert_true(in_order < 20); /* really shuffled */
    assert_int_equal(fq_engine_number_for(e, SVC_A, 999), 1000); /* then it grows */
    /* the issued tickets follow the permutation, and it depends on seed and service */
    uint64_t t1 = fx_issue(e, REG, SVC_A, T0);
    assert_int_equal(tk(e, t1)->number, fq_engine_number_for(e, SVC_A, 0));
    int same_service = 0, same_seed = 0;
    fq_engine *e2 = fq_engine_new(&c);
    fx_day(e2, 20261123, 54321, T0);
    for (uint32_t i = 0; i < 50; i++) {
        same_service += fq_engine_number_for(e, SVC_A, i) == fq_engine_number_for(e, SVC_B, i);
        same_seed += fq_engine_number_for(e, SVC_A, i) == fq_engine_number_for(e2, SVC_A, i);
    }
    assert_true(same_service < 5);
    assert_true(same_seed < 5);
    fq_engine_free(e2);
    fq_engine_free(e);
}

static void test_begin_day_closes_and_restarts(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    uint64_t b = fx_issue(e, REG, SVC_A, T0);
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    assert_int_equal(fx_next(e, 1, T0 + SEC(1)), a);
    fq_evbuf out = {0};
    fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
    d.day = 20261123;
    assert_int_equal(fq_engine_exec(e, &d, T0 + SEC(86400), &out), FQ_ESTATE); /* same day */
    d.day = 20261124;
    assert_int_equal(fq_engine_exec(e, &d, T0 + SEC(86400), &out), FQ_OK);
    /* closed a (called) and b (waiting), closed counter 1, then the day */
    assert_int_equal(out.n, 4);
    assert_int_equal(out.v[0].type, FQ_EV_CLOSED);
    assert_int_equal(out.v[1].type, FQ_EV_CLOSED);
    assert_int_equal(out.v[2].type, FQ_EV_COUNTER);
    assert_int_equal(out.v[3].type, FQ_EV_DAY);
    assert_true((out.v[0].ticket == a && out.v[1].ticket == b));
    assert_int_equal(fq_engine_day(e), 20261124);
    assert_int_equal(fq_engine_waiting(e), 0);
    assert_int_equal(fq_engine_counter_state(e, 1), FQ_C_CLOSED);
    assert_null(fq_engine_ticket(e, a)); /* yesterday is gone from memory (it is in the log) */
    uint64_t c = fx_issue(e, REG, SVC_A, T0 + SEC(86401));
    assert_int_equal(c, b + 1);           /* seq never restarts */
    assert_int_equal(tk(e, c)->number, 1); /* numbers do */
    fq_evbuf_free(&out);
    fq_engine_free(e);
}

static void test_issue_validation(void **state)
{
    (void)state;
    fq_sched_cfg c = fx_cfg(FQ_POLICY_FIFO);
    fq_engine *e = fq_engine_new(&c);
    fq_command i = fq_command_init(FQ_CMD_ISSUE);
    i.klass = REG;
    i.service = SVC_A;
    assert_int_equal(fq_engine_exec(e, &i, T0, NULL), FQ_ESTATE); /* no day yet */
    fx_day(e, 20261123, 1, T0);
    i.service = 5;
    assert_int_equal(fq_engine_exec(e, &i, T0, NULL), FQ_EINVAL);
    i.service = SVC_A;
    i.klass = 3;
    assert_int_equal(fq_engine_exec(e, &i, T0, NULL), FQ_EINVAL);
    i.klass = REG;
    i.reason = 0; /* regular has no reasons */
    assert_int_equal(fq_engine_exec(e, &i, T0, NULL), FQ_EINVAL);
    i.klass = PRI;
    i.reason = 2;
    assert_int_equal(fq_engine_exec(e, &i, T0, NULL), FQ_OK);
    assert_int_equal(tk(e, 1)->reason, 3);
    assert_int_equal(fq_engine_last_seq(e), 1);
    fq_engine_free(e);
    c.n_classes = 0;
    assert_null(fq_engine_new(&c));
    fq_engine_free(NULL);
}

/* --- events: decide is read-only, apply rebuilds, bad events refused ---- */

static void test_replay_rebuilds_state(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_WEIGHTED);
    fq_evbuf log = {0};
    fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
    fq_engine *fresh = fq_engine_new(fq_engine_cfg(e));
    d.day = 20261123;
    d.seed = 42;
    fq_engine_exec(fresh, &d, T0, NULL);
    fq_time now = T0;
    for (int i = 0; i < 40; i++) {
        fq_command c = fq_command_init(FQ_CMD_ISSUE);
        c.klass = i % 3;
        c.service = i % 2;
        assert_int_equal(fq_engine_exec(e, &c, now += SEC(7), &log), FQ_OK);
        if (i == 3)
            for (int k = 0; k < 3; k++) {
                fq_command o = fq_command_init(FQ_CMD_OPEN);
                o.counter = k;
                fq_engine_exec(e, &o, now, &log);
            }
        if (i > 3 && i % 2) {
            fq_command n = fq_command_init(FQ_CMD_NEXT);
            n.counter = i % 3;
            assert_int_equal(fq_engine_exec(e, &n, now += SEC(30), &log), FQ_OK);
        }
    }
    for (size_t i = 0; i < log.n; i++)
        assert_int_equal(fq_engine_apply(fresh, &log.v[i]), FQ_OK);
    assert_int_equal(fq_engine_waiting(fresh), fq_engine_waiting(e));
    assert_int_equal(fq_engine_last_seq(fresh), fq_engine_last_seq(e));
    for (uint64_t s = 1; s <= fq_engine_last_seq(e); s++) {
        const fq_ticket *x = fq_engine_ticket(e, s), *y = fq_engine_ticket(fresh, s);
        assert_int_equal(x->status, y->status);
        assert_int_equal(x->counter, y->counter);
        assert_int_equal(x->number, y->number);
    }
    for (int c = 0; c < 3; c++) {
        assert_int_equal(fq_engine_counter_ticket(e, c), fq_engine_counter_ticket(fresh, c));
        assert_int_equal(fq_engine_peek_next(e, c, now), fq_engine_peek_next(fresh, c, now));
    }
    /* decide alone changes nothing */
    fq_evbuf probe = {0};
    fq_command n = fq_command_init(FQ_CMD_NEXT);
    n.counter = 0;
    size_t before = fq_engine_waiting(e);
    assert_int_equal(fq_engine_decide(e, &n, now, &probe), FQ_OK);
    assert_int_equal(fq_engine_waiting(e), before);
    /* an event that does not fit the state is refused and changes nothing */
    fq_event bad = fq_event_init(FQ_EV_CALLED, now);
    bad.ticket = 9999;
    bad.counter = 0;
    assert_int_equal(fq_engine_apply(e, &bad), FQ_ECORRUPT);
    bad.ticket = 1; /* not waiting any more, or at a busy counter */
    const fq_ticket *t1 = fq_engine_ticket(e, 1);
    uint8_t st = t1->status;
    if (st != FQ_T_WAITING)
        assert_int_equal(fq_engine_apply(e, &bad), FQ_ECORRUPT);
    assert_int_equal(fq_engine_ticket(e, 1)->status, st);
    fq_event dup = fq_event_init(FQ_EV_ISSUED, now);
    dup.ticket = 1; /* seq reuse */
    dup.klass = 0;
    dup.service = 0;
    assert_int_equal(fq_engine_apply(e, &dup), FQ_ECORRUPT);
    fq_evbuf_free(&probe);
    fq_evbuf_free(&log);
    fq_engine_free(fresh);
    fq_engine_free(e);
}

static void test_estimates(void **state)
{
    (void)state;
    fq_engine *e = fx_engine(FQ_POLICY_FIFO);
    fx_do(e, FQ_CMD_OPEN, 1, T0); /* one counter for A, 300 s per customer */
    assert_int_equal(fq_engine_estimate_new(e, REG, SVC_A, T0), 0); /* a free counter */
    uint64_t a = fx_issue(e, REG, SVC_A, T0);
    assert_int_equal(fx_next(e, 1, T0), a); /* now busy */
    assert_int_equal(fq_engine_estimate_new(e, REG, SVC_A, T0), 300);
    uint64_t b = fx_issue(e, REG, SVC_A, T0);
    fx_issue(e, REG, SVC_A, T0);
    assert_int_equal(fq_engine_estimate(e, b, T0), 300);
    assert_int_equal(fq_engine_estimate_new(e, VIP, SVC_A, T0), 900); /* fifo: vip waits too */
    fx_do(e, FQ_CMD_OPEN, 0, T0); /* a second counter serving A, free */
    assert_int_equal(fq_engine_estimate(e, b, T0), 0);
    assert_int_equal(fq_engine_estimate(e, a, T0), 0); /* called: no wait left */
    fq_engine_free(e);

    e = fx_engine(FQ_POLICY_STRICT);
    fx_do(e, FQ_CMD_OPEN, 1, T0);
    fx_issue(e, REG, SVC_A, T0);
    fx_next(e, 1, T0); /* the only counter for A is busy */
    fx_issue(e, REG, SVC_A, T0);
    fx_issue(e, REG, SVC_A, T0);
    uint64_t v = fx_issue(e, VIP, SVC_A, T0 + SEC(1));
    assert_int_equal(fq_engine_estimate(e, v, T0 + SEC(1)), 300);      /* outranks both */
    assert_int_equal(fq_engine_estimate_new(e, REG, SVC_A, T0 + SEC(1)), 1200); /* behind 3 */
    fq_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_lifecycle),
        cmocka_unit_test(test_no_show),
        cmocka_unit_test(test_next_completes_current),
        cmocka_unit_test(test_counter_serves_nothing_waiting),
        cmocka_unit_test(test_transfer_keeps_issue_time),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_manual_call),
        cmocka_unit_test(test_counter_states),
        cmocka_unit_test(test_fifo_order_and_ties),
        cmocka_unit_test(test_strict_order),
        cmocka_unit_test(test_accumulating_priority_and_ties),
        cmocka_unit_test(test_weighted_ratio),
        cmocka_unit_test(test_weighted_idle_class_banks_no_credit),
        cmocka_unit_test(test_strict_overdue_first_earliest_deadline),
        cmocka_unit_test(test_overdue_across_services),
        cmocka_unit_test(test_alarm_raised_and_cleared),
        cmocka_unit_test(test_numbers_shared_by_classes),
        cmocka_unit_test(test_shuffled_numbers_are_a_permutation),
        cmocka_unit_test(test_begin_day_closes_and_restarts),
        cmocka_unit_test(test_issue_validation),
        cmocka_unit_test(test_replay_rebuilds_state),
        cmocka_unit_test(test_estimates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
