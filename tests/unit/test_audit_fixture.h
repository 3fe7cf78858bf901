/* test_audit_fixture.h — a real engine whose events go into a real temporary
 * event log, for the audit's tests: every figure the audit reports is then
 * recomputed from the log exactly as an auditor would.
 *
 * Configuration: fq_config_defaults (classes vip w3 L900 T600, priority w2
 * L1200 T900 reasons elderly/disabled/pregnant, regular w1 L1800 T1200;
 * services A, B; four counters "1".."4" serving both; Asia/Shanghai, UTC+8
 * without DST). T0 is 2026-11-23 01:00:00 UTC = 09:00 local. */
#ifndef FAIRQ_TEST_AUDIT_FIXTURE_H
#define FAIRQ_TEST_AUDIT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fairq/audit.h"
#include "fairq/config.h"
#include "fairq/engine.h"
#include "fairq/store.h"

enum { VIP = 0, PRI = 1, REG = 2, SVC_A = 0, SVC_B = 1 };
#define SEC(x) ((fq_time)((x) * 1000.0))
#define T0 ((fq_time)1795395600000) /* 2026-11-23 01:00:00Z, 09:00 in Shanghai */
#define DAY1 20261123
#define DAY2 20261124

typedef struct rig {
    fq_config cfg;
    fq_engine *e;
    fq_store *s;
    fq_evbuf buf;
    char dir[64];
    char db[128];
} rig;

static inline void rig_open(rig *r, fq_policy policy)
{
    memset(r, 0, sizeof *r);
    fq_config_defaults(&r->cfg);
    r->cfg.sched.policy = policy;
    r->e = fq_engine_new(&r->cfg.sched);
    assert_non_null(r->e);
    snprintf(r->dir, sizeof r->dir, "/tmp/fairq-audit-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->db, sizeof r->db, "%s/log.db", r->dir);
    char err[256];
    fq_status st = fq_store_open(r->db, "off", FQ_STORE_CREATE, &r->s, err, sizeof err);
    if (st)
        fail_msg("open: %s", err);
}

static inline void rig_close(rig *r)
{
    fq_store_close(r->s);
    fq_engine_free(r->e);
    fq_evbuf_free(&r->buf);
    char p[160];
    const char *suffix[] = {"", "-wal", "-shm", ".lock"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", r->db, suffix[i]);
        unlink(p);
    }
    rmdir(r->dir);
}

/* Runs cmd at `at` on the engine and appends its events to the log. */
static inline fq_status rig_try(rig *r, fq_command *cmd, fq_time at)
{
    fq_evbuf_clear(&r->buf);
    fq_status st = fq_engine_exec(r->e, cmd, at, &r->buf);
    if (st)
        return st;
    return fq_store_append(r->s, &r->cfg.sched, r->buf.v, r->buf.n);
}

static inline void rig_do(rig *r, fq_command *cmd, fq_time at)
{
    assert_int_equal(rig_try(r, cmd, at), FQ_OK);
}

static inline void rig_day(rig *r, int32_t day, fq_time at)
{
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = day;
    rig_do(r, &c, at);
}

static inline void rig_counter(rig *r, fq_cmd_type t, int counter, fq_time at)
{
    fq_command c = fq_command_init(t);
    c.counter = counter;
    rig_do(r, &c, at);
}

static inline uint64_t rig_issue(rig *r, int klass, int service, int reason, int32_t estimate_s,
                                 fq_time at)
{
    fq_command c = fq_command_init(FQ_CMD_ISSUE);
    c.klass = klass;
    c.service = service;
    c.reason = reason;
    c.estimate_s = estimate_s;
    rig_do(r, &c, at);
    return fq_engine_last_seq(r->e);
}

/* `next` at a counter: the seq it called, 0 if none. */
static inline uint64_t rig_next(rig *r, int counter, fq_time at)
{
    fq_command c = fq_command_init(FQ_CMD_NEXT);
    c.counter = counter;
    rig_do(r, &c, at);
    for (size_t i = 0; i < r->buf.n; i++)
        if (r->buf.v[i].type == FQ_EV_CALLED)
            return r->buf.v[i].ticket;
    return 0;
}

static inline fq_audit *rig_audit(rig *r, int32_t from, int32_t to)
{
    fq_audit *a = NULL;
    char err[256];
    fq_status st = fq_audit_new(r->s, &r->cfg, from, to, &a, err, sizeof err);
    if (st)
        fail_msg("audit: %s", err);
    return a;
}

#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6)

#endif
