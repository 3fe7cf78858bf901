/* test_engine_model.c — the engine against a deliberately naive reference.
 *
 * The reference keeps every ticket in a flat array and, for each `next`,
 * scans them all and applies SPEC 3 literally: overdue tickets first by
 * earliest deadline, then the policy, ties by seq. It knows nothing of the
 * engine's per-(class, service) queues, heads, pools or maps. Thousands of
 * random command sequences are run through both; after every command the
 * result, every ticket and every counter must agree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "engine_fixture.h"

#define MAXT 512

typedef struct ref_ticket {
    uint64_t seq;
    int k, s, ns, status, counter;
    fq_time a;
    uint32_t number;
    int recalls;
} ref_ticket;

typedef struct ref {
    fq_sched_cfg cfg;
    ref_ticket t[MAXT];
    int n;
    int cstate[FQ_MAX_COUNTERS], ccur[FQ_MAX_COUNTERS];
    uint64_t pass[FQ_MAX_CLASSES], vtime;
    int issued[FQ_MAX_SERVICES];
    uint64_t last_seq;
    int alarm;
} ref;

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

static int64_t lim(const ref *r, int k)
{
    return r->cfg.classes[k].starvation_limit_s * 1000;
}

static int waiting_in_class(const ref *r, int k)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->t[i].status == FQ_T_WAITING && r->t[i].k == k;
    return n;
}

static uint64_t stride(const ref *r, int k)
{
    uint64_t s = (uint64_t)(720720000.0 / r->cfg.classes[k].weight + 0.5);
    return s ? s : 1;
}

/* A class becoming backlogged starts at the smallest pass of the others. */
static void ref_wake(ref *r, int k)
{
    if (waiting_in_class(r, k) != 1)
        return;
    uint64_t v = r->vtime;
    int any = 0;
    for (int j = 0; j < r->cfg.n_classes; j++)
        if (j != k && waiting_in_class(r, j) && (!any || r->pass[j] < v)) {
            v = r->pass[j];
            any = 1;
        }
    if (r->pass[k] < v)
        r->pass[k] = v;
}

static int older(const ref_ticket *x, const ref_ticket *y)
{
    return x->a != y->a ? x->a < y->a : x->seq < y->seq;
}

static int ref_choose(const ref *r, int c, fq_time now)
{
    uint32_t mask = r->cfg.counters[c].services;
    int best = -1;
    for (int i = 0; i < r->n; i++) { /* overdue: earliest deadline */
        const ref_ticket *t = &r->t[i];
        if (t->status != FQ_T_WAITING || !(mask & (1u << t->s)) || lim(r, t->k) <= 0 ||
            now - t->a < lim(r, t->k))
            continue;
        if (best < 0) {
            best = i;
            continue;
        }
        fq_time dt = t->a + lim(r, t->k), db = r->t[best].a + lim(r, r->t[best].k);
        if (dt < db || (dt == db && t->seq < r->t[best].seq))
            best = i;
    }
    if (best >= 0)
        return best;
    for (int i = 0; i < r->n; i++) {
        const ref_ticket *t = &r->t[i];
        if (t->status != FQ_T_WAITING || !(mask & (1u << t->s)))
            continue;
        if (best < 0) {
            best = i;
            continue;
        }
        const ref_ticket *b = &r->t[best];
        const fq_class_cfg *ct = &r->cfg.classes[t->k], *cb = &r->cfg.classes[b->k];
        int better = 0;
        switch (r->cfg.policy) {
        case FQ_POLICY_FIFO: better = older(t, b); break;
        case FQ_POLICY_STRICT:
            if (ct->weight != cb->weight)
                better = ct->weight > cb->weight;
            else if (t->k != b->k)
                better = t->k < b->k;
            else
                better = older(t, b);
            break;
        case FQ_POLICY_ACCUMULATING: {
            double pt = ct->weight * (double)(now - t->a) / 1000.0 + (double)ct->head_start_s;
            double pb = cb->weight * (double)(now - b->a) / 1000.0 + (double)cb->head_start_s;
            better = pt > pb || (pt == pb && t->seq < b->seq);
            break;
        }
        case FQ_POLICY_WEIGHTED:
            if (t->k == b->k)
                better = older(t, b);
            else
                better = -1; /* decided below, per class */
            break;
        }
        if (better == 1)
            best = i;
        else if (better == -1) {
            /* compare the two classes by pass, ties by their oldest tickets' seq */
            int ot = -1, ob = -1;
            for (int j = 0; j < r->n; j++) {
                const ref_ticket *u = &r->t[j];
                if (u->status != FQ_T_WAITING || !(mask & (1u << u->s)))
                    continue;
                if (u->k == t->k && (ot < 0 || older(u, &r->t[ot])))
                    ot = j;
                if (u->k == b->k && (ob < 0 || older(u, &r->t[ob])))
                    ob = j;
            }
            uint64_t pt = r->pass[t->k], pb = r->pass[b->k];
            if (pt < pb || (pt == pb && r->t[ot].seq < r->t[ob].seq))
                best = ot;
            else
                best = ob;
        }
    }
    return best;
}

static void ref_finish(ref *r, int i, int status)
{
    r->t[i].status = status;
    if (r->t[i].counter >= 0)
        r->ccur[r->t[i].counter] = -1;
    r->t[i].counter = FQ_NONE;
}

static void ref_call(ref *r, int i, int c, int manual)
{
    r->t[i].status = FQ_T_CALLED;
    r->t[i].counter = c;
    r->ccur[c] = i;
    if (!manual) {
        r->pass[r->t[i].k] += stride(r, r->t[i].k);
        if (r->pass[r->t[i].k] > r->vtime)
            r->vtime = r->pass[r->t[i].k];
    }
}

/* Runs cmd on the reference; returns the status the engine must return. */
static fq_status ref_exec(ref *r, const fq_command *cmd, fq_time now)
{
    int c = cmd->counter;
    switch (cmd->type) {
    case FQ_CMD_ISSUE: {
        ref_ticket *t = &r->t[r->n++];
        memset(t, 0, sizeof *t);
        t->seq = ++r->last_seq;
        t->k = cmd->klass;
        t->s = t->ns = cmd->service;
        t->a = now;
        t->counter = FQ_NONE;
        t->status = FQ_T_WAITING;
        t->number = (uint32_t)++r->issued[cmd->service];
        ref_wake(r, t->k);
        return FQ_OK;
    }
    case FQ_CMD_CANCEL:
        for (int i = 0; i < r->n; i++)
            if (r->t[i].seq == cmd->ticket) {
                if (r->t[i].status != FQ_T_WAITING)
                    return FQ_ESTATE;
                ref_finish(r, i, FQ_T_CANCELLED);
                return FQ_OK;
            }
        return FQ_ENOTFOUND;
    case FQ_CMD_TICK: {
        int any = -1;
        for (int i = 0; i < r->n; i++)
            if (r->t[i].status == FQ_T_WAITING && lim(r, r->t[i].k) > 0 &&
                now - r->t[i].a >= lim(r, r->t[i].k))
                any = i;
        r->alarm = any >= 0;
        return FQ_OK;
    }
    case FQ_CMD_OPEN:
    case FQ_CMD_PAUSE:
    case FQ_CMD_CLOSE: {
        int to = cmd->type == FQ_CMD_OPEN ? FQ_C_OPEN : cmd->type == FQ_CMD_PAUSE ? FQ_C_PAUSED : FQ_C_CLOSED;
        if (r->cstate[c] == to || (to == FQ_C_PAUSED && r->cstate[c] != FQ_C_OPEN) ||
            (to == FQ_C_CLOSED && r->ccur[c] >= 0))
            return FQ_ESTATE;
        r->cstate[c] = to;
        return FQ_OK;
    }
    case FQ_CMD_NEXT:
    case FQ_CMD_CALL: {
        if (r->cstate[c] != FQ_C_OPEN)
            return FQ_ESTATE;
        int pick = -1;
        if (cmd->type == FQ_CMD_CALL) {
            for (int i = 0; i < r->n; i++)
                if (r->t[i].ns == cmd->number_service && r->t[i].number == cmd->number)
                    pick = i;
            if (pick < 0)
                return FQ_ENOTFOUND;
            if (r->t[pick].status != FQ_T_WAITING)
                return FQ_ESTATE;
        }
        if (r->ccur[c] >= 0)
            ref_finish(r, r->ccur[c], FQ_T_DONE);
        if (cmd->type == FQ_CMD_NEXT)
            pick = ref_choose(r, c, now);
        if (pick >= 0)
            ref_call(r, pick, c, cmd->type == FQ_CMD_CALL);
        return FQ_OK;
    }
    default: break;
    }
    int cur = r->ccur[c];
    if (cur < 0)
        return FQ_ESTATE;
    ref_ticket *t = &r->t[cur];
    switch (cmd->type) {
    case FQ_CMD_RECALL:
        if (t->status != FQ_T_CALLED)
            return FQ_ESTATE;
        t->recalls++;
        return FQ_OK;
    case FQ_CMD_NO_SHOW:
        if (t->status != FQ_T_CALLED)
            return FQ_ESTATE;
        ref_finish(r, cur, FQ_T_NO_SHOW);
        return FQ_OK;
    case FQ_CMD_START:
        if (t->status != FQ_T_CALLED)
            return FQ_ESTATE;
        t->status = FQ_T_SERVING;
        return FQ_OK;
    case FQ_CMD_COMPLETE: ref_finish(r, cur, FQ_T_DONE); return FQ_OK;
    case FQ_CMD_TRANSFER:
        if (t->status != FQ_T_SERVING || cmd->service == t->s)
            return FQ_ESTATE;
        r->ccur[c] = -1;
        t->counter = FQ_NONE;
        t->status = FQ_T_WAITING;
        t->s = cmd->service;
        ref_wake(r, t->k);
        return FQ_OK;
    default: return FQ_EINVAL;
    }
}

static fq_sched_cfg random_cfg(void)
{
    fq_sched_cfg c = fx_cfg((fq_policy)rnd(4));
    for (int k = 0; k < 3; k++) {
        c.classes[k].weight = (double)(1 + rnd(4)); /* equal weights happen often */
        c.classes[k].starvation_limit_s = rnd(3) ? 0 : 200 + rnd(1500);
        c.classes[k].head_start_s = rnd(2) ? 0 : rnd(300);
    }
    c.number_order = rnd(2) ? FQ_ORDER_SHUFFLED : FQ_ORDER_SEQUENTIAL;
    return c;
}

static fq_command random_cmd(const ref *r)
{
    static const fq_cmd_type types[] = {
        FQ_CMD_ISSUE, FQ_CMD_ISSUE, FQ_CMD_ISSUE, FQ_CMD_NEXT,  FQ_CMD_NEXT,   FQ_CMD_NEXT,
        FQ_CMD_CALL,  FQ_CMD_RECALL, FQ_CMD_NO_SHOW, FQ_CMD_START, FQ_CMD_COMPLETE,
        FQ_CMD_TRANSFER, FQ_CMD_CANCEL, FQ_CMD_OPEN, FQ_CMD_PAUSE, FQ_CMD_CLOSE, FQ_CMD_TICK};
    fq_command c = fq_command_init(types[rnd(FQ_ARRAY_LEN(types))]);
    c.counter = (int)rnd(3);
    c.service = (int)rnd(2);
    c.klass = (int)rnd(3);
    if (c.klass == PRI && rnd(2))
        c.reason = (int)rnd(3);
    if (c.type == FQ_CMD_CALL) {
        c.number_service = (int)rnd(2);
        c.number = 1 + rnd(8);
        strcpy(c.note, "model test");
    }
    if (c.type == FQ_CMD_CANCEL)
        c.ticket = r->n ? r->t[rnd((uint32_t)r->n)].seq : 1;
    return c;
}

static void compare(const fq_engine *e, const ref *r)
{
    size_t waiting = 0;
    for (int i = 0; i < r->n; i++) {
        const ref_ticket *x = &r->t[i];
        const fq_ticket *y = fq_engine_ticket(e, x->seq);
        assert_non_null(y);
        assert_int_equal(y->status, x->status);
        assert_int_equal(y->counter, x->counter);
        assert_int_equal(y->service, x->s);
        assert_int_equal(y->recalls, x->recalls);
        waiting += x->status == FQ_T_WAITING;
    }
    assert_int_equal(fq_engine_waiting(e), waiting);
    for (int c = 0; c < 3; c++) {
        assert_int_equal(fq_engine_counter_state(e, c), r->cstate[c]);
        assert_int_equal(fq_engine_counter_ticket(e, c), r->ccur[c] < 0 ? 0 : r->t[r->ccur[c]].seq);
    }
    assert_int_equal(fq_engine_alarm(e), r->alarm);
}

static void run_sequence(uint64_t seed, int steps)
{
    rng_state = seed;
    static ref r;
    memset(&r, 0, sizeof r);
    r.cfg = random_cfg();
    for (int c = 0; c < FQ_MAX_COUNTERS; c++)
        r.ccur[c] = -1;
    fq_engine *e = fq_engine_new(&r.cfg);
    assert_non_null(e);
    assert_int_equal(fx_day(e, 20261123, seed, T0), FQ_OK);
    fq_time now = T0;
    fq_evbuf out = {0};
    for (int i = 0; i < steps && r.n < MAXT - 1; i++) {
        now += SEC(rnd(4) ? rnd(120) : rnd(900));
        fq_command c = random_cmd(&r);
        /* The reference numbers each service's tickets 1, 2, ...; the engine's
         * n-th number may be shuffled. */
        fq_command ce = c;
        if (c.type == FQ_CMD_CALL)
            ce.number = fq_engine_number_for(e, c.number_service, c.number - 1);
        fq_evbuf_clear(&out);
        fq_status want = ref_exec(&r, &c, now);
        fq_status got = fq_engine_exec(e, &ce, now, &out);
        if (got != want)
            fail_msg("seed %llu step %d: command %d: engine %d, reference %d",
                     (unsigned long long)seed, i, c.type, got, want);
        compare(e, &r);
    }
    fq_evbuf_free(&out);
    fq_engine_free(e);
}

static void test_engine_matches_naive_reference(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3000; seed++)
        run_sequence(seed * 7919, 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_matches_naive_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
