/* report.c — the audit as JSON (SPEC 6), CSV (one row per ticket) or text.
 *
 * Numbers are printed with fixed decimals and trailing zeros trimmed, so the
 * output depends only on the log and the configuration: the same log always
 * gives byte-identical reports. */
#include <stdio.h>
#include <string.h>

#include "audit/internal.h"

static const char *class_id(const fq_audit *a, int k) { return a->cfg.sched.classes[k].id; }

static const char *counter_id(const fq_audit *a, int c)
{
    return c >= 0 && c < a->cfg.sched.n_counters ? a->cfg.sched.counters[c].id : "";
}

static const char *reason_id(const fq_audit *a, const fq_audit_ticket *t)
{
    const fq_class_cfg *k = &a->cfg.sched.classes[t->klass];
    return t->reason >= 0 && t->reason < k->n_reasons ? k->reasons[t->reason] : "";
}

/* --- JSON -------------------------------------------------------------------- */

static fq_status json_stats(fq_audit_buf *b, const char *id, const fq_audit_stats *s)
{
    char n[6][48];
    TRY(fq_audit_buf_puts(b, "{\"id\":"));
    TRY(fq__audit_json_str(b, id));
    TRY(fq_audit_buf_printf(
        b,
        ",\"served\":%llu,\"no_show\":%llu,\"cancelled\":%llu,\"wait_mean_s\":%s,"
        "\"wait_p50_s\":%s,\"wait_p90_s\":%s,\"wait_p95_s\":%s,\"wait_max_s\":%s,",
        (unsigned long long)s->served, (unsigned long long)s->no_show,
        (unsigned long long)s->cancelled, fq_util_num(n[0], 48, s->wait_mean_s, 3),
        fq_util_num(n[1], 48, s->wait_p50_s, 3), fq_util_num(n[2], 48, s->wait_p90_s, 3),
        fq_util_num(n[3], 48, s->wait_p95_s, 3), fq_util_num(n[4], 48, s->wait_max_s, 3)));
    return fq_audit_buf_printf(
        b,
        "\"over_target_pct\":%s,\"starvation_breaches\":%llu,\"overrides\":%llu,"
        "\"overtaken_mean\":%s,\"estimate_error_mean_s\":%s}",
        fq_util_num(n[0], 48, s->over_target_pct, 2), (unsigned long long)s->starvation_breaches,
        (unsigned long long)s->overrides, fq_util_num(n[1], 48, s->overtaken_mean, 3),
        fq_util_num(n[2], 48, s->estimate_error_mean_s, 3));
}

static fq_status json_classes(const fq_audit *a, fq_audit_buf *b, const fq_audit_stats *row)
{
    TRY(fq_audit_buf_puts(b, "["));
    for (int k = 0; k < a->cfg.sched.n_classes; k++) {
        if (k)
            TRY(fq_audit_buf_puts(b, ","));
        TRY(json_stats(b, class_id(a, k), &row[k]));
    }
    return fq_audit_buf_puts(b, "]");
}

static fq_status json_day_or_null(fq_audit_buf *b, int32_t day)
{
    char d[16];
    if (!day)
        return fq_audit_buf_puts(b, "null");
    return fq_audit_buf_printf(b, "\"%s\"", fq__audit_day_text(day, d));
}

/* The range as asked, or as covered when a side is unbounded. */
static void range_days(const fq_audit *a, int32_t *from, int32_t *to)
{
    *from = a->from ? a->from : a->n_days ? a->days[0].day : 0;
    *to = a->to ? a->to : a->n_days ? a->days[a->n_days - 1].day : 0;
}

static bool hour_used(const fq_audit *a, int h)
{
    for (int k = 0; k < a->cfg.sched.n_classes; k++)
        if (a->by_hour[h * a->cfg.sched.n_classes + k].tickets)
            return true;
    return false;
}

fq_status fq__audit_write_json(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    int32_t from, to;
    range_days(a, &from, &to);
    TRY(fq_audit_buf_puts(b, "{\"from\":"));
    TRY(json_day_or_null(b, from));
    TRY(fq_audit_buf_puts(b, ",\"to\":"));
    TRY(json_day_or_null(b, to));
    TRY(fq_audit_buf_puts(b, ",\"classes\":"));
    TRY(json_classes(a, b, a->by_class));
    TRY(fq_audit_buf_puts(b, ",\"services\":["));
    for (int s = 0; s < a->cfg.sched.n_services; s++) {
        TRY(fq_audit_buf_puts(b, s ? ",{\"id\":" : "{\"id\":"));
        TRY(fq__audit_json_str(b, a->cfg.sched.services[s].id));
        TRY(fq_audit_buf_puts(b, ",\"classes\":"));
        TRY(json_classes(a, b, &a->by_service[s * nk]));
        TRY(fq_audit_buf_puts(b, "}"));
    }
    TRY(fq_audit_buf_puts(b, "],\"days\":["));
    for (size_t d = 0; d < a->n_days; d++) {
        TRY(fq_audit_buf_puts(b, d ? ",{\"day\":" : "{\"day\":"));
        TRY(json_day_or_null(b, a->days[d].day));
        TRY(fq_audit_buf_puts(b, ",\"classes\":"));
        TRY(json_classes(a, b, &a->by_day[d * (size_t)nk]));
        TRY(fq_audit_buf_puts(b, "}"));
    }
    TRY(fq_audit_buf_puts(b, "],\"hours\":["));
    bool first = true;
    for (int h = 0; h < FQ__HOURS; h++) {
        if (!hour_used(a, h))
            continue;
        TRY(fq_audit_buf_printf(b, "%s{\"hour\":%d,\"classes\":", first ? "" : ",", h));
        TRY(json_classes(a, b, &a->by_hour[h * nk]));
        TRY(fq_audit_buf_puts(b, "}"));
        first = false;
    }
    TRY(fq_audit_buf_puts(b, "],\"overrides\":["));
    for (size_t i = 0; i < a->n_ov; i++) {
        const fq_audit_override *o = &a->ov[i];
        const fq_audit_ticket *t = &a->t[o->ticket];
        char num[48], at[32], day[16];
        TRY(fq_audit_buf_printf(b, "%s{\"number\":\"%s\",\"day\":\"%s\",\"at\":\"%s\",\"counter\":",
                                i ? "," : "", fq__audit_number_text(a, t, num, sizeof num),
                                fq__audit_day_text(t->day, day), fq__audit_iso(o->at, at)));
        TRY(fq__audit_json_str(b, counter_id(a, o->counter)));
        TRY(fq_audit_buf_puts(b, ",\"reason\":"));
        TRY(fq__audit_json_str(b, o->note));
        TRY(fq_audit_buf_puts(b, "}"));
    }
    char j[48];
    TRY(fq_audit_buf_printf(b, "],\"fairness\":{\"jain_index\":%s},\"head\":{\"events\":%llu,",
                            fq_util_num(j, sizeof j, a->jain, 4),
                            (unsigned long long)a->events));
    if (a->bad_seq)
        return fq_audit_buf_printf(b, "\"hash\":\"%s\",\"verify\":\"bad event %llu\"}}\n", a->hash,
                                   (unsigned long long)a->bad_seq);
    return fq_audit_buf_printf(b, "\"hash\":\"%s\",\"verify\":\"ok\"}}\n", a->hash);
}

/* --- CSV ----------------------------------------------------------------------- */

/* RFC 4180: quote a field only when it needs it. */
static fq_status csv_field(fq_audit_buf *b, const char *s, bool last)
{
    if (!strpbrk(s, ",\"\r\n")) {
        TRY(fq_audit_buf_puts(b, s));
    } else {
        TRY(fq_audit_buf_puts(b, "\""));
        for (; *s; s++)
            TRY(*s == '"' ? fq_audit_buf_puts(b, "\"\"") : fq_audit_buf_put(b, s, 1));
        TRY(fq_audit_buf_puts(b, "\""));
    }
    return fq_audit_buf_puts(b, last ? "\r\n" : ",");
}

fq_status fq__audit_write_csv(const fq_audit *a, fq_audit_buf *b)
{
    TRY(fq_audit_buf_puts(b, "day,number,service,class,reason,issued_at,called_at,wait_s,outcome,"
                             "counter,manual,estimate_s,overtaken\r\n"));
    for (size_t i = 0; i < a->n; i++) {
        const fq_audit_ticket *t = &a->t[i];
        char day[16], num[48], iss[32], cal[32], wait[48], est[16], man[16], ovt[16];
        TRY(csv_field(b, fq__audit_day_text(t->day, day), false));
        TRY(csv_field(b, fq__audit_number_text(a, t, num, sizeof num), false));
        TRY(csv_field(b, a->cfg.sched.services[t->service].id, false));
        TRY(csv_field(b, class_id(a, t->klass), false));
        TRY(csv_field(b, reason_id(a, t), false));
        TRY(csv_field(b, fq__audit_iso(t->issued_at, iss), false));
        TRY(csv_field(b, t->called_at ? fq__audit_iso(t->called_at, cal) : "", false));
        TRY(csv_field(b,
                      t->called_at ? fq_util_num(wait, sizeof wait,
                                                   (double)(t->called_at - t->issued_at) / 1000.0, 3)
                                   : "",
                      false));
        TRY(csv_field(b, fq_audit_outcome_name(t->outcome), false));
        TRY(csv_field(b, counter_id(a, t->counter), false));
        snprintf(man, sizeof man, "%u", (unsigned)t->manual_calls);
        snprintf(est, sizeof est, "%ld", (long)t->estimate_s);
        snprintf(ovt, sizeof ovt, "%lu", (unsigned long)t->overtaken);
        TRY(csv_field(b, man, false));
        TRY(csv_field(b, est, false));
        TRY(csv_field(b, ovt, true));
    }
    return FQ_OK;
}

/* --- text ---------------------------------------------------------------------- */

static fq_status text_table(const fq_audit *a, fq_audit_buf *b, const fq_audit_stats *row)
{
    TRY(fq_audit_buf_puts(b, "  class          tickets served no_show cancel  mean_s   p50_s   "
                             "p90_s   p95_s   max_s  >target%  breach  overr  overtkn  est_err_s\n"));
    for (int k = 0; k < a->cfg.sched.n_classes; k++) {
        const fq_audit_stats *s = &row[k];
        char n[9][48];
        TRY(fq_audit_buf_printf(
            b, "  %-14s %7llu %6llu %7llu %6llu %7s %7s %7s %7s %7s %9s %7llu %6llu %8s %10s\n",
            class_id(a, k), (unsigned long long)s->tickets, (unsigned long long)s->served,
            (unsigned long long)s->no_show, (unsigned long long)s->cancelled,
            fq_util_num(n[0], 48, s->wait_mean_s, 1), fq_util_num(n[1], 48, s->wait_p50_s, 1),
            fq_util_num(n[2], 48, s->wait_p90_s, 1), fq_util_num(n[3], 48, s->wait_p95_s, 1),
            fq_util_num(n[4], 48, s->wait_max_s, 1),
            fq_util_num(n[5], 48, s->over_target_pct, 1),
            (unsigned long long)s->starvation_breaches, (unsigned long long)s->overrides,
            fq_util_num(n[6], 48, s->overtaken_mean, 2),
            fq_util_num(n[7], 48, s->estimate_error_mean_s, 1)));
    }
    return FQ_OK;
}

fq_status fq__audit_write_text(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    int32_t from, to;
    range_days(a, &from, &to);
    char d1[16], d2[16], j[48];
    TRY(fq_audit_buf_printf(b, "fairq audit of branch %s, days %s to %s (%zu with a log)\n",
                            a->cfg.branch_id, from ? fq__audit_day_text(from, d1) : "-",
                            to ? fq__audit_day_text(to, d2) : "-", a->n_days));
    TRY(fq_audit_buf_printf(b, "%zu tickets; waits in seconds from issue to first call\n\n", a->n));
    TRY(fq_audit_buf_puts(b, "All services\n"));
    TRY(text_table(a, b, a->by_class));
    TRY(fq_audit_buf_printf(b, "  Jain's index over mean wait / target wait: %s\n",
                            fq_util_num(j, sizeof j, a->jain, 4)));
    for (int s = 0; s < a->cfg.sched.n_services; s++) {
        TRY(fq_audit_buf_printf(b, "\nService %s (%s)\n", a->cfg.sched.services[s].id,
                                a->cfg.sched.services[s].name));
        TRY(text_table(a, b, &a->by_service[s * nk]));
    }
    for (size_t d = 0; d < a->n_days; d++) {
        TRY(fq_audit_buf_printf(b, "\nDay %s\n", fq__audit_day_text(a->days[d].day, d1)));
        TRY(text_table(a, b, &a->by_day[d * (size_t)nk]));
    }
    for (int h = 0; h < FQ__HOURS; h++) {
        if (!hour_used(a, h))
            continue;
        TRY(fq_audit_buf_printf(b, "\nIssued %02d:00-%02d:59 local time\n", h, h));
        TRY(text_table(a, b, &a->by_hour[h * nk]));
    }
    TRY(fq_audit_buf_printf(b, "\nManual calls (overrides): %zu\n", a->n_ov));
    for (size_t i = 0; i < a->n_ov; i++) {
        const fq_audit_override *o = &a->ov[i];
        char num[48], at[32];
        TRY(fq_audit_buf_printf(b, "  %s  %-8s counter %-6s %s\n", fq__audit_iso(o->at, at),
                                fq__audit_number_text(a, &a->t[o->ticket], num, sizeof num),
                                counter_id(a, o->counter), o->note));
    }
    TRY(fq_audit_buf_printf(b, "\nEvent log: %llu events, head %s\n",
                            (unsigned long long)a->events, a->hash));
    if (a->bad_seq)
        return fq_audit_buf_printf(b, "Hash chain: bad event %llu\n",
                                   (unsigned long long)a->bad_seq);
    return fq_audit_buf_puts(b, "Hash chain: ok\n");
}
