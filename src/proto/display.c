/* display.c — the public lobby view and its messages (see display.h).
 *
 * Events are read here only to copy a number, a counter id and a time into
 * the view; the serialisers at the bottom see nothing but display types. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fairq/display.h"

const char *const fq_display_keys[] = {"type",    "seq",     "day",   "at",      "number",
                                       "counter", "recall",  "calls", "waiting", "message",
                                       NULL};

void fq_display_init(fq_display_view *v, int history)
{
    memset(v, 0, sizeof(*v));
    if (history < 1)
        history = 1;
    if (history > FQ_DISPLAY_MAX_HISTORY)
        history = FQ_DISPLAY_MAX_HISTORY;
    v->history = history;
}

static void number_of(const fq_engine *e, const fq_ticket *t, char buf[FQ_DISPLAY_NUMBER_LEN])
{
    fq_engine_format_number(e, t->number_service, t->number, buf, FQ_DISPLAY_NUMBER_LEN);
}

static void counter_of(const fq_engine *e, int counter, char buf[FQ_ID_LEN])
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    if (counter >= 0 && counter < cfg->n_counters)
        snprintf(buf, FQ_ID_LEN, "%s", cfg->counters[counter].id);
    else
        buf[0] = '\0';
}

/* Removes number from the history; true if it was there. */
static bool remove_call(fq_display_view *v, const char *number)
{
    for (int i = 0; i < v->n_calls; i++) {
        if (!strcmp(v->calls[i].number, number)) {
            memmove(&v->calls[i], &v->calls[i + 1],
                    (size_t)(v->n_calls - i - 1) * sizeof(v->calls[0]));
            v->n_calls--;
            return true;
        }
    }
    return false;
}

/* Puts a call on top (a recall of a number moves it up, never duplicates). */
static void push_call(fq_display_view *v, const fq_display_call *c)
{
    remove_call(v, c->number);
    if (v->n_calls == v->history)
        v->n_calls--;
    memmove(&v->calls[1], &v->calls[0], (size_t)v->n_calls * sizeof(v->calls[0]));
    v->calls[0] = *c;
    v->n_calls++;
}

typedef struct rebuild_ctx {
    const fq_engine *e;
    fq_display_view *v;
} rebuild_ctx;

static bool rebuild_one(const fq_ticket *t, void *arg)
{
    rebuild_ctx *r = arg;
    fq_display_view *v = r->v;
    fq_display_call c;
    int at;

    if ((t->status != FQ_T_CALLED && t->status != FQ_T_SERVING) || !t->last_called_at)
        return true;
    memset(&c, 0, sizeof(c));
    number_of(r->e, t, c.number);
    counter_of(r->e, t->counter, c.counter);
    c.at = t->last_called_at;
    /* insertion into newest-first order, dropping what falls off the end */
    for (at = 0; at < v->n_calls && v->calls[at].at >= c.at; at++)
        ;
    if (at >= v->history)
        return true;
    if (v->n_calls == v->history)
        v->n_calls--;
    memmove(&v->calls[at + 1], &v->calls[at], (size_t)(v->n_calls - at) * sizeof(v->calls[0]));
    v->calls[at] = c;
    v->n_calls++;
    return true;
}

void fq_display_rebuild(fq_display_view *v, const fq_engine *e)
{
    rebuild_ctx r = {e, v};

    fq_display_init(v, v->history);
    v->day = fq_engine_day(e);
    v->waiting = fq_engine_waiting(e);
    fq_engine_each_ticket(e, rebuild_one, &r);
}

int fq_display_on_event(fq_display_view *v, const fq_engine *e, const fq_event *ev,
                        fq_display_msg out[FQ_DISPLAY_MAX_MSGS])
{
    const fq_ticket *t = ev->ticket ? fq_engine_ticket(e, ev->ticket) : NULL;
    fq_display_call c;

    memset(&out[0], 0, sizeof(out[0]));
    switch (ev->type) {
    case FQ_EV_CALLED:
    case FQ_EV_RECALLED:
        if (!t)
            return 0;
        memset(&c, 0, sizeof(c));
        number_of(e, t, c.number);
        counter_of(e, ev->counter, c.counter);
        c.at = ev->at;
        push_call(v, &c);
        out[0].type = FQ_DMSG_CALL;
        memcpy(out[0].number, c.number, sizeof(c.number));
        memcpy(out[0].counter, c.counter, sizeof(c.counter));
        out[0].at = c.at;
        out[0].recall = ev->type == FQ_EV_RECALLED;
        return 1;
    case FQ_EV_NO_SHOW:
    case FQ_EV_TRANSFERRED:
    case FQ_EV_CLOSED:
        if (!t)
            return 0;
        number_of(e, t, out[0].number);
        if (!remove_call(v, out[0].number))
            return 0;
        out[0].type = FQ_DMSG_CLEAR;
        return 1;
    case FQ_EV_DAY:
        v->day = ev->day;
        v->n_calls = 0;
        out[0].type = FQ_DMSG_DAY;
        out[0].day = ev->day;
        return 1;
    default:
        return 0;
    }
}

int fq_display_on_batch_end(fq_display_view *v, const fq_engine *e, fq_display_msg *out)
{
    uint64_t waiting = fq_engine_waiting(e);

    if (waiting == v->waiting)
        return 0;
    v->waiting = waiting;
    memset(out, 0, sizeof(*out));
    out->type = FQ_DMSG_WAITING;
    out->waiting = waiting;
    return 1;
}

/* --- serialisation: display types only --------------------------------- */

static json_t *time_json(fq_time t)
{
    char buf[96]; /* room for any int in every field: no truncation is possible */
    time_t secs;
    struct tm tm;
    int ms;

    if (!t)
        return json_null();
    secs = (time_t)(t / 1000);
    ms = (int)(t % 1000);
    if (ms < 0) {
        ms += 1000;
        secs--;
    }
    if (!gmtime_r(&secs, &tm))
        return json_null();
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return json_string(buf);
}

static json_t *day_json(int32_t day)
{
    char buf[16];
    if (!day)
        return json_null();
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(day / 10000), (int)(day / 100 % 100),
             (int)(day % 100));
    return json_string(buf);
}

static char *dump(json_t *v, size_t *len)
{
    char *s;
    if (!v)
        return NULL;
    s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (s && len)
        *len = strlen(s);
    return s;
}

char *fq_display_msg_json(const fq_display_msg *m, uint64_t seq, size_t *len)
{
    json_int_t s = (json_int_t)seq;

    switch (m->type) {
    case FQ_DMSG_CALL:
        return dump(json_pack("{s:s,s:I,s:s,s:s,s:o,s:b}", "type", "call", "seq", s, "number",
                              m->number, "counter", m->counter, "at", time_json(m->at),
                              "recall", (int)m->recall),
                    len);
    case FQ_DMSG_CLEAR:
        return dump(json_pack("{s:s,s:I,s:s}", "type", "clear", "seq", s, "number", m->number),
                    len);
    case FQ_DMSG_WAITING:
        return dump(json_pack("{s:s,s:I,s:I}", "type", "waiting", "seq", s, "waiting",
                              (json_int_t)m->waiting),
                    len);
    case FQ_DMSG_DAY:
        return dump(json_pack("{s:s,s:I,s:o}", "type", "day", "seq", s, "day", day_json(m->day)),
                    len);
    }
    return NULL;
}

char *fq_display_snapshot_json(const fq_display_view *v, uint64_t seq, size_t *len)
{
    json_t *calls = json_array();

    for (int i = 0; calls && i < v->n_calls; i++) {
        const fq_display_call *c = &v->calls[i];
        if (json_array_append_new(calls, json_pack("{s:s,s:s,s:o}", "number", c->number,
                                                   "counter", c->counter, "at", time_json(c->at)))) {
            json_decref(calls);
            return NULL;
        }
    }
    if (!calls)
        return NULL;
    return dump(json_pack("{s:s,s:I,s:o,s:o,s:I}", "type", "snapshot", "seq", (json_int_t)seq,
                          "day", day_json(v->day), "calls", calls, "waiting",
                          (json_int_t)v->waiting),
                len);
}
