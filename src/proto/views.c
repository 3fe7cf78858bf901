/* views.c — the engine's state as the HTTP API and the staff socket show it.
 * Staff views carry class, reason and waits; the ticket holder's views do
 * not carry the class (a number never tells a class). */
#include <string.h>

#include "fairq/proto.h"

char *fq_proto_ticket_number(const fq_engine *e, const fq_ticket *t, char buf[FQ_NUMBER_LEN])
{
    return fq_engine_format_number(e, t->number_service, t->number, buf, FQ_NUMBER_LEN);
}

static json_t *number_json(const fq_engine *e, const fq_ticket *t)
{
    char buf[FQ_NUMBER_LEN];
    return json_string(fq_proto_ticket_number(e, t, buf));
}

static json_t *service_json(const fq_engine *e, int service)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    if (service < 0 || service >= cfg->n_services)
        return json_null();
    return json_string(cfg->services[service].id);
}

static json_t *counter_id_json(const fq_engine *e, int counter)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    if (counter < 0 || counter >= cfg->n_counters)
        return json_null();
    return json_string(cfg->counters[counter].id);
}

static json_t *class_json(const fq_engine *e, int klass)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    if (klass < 0 || klass >= cfg->n_classes)
        return json_null();
    return json_string(cfg->classes[klass].id);
}

/* reason_plus1: the ticket's encoding (0 none, r+1 = reasons[r]). */
static json_t *reason_json(const fq_engine *e, int klass, int reason_plus1)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    int r = reason_plus1 - 1;
    if (klass < 0 || klass >= cfg->n_classes || r < 0 || r >= cfg->classes[klass].n_reasons)
        return json_null();
    return json_string(cfg->classes[klass].reasons[r]);
}

static json_int_t seconds_between(fq_time from, fq_time to)
{
    return to > from ? (json_int_t)((to - from) / 1000) : 0;
}

json_t *fq_proto_issued(const fq_engine *e, const fq_ticket *t, const char *id)
{
    char url[8 + 64];
    snprintf(url, sizeof(url), "/t/%s", id);
    return json_pack("{s:s,s:o,s:o,s:o,s:I,s:s}", "id", id, "number", number_json(e, t),
                     "service", service_json(e, t->service), "issued_at",
                     fq_proto_time_json(t->issued_at), "estimated_wait_s",
                     (json_int_t)t->estimate_s, "status_url", url);
}

json_t *fq_proto_ticket_public(const fq_engine *e, const fq_ticket *t, fq_time now)
{
    json_t *est = t->status == FQ_T_WAITING
                      ? json_integer((json_int_t)fq_engine_estimate(e, t->seq, now))
                      : json_null();
    return json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o}", "number", number_json(e, t), "service",
                     service_json(e, t->service), "status",
                     fq_ticket_status_name((fq_ticket_status)t->status), "counter",
                     counter_id_json(e, t->counter), "issued_at",
                     fq_proto_time_json(t->issued_at), "called_at",
                     fq_proto_time_json(t->called_at), "estimated_wait_s", est);
}

/* A waiting ticket has waited since issue (a transfer keeps the issue time);
 * a called one waited until its first call. */
static json_int_t wait_of(const fq_ticket *t, fq_time now)
{
    if (t->status == FQ_T_WAITING || !t->called_at)
        return seconds_between(t->issued_at, now);
    return seconds_between(t->issued_at, t->called_at);
}

json_t *fq_proto_ticket_staff(const fq_engine *e, const fq_ticket *t, fq_time now)
{
    return json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:I}", "number", number_json(e, t),
                     "service", service_json(e, t->service), "status",
                     fq_ticket_status_name((fq_ticket_status)t->status), "counter",
                     counter_id_json(e, t->counter), "issued_at",
                     fq_proto_time_json(t->issued_at), "called_at",
                     fq_proto_time_json(t->called_at), "class", class_json(e, t->klass),
                     "reason", reason_json(e, t->klass, t->reason), "wait_s", wait_of(t, now));
}

json_t *fq_proto_counter(const fq_engine *e, int counter)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    const fq_counter_cfg *c = &cfg->counters[counter];
    uint64_t seq = fq_engine_counter_ticket(e, counter);
    const fq_ticket *t = seq ? fq_engine_ticket(e, seq) : NULL;
    json_t *services = json_array();

    for (int s = 0; services && s < cfg->n_services; s++)
        if (c->services & (1u << s))
            json_array_append_new(services, json_string(cfg->services[s].id));
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "id", c->id, "name", c->name, "state",
                     fq_counter_state_name(fq_engine_counter_state(e, counter)), "services",
                     services, "ticket", t ? number_json(e, t) : json_null(), "ticket_status",
                     t ? json_string(fq_ticket_status_name((fq_ticket_status)t->status))
                       : json_null());
}

typedef struct queue_ctx {
    const fq_engine *e;
    fq_time now;
    json_t *tickets;
} queue_ctx;

static bool queue_ticket(const fq_ticket *t, void *arg)
{
    queue_ctx *q = arg;
    const fq_engine *e = q->e;
    json_t *row;

    if (t->status != FQ_T_WAITING && t->status != FQ_T_CALLED && t->status != FQ_T_SERVING)
        return true;
    row = json_pack(
        "{s:I,s:o,s:o,s:o,s:o,s:s,s:o,s:I,s:b,s:o,s:i,s:o}", "seq", (json_int_t)t->seq,
        "number", number_json(e, t), "service", service_json(e, t->service), "class",
        class_json(e, t->klass), "reason", reason_json(e, t->klass, t->reason), "status",
        fq_ticket_status_name((fq_ticket_status)t->status), "issued_at",
        fq_proto_time_json(t->issued_at), "wait_s", wait_of(t, q->now), "overdue",
        (int)fq_engine_overdue(e, t, q->now), "counter", counter_id_json(e, t->counter),
        "recalls", (int)t->recalls, "estimated_wait_s",
        t->status == FQ_T_WAITING ? json_integer(fq_engine_estimate(e, t->seq, q->now))
                                  : json_null());
    if (!row || json_array_append_new(q->tickets, row)) {
        q->tickets = NULL; /* signals failure; the array is freed by the caller's pack */
        return false;
    }
    return true;
}

static json_t *alarm_ticket_json(const fq_engine *e, const fq_proto_alarm *alarm)
{
    const fq_ticket *t = alarm->ticket ? fq_engine_ticket(e, alarm->ticket) : NULL;
    return t ? number_json(e, t) : json_null();
}

json_t *fq_proto_alarm_json(const fq_engine *e, const fq_proto_alarm *alarm)
{
    return json_pack("{s:s,s:b,s:o,s:o}", "kind", "starvation", "active", (int)alarm->active,
                     "ticket", alarm_ticket_json(e, alarm), "since",
                     fq_proto_time_json(alarm->since));
}

json_t *fq_proto_queue(const fq_engine *e, fq_time now, const fq_proto_alarm *alarm)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(e);
    json_t *tickets = json_array(), *counters = json_array(), *alarms = json_array();
    queue_ctx q = {e, now, tickets};

    if (!tickets || !counters || !alarms)
        goto fail;
    fq_engine_each_ticket(e, queue_ticket, &q);
    if (!q.tickets)
        goto fail;
    for (int c = 0; c < cfg->n_counters; c++)
        if (json_array_append_new(counters, fq_proto_counter(e, c)))
            goto fail;
    if (alarm && alarm->active) {
        json_t *a = json_pack("{s:s,s:o,s:o}", "kind", "starvation", "ticket",
                              alarm_ticket_json(e, alarm), "since",
                              fq_proto_time_json(alarm->since));
        if (json_array_append_new(alarms, a))
            goto fail;
    }
    return json_pack("{s:o,s:o,s:s,s:I,s:o,s:o,s:o}", "day", fq_proto_day_json(fq_engine_day(e)),
                     "now", fq_proto_time_json(now), "policy", fq_policy_name(cfg->policy),
                     "waiting", (json_int_t)fq_engine_waiting(e), "tickets", tickets, "counters",
                     counters, "alarms", alarms);
fail:
    json_decref(tickets);
    json_decref(counters);
    json_decref(alarms);
    return NULL;
}

json_t *fq_proto_event(const fq_engine *e, const fq_event *ev)
{
    const fq_ticket *t = ev->ticket ? fq_engine_ticket(e, ev->ticket) : NULL;
    json_t *o = json_pack("{s:s,s:o}", "type", fq_event_type_name(ev->type), "at",
                          fq_proto_time_json(ev->at));

    if (!o)
        return NULL;
    if (ev->type != FQ_EV_DAY && ev->type != FQ_EV_COUNTER && ev->type != FQ_EV_ALARM_OFF) {
        json_object_set_new(o, "number", t ? number_json(e, t) : json_null());
        json_object_set_new(o, "counter", counter_id_json(e, ev->counter));
        json_object_set_new(o, "service",
                            service_json(e, ev->service != FQ_NONE ? ev->service
                                                 : t ? t->service : FQ_NONE));
    }
    switch (ev->type) {
    case FQ_EV_DAY:
        json_object_set_new(o, "day", fq_proto_day_json(ev->day));
        break;
    case FQ_EV_ISSUED:
        json_object_set_new(o, "class", class_json(e, ev->klass));
        json_object_set_new(o, "reason", ev->reason == FQ_NONE
                                             ? json_null()
                                             : reason_json(e, ev->klass, ev->reason + 1));
        json_object_set_new(o, "estimated_wait_s", json_integer(ev->estimate_s));
        break;
    case FQ_EV_CALLED:
        json_object_set_new(o, "manual", json_boolean(ev->manual));
        json_object_set_new(o, "note", ev->manual ? json_string(ev->note) : json_null());
        if (t) {
            json_object_set_new(o, "class", class_json(e, t->klass));
            json_object_set_new(o, "wait_s", json_integer(seconds_between(t->issued_at, ev->at)));
        }
        break;
    case FQ_EV_COUNTER:
        json_object_set_new(o, "counter", counter_id_json(e, ev->counter));
        json_object_set_new(o, "state", json_string(fq_counter_state_name(
                                            (fq_counter_state)ev->state)));
        break;
    default:
        break;
    }
    return o;
}

json_t *fq_proto_info(const fq_config *cfg)
{
    const fq_sched_cfg *s = &cfg->sched;
    json_t *langs = json_array(), *services = json_array(), *counters = json_array(),
           *classes = json_array();

    if (!langs || !services || !counters || !classes)
        goto fail;
    for (int i = 0; i < cfg->n_languages; i++)
        json_array_append_new(langs, json_string(cfg->languages[i]));
    for (int i = 0; i < s->n_services; i++)
        json_array_append_new(services, json_pack("{s:s,s:s,s:s}", "id", s->services[i].id, "name",
                                                  s->services[i].name, "prefix",
                                                  s->services[i].prefix));
    for (int i = 0; i < s->n_counters; i++)
        json_array_append_new(counters, json_pack("{s:s,s:s}", "id", s->counters[i].id, "name",
                                                  s->counters[i].name));
    for (int i = 0; i < s->n_classes; i++) {
        const fq_class_cfg *c = &s->classes[i];
        json_t *reasons;
        if (!(c->issued_by & FQ_ISSUER_KIOSK))
            continue;
        reasons = json_array();
        for (int r = 0; reasons && r < c->n_reasons; r++)
            json_array_append_new(reasons, json_string(c->reasons[r]));
        json_array_append_new(classes, json_pack("{s:s,s:o}", "id", c->id, "reasons", reasons));
    }
    return json_pack("{s:{s:s,s:s,s:s,s:o},s:o,s:o,s:o,s:{s:i}}", "branch", "id", cfg->branch_id,
                     "name", cfg->branch_name, "timezone", cfg->timezone, "languages", langs,
                     "services", services, "counters", counters, "kiosk_classes", classes,
                     "display", "history", cfg->display_history);
fail:
    json_decref(langs);
    json_decref(services);
    json_decref(counters);
    json_decref(classes);
    return NULL;
}
