/* make_year_db.c — writes a busy branch's year into an event log, for timing
 * `fairq audit` (SPEC 12: 500,000 tickets in at most 2 s).
 *
 *     make_year_db OUT.db [TICKETS]        (default 500000)
 *
 * The branch is fairq's default configuration (config/fairq.cfg): three
 * classes, services A and B, four counters. Every day of 2025 it opens 09:00
 * to 21:00 local time; tickets arrive as a Poisson stream (10% vip, 20%
 * priority with a reason, 70% regular; 70% service A) at the rate that gives
 * TICKETS in 365 days; counters call `next` whenever they are free; service
 * is exponential (mean 100 s, a 15 s walk-up first); 3% are no-shows, 2%
 * cancel after 10-40 minutes if still waiting, 1 in 200 is transferred, 1 in
 * 500 calls is a manual call with a reason. The real engine makes every
 * decision and the real store writes each day in one transaction. A test
 * tool: not part of the fairq binary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fairq/config.h"
#include "fairq/engine.h"
#include "fairq/store.h"

#define NC 4
#define OPEN_S (12 * 3600)

typedef struct gen {
    uint64_t rng;
    fq_engine *e;
    fq_evbuf day;  /* the day's events, appended at its end */
    fq_evbuf tmp;
    fq_config cfg;
    fq_time ctr_end[NC];
    bool ctr_busy[NC], ctr_started[NC], ctr_no_show[NC];
    uint64_t cancels[64]; /* waiting tickets that will cancel: seq */
    fq_time cancel_at[64];
    int n_cancels;
    uint64_t tickets;
} gen;

static double uniform(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return (double)(g->rng >> 11) / 9007199254740992.0;
}

static double expo(gen *g, double mean) { return -log(1.0 - uniform(g)) * mean; }

static int exec(gen *g, fq_command *c, fq_time at)
{
    fq_evbuf_clear(&g->tmp);
    fq_status st = fq_engine_exec(g->e, c, at, &g->tmp);
    if (st)
        return st;
    for (size_t i = 0; i < g->tmp.n; i++)
        if (fq_evbuf_push(&g->day, &g->tmp.v[i]))
            return FQ_ENOMEM;
    return FQ_OK;
}

static uint64_t called_seq(const gen *g)
{
    for (size_t i = 0; i < g->tmp.n; i++)
        if (g->tmp.v[i].type == FQ_EV_CALLED)
            return g->tmp.v[i].ticket;
    return 0;
}

/* Counter c is free at `at`: call the next ticket (now and then by hand). */
static int call(gen *g, int c, fq_time at)
{
    g->ctr_busy[c] = false;
    fq_command cmd = fq_command_init(FQ_CMD_NEXT);
    cmd.counter = c;
    if (uniform(g) < 0.002 && fq_engine_waiting(g->e) > 1) {
        /* a manual call of the youngest waiting ticket of service A, if any */
        const fq_ticket *pick = NULL;
        uint64_t last = fq_engine_last_seq(g->e);
        for (uint64_t s = last; s > 0 && s + 50 > last; s--) {
            const fq_ticket *t = fq_engine_ticket(g->e, s);
            if (t && t->status == FQ_T_WAITING) {
                pick = t;
                break;
            }
        }
        if (pick) {
            cmd = fq_command_init(FQ_CMD_CALL);
            cmd.counter = c;
            cmd.number_service = pick->number_service;
            cmd.number = pick->number;
            snprintf(cmd.note, sizeof cmd.note, "appointment booked in advance");
        }
    }
    int st = exec(g, &cmd, at);
    if (st)
        return st;
    if (!called_seq(g))
        return FQ_OK;
    g->ctr_busy[c] = true;
    g->ctr_no_show[c] = uniform(g) < 0.03;
    g->ctr_started[c] = g->ctr_no_show[c];
    g->ctr_end[c] = at + (g->ctr_no_show[c] ? 60000 : 15000);
    return FQ_OK;
}

static int counter_event(gen *g, int c, fq_time at)
{
    fq_command cmd;
    if (!g->ctr_started[c]) {
        cmd = fq_command_init(FQ_CMD_START);
        cmd.counter = c;
        g->ctr_started[c] = true;
        g->ctr_end[c] = at + 1000 + (fq_time)expo(g, 100000.0);
        return exec(g, &cmd, at);
    }
    if (g->ctr_no_show[c]) {
        cmd = fq_command_init(FQ_CMD_NO_SHOW);
        cmd.counter = c;
        int st = exec(g, &cmd, at);
        if (st)
            return st;
    } else if (uniform(g) < 0.005) {
        uint64_t seq = fq_engine_counter_ticket(g->e, c);
        const fq_ticket *t = fq_engine_ticket(g->e, seq);
        cmd = fq_command_init(FQ_CMD_TRANSFER);
        cmd.counter = c;
        cmd.service = t && t->service == 0 ? 1 : 0;
        int st = exec(g, &cmd, at);
        if (st)
            return st;
    }
    return call(g, c, at);
}

static int run_day(gen *g, int32_t day, fq_time open_at, double rate_per_s)
{
    fq_command cmd = fq_command_init(FQ_CMD_BEGIN_DAY);
    cmd.day = day;
    cmd.seed = (uint64_t)day;
    int st = exec(g, &cmd, open_at - 4 * 3600000);
    for (int c = 0; c < NC && !st; c++) {
        cmd = fq_command_init(FQ_CMD_OPEN);
        cmd.counter = c;
        st = exec(g, &cmd, open_at);
        g->ctr_busy[c] = false;
    }
    g->n_cancels = 0;
    fq_time close_at = open_at + (fq_time)OPEN_S * 1000;
    fq_time next = open_at + (fq_time)(expo(g, 1.0 / rate_per_s) * 1000.0);
    while (!st) {
        fq_time now = next < close_at ? next : INT64_MAX;
        int what = 0, which = -1;
        for (int c = 0; c < NC; c++)
            if (g->ctr_busy[c] && g->ctr_end[c] < now) {
                now = g->ctr_end[c];
                what = 1;
                which = c;
            }
        for (int i = 0; i < g->n_cancels; i++)
            if (g->cancel_at[i] < now) {
                now = g->cancel_at[i];
                what = 2;
                which = i;
            }
        if (now == INT64_MAX)
            break;
        if (what == 0) {
            double u = uniform(g);
            cmd = fq_command_init(FQ_CMD_ISSUE);
            cmd.klass = u < 0.1 ? 0 : u < 0.3 ? 1 : 2;
            cmd.reason = cmd.klass == 1 ? (int)(uniform(g) * 3) : FQ_NONE;
            cmd.service = uniform(g) < 0.7 ? 0 : 1;
            cmd.estimate_s = fq_engine_estimate_new(g->e, cmd.klass, cmd.service, now);
            st = exec(g, &cmd, now);
            g->tickets++;
            if (!st && uniform(g) < 0.02 && g->n_cancels < 64) {
                g->cancels[g->n_cancels] = fq_engine_last_seq(g->e);
                g->cancel_at[g->n_cancels++] = now + 600000 + (fq_time)(uniform(g) * 1800000.0);
            }
            next = now + 1 + (fq_time)(expo(g, 1.0 / rate_per_s) * 1000.0);
            for (int c = 0; c < NC && !st; c++)
                if (!g->ctr_busy[c])
                    st = call(g, c, now);
        } else if (what == 1) {
            st = counter_event(g, which, now);
        } else {
            const fq_ticket *t = fq_engine_ticket(g->e, g->cancels[which]);
            if (t && t->status == FQ_T_WAITING) {
                cmd = fq_command_init(FQ_CMD_CANCEL);
                cmd.ticket = t->seq;
                st = exec(g, &cmd, now);
            }
            g->cancels[which] = g->cancels[--g->n_cancels];
            g->cancel_at[which] = g->cancel_at[g->n_cancels];
        }
    }
    /* closing time: counters finish and close */
    for (int c = 0; c < NC && !st; c++) {
        fq_time at = g->ctr_busy[c] && g->ctr_end[c] > close_at ? g->ctr_end[c] : close_at;
        if (fq_engine_counter_ticket(g->e, c)) {
            cmd = fq_command_init(FQ_CMD_COMPLETE);
            cmd.counter = c;
            st = exec(g, &cmd, at);
        }
        if (!st) {
            cmd = fq_command_init(FQ_CMD_CLOSE);
            cmd.counter = c;
            st = exec(g, &cmd, at);
        }
    }
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: make_year_db OUT.db [TICKETS]\n", stderr);
        return 2;
    }
    double tickets = argc == 3 ? atof(argv[2]) : 500000.0;
    if (!(tickets >= 365.0)) {
        fputs("make_year_db: TICKETS must be at least 365\n", stderr);
        return 2;
    }
    static gen g;
    g.rng = 0x2545f4914f6cdd1dull;
    fq_config_defaults(&g.cfg);
    g.e = fq_engine_new(&g.cfg.sched);
    unlink(argv[1]);
    fq_store *s = NULL;
    char err[256];
    if (!g.e || fq_store_open(argv[1], "off", FQ_STORE_CREATE, &s, err, sizeof err)) {
        fprintf(stderr, "make_year_db: %s\n", g.e ? err : "engine");
        return 2;
    }
    double rate = tickets / 365.0 / OPEN_S;
    fq_time first = (fq_time)1735693200000; /* 2025-01-01 01:00Z = 09:00 in Shanghai */
    int st = 0;
    for (int d = 0; d < 365 && !st; d++) {
        fq_time open_at = first + (fq_time)d * 86400000;
        time_t tt = (time_t)(open_at / 1000 + 8 * 3600);
        struct tm tm;
        gmtime_r(&tt, &tm);
        int32_t day = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
        fq_evbuf_clear(&g.day);
        st = run_day(&g, day, open_at, rate);
        if (!st)
            st = fq_store_append(s, &g.cfg.sched, g.day.v, g.day.n);
    }
    uint64_t events = 0;
    char head[FQ_HASH_HEX];
    if (!st)
        st = fq_store_head(s, &events, head);
    fq_store_close(s);
    fq_engine_free(g.e);
    fq_evbuf_free(&g.day);
    fq_evbuf_free(&g.tmp);
    if (st) {
        fprintf(stderr, "make_year_db: %s\n", fq_strerror(st));
        return 2;
    }
    printf("%llu tickets, %llu events, head %s\n", (unsigned long long)g.tickets,
           (unsigned long long)events, head);
    return 0;
}
