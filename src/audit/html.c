/* html.c — the audit as one self-contained HTML page: no scripts, no external
 * resources, charts as hand-written inline SVG, print-friendly CSS.
 *
 * Charts: the distribution of waits per class (histogram, share of each
 * class's served tickets per 5-minute bin), the mean wait per hour of day
 * against each class's target, and starvation breaches per day. Every figure
 * is defined on the page, and the chain head ties the page to the log. */
#include <stdio.h>
#include <string.h>

#include "audit/internal.h"

/* Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
static const char *const palette[FQ_MAX_CLASSES] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                    "#E69F00", "#56B4E9", "#8C6D00", "#000000"};
/* Dash patterns, so classes stay apart in black-and-white print too. */
static const char *const dashes[FQ_MAX_CLASSES] = {"", "6 3", "2 2", "8 3 2 3",
                                                   "4 4", "1 3", "10 2", "3 6"};

#define BINS 13      /* 0-5, 5-10, ... 55-60, >= 60 minutes */
#define BIN_MIN 5

static fq_status esc(fq_audit_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': TRY(fq_audit_buf_puts(b, "&amp;")); break;
        case '<': TRY(fq_audit_buf_puts(b, "&lt;")); break;
        case '>': TRY(fq_audit_buf_puts(b, "&gt;")); break;
        case '"': TRY(fq_audit_buf_puts(b, "&quot;")); break;
        case '\'': TRY(fq_audit_buf_puts(b, "&#39;")); break;
        default: TRY(fq_audit_buf_put(b, s, 1));
        }
    }
    return FQ_OK;
}

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111;background:#fff;"
    "max-width:1100px;margin:1.5em auto;padding:0 1em}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:2px solid #333;"
    "padding-bottom:.2em;margin-top:1.8em}"
    "table{border-collapse:collapse;margin:.6em 0;font-variant-numeric:tabular-nums;"
    "font-size:13px}.wide{overflow-x:auto}"
    "th,td{border:1px solid #999;padding:.25em .5em;text-align:right}"
    "th{background:#eee}td.l,th.l{text-align:left}"
    "svg{display:block;margin:.6em 0;max-width:100%;height:auto}"
    "svg text{font:12px system-ui,sans-serif;fill:#111}"
    ".axis{stroke:#111;stroke-width:1}.grid{stroke:#ccc;stroke-width:1}"
    ".hash{font-family:ui-monospace,monospace;word-break:break-all}"
    ".ok{color:#006400;font-weight:bold}.bad{color:#a00000;font-weight:bold}"
    "dt{font-weight:bold;margin-top:.4em}dd{margin-left:1.5em}"
    ".note{color:#333}"
    "@media print{body{max-width:none;margin:0;font-size:11pt}h2{break-after:avoid}"
    "svg,table{break-inside:avoid}th{background:#ddd}}";

/* --- tables ------------------------------------------------------------------ */

static fq_status stats_table(const fq_audit *a, fq_audit_buf *b, const fq_audit_stats *row)
{
    TRY(fq_audit_buf_puts(
        b, "<div class=\"wide\"><table><thead><tr><th class=\"l\">class</th><th>tickets</th><th>served</th>"
           "<th>no-show</th><th>cancelled</th><th>mean wait (s)</th><th>p50 (s)</th>"
           "<th>p90 (s)</th><th>p95 (s)</th><th>max (s)</th><th>target (s)</th>"
           "<th>over target (%)</th><th>starvation breaches</th><th>manual calls</th>"
           "<th>overtaken (mean)</th><th>estimate error (s)</th></tr></thead><tbody>\n"));
    for (int k = 0; k < a->cfg.sched.n_classes; k++) {
        const fq_audit_stats *s = &row[k];
        char n[9][48];
        TRY(fq_audit_buf_puts(b, "<tr><td class=\"l\">"));
        TRY(esc(b, a->cfg.sched.classes[k].id));
        TRY(fq_audit_buf_printf(
            b,
            "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%s</td><td>%s</td>"
            "<td>%s</td><td>%s</td><td>%s</td><td>%lld</td><td>%s</td><td>%llu</td><td>%llu</td>"
            "<td>%s</td><td>%s</td></tr>\n",
            (unsigned long long)s->tickets, (unsigned long long)s->served,
            (unsigned long long)s->no_show, (unsigned long long)s->cancelled,
            fq_util_num(n[0], 48, s->wait_mean_s, 1), fq_util_num(n[1], 48, s->wait_p50_s, 1),
            fq_util_num(n[2], 48, s->wait_p90_s, 1), fq_util_num(n[3], 48, s->wait_p95_s, 1),
            fq_util_num(n[4], 48, s->wait_max_s, 1),
            (long long)a->cfg.sched.classes[k].target_wait_s,
            fq_util_num(n[5], 48, s->over_target_pct, 1),
            (unsigned long long)s->starvation_breaches, (unsigned long long)s->overrides,
            fq_util_num(n[6], 48, s->overtaken_mean, 2),
            fq_util_num(n[7], 48, s->estimate_error_mean_s, 1)));
    }
    return fq_audit_buf_puts(b, "</tbody></table></div>\n");
}

static fq_status legend(const fq_audit *a, fq_audit_buf *b, int x, int y, bool lines)
{
    for (int k = 0; k < a->cfg.sched.n_classes; k++) {
        int lx = x + k * 130;
        if (lines)
            TRY(fq_audit_buf_printf(b,
                                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                                    "stroke-width=\"3\" stroke-dasharray=\"%s\"/>",
                                    lx, y - 4, lx + 24, y - 4, palette[k], dashes[k]));
        else
            TRY(fq_audit_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\"/>",
                                    lx, y - 11, palette[k]));
        TRY(fq_audit_buf_printf(b, "<text x=\"%d\" y=\"%d\">", lx + (lines ? 30 : 20), y));
        TRY(esc(b, a->cfg.sched.classes[k].id));
        TRY(fq_audit_buf_puts(b, "</text>"));
    }
    return FQ_OK;
}

/* --- charts ------------------------------------------------------------------ */

enum { W = 900, H = 320, ML = 64, MR = 20, MT = 20, MB = 70 };

static double nice_max(double v)
{
    if (v <= 0)
        return 1.0;
    double m = 1.0;
    while (m < v)
        m *= 10.0;
    if (m / 5.0 >= v)
        return m / 5.0;
    if (m / 2.0 >= v)
        return m / 2.0;
    return m;
}

static fq_status y_axis(fq_audit_buf *b, double ymax, const char *label)
{
    int ph = H - MT - MB;
    for (int i = 0; i <= 5; i++) {
        double v = ymax * i / 5.0;
        int y = MT + ph - ph * i / 5;
        char n[48];
        TRY(fq_audit_buf_printf(b,
                                "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                                ML, y, W - MR, y, ML - 6, y + 4, fq_util_num(n, 48, v, 1)));
    }
    TRY(fq_audit_buf_printf(b,
                            "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                            "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                            ML, MT, ML, MT + ph, ML, MT + ph, W - MR, MT + ph));
    return fq_audit_buf_printf(b,
                               "<text transform=\"translate(16 %d) rotate(-90)\" "
                               "text-anchor=\"middle\">%s</text>",
                               MT + ph / 2, label);
}

static fq_status chart_histogram(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    double share[FQ_MAX_CLASSES][BINS];
    uint64_t served[FQ_MAX_CLASSES];
    memset(share, 0, sizeof share);
    memset(served, 0, sizeof served);
    for (size_t i = 0; i < a->n; i++) {
        const fq_audit_ticket *t = &a->t[i];
        if (!fq_audit_ticket_served(t))
            continue;
        int64_t bin = (t->called_at - t->issued_at) / (BIN_MIN * 60000);
        share[t->klass][bin < BINS - 1 ? bin : BINS - 1] += 1.0;
        served[t->klass]++;
    }
    double ymax = 0;
    for (int k = 0; k < nk; k++)
        for (int j = 0; j < BINS; j++) {
            share[k][j] = served[k] ? 100.0 * share[k][j] / (double)served[k] : 0.0;
            if (share[k][j] > ymax)
                ymax = share[k][j];
        }
    ymax = nice_max(ymax);
    TRY(fq_audit_buf_printf(b,
                            "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                            "aria-labelledby=\"h-dist\"><title id=\"h-dist\">Distribution of "
                            "waits per class</title>",
                            W, H, W, H));
    TRY(y_axis(b, ymax, "share of served tickets (%)"));
    int pw = W - ML - MR, ph = H - MT - MB;
    double gw = (double)pw / BINS, bw = (gw - 6.0) / nk;
    for (int j = 0; j < BINS; j++) {
        double gx = ML + gw * j;
        for (int k = 0; k < nk; k++) {
            double h = ph * share[k][j] / ymax;
            char n[48];
            TRY(fq_audit_buf_printf(b,
                                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                    "fill=\"%s\"><title>%s: %s%%</title></rect>",
                                    gx + 3 + bw * k, MT + ph - h, bw, h, palette[k],
                                    a->cfg.sched.classes[k].id, fq_util_num(n, 48, share[k][j], 1)));
        }
        if (j < BINS - 1)
            TRY(fq_audit_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d-%d</text>",
                                    gx + gw / 2, MT + ph + 16, j * BIN_MIN, (j + 1) * BIN_MIN));
        else
            TRY(fq_audit_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">&#8805;%d</text>",
                                    gx + gw / 2, MT + ph + 16, j * BIN_MIN));
    }
    TRY(fq_audit_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">wait from issue to "
                               "first call (minutes)</text>",
                            ML + pw / 2, MT + ph + 36));
    TRY(legend(a, b, ML, H - 8, false));
    return fq_audit_buf_puts(b, "</svg>\n");
}

static fq_status chart_hours(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    double ymax = 0;
    for (int k = 0; k < nk; k++) {
        double tgt = (double)a->cfg.sched.classes[k].target_wait_s / 60.0;
        ymax = tgt > ymax ? tgt : ymax;
        for (int h = 0; h < FQ__HOURS; h++) {
            double m = a->by_hour[h * nk + k].wait_mean_s / 60.0;
            ymax = m > ymax ? m : ymax;
        }
    }
    ymax = nice_max(ymax);
    TRY(fq_audit_buf_printf(b,
                            "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                            "aria-labelledby=\"h-hour\"><title id=\"h-hour\">Mean wait by hour of "
                            "day against each class's target</title>",
                            W, H, W, H));
    TRY(y_axis(b, ymax, "mean wait (minutes)"));
    int pw = W - ML - MR, ph = H - MT - MB;
    double gw = (double)pw / FQ__HOURS;
    for (int h = 0; h < FQ__HOURS; h++)
        TRY(fq_audit_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%02d</text>",
                                ML + gw * h + gw / 2, MT + ph + 16, h));
    TRY(fq_audit_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">hour of issue "
                               "(local time); dotted horizontal line in the class's colour = its "
                               "target wait</text>",
                            ML + pw / 2, MT + ph + 36));
    for (int k = 0; k < nk; k++) {
        double ty = MT + ph - ph * ((double)a->cfg.sched.classes[k].target_wait_s / 60.0) / ymax;
        TRY(fq_audit_buf_printf(b,
                                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                                "stroke-width=\"1.5\" stroke-dasharray=\"2 4\"><title>target of ",
                                ML, ty, W - MR, ty, palette[k]));
        TRY(esc(b, a->cfg.sched.classes[k].id));
        TRY(fq_audit_buf_printf(b, ": %lld s</title></line>",
                                (long long)a->cfg.sched.classes[k].target_wait_s));
        /* One polyline per run of hours that served someone of the class. */
        bool open = false;
        for (int h = 0; h <= FQ__HOURS; h++) {
            const fq_audit_stats *s = h < FQ__HOURS ? &a->by_hour[h * nk + k] : NULL;
            if (s && s->served) {
                double x = ML + gw * h + gw / 2;
                double y = MT + ph - ph * (s->wait_mean_s / 60.0) / ymax;
                if (!open)
                    TRY(fq_audit_buf_printf(b,
                                            "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
                                            "stroke-dasharray=\"%s\" points=\"",
                                            palette[k], dashes[k]));
                TRY(fq_audit_buf_printf(b, "%.1f,%.1f ", x, y));
                open = true;
            } else if (open) {
                TRY(fq_audit_buf_puts(b, "\"/>"));
                open = false;
            }
        }
        for (int h = 0; h < FQ__HOURS; h++) {
            const fq_audit_stats *s = &a->by_hour[h * nk + k];
            if (!s->served)
                continue;
            char n[48];
            TRY(fq_audit_buf_printf(b,
                                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
                                    "<title>%02d h: %s s mean</title></circle>",
                                    ML + gw * h + gw / 2,
                                    MT + ph - ph * (s->wait_mean_s / 60.0) / ymax, palette[k], h,
                                    fq_util_num(n, 48, s->wait_mean_s, 1)));
        }
    }
    TRY(legend(a, b, ML, H - 8, true));
    return fq_audit_buf_puts(b, "</svg>\n");
}

static fq_status chart_breaches(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    if (!a->n_days)
        return fq_audit_buf_puts(b, "<p class=\"note\">No business day in the range.</p>\n");
    double ymax = 0;
    for (size_t d = 0; d < a->n_days; d++) {
        double tot = 0;
        for (int k = 0; k < nk; k++)
            tot += (double)a->by_day[d * (size_t)nk + (size_t)k].starvation_breaches;
        ymax = tot > ymax ? tot : ymax;
    }
    ymax = nice_max(ymax < 5 ? 5 : ymax);
    TRY(fq_audit_buf_printf(b,
                            "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                            "aria-labelledby=\"h-br\"><title id=\"h-br\">Starvation breaches per "
                            "day, stacked by class</title>",
                            W, H, W, H));
    TRY(y_axis(b, ymax, "starvation breaches (tickets)"));
    int pw = W - ML - MR, ph = H - MT - MB;
    double gw = (double)pw / (double)a->n_days;
    size_t every = a->n_days / 12 + 1; /* at most ~12 date labels */
    for (size_t d = 0; d < a->n_days; d++) {
        double x = ML + gw * (double)d, y = MT + ph;
        for (int k = 0; k < nk; k++) {
            uint64_t v = a->by_day[d * (size_t)nk + (size_t)k].starvation_breaches;
            if (!v)
                continue;
            double h = ph * (double)v / ymax;
            y -= h;
            char day[16];
            TRY(fq_audit_buf_printf(b,
                                    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                                    "fill=\"%s\"><title>%s %s: %llu</title></rect>",
                                    x + gw * 0.1, y, gw * 0.8 > 0.5 ? gw * 0.8 : 0.5, h, palette[k],
                                    fq__audit_day_text(a->days[d].day, day),
                                    a->cfg.sched.classes[k].id, (unsigned long long)v));
        }
        if (d % every == 0) {
            char day[16];
            TRY(fq_audit_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                                    x + gw / 2, MT + ph + 16,
                                    fq__audit_day_text(a->days[d].day, day) + 5));
        }
    }
    TRY(fq_audit_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">business day "
                               "(MM-DD)</text>",
                            ML + pw / 2, MT + ph + 36));
    TRY(legend(a, b, ML, H - 8, false));
    return fq_audit_buf_puts(b, "</svg>\n");
}

/* --- the page ------------------------------------------------------------------- */

static const char definitions[] =
    "<dl>"
    "<dt>wait</dt><dd>Time from the ticket's issue to its first call, in seconds (millisecond "
    "resolution). Recalls and calls after a transfer do not count.</dd>"
    "<dt>served</dt><dd>Tickets that were called and whose first call was not answered by a "
    "no-show. All wait figures are over served tickets.</dd>"
    "<dt>no-show, cancelled</dt><dd>Tickets whose final outcome was a no-show, or that were "
    "cancelled while waiting.</dd>"
    "<dt>mean, p50, p90, p95, max</dt><dd>Exact over the served tickets. Percentile p is the "
    "nearest rank: the smallest wait such that at least p% of the waits are at or below it "
    "(the ceil(p/100 &#215; n)-th smallest).</dd>"
    "<dt>over target</dt><dd>Percentage of served tickets whose wait was longer than the class's "
    "target_wait.</dd>"
    "<dt>starvation breaches</dt><dd>Tickets of a class with a starvation limit L &gt; 0 that "
    "waited at least L before their first call (served tickets), or before they were cancelled, "
    "closed or the log ended (never called).</dd>"
    "<dt>manual calls</dt><dd>Calls of a specific ticket by number (overrides), each with the "
    "reason staff gave.</dd>"
    "<dt>overtaken</dt><dd>For each ticket, how many tickets of the same day and service, issued "
    "after it, were first called before its own first call (or before it was cancelled or "
    "closed, or the log ended, if it never was). The mean is over every ticket of the "
    "group.</dd>"
    "<dt>estimate error</dt><dd>Mean of |estimated wait given at issue &#8722; actual wait| "
    "over served tickets, seconds.</dd>"
    "<dt>Jain's index</dt><dd>(&#931;x)&#178; / (n &#183; &#931;x&#178;) over the classes with "
    "served tickets, x = mean wait / target wait. 1 = every class is equally far from its "
    "target; 1/n = one class takes all the waiting.</dd>"
    "<dt>hour of day</dt><dd>Local hour of the issue time in the branch's timezone.</dd>"
    "</dl>\n";

fq_status fq__audit_write_html(const fq_audit *a, fq_audit_buf *b)
{
    int nk = a->cfg.sched.n_classes;
    int32_t from = a->from ? a->from : a->n_days ? a->days[0].day : 0;
    int32_t to = a->to ? a->to : a->n_days ? a->days[a->n_days - 1].day : 0;
    char d1[16], d2[16], j[48];
    TRY(fq_audit_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                             "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                             "<title>fairq audit "));
    TRY(esc(b, a->cfg.branch_id));
    TRY(fq_audit_buf_printf(b, " %s to %s</title><style>%s</style></head><body>\n",
                            from ? fq__audit_day_text(from, d1) : "-",
                            to ? fq__audit_day_text(to, d2) : "-", css));
    TRY(fq_audit_buf_puts(b, "<h1>Fairness audit: "));
    TRY(esc(b, a->cfg.branch_name[0] ? a->cfg.branch_name : a->cfg.branch_id));
    TRY(fq_audit_buf_printf(b, "</h1>\n<p>Business days %s to %s (%zu with a log), %zu tickets. "
                               "Every figure is computed from the event log alone.</p>\n",
                            from ? d1 : "-", to ? d2 : "-", a->n_days, a->n));
    TRY(fq_audit_buf_printf(b, "<h2>Event log</h2>\n<p>%llu events; chain head "
                               "<span class=\"hash\">%s</span>; verification: ",
                            (unsigned long long)a->events, a->hash));
    if (a->bad_seq)
        TRY(fq_audit_buf_printf(b, "<span class=\"bad\">bad event %llu</span> (the log was "
                                   "altered at or before this event)</p>\n",
                                (unsigned long long)a->bad_seq));
    else
        TRY(fq_audit_buf_puts(b, "<span class=\"ok\">ok</span> (every event links to the one "
                                 "before it; <code>fairq verify</code> recomputes it)</p>\n"));

    TRY(fq_audit_buf_puts(b, "<h2>Per class</h2>\n"));
    TRY(stats_table(a, b, a->by_class));
    TRY(fq_audit_buf_printf(b, "<p>Jain's index over mean wait / target wait: <b>%s</b></p>\n",
                            fq_util_num(j, sizeof j, a->jain, 4)));
    TRY(fq_audit_buf_puts(b, "<h2>Distribution of waits</h2>\n"));
    TRY(chart_histogram(a, b));
    TRY(fq_audit_buf_puts(b, "<h2>Waits by hour of day against the targets</h2>\n"));
    TRY(chart_hours(a, b));
    TRY(fq_audit_buf_puts(b, "<h2>Starvation breaches per day</h2>\n"));
    TRY(chart_breaches(a, b));

    TRY(fq_audit_buf_printf(b, "<h2>Manual calls (overrides): %zu</h2>\n", a->n_ov));
    if (a->n_ov) {
        TRY(fq_audit_buf_puts(b, "<table><thead><tr><th class=\"l\">day</th><th class=\"l\">at "
                                 "(UTC)</th><th class=\"l\">ticket</th><th class=\"l\">class</th>"
                                 "<th class=\"l\">counter</th><th class=\"l\">reason</th></tr>"
                                 "</thead><tbody>\n"));
        for (size_t i = 0; i < a->n_ov; i++) {
            const fq_audit_override *o = &a->ov[i];
            const fq_audit_ticket *t = &a->t[o->ticket];
            char day[16], at[32], num[48];
            TRY(fq_audit_buf_printf(b, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td>"
                                       "<td class=\"l\">",
                                    fq__audit_day_text(t->day, day), fq__audit_iso(o->at, at)));
            TRY(esc(b, fq__audit_number_text(a, t, num, sizeof num)));
            TRY(fq_audit_buf_puts(b, "</td><td class=\"l\">"));
            TRY(esc(b, a->cfg.sched.classes[t->klass].id));
            TRY(fq_audit_buf_puts(b, "</td><td class=\"l\">"));
            TRY(esc(b, o->counter >= 0 && o->counter < a->cfg.sched.n_counters
                           ? a->cfg.sched.counters[o->counter].id
                           : ""));
            TRY(fq_audit_buf_puts(b, "</td><td class=\"l\">"));
            TRY(esc(b, o->note));
            TRY(fq_audit_buf_puts(b, "</td></tr>\n"));
        }
        TRY(fq_audit_buf_puts(b, "</tbody></table>\n"));
    }

    for (int s = 0; s < a->cfg.sched.n_services; s++) {
        TRY(fq_audit_buf_puts(b, "<h2>Service "));
        TRY(esc(b, a->cfg.sched.services[s].id));
        TRY(fq_audit_buf_puts(b, " ("));
        TRY(esc(b, a->cfg.sched.services[s].name));
        TRY(fq_audit_buf_puts(b, ")</h2>\n"));
        TRY(stats_table(a, b, &a->by_service[s * nk]));
    }
    TRY(fq_audit_buf_puts(b, "<h2>Definitions</h2>\n"));
    TRY(fq_audit_buf_puts(b, definitions));
    return fq_audit_buf_puts(b, "</body></html>\n");
}
