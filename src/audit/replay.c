/* replay.c — a recorded business day again under another policy.
 *
 * From the audit's ticket records of the day: each ticket arrives at its
 * recorded issue time (class, service at issue); its first visit occupies a
 * counter for as long as it did in the recording (first call to completion,
 * transfer or no-show: the walk-up is part of the counter's time); a ticket
 * that was a no-show is one again after the same delay; a ticket cancelled
 * while waiting leaves at its recorded time if it is still waiting then.
 * Counters open, pause and close at their recorded times (a counter told to
 * close while busy finishes its ticket first). A fresh engine with the
 * configured classes, services and counters and the chosen policy makes every
 * decision: an open, free counter calls `next` at once.
 *
 * Same-instant events keep the log's order (their event seq breaks ties), so
 * a day recorded under fifo with counters calling as soon as they are free
 * replays under fifo to exactly the recorded waits. docs/audit.md ("Replay")
 * says what replay cannot know. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

typedef enum { EV_ARRIVE = 0, EV_COUNTER = 1, EV_CANCEL = 2 } rkind;

typedef struct rev {
    fq_time at;
    uint64_t key; /* event seq in the log: orders same-instant events */
    rkind kind;
    size_t ticket; /* audit index */
    int counter, state;
} rev;

typedef struct rctr {
    bool busy, no_show;
    fq_time until;
    uint64_t until_key;
    int want; /* recorded state: fq_counter_state */
} rctr;

typedef struct run {
    const fq_audit *a;
    const fq__audit_day *day;
    fq_engine *e;
    fq_evbuf evs;
    rctr ctr[FQ_MAX_COUNTERS];
    int64_t *waits[FQ_MAX_CLASSES];
    size_t n_waits[FQ_MAX_CLASSES];
    uint64_t called[FQ_MAX_CLASSES];
    int64_t mean_hold_ms[FQ_MAX_SERVICES];
} run;

static int cmp_rev(const void *x, const void *y)
{
    const rev *a = x, *b = y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* How long the ticket's first visit held its counter in the recording. */
static int64_t hold_ms(const run *r, const fq_audit_ticket *t)
{
    if (t->called_at && t->visit_end_at)
        return t->visit_end_at - t->called_at;
    if (t->called_at) /* still at the counter when the log ends */
        return r->a->last_at > t->called_at ? r->a->last_at - t->called_at : 0;
    return r->mean_hold_ms[t->service];
}

static fq_status exec(run *r, fq_command *cmd, fq_time now)
{
    fq_evbuf_clear(&r->evs);
    return fq_engine_exec(r->e, cmd, now, &r->evs);
}

static fq_status counter_cmd(run *r, int c, fq_cmd_type type, fq_time now)
{
    fq_command cmd = fq_command_init(type);
    cmd.counter = c;
    return exec(r, &cmd, now);
}

/* Brings the engine's counter to the recorded state where the engine allows
 * it now (closing waits for the current ticket). */
static fq_status sync_counter(run *r, int c, fq_time now)
{
    fq_counter_state cur = fq_engine_counter_state(r->e, c);
    int want = r->ctr[c].want;
    if ((int)cur == want)
        return FQ_OK;
    if (want == FQ_C_OPEN)
        return counter_cmd(r, c, FQ_CMD_OPEN, now);
    if (want == FQ_C_PAUSED)
        return cur == FQ_C_OPEN ? counter_cmd(r, c, FQ_CMD_PAUSE, now) : FQ_OK;
    return r->ctr[c].busy ? FQ_OK : counter_cmd(r, c, FQ_CMD_CLOSE, now);
}

static fq_status call_idle(run *r, fq_time now)
{
    const fq_audit *a = r->a;
    for (int c = 0; c < a->cfg.sched.n_counters; c++) {
        if (r->ctr[c].busy || r->ctr[c].want != FQ_C_OPEN ||
            fq_engine_counter_state(r->e, c) != FQ_C_OPEN)
            continue;
        fq_status st = counter_cmd(r, c, FQ_CMD_NEXT, now);
        if (st)
            return st;
        uint64_t seq = 0;
        for (size_t i = 0; i < r->evs.n; i++)
            if (r->evs.v[i].type == FQ_EV_CALLED)
                seq = r->evs.v[i].ticket;
        if (!seq)
            continue;
        size_t ti = r->day->first + (size_t)(seq - 1);
        if (ti >= r->day->last)
            return FQ_ECORRUPT;
        const fq_audit_ticket *t = &a->t[ti];
        rctr *k = &r->ctr[c];
        k->busy = true;
        k->no_show = t->first_no_show;
        k->until = now + hold_ms(r, t);
        k->until_key = t->visit_end_ev ? t->visit_end_ev : UINT64_MAX;
        r->called[t->klass]++;
        if (!t->first_no_show)
            r->waits[t->klass][r->n_waits[t->klass]++] = now - t->issued_at;
    }
    return FQ_OK;
}

static fq_status end_service(run *r, int c, fq_time now)
{
    rctr *k = &r->ctr[c];
    fq_status st = counter_cmd(r, c, k->no_show ? FQ_CMD_NO_SHOW : FQ_CMD_COMPLETE, now);
    k->busy = false;
    return st ? st : sync_counter(r, c, now);
}

static fq_status on_static(run *r, const rev *v, size_t first)
{
    const fq_audit *a = r->a;
    if (v->kind == EV_ARRIVE) {
        const fq_audit_ticket *t = &a->t[v->ticket];
        fq_command cmd = fq_command_init(FQ_CMD_ISSUE);
        cmd.service = t->service;
        cmd.klass = t->klass;
        return exec(r, &cmd, v->at);
    }
    if (v->kind == EV_CANCEL) {
        uint64_t seq = (uint64_t)(v->ticket - first) + 1;
        const fq_ticket *t = fq_engine_ticket(r->e, seq);
        if (!t || t->status != FQ_T_WAITING)
            return FQ_OK; /* the replay called it before the customer left */
        fq_command cmd = fq_command_init(FQ_CMD_CANCEL);
        cmd.ticket = seq;
        return exec(r, &cmd, v->at);
    }
    if (v->counter < 0 || v->counter >= a->cfg.sched.n_counters)
        return FQ_ECORRUPT;
    r->ctr[v->counter].want = v->state;
    return sync_counter(r, v->counter, v->at);
}

/* Runs the day under `policy`; fills r->waits (served waits per class). */
static fq_status run_day(run *r, fq_policy policy)
{
    const fq_audit *a = r->a;
    const fq__audit_day *d = r->day;
    fq_sched_cfg cfg = a->cfg.sched;
    cfg.policy = policy;
    cfg.retain_finished = false;
    size_t nt = d->last - d->first;
    size_t nv = 0, cap = nt * 2 + a->n_cev + 1;
    rev *v = malloc(cap * sizeof *v);
    r->e = fq_engine_new(&cfg);
    fq_status st = v && r->e ? FQ_OK : FQ_ENOMEM;
    for (int k = 0; k < cfg.n_classes && !st; k++)
        if (!(r->waits[k] = malloc((nt + 1) * sizeof *r->waits[k])))
            st = FQ_ENOMEM;
    if (st)
        goto out;

    /* Mean recorded hold per service, for tickets the recording never called. */
    int64_t sum[FQ_MAX_SERVICES] = {0};
    int64_t cnt[FQ_MAX_SERVICES] = {0};
    for (size_t i = d->first; i < d->last; i++) {
        const fq_audit_ticket *t = &a->t[i];
        v[nv++] = (rev){t->issued_at, t->issue_ev, EV_ARRIVE, i, FQ_NONE, 0};
        if (t->outcome == FQ_AUDIT_CANCELLED && !t->called_at)
            v[nv++] = (rev){t->end_at, t->end_ev, EV_CANCEL, i, FQ_NONE, 0};
        if (t->called_at && t->visit_end_at && !t->first_no_show) {
            sum[t->service] += t->visit_end_at - t->called_at;
            cnt[t->service]++;
        }
    }
    for (int s = 0; s < cfg.n_services; s++)
        r->mean_hold_ms[s] =
            cnt[s] ? sum[s] / cnt[s] : (int64_t)(cfg.services[s].service_time_s * 1000.0);
    for (size_t i = 0; i < a->n_cev; i++)
        if (a->cev[i].day == d->day)
            v[nv++] = (rev){a->cev[i].at, a->cev[i].ev, EV_COUNTER, 0, a->cev[i].counter,
                            a->cev[i].state};
    qsort(v, nv, sizeof *v, cmp_rev);
    for (int c = 0; c < cfg.n_counters; c++)
        r->ctr[c] = (rctr){false, false, 0, 0, FQ_C_CLOSED};

    fq_command begin = fq_command_init(FQ_CMD_BEGIN_DAY);
    begin.day = d->day;
    if ((st = exec(r, &begin, d->start_at)))
        goto out;
    size_t i = 0;
    for (;;) {
        /* the earliest counter to finish, ties by the recorded event order */
        int bc = FQ_NONE;
        for (int c = 0; c < cfg.n_counters; c++)
            if (r->ctr[c].busy &&
                (bc == FQ_NONE || r->ctr[c].until < r->ctr[bc].until ||
                 (r->ctr[c].until == r->ctr[bc].until && r->ctr[c].until_key < r->ctr[bc].until_key)))
                bc = c;
        bool take_static = i < nv && (bc == FQ_NONE || v[i].at < r->ctr[bc].until ||
                                      (v[i].at == r->ctr[bc].until && v[i].key < r->ctr[bc].until_key));
        if (!take_static && bc == FQ_NONE)
            break;
        fq_time now = take_static ? v[i].at : r->ctr[bc].until;
        if (d->end_at && now >= d->end_at)
            break; /* the day ended: what is still waiting stays unserved */
        st = take_static ? on_static(r, &v[i++], d->first) : end_service(r, bc, now);
        if (!st)
            st = call_idle(r, now);
        if (st)
            goto out;
    }
out:
    free(v);
    fq_engine_free(r->e);
    r->e = NULL;
    return st;
}

static void run_free(run *r)
{
    for (int k = 0; k < FQ_MAX_CLASSES; k++) {
        free(r->waits[k]);
        r->waits[k] = NULL;
        r->n_waits[k] = 0;
        r->called[k] = 0;
    }
    fq_evbuf_free(&r->evs);
}

static double mean_s(const int64_t *w, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)w[i];
    return n ? s / (double)n / 1000.0 : 0.0;
}

static int regular_class(const fq_sched_cfg *c)
{
    int k = fq_config_class(c, "regular");
    if (k != FQ_NONE)
        return k;
    k = 0;
    for (int j = 1; j < c->n_classes; j++)
        if (c->classes[j].weight < c->classes[k].weight)
            k = j;
    return k;
}

fq_status fq_replay_run(const fq_audit *a, int32_t day, fq_policy policy, fq_replay_result *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    size_t di = 0;
    while (di < a->n_days && a->days[di].day != day)
        di++;
    if (di == a->n_days) {
        char d[16];
        if (err && errlen)
            snprintf(err, errlen, "the log has no business day %s", fq__audit_day_text(day, d));
        return FQ_ENOTFOUND;
    }
    const fq_sched_cfg *c = &a->cfg.sched;
    int nk = c->n_classes;
    run *r = calloc(1, sizeof *r);
    if (!r)
        return FQ_ENOMEM;
    r->a = a;
    r->day = &a->days[di];
    out->day = day;
    out->policy = policy;
    out->n_classes = nk;
    out->regular = regular_class(c);
    double recorded_regular = a->by_day[di * (size_t)nk + (size_t)out->regular].wait_mean_s;

    fq_status st = run_day(r, policy);
    for (int k = 0; k < nk && !st; k++) {
        fq_replay_class *rc = &out->classes[k];
        const fq__audit_day *d = r->day;
        uint64_t total = 0;
        for (size_t i = d->first; i < d->last; i++)
            total += a->t[i].klass == k;
        snprintf(rc->id, sizeof rc->id, "%s", c->classes[k].id);
        size_t n = r->n_waits[k];
        int64_t *w = r->waits[k];
        qsort(w, n, sizeof *w, cmp_i64);
        rc->served = n;
        rc->unserved = total >= r->called[k] ? total - r->called[k] : 0;
        rc->wait_mean_s = mean_s(w, n);
        if (n) {
            size_t rank = (size_t)((95 * n + 99) / 100); /* nearest rank: ceil(0.95 n) */
            rc->wait_p95_s = (double)w[(rank ? rank : 1) - 1] / 1000.0;
            rc->wait_max_s = (double)w[n - 1] / 1000.0;
        }
        rc->recorded_wait_mean_s = a->by_day[di * (size_t)nk + (size_t)k].wait_mean_s;
    }
    double fifo_regular = out->classes[out->regular].wait_mean_s;
    if (!st && policy != FQ_POLICY_FIFO) {
        run_free(r);
        st = run_day(r, FQ_POLICY_FIFO);
        if (!st)
            fifo_regular = mean_s(r->waits[out->regular], r->n_waits[out->regular]);
    }
    out->cost_of_priority_s = recorded_regular - fifo_regular;
    run_free(r);
    free(r);
    if (st && err && errlen)
        snprintf(err, errlen, "replaying the day: %s", fq_strerror(st));
    return st;
}

fq_status fq_replay_write(const fq_replay_result *r, fq_audit_format fmt, fq_audit_buf *b)
{
    char day[16], n[5][48];
    fq_status st;
    if (fmt == FQ_AUDIT_JSON) {
        st = fq_audit_buf_printf(b, "{\"day\":\"%s\",\"policy\":\"%s\",\"classes\":[",
                                 fq__audit_day_text(r->day, day), fq_policy_name(r->policy));
        for (int k = 0; k < r->n_classes && !st; k++) {
            const fq_replay_class *c = &r->classes[k];
            st = fq_audit_buf_puts(b, k ? ",{\"id\":" : "{\"id\":");
            if (!st)
                st = fq__audit_json_str(b, c->id);
            if (!st)
                st = fq_audit_buf_printf(
                    b,
                    ",\"served\":%llu,\"wait_mean_s\":%s,\"wait_p95_s\":%s,\"wait_max_s\":%s,"
                    "\"recorded_wait_mean_s\":%s}",
                    (unsigned long long)c->served, fq_util_num(n[0], 48, c->wait_mean_s, 3),
                    fq_util_num(n[1], 48, c->wait_p95_s, 3),
                    fq_util_num(n[2], 48, c->wait_max_s, 3),
                    fq_util_num(n[3], 48, c->recorded_wait_mean_s, 3));
        }
        return st ? st
                  : fq_audit_buf_printf(b, "],\"cost_of_priority_s\":%s}\n",
                                        fq_util_num(n[0], 48, r->cost_of_priority_s, 3));
    }
    if (fmt != FQ_AUDIT_TEXT)
        return FQ_EINVAL;
    st = fq_audit_buf_printf(b, "replay of %s under %s (waits in seconds, issue to first call)\n"
                                "  class          served unserved  mean_s   p95_s   max_s  "
                                "recorded_mean_s\n",
                             fq__audit_day_text(r->day, day), fq_policy_name(r->policy));
    for (int k = 0; k < r->n_classes && !st; k++) {
        const fq_replay_class *c = &r->classes[k];
        st = fq_audit_buf_printf(b, "  %-14s %6llu %8llu %7s %7s %7s %16s\n", c->id,
                                 (unsigned long long)c->served, (unsigned long long)c->unserved,
                                 fq_util_num(n[0], 48, c->wait_mean_s, 1),
                                 fq_util_num(n[1], 48, c->wait_p95_s, 1),
                                 fq_util_num(n[2], 48, c->wait_max_s, 1),
                                 fq_util_num(n[3], 48, c->recorded_wait_mean_s, 1));
    }
    return st ? st
              : fq_audit_buf_printf(b,
                                    "cost of priority for %s: %s s (recorded mean wait minus "
                                    "its mean wait under fifo replay)\n",
                                    r->classes[r->regular].id,
                                    fq_util_num(n[0], 48, r->cost_of_priority_s, 1));
}
