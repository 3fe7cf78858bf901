/* engine.c — the engine's state machine: commands become events (decide),
 * events change the state (apply). See include/fairq/engine.h.
 *
 * decide() never writes; apply() checks an event fully before it changes
 * anything, and allocates (pool, map) before it mutates, so both are atomic.
 * Replaying a log therefore either rebuilds the exact state or stops at the
 * first event that does not fit, with nothing half-applied. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* weighted: virtual time of one call at weight 1; divisible by 1..16 so that
 * integer weights give exact strides and exact ties. */
#define STRIDE_SCALE 720720000.0
#define SVC_ALPHA 0.1             /* weight of a new observation in the mean service time */

/* --- construction -------------------------------------------------------- */

static bool cfg_valid(const fq_sched_cfg *c)
{
    if (c->n_classes < 1 || c->n_classes > FQ_MAX_CLASSES || c->n_services < 1 ||
        c->n_services > FQ_MAX_SERVICES || c->n_counters < 0 || c->n_counters > FQ_MAX_COUNTERS ||
        c->number_width < 1 || c->number_width > 9 || (unsigned)c->policy > FQ_POLICY_WEIGHTED)
        return false;
    for (int k = 0; k < c->n_classes; k++) {
        const fq_class_cfg *cl = &c->classes[k];
        if (!(cl->weight > 0) || cl->starvation_limit_s < 0 || cl->head_start_s < 0 ||
            cl->n_reasons < 0 || cl->n_reasons > FQ_MAX_REASONS)
            return false;
    }
    for (int s = 0; s < c->n_services; s++)
        if (!(c->services[s].service_time_s > 0))
            return false;
    return true;
}

fq_engine *fq_engine_new(const fq_sched_cfg *cfg)
{
    if (!cfg || !cfg_valid(cfg))
        return NULL;
    fq_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cfg = *cfg;
    e->free_head = FQ__NIL;
    for (int k = 0; k < cfg->n_classes; k++) {
        /* strict: higher weight first, equal weights in config order */
        int r = 0;
        for (int j = 0; j < cfg->n_classes; j++)
            if (cfg->classes[j].weight > cfg->classes[k].weight ||
                (cfg->classes[j].weight == cfg->classes[k].weight && j < k))
                r++;
        e->rank[k] = r;
        e->stride[k] = (uint64_t)(STRIDE_SCALE / cfg->classes[k].weight + 0.5);
        if (!e->stride[k])
            e->stride[k] = 1;
        for (int s = 0; s < FQ_MAX_SERVICES; s++)
            e->q[k][s] = (fq__queue){FQ__NIL, FQ__NIL, 0};
    }
    for (int c = 0; c < FQ_MAX_COUNTERS; c++)
        e->counters[c] = (fq__counter){FQ_C_CLOSED, FQ__NIL};
    for (int s = 0; s < cfg->n_services; s++)
        e->svc_mean_s[s] = cfg->services[s].service_time_s;
    return e;
}

void fq_engine_free(fq_engine *e)
{
    if (!e)
        return;
    free(e->pool);
    fq__idmap_free(&e->map);
    fq_evbuf_free(&e->scratch);
    free(e);
}

const fq_sched_cfg *fq_engine_cfg(const fq_engine *e)
{
    return &e->cfg;
}

/* --- small helpers ------------------------------------------------------- */

static fq_ticket *ticket_at(const fq_engine *e, uint64_t seq)
{
    uint32_t i = fq__idmap_get(&e->map, seq);
    return i == FQ__NIL ? NULL : &e->pool[i];
}

static uint32_t index_of(const fq_engine *e, const fq_ticket *t)
{
    return (uint32_t)(t - e->pool);
}

static bool is_open_status(uint8_t s)
{
    return s == FQ_T_WAITING || s == FQ_T_CALLED || s == FQ_T_SERVING;
}

static bool counter_ok(const fq_engine *e, int c)
{
    return c >= 0 && c < e->cfg.n_counters;
}

static bool service_ok(const fq_engine *e, int s)
{
    return s >= 0 && s < e->cfg.n_services;
}

static const fq_ticket *counter_ticket(const fq_engine *e, int c)
{
    uint32_t i = e->counters[c].cur;
    return i == FQ__NIL ? NULL : &e->pool[i];
}

/* --- queues -------------------------------------------------------------- */

/* weighted: a class that becomes backlogged starts at the current virtual
 * time (the smallest pass among backlogged classes, else the last one
 * reached), so time it spent idle banks no credit. */
static void wake_class(fq_engine *e, int k)
{
    uint64_t now = e->vtime;
    bool any = false;
    for (int j = 0; j < e->cfg.n_classes; j++)
        if (j != k && e->waiting_class[j] && (!any || e->pass[j] < now)) {
            now = e->pass[j];
            any = true;
        }
    if (e->pass[k] < now)
        e->pass[k] = now;
}

static void queue_insert(fq_engine *e, uint32_t idx)
{
    fq_ticket *t = &e->pool[idx];
    fq__queue *q = &e->q[t->klass][t->service];
    /* New tickets are the youngest and go last in O(1); a transferred ticket
     * keeps its issue time and walks back to its place. */
    uint32_t after = q->tail;
    while (after != FQ__NIL) {
        const fq_ticket *a = &e->pool[after];
        if (a->issued_at < t->issued_at || (a->issued_at == t->issued_at && a->seq < t->seq))
            break;
        after = a->prev;
    }
    t->prev = after;
    t->next = after == FQ__NIL ? q->head : e->pool[after].next;
    if (t->prev == FQ__NIL)
        q->head = idx;
    else
        e->pool[t->prev].next = idx;
    if (t->next == FQ__NIL)
        q->tail = idx;
    else
        e->pool[t->next].prev = idx;
    q->len++;
    if (e->waiting_class[t->klass]++ == 0)
        wake_class(e, t->klass);
    e->waiting++;
}

static void queue_remove(fq_engine *e, uint32_t idx)
{
    fq_ticket *t = &e->pool[idx];
    fq__queue *q = &e->q[t->klass][t->service];
    if (t->prev == FQ__NIL)
        q->head = t->next;
    else
        e->pool[t->prev].next = t->next;
    if (t->next == FQ__NIL)
        q->tail = t->prev;
    else
        e->pool[t->next].prev = t->prev;
    t->prev = t->next = FQ__NIL;
    q->len--;
    e->waiting_class[t->klass]--;
    e->waiting--;
}

/* --- pool ---------------------------------------------------------------- */

static fq_status pool_reserve(fq_engine *e)
{
    if (e->free_head == FQ__NIL && e->pool_len == e->pool_cap) {
        uint32_t cap = e->pool_cap ? e->pool_cap * 2 : 256;
        if (cap < e->pool_cap)
            return FQ_ENOMEM;
        fq_ticket *p = realloc(e->pool, (size_t)cap * sizeof *p);
        if (!p)
            return FQ_ENOMEM;
        e->pool = p;
        e->pool_cap = cap;
    }
    return fq__idmap_reserve(&e->map, e->live + 1);
}

static uint32_t pool_take(fq_engine *e)
{
    uint32_t i;
    if (e->free_head != FQ__NIL) {
        i = e->free_head;
        e->free_head = e->pool[i].next;
    } else {
        i = e->pool_len++;
    }
    e->live++;
    return i;
}

/* A finished ticket leaves the pool unless finished tickets are retained. */
static void finish(fq_engine *e, uint32_t idx, fq_ticket_status st, fq_time at)
{
    fq_ticket *t = &e->pool[idx];
    t->status = (uint8_t)st;
    t->finished_at = at;
    if (t->counter != FQ_NONE && e->counters[t->counter].cur == idx)
        e->counters[t->counter].cur = FQ__NIL;
    t->counter = FQ_NONE;
    if (e->cfg.retain_finished)
        return;
    fq__idmap_del(&e->map, t->seq);
    t->seq = 0;
    t->next = e->free_head;
    e->free_head = idx;
    e->live--;
}

/* --- decide -------------------------------------------------------------- */

static fq_status push(fq_evbuf *out, const fq_event *ev)
{
    return fq_evbuf_push(out, ev);
}

static fq_event ticket_event(fq_event_type type, fq_time at, const fq_ticket *t, int counter)
{
    fq_event ev = fq_event_init(type, at);
    ev.ticket = t->seq;
    ev.counter = counter;
    return ev;
}

/* NEXT and CALL first finish the counter's current ticket. */
static fq_status complete_current(const fq_engine *e, int c, fq_time now, fq_evbuf *out)
{
    const fq_ticket *cur = counter_ticket(e, c);
    if (!cur)
        return FQ_OK;
    fq_event ev = ticket_event(FQ_EV_COMPLETED, now, cur, c);
    return push(out, &ev);
}

static fq_status decide_begin_day(const fq_engine *e, const fq_command *cmd, fq_time now,
                                  fq_evbuf *out)
{
    if (cmd->day <= e->day || cmd->day < 19700101 || cmd->day > 99991231)
        return cmd->day <= e->day && cmd->day >= 19700101 ? FQ_ESTATE : FQ_EINVAL;
    fq_status st = fq_evbuf_reserve(out, (size_t)e->live + (size_t)e->cfg.n_counters + 2);
    if (st)
        return st;
    for (uint32_t i = 0; i < e->pool_len; i++) {
        const fq_ticket *t = &e->pool[i];
        if (t->seq && is_open_status(t->status)) {
            fq_event ev = ticket_event(FQ_EV_CLOSED, now, t, t->counter);
            push(out, &ev);
        }
    }
    for (int c = 0; c < e->cfg.n_counters; c++)
        if (e->counters[c].state != FQ_C_CLOSED) {
            fq_event ev = fq_event_init(FQ_EV_COUNTER, now);
            ev.counter = c;
            ev.state = FQ_C_CLOSED;
            push(out, &ev);
        }
    if (e->alarm) {
        fq_event ev = fq_event_init(FQ_EV_ALARM_OFF, now);
        push(out, &ev);
    }
    fq_event ev = fq_event_init(FQ_EV_DAY, now);
    ev.day = cmd->day;
    ev.seed = cmd->seed;
    ev.ticket = e->last_seq;
    return push(out, &ev);
}

static fq_status decide_issue(const fq_engine *e, const fq_command *cmd, fq_time now,
                              fq_evbuf *out)
{
    if (!service_ok(e, cmd->service) || cmd->klass < 0 || cmd->klass >= e->cfg.n_classes)
        return FQ_EINVAL;
    if (cmd->reason != FQ_NONE &&
        (cmd->reason < 0 || cmd->reason >= e->cfg.classes[cmd->klass].n_reasons))
        return FQ_EINVAL;
    if (!e->day)
        return FQ_ESTATE;
    fq_event ev = fq_event_init(FQ_EV_ISSUED, now);
    ev.ticket = e->last_seq + 1;
    ev.service = cmd->service;
    ev.klass = cmd->klass;
    ev.reason = cmd->reason;
    ev.number = fq_engine_number_for(e, cmd->service, e->issued[cmd->service]);
    ev.estimate_s = cmd->estimate_s;
    memcpy(ev.key, cmd->key, FQ_KEY_LEN);
    return push(out, &ev);
}

static fq_status decide_counter_state(const fq_engine *e, int c, fq_counter_state to, fq_time now,
                                      fq_evbuf *out)
{
    fq_counter_state from = (fq_counter_state)e->counters[c].state;
    if (from == to || (to == FQ_C_PAUSED && from != FQ_C_OPEN))
        return FQ_ESTATE;
    if (to == FQ_C_CLOSED && e->counters[c].cur != FQ__NIL)
        return FQ_ESTATE; /* finish, transfer or no-show the current ticket first */
    fq_event ev = fq_event_init(FQ_EV_COUNTER, now);
    ev.counter = c;
    ev.state = to;
    return push(out, &ev);
}

/* RECALL, NO_SHOW, START, COMPLETE, TRANSFER act on the counter's ticket. */
static fq_status decide_on_current(const fq_engine *e, const fq_command *cmd, fq_time now,
                                   fq_evbuf *out)
{
    const fq_ticket *cur = counter_ticket(e, cmd->counter);
    if (!cur)
        return FQ_ESTATE;
    fq_event_type type;
    switch (cmd->type) {
    case FQ_CMD_RECALL: type = FQ_EV_RECALLED; break;
    case FQ_CMD_NO_SHOW: type = FQ_EV_NO_SHOW; break;
    case FQ_CMD_START: type = FQ_EV_STARTED; break;
    case FQ_CMD_COMPLETE: type = FQ_EV_COMPLETED; break;
    default: type = FQ_EV_TRANSFERRED; break;
    }
    bool called = cur->status == FQ_T_CALLED;
    if ((type == FQ_EV_RECALLED || type == FQ_EV_NO_SHOW || type == FQ_EV_STARTED) && !called)
        return FQ_ESTATE;
    if (type == FQ_EV_TRANSFERRED && cur->status != FQ_T_SERVING)
        return FQ_ESTATE;
    fq_event ev = ticket_event(type, now, cur, cmd->counter);
    if (type == FQ_EV_TRANSFERRED) {
        if (!service_ok(e, cmd->service))
            return FQ_EINVAL;
        if (cmd->service == cur->service)
            return FQ_ESTATE;
        ev.service = cmd->service;
    }
    return push(out, &ev);
}

static fq_status decide_next(const fq_engine *e, const fq_command *cmd, fq_time now, fq_evbuf *out)
{
    if (e->counters[cmd->counter].state != FQ_C_OPEN)
        return FQ_ESTATE;
    size_t mark = out->n;
    fq_status st = complete_current(e, cmd->counter, now, out);
    uint32_t pick = st ? FQ__NIL : fq__choose(e, cmd->counter, now);
    if (!st && pick != FQ__NIL) {
        fq_event ev = ticket_event(FQ_EV_CALLED, now, &e->pool[pick], cmd->counter);
        st = push(out, &ev);
    }
    if (st)
        out->n = mark;
    return st;
}

static fq_status decide_call(const fq_engine *e, const fq_command *cmd, fq_time now, fq_evbuf *out)
{
    if (!service_ok(e, cmd->number_service) || !cmd->note[0] ||
        !memchr(cmd->note, 0, sizeof cmd->note))
        return FQ_EINVAL;
    if (e->counters[cmd->counter].state != FQ_C_OPEN)
        return FQ_ESTATE;
    const fq_ticket *t = fq_engine_find_number(e, cmd->number_service, cmd->number);
    if (!t)
        return FQ_ENOTFOUND;
    if (t->status != FQ_T_WAITING)
        return FQ_ESTATE;
    size_t mark = out->n;
    fq_status st = complete_current(e, cmd->counter, now, out);
    if (!st) {
        fq_event ev = ticket_event(FQ_EV_CALLED, now, t, cmd->counter);
        ev.manual = true;
        memcpy(ev.note, cmd->note, sizeof ev.note);
        st = push(out, &ev);
    }
    if (st)
        out->n = mark;
    return st;
}

static fq_status decide_tick(const fq_engine *e, fq_time now, fq_evbuf *out)
{
    uint32_t first = fq__first_overdue(e, now);
    if (first != FQ__NIL && !e->alarm) {
        fq_event ev = ticket_event(FQ_EV_ALARM_ON, now, &e->pool[first], FQ_NONE);
        return push(out, &ev);
    }
    if (first == FQ__NIL && e->alarm) {
        fq_event ev = fq_event_init(FQ_EV_ALARM_OFF, now);
        return push(out, &ev);
    }
    return FQ_OK;
}

fq_status fq_engine_decide(const fq_engine *e, const fq_command *cmd, fq_time now, fq_evbuf *out)
{
    if (!e || !cmd || !out)
        return FQ_EINVAL;
    if (now < e->last_time)
        now = e->last_time;
    switch (cmd->type) {
    case FQ_CMD_BEGIN_DAY: return decide_begin_day(e, cmd, now, out);
    case FQ_CMD_ISSUE: return decide_issue(e, cmd, now, out);
    case FQ_CMD_TICK: return decide_tick(e, now, out);
    case FQ_CMD_CANCEL: {
        const fq_ticket *t = ticket_at(e, cmd->ticket);
        if (!t)
            return FQ_ENOTFOUND;
        if (t->status != FQ_T_WAITING)
            return FQ_ESTATE;
        fq_event ev = ticket_event(FQ_EV_CANCELLED, now, t, FQ_NONE);
        return push(out, &ev);
    }
    default: break;
    }
    if (!counter_ok(e, cmd->counter))
        return FQ_EINVAL;
    switch (cmd->type) {
    case FQ_CMD_NEXT: return decide_next(e, cmd, now, out);
    case FQ_CMD_CALL: return decide_call(e, cmd, now, out);
    case FQ_CMD_OPEN: return decide_counter_state(e, cmd->counter, FQ_C_OPEN, now, out);
    case FQ_CMD_PAUSE: return decide_counter_state(e, cmd->counter, FQ_C_PAUSED, now, out);
    case FQ_CMD_CLOSE: return decide_counter_state(e, cmd->counter, FQ_C_CLOSED, now, out);
    case FQ_CMD_RECALL:
    case FQ_CMD_NO_SHOW:
    case FQ_CMD_START:
    case FQ_CMD_COMPLETE:
    case FQ_CMD_TRANSFER: return decide_on_current(e, cmd, now, out);
    default: return FQ_EINVAL;
    }
}

/* --- apply --------------------------------------------------------------- */

static fq_status apply_day(fq_engine *e, const fq_event *ev)
{
    if (ev->day <= e->day)
        return FQ_ECORRUPT;
    for (uint32_t i = 0; i < e->pool_len; i++)
        if (e->pool[i].seq && is_open_status(e->pool[i].status))
            return FQ_ECORRUPT;
    /* Every ticket is finished: start the day with an empty pool. */
    e->pool_len = 0;
    e->free_head = FQ__NIL;
    e->live = 0;
    fq__idmap_clear(&e->map);
    memset(e->issued, 0, sizeof e->issued);
    memset(e->pass, 0, sizeof e->pass);
    e->vtime = 0;
    /* Learned service times restart from the configured priors each day, so
     * a server recovered from today's events estimates exactly as before. */
    for (int s = 0; s < e->cfg.n_services; s++)
        e->svc_mean_s[s] = e->cfg.services[s].service_time_s;
    e->day = ev->day;
    e->seed = ev->seed;
    if (ev->ticket > e->last_seq)
        e->last_seq = ev->ticket;
    return FQ_OK;
}

static fq_status apply_issued(fq_engine *e, const fq_event *ev)
{
    if (!e->day || ev->ticket <= e->last_seq || !service_ok(e, ev->service) || ev->klass < 0 ||
        ev->klass >= e->cfg.n_classes ||
        (ev->reason != FQ_NONE &&
         (ev->reason < 0 || ev->reason >= e->cfg.classes[ev->klass].n_reasons)))
        return FQ_ECORRUPT;
    fq_status st = pool_reserve(e);
    if (st)
        return st;
    uint32_t idx = pool_take(e);
    fq_ticket *t = &e->pool[idx];
    memset(t, 0, sizeof *t);
    t->seq = ev->ticket;
    t->issued_at = t->enqueued_at = ev->at;
    t->number = ev->number;
    t->estimate_s = ev->estimate_s;
    t->counter = FQ_NONE;
    t->klass = (uint8_t)ev->klass;
    t->service = t->number_service = (uint8_t)ev->service;
    t->reason = (uint8_t)(ev->reason == FQ_NONE ? 0 : ev->reason + 1);
    t->status = FQ_T_WAITING;
    memcpy(t->key, ev->key, FQ_KEY_LEN);
    fq__idmap_put(&e->map, t->seq, idx);
    queue_insert(e, idx);
    e->issued[ev->service]++;
    e->last_seq = ev->ticket;
    return FQ_OK;
}

static fq_status apply_called(fq_engine *e, fq_ticket *t, const fq_event *ev)
{
    if (t->status != FQ_T_WAITING || e->counters[ev->counter].cur != FQ__NIL)
        return FQ_ECORRUPT;
    uint32_t idx = index_of(e, t);
    queue_remove(e, idx);
    t->status = FQ_T_CALLED;
    t->counter = (int16_t)ev->counter;
    if (!t->called_at)
        t->called_at = ev->at;
    t->last_called_at = ev->at;
    e->counters[ev->counter].cur = idx;
    if (!ev->manual) {
        /* weighted: the class pays one stride of virtual time per call */
        int k = t->klass;
        e->pass[k] += e->stride[k];
        if (e->pass[k] > e->vtime)
            e->vtime = e->pass[k];
    }
    return FQ_OK;
}

static void learn_service_time(fq_engine *e, const fq_ticket *t, fq_time at)
{
    if (!t->started_at || at < t->started_at)
        return;
    double d = (double)(at - t->started_at) / 1000.0;
    double *m = &e->svc_mean_s[t->service];
    *m += SVC_ALPHA * (d - *m);
    if (*m < 1.0)
        *m = 1.0;
}

/* Events about a ticket at a counter: the ticket must be that counter's. */
static fq_status apply_at_counter(fq_engine *e, fq_ticket *t, const fq_event *ev)
{
    uint32_t idx = index_of(e, t);
    if (e->counters[ev->counter].cur != idx)
        return FQ_ECORRUPT;
    switch (ev->type) {
    case FQ_EV_RECALLED:
        if (t->status != FQ_T_CALLED)
            return FQ_ECORRUPT;
        t->recalls++;
        t->last_called_at = ev->at;
        return FQ_OK;
    case FQ_EV_NO_SHOW:
        if (t->status != FQ_T_CALLED)
            return FQ_ECORRUPT;
        finish(e, idx, FQ_T_NO_SHOW, ev->at);
        return FQ_OK;
    case FQ_EV_STARTED:
        if (t->status != FQ_T_CALLED)
            return FQ_ECORRUPT;
        t->status = FQ_T_SERVING;
        t->started_at = ev->at;
        return FQ_OK;
    case FQ_EV_COMPLETED:
        learn_service_time(e, t, ev->at);
        finish(e, idx, FQ_T_DONE, ev->at);
        return FQ_OK;
    case FQ_EV_TRANSFERRED:
        if (t->status != FQ_T_SERVING || !service_ok(e, ev->service) || ev->service == t->service)
            return FQ_ECORRUPT;
        learn_service_time(e, t, ev->at);
        e->counters[ev->counter].cur = FQ__NIL;
        t->status = FQ_T_WAITING;
        t->counter = FQ_NONE;
        t->service = (uint8_t)ev->service;
        t->enqueued_at = ev->at;
        t->started_at = 0;
        queue_insert(e, idx); /* keeps issued_at: its place is by issue time */
        return FQ_OK;
    default: return FQ_ECORRUPT;
    }
}

static fq_status apply_counter(fq_engine *e, const fq_event *ev)
{
    if (ev->state < FQ_C_CLOSED || ev->state > FQ_C_PAUSED)
        return FQ_ECORRUPT;
    if (ev->state == FQ_C_CLOSED && e->counters[ev->counter].cur != FQ__NIL)
        return FQ_ECORRUPT;
    e->counters[ev->counter].state = (uint8_t)ev->state;
    return FQ_OK;
}

static fq_status apply_event(fq_engine *e, const fq_event *ev)
{
    switch (ev->type) {
    case FQ_EV_DAY: return apply_day(e, ev);
    case FQ_EV_ISSUED: return apply_issued(e, ev);
    case FQ_EV_ALARM_ON:
        e->alarm = true;
        return FQ_OK;
    case FQ_EV_ALARM_OFF:
        e->alarm = false;
        return FQ_OK;
    case FQ_EV_COUNTER:
        return counter_ok(e, ev->counter) ? apply_counter(e, ev) : FQ_ECORRUPT;
    default: break;
    }
    fq_ticket *t = ticket_at(e, ev->ticket);
    if (!t)
        return FQ_ECORRUPT;
    switch (ev->type) {
    case FQ_EV_CANCELLED:
        if (t->status != FQ_T_WAITING)
            return FQ_ECORRUPT;
        queue_remove(e, index_of(e, t));
        finish(e, index_of(e, t), FQ_T_CANCELLED, ev->at);
        return FQ_OK;
    case FQ_EV_CLOSED:
        if (!is_open_status(t->status))
            return FQ_ECORRUPT;
        if (t->status == FQ_T_WAITING)
            queue_remove(e, index_of(e, t));
        finish(e, index_of(e, t), FQ_T_CLOSED, ev->at);
        return FQ_OK;
    default: break;
    }
    if (!counter_ok(e, ev->counter))
        return FQ_ECORRUPT;
    if (ev->type == FQ_EV_CALLED)
        return apply_called(e, t, ev);
    return apply_at_counter(e, t, ev);
}

fq_status fq_engine_apply(fq_engine *e, const fq_event *ev)
{
    if (!e || !ev || ev->type < FQ_EV_DAY || ev->type > FQ_EV_MAX)
        return FQ_ECORRUPT;
    fq_status st = apply_event(e, ev);
    if (!st && ev->at > e->last_time)
        e->last_time = ev->at;
    return st;
}

fq_status fq_engine_exec(fq_engine *e, const fq_command *cmd, fq_time now, fq_evbuf *out)
{
    fq_evbuf *buf = out ? out : &e->scratch;
    if (!out)
        fq_evbuf_clear(buf);
    size_t mark = buf->n;
    fq_status st = fq_engine_decide(e, cmd, now, buf);
    for (size_t i = mark; !st && i < buf->n; i++)
        st = fq_engine_apply(e, &buf->v[i]);
    /* decide() validated every event against the state it was built from and
     * each apply() is atomic, so a failure here can only be ENOMEM on the
     * first allocation-needing event (ISSUED, the only one, comes alone). */
    if (st)
        buf->n = mark;
    return st;
}

/* --- queries ------------------------------------------------------------- */

int32_t fq_engine_day(const fq_engine *e) { return e->day; }
uint64_t fq_engine_day_seed(const fq_engine *e) { return e->seed; }
uint64_t fq_engine_last_seq(const fq_engine *e) { return e->last_seq; }
fq_time fq_engine_last_time(const fq_engine *e) { return e->last_time; }
size_t fq_engine_waiting(const fq_engine *e) { return e->waiting; }
bool fq_engine_alarm(const fq_engine *e) { return e->alarm; }

size_t fq_engine_waiting_in(const fq_engine *e, int klass, int service)
{
    if (klass < 0 || klass >= e->cfg.n_classes || !service_ok(e, service))
        return 0;
    return e->q[klass][service].len;
}

fq_counter_state fq_engine_counter_state(const fq_engine *e, int counter)
{
    return counter_ok(e, counter) ? (fq_counter_state)e->counters[counter].state : FQ_C_CLOSED;
}

uint64_t fq_engine_counter_ticket(const fq_engine *e, int counter)
{
    if (!counter_ok(e, counter))
        return 0;
    const fq_ticket *t = counter_ticket(e, counter);
    return t ? t->seq : 0;
}

const fq_ticket *fq_engine_ticket(const fq_engine *e, uint64_t seq)
{
    return ticket_at(e, seq);
}

const fq_ticket *fq_engine_find_number(const fq_engine *e, int number_service, uint32_t number)
{
    /* Linear: manual calls by number are rare and a day has few thousand tickets. */
    for (uint32_t i = 0; i < e->pool_len; i++) {
        const fq_ticket *t = &e->pool[i];
        if (t->seq && t->number == number && t->number_service == number_service)
            return t;
    }
    return NULL;
}

uint32_t fq_engine_number_for(const fq_engine *e, int service, uint32_t n)
{
    return fq__number(e->cfg.number_width, e->cfg.number_order, e->seed, service, n);
}

bool fq_engine_overdue(const fq_engine *e, const fq_ticket *t, fq_time now)
{
    return fq__overdue(e, t, now);
}

void fq_engine_each_ticket(const fq_engine *e, fq_ticket_fn fn, void *ctx)
{
    for (uint32_t i = 0; i < e->pool_len; i++)
        if (e->pool[i].seq && !fn(&e->pool[i], ctx))
            return;
}

void fq_engine_each_waiting(const fq_engine *e, fq_ticket_fn fn, void *ctx)
{
    for (int k = 0; k < e->cfg.n_classes; k++)
        for (int s = 0; s < e->cfg.n_services; s++)
            for (uint32_t i = e->q[k][s].head; i != FQ__NIL; i = e->pool[i].next)
                if (!fn(&e->pool[i], ctx))
                    return;
}

uint64_t fq_engine_peek_next(const fq_engine *e, int counter, fq_time now)
{
    if (!counter_ok(e, counter))
        return 0;
    if (now < e->last_time)
        now = e->last_time;
    uint32_t i = fq__choose(e, counter, now);
    return i == FQ__NIL ? 0 : e->pool[i].seq;
}

char *fq_engine_format_number(const fq_engine *e, int number_service, uint32_t number, char *buf,
                              size_t len)
{
    const char *prefix = service_ok(e, number_service) ? e->cfg.services[number_service].prefix : "?";
    snprintf(buf, len, "%s%0*u", prefix, e->cfg.number_width, number);
    return buf;
}

fq_status fq_engine_parse_number(const fq_engine *e, const char *text, int *number_service,
                                 uint32_t *number)
{
    int best = FQ_NONE;
    size_t best_len = 0;
    for (int s = 0; s < e->cfg.n_services; s++) {
        size_t n = strlen(e->cfg.services[s].prefix);
        if (n > best_len && !strncmp(text, e->cfg.services[s].prefix, n)) {
            best = s;
            best_len = n;
        }
    }
    if (best == FQ_NONE)
        return FQ_EINVAL;
    const char *d = text + best_len;
    if (!*d || strlen(d) > 9)
        return FQ_EINVAL;
    uint32_t v = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9')
            return FQ_EINVAL;
        v = v * 10 + (uint32_t)(*d - '0');
    }
    *number_service = best;
    *number = v;
    return FQ_OK;
}
