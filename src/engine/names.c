/* names.c — names of enums, parsing, and the small value helpers of engine.h. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const policy_names[] = {"fifo", "strict", "accumulating", "weighted"};
static const char *const status_names[] = {"waiting",   "called",    "serving", "done",
                                           "no_show",   "cancelled", "closed"};
static const char *const counter_names[] = {"closed", "open", "paused"};
static const char *const event_names[] = {NULL,          "day",       "issued",      "called",
                                          "recalled",    "no_show",   "started",     "completed",
                                          "transferred", "cancelled", "closed",      "counter",
                                          "alarm_on",    "alarm_off"};

const char *fq_policy_name(fq_policy p)
{
    return (unsigned)p < FQ_ARRAY_LEN(policy_names) ? policy_names[p] : NULL;
}

fq_status fq_policy_parse(const char *name, fq_policy *out)
{
    for (size_t i = 0; i < FQ_ARRAY_LEN(policy_names); i++)
        if (name && !strcmp(name, policy_names[i])) {
            *out = (fq_policy)i;
            return FQ_OK;
        }
    return FQ_EINVAL;
}

const char *fq_ticket_status_name(fq_ticket_status s)
{
    return (unsigned)s < FQ_ARRAY_LEN(status_names) ? status_names[s] : "unknown";
}

const char *fq_counter_state_name(fq_counter_state s)
{
    return (unsigned)s < FQ_ARRAY_LEN(counter_names) ? counter_names[s] : "unknown";
}

const char *fq_event_type_name(fq_event_type t)
{
    return (t >= FQ_EV_DAY && t <= FQ_EV_MAX) ? event_names[t] : "unknown";
}

fq_status fq_event_type_parse(const char *name, fq_event_type *out)
{
    for (int t = FQ_EV_DAY; t <= FQ_EV_MAX; t++)
        if (name && !strcmp(name, event_names[t])) {
            *out = (fq_event_type)t;
            return FQ_OK;
        }
    return FQ_EINVAL;
}

fq_event fq_event_init(fq_event_type type, fq_time at)
{
    fq_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    ev.at = at;
    ev.counter = ev.service = ev.klass = ev.reason = FQ_NONE;
    return ev;
}

fq_command fq_command_init(fq_cmd_type type)
{
    fq_command c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.counter = c.service = c.klass = c.reason = c.number_service = FQ_NONE;
    return c;
}

fq_status fq_evbuf_reserve(fq_evbuf *b, size_t extra)
{
    if (b->cap - b->n >= extra)
        return FQ_OK;
    size_t cap = b->cap ? b->cap : 8;
    while (cap - b->n < extra)
        cap *= 2;
    fq_event *v = realloc(b->v, cap * sizeof *v);
    if (!v)
        return FQ_ENOMEM;
    b->v = v;
    b->cap = cap;
    return FQ_OK;
}

fq_status fq_evbuf_push(fq_evbuf *b, const fq_event *ev)
{
    fq_status st = fq_evbuf_reserve(b, 1);
    if (st)
        return st;
    b->v[b->n++] = *ev;
    return FQ_OK;
}

void fq_evbuf_clear(fq_evbuf *b)
{
    b->n = 0;
}

void fq_evbuf_free(fq_evbuf *b)
{
    free(b->v);
    memset(b, 0, sizeof *b);
}
