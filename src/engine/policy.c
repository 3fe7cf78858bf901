/* policy.c — the scheduling decision and the wait estimates (SPEC 3).
 *
 * Inside a (class, service) queue the order is always FIFO by (issued_at,
 * seq), so every decision compares only queue heads. Overdue tickets come
 * first under every policy, earliest deadline first; then the policy picks.
 * Ties always go to the smaller seq. Nothing here allocates or writes. */
#include <math.h>

#include "internal.h"

static int64_t limit_ms(const fq_engine *e, int k)
{
    return e->cfg.classes[k].starvation_limit_s * 1000;
}

bool fq__overdue(const fq_engine *e, const fq_ticket *t, fq_time now)
{
    int64_t lim = limit_ms(e, t->klass);
    return t->status == FQ_T_WAITING && lim > 0 && now - t->issued_at >= lim;
}

/* (issued_at, seq) order: the FIFO order inside a class. */
static bool older(const fq_ticket *a, const fq_ticket *b)
{
    return a->issued_at != b->issued_at ? a->issued_at < b->issued_at : a->seq < b->seq;
}

static double priority(const fq_engine *e, const fq_ticket *t, fq_time now)
{
    const fq_class_cfg *c = &e->cfg.classes[t->klass];
    return c->weight * (double)(now - t->issued_at) / 1000.0 + (double)c->head_start_s;
}

/* The oldest eligible head of class k for a counter serving `mask`. */
static uint32_t class_head(const fq_engine *e, int k, uint32_t mask)
{
    uint32_t best = FQ__NIL;
    for (int s = 0; s < e->cfg.n_services; s++) {
        uint32_t h = e->q[k][s].head;
        if (!(mask & (1u << s)) || h == FQ__NIL)
            continue;
        if (best == FQ__NIL || older(&e->pool[h], &e->pool[best]))
            best = h;
    }
    return best;
}

/* Earliest deadline among overdue heads eligible for mask (all if mask ~0). */
static uint32_t overdue_head(const fq_engine *e, uint32_t mask, fq_time now)
{
    uint32_t best = FQ__NIL;
    fq_time best_deadline = 0;
    for (int k = 0; k < e->cfg.n_classes; k++) {
        int64_t lim = limit_ms(e, k);
        if (lim <= 0)
            continue;
        for (int s = 0; s < e->cfg.n_services; s++) {
            uint32_t h = e->q[k][s].head;
            if (!(mask & (1u << s)) || h == FQ__NIL)
                continue;
            const fq_ticket *t = &e->pool[h];
            if (now - t->issued_at < lim)
                continue;
            fq_time deadline = t->issued_at + lim;
            if (best == FQ__NIL || deadline < best_deadline ||
                (deadline == best_deadline && t->seq < e->pool[best].seq)) {
                best = h;
                best_deadline = deadline;
            }
        }
    }
    return best;
}

uint32_t fq__first_overdue(const fq_engine *e, fq_time now)
{
    return overdue_head(e, UINT32_MAX, now);
}

static uint32_t choose_fifo(const fq_engine *e, uint32_t mask)
{
    uint32_t best = FQ__NIL;
    for (int k = 0; k < e->cfg.n_classes; k++) {
        uint32_t h = class_head(e, k, mask);
        if (h != FQ__NIL && (best == FQ__NIL || older(&e->pool[h], &e->pool[best])))
            best = h;
    }
    return best;
}

static uint32_t choose_strict(const fq_engine *e, uint32_t mask)
{
    uint32_t best = FQ__NIL;
    int best_rank = FQ_MAX_CLASSES;
    for (int k = 0; k < e->cfg.n_classes; k++) {
        if (e->rank[k] >= best_rank)
            continue;
        uint32_t h = class_head(e, k, mask);
        if (h != FQ__NIL) {
            best = h;
            best_rank = e->rank[k];
        }
    }
    return best;
}

static uint32_t choose_accumulating(const fq_engine *e, uint32_t mask, fq_time now)
{
    uint32_t best = FQ__NIL;
    double best_p = 0;
    for (int k = 0; k < e->cfg.n_classes; k++) {
        uint32_t h = class_head(e, k, mask);
        if (h == FQ__NIL)
            continue;
        double p = priority(e, &e->pool[h], now);
        if (best == FQ__NIL || p > best_p || (p == best_p && e->pool[h].seq < e->pool[best].seq)) {
            best = h;
            best_p = p;
        }
    }
    return best;
}

static uint32_t choose_weighted(const fq_engine *e, uint32_t mask)
{
    uint32_t best = FQ__NIL;
    for (int k = 0; k < e->cfg.n_classes; k++) {
        uint32_t h = class_head(e, k, mask);
        if (h == FQ__NIL)
            continue;
        if (best == FQ__NIL) {
            best = h;
            continue;
        }
        uint64_t pk = e->pass[k], pb = e->pass[e->pool[best].klass];
        if (pk < pb || (pk == pb && e->pool[h].seq < e->pool[best].seq))
            best = h;
    }
    return best;
}

uint32_t fq__choose(const fq_engine *e, int counter, fq_time now)
{
    uint32_t mask = e->cfg.counters[counter].services;
    uint32_t t = overdue_head(e, mask, now);
    if (t != FQ__NIL)
        return t;
    switch (e->cfg.policy) {
    case FQ_POLICY_FIFO: return choose_fifo(e, mask);
    case FQ_POLICY_STRICT: return choose_strict(e, mask);
    case FQ_POLICY_ACCUMULATING: return choose_accumulating(e, mask, now);
    case FQ_POLICY_WEIGHTED: return choose_weighted(e, mask);
    }
    return FQ__NIL;
}

/* --- estimates ------------------------------------------------------------
 *
 * A ticket's remaining wait is estimated from the tickets that the policy
 * would call before it *now* (future arrivals that will overtake it are not
 * counted, see docs/scheduling.md) and from the counters serving its service:
 * with `ahead` such tickets, c counters serving the service and f of them
 * free, the ticket is called after about (ahead - f + 1) service completions
 * spread over c counters, each taking the service's mean time. */

/* Would j be called before the (possibly hypothetical) ticket i? Not used
 * for `weighted`, whose order depends on the calls to come. */
static bool before(const fq_engine *e, const fq_ticket *j, const fq_ticket *i, fq_time now)
{
    bool oj = fq__overdue(e, j, now), oi = fq__overdue(e, i, now);
    if (oj != oi)
        return oj;
    if (oj) {
        fq_time dj = j->issued_at + limit_ms(e, j->klass);
        fq_time di = i->issued_at + limit_ms(e, i->klass);
        return dj != di ? dj < di : j->seq < i->seq;
    }
    switch (e->cfg.policy) {
    case FQ_POLICY_STRICT:
        if (e->rank[j->klass] != e->rank[i->klass])
            return e->rank[j->klass] < e->rank[i->klass];
        return older(j, i);
    case FQ_POLICY_ACCUMULATING: {
        double pj = priority(e, j, now), pi = priority(e, i, now);
        return pj != pi ? pj > pi : j->seq < i->seq;
    }
    default: return older(j, i);
    }
}

static size_t count_ahead(const fq_engine *e, const fq_ticket *i, fq_time now)
{
    int s = i->service;
    size_t ahead = 0;
    if (e->cfg.policy == FQ_POLICY_WEIGHTED) {
        /* Own class: everyone older. Other classes: their share of the calls
         * made while i's class works through its own queue. */
        size_t own = 0;
        for (uint32_t h = e->q[i->klass][s].head; h != FQ__NIL; h = e->pool[h].next) {
            if (!older(&e->pool[h], i))
                break;
            own++;
        }
        ahead = own;
        double wi = e->cfg.classes[i->klass].weight;
        for (int k = 0; k < e->cfg.n_classes; k++) {
            if (k == i->klass)
                continue;
            double share = ceil((double)(own + 1) * e->cfg.classes[k].weight / wi);
            size_t len = e->q[k][s].len;
            ahead += share < (double)len ? (size_t)share : len;
        }
        return ahead;
    }
    for (int k = 0; k < e->cfg.n_classes; k++)
        for (uint32_t h = e->q[k][s].head; h != FQ__NIL; h = e->pool[h].next) {
            if (&e->pool[h] == i || !before(e, &e->pool[h], i, now))
                break;
            ahead++;
        }
    return ahead;
}

static int32_t estimate_for(const fq_engine *e, const fq_ticket *i, fq_time now)
{
    int s = i->service;
    int open = 0, free_now = 0, any = 0;
    for (int c = 0; c < e->cfg.n_counters; c++) {
        if (!(e->cfg.counters[c].services & (1u << s)))
            continue;
        any++;
        if (e->counters[c].state != FQ_C_OPEN)
            continue;
        open++;
        if (e->counters[c].cur == FQ__NIL)
            free_now++;
    }
    int servers = open ? open : (any ? any : 1);
    size_t ahead = count_ahead(e, i, now);
    if (ahead < (size_t)free_now)
        return 0;
    double calls = (double)(ahead - (size_t)free_now + 1);
    double est = calls * e->svc_mean_s[s] / servers;
    return est > 86400.0 * 7 ? 86400 * 7 : (int32_t)lround(est);
}

int32_t fq_engine_estimate_new(const fq_engine *e, int klass, int service, fq_time now)
{
    if (klass < 0 || klass >= e->cfg.n_classes || service < 0 || service >= e->cfg.n_services)
        return 0;
    if (now < e->last_time)
        now = e->last_time;
    fq_ticket t = {0};
    t.seq = e->last_seq + 1;
    t.issued_at = now;
    t.klass = (uint8_t)klass;
    t.service = (uint8_t)service;
    t.status = FQ_T_WAITING;
    return estimate_for(e, &t, now);
}

int32_t fq_engine_estimate(const fq_engine *e, uint64_t seq, fq_time now)
{
    const fq_ticket *t = fq_engine_ticket(e, seq);
    if (!t || t->status != FQ_T_WAITING)
        return 0;
    if (now < e->last_time)
        now = e->last_time;
    return estimate_for(e, t, now);
}
