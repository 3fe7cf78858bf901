/* engine_fixture.h — a small branch for engine tests, built in code so the
 * engine is tested on its own (no config file, no I/O).
 *
 * classes: 0 vip (w 3, L 900), 1 priority (w 2, L 1200, reasons elderly,
 * disabled, pregnant), 2 regular (w 1, L 1800); services 0 "A", 1 "B";
 * counters 0 serves A+B, 1 serves A, 2 serves B. */
#ifndef FAIRQ_TEST_ENGINE_FIXTURE_H
#define FAIRQ_TEST_ENGINE_FIXTURE_H

#include <string.h>

#include "fairq/engine.h"

enum { VIP = 0, PRI = 1, REG = 2, SVC_A = 0, SVC_B = 1 };
#define SEC(x) ((fq_time)(x) * 1000)
#define T0 ((fq_time)1795000000000) /* some morning in 2026 */

static inline void fx_class(fq_class_cfg *c, const char *id, double w, int64_t limit, int64_t target)
{
    memset(c, 0, sizeof *c);
    strcpy(c->id, id);
    c->weight = w;
    c->starvation_limit_s = limit;
    c->target_wait_s = target;
    c->issued_by = FQ_ISSUER_KIOSK | FQ_ISSUER_STAFF;
}

static inline fq_sched_cfg fx_cfg(fq_policy policy)
{
    fq_sched_cfg c;
    memset(&c, 0, sizeof c);
    c.policy = policy;
    c.n_classes = 3;
    fx_class(&c.classes[VIP], "vip", 3.0, 900, 600);
    fx_class(&c.classes[PRI], "priority", 2.0, 1200, 900);
    fx_class(&c.classes[REG], "regular", 1.0, 1800, 1200);
    c.classes[PRI].n_reasons = 3;
    strcpy(c.classes[PRI].reasons[0], "elderly");
    strcpy(c.classes[PRI].reasons[1], "disabled");
    strcpy(c.classes[PRI].reasons[2], "pregnant");
    c.n_services = 2;
    strcpy(c.services[0].id, "A");
    strcpy(c.services[0].prefix, "A");
    c.services[0].service_time_s = 300;
    strcpy(c.services[1].id, "B");
    strcpy(c.services[1].prefix, "B");
    c.services[1].service_time_s = 300;
    c.n_counters = 3;
    strcpy(c.counters[0].id, "1");
    c.counters[0].services = 3;
    strcpy(c.counters[1].id, "2");
    c.counters[1].services = 1;
    strcpy(c.counters[2].id, "3");
    c.counters[2].services = 2;
    c.number_width = 3;
    c.number_order = FQ_ORDER_SEQUENTIAL;
    c.retain_finished = true;
    return c;
}

static inline fq_status fx_do(fq_engine *e, fq_cmd_type type, int counter, fq_time now)
{
    fq_command c = fq_command_init(type);
    c.counter = counter;
    return fq_engine_exec(e, &c, now, NULL);
}

static inline fq_status fx_day(fq_engine *e, int32_t day, uint64_t seed, fq_time now)
{
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = day;
    c.seed = seed;
    return fq_engine_exec(e, &c, now, NULL);
}

/* Issues a ticket; returns its seq (0 on error). */
static inline uint64_t fx_issue(fq_engine *e, int klass, int service, fq_time now)
{
    fq_command c = fq_command_init(FQ_CMD_ISSUE);
    c.klass = klass;
    c.service = service;
    if (fq_engine_exec(e, &c, now, NULL))
        return 0;
    return fq_engine_last_seq(e);
}

/* `next` at a counter; returns the seq called (0 if none or error). */
static inline uint64_t fx_next(fq_engine *e, int counter, fq_time now)
{
    if (fx_do(e, FQ_CMD_NEXT, counter, now))
        return 0;
    return fq_engine_counter_ticket(e, counter);
}

static inline fq_engine *fx_engine(fq_policy policy)
{
    fq_sched_cfg c = fx_cfg(policy);
    fq_engine *e = fq_engine_new(&c);
    if (e && fx_day(e, 20261123, 42, T0) == FQ_OK)
        return e;
    fq_engine_free(e);
    return NULL;
}

#endif
