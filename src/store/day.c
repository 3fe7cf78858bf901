/* day.c — the business day: which local date an instant belongs to, and when
 * a business day begins, in the branch's timezone.
 *
 * A business day D begins at S(D), the first instant whose local wall-clock
 * time is at or after day_starts on date D. Defining the day by its start
 * instant (rather than by "wall clock minus day_starts") keeps it monotonic
 * through a repeated DST hour: once 02:30 has passed, a second 02:00-02:30
 * does not fall back into yesterday. The C library does the zone arithmetic
 * (localtime_r and tm_gmtoff under a temporary TZ); we only ever ask it for
 * the UTC offset at an instant, which is unambiguous. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairq/store.h"
#include "store/codec.h"

typedef struct tz_guard {
    char *saved;   /* the previous TZ, to restore */
    bool had;      /* TZ was set before */
    bool switched; /* we changed TZ */
} tz_guard;

static void tz_enter(tz_guard *g, const char *tz)
{
    memset(g, 0, sizeof *g);
    if (!tz || !*tz)
        return;
    const char *cur = getenv("TZ");
    if (cur && !strcmp(cur, tz))
        return;
    if (cur && !(g->saved = strdup(cur)))
        return; /* cannot restore it: stay in the current zone */
    g->had = cur != NULL;
    if (setenv("TZ", tz, 1) != 0) {
        free(g->saved);
        g->saved = NULL;
        return;
    }
    tzset();
    g->switched = true;
}

static void tz_leave(tz_guard *g)
{
    if (!g->switched)
        return;
    if (g->had)
        setenv("TZ", g->saved, 1);
    else
        unsetenv("TZ");
    free(g->saved);
    tzset();
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* UTC offset (seconds east) in force at instant t. */
static int64_t offset_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    return (int64_t)tm.tm_gmtoff;
}

/* S(day) in seconds, in the zone currently selected. */
static int64_t day_start(int32_t day, int day_starts_min)
{
    /* L: the target wall-clock time, counted as if it were UTC. */
    int64_t L = fq_codec_days_from_ymd(day) * 86400 + (int64_t)day_starts_min * 60;
    int64_t offs[4];
    int n = 0;
    const int64_t probes[4] = {L - 86400, L - 43200, L, L + 43200};
    for (int i = 0; i < 4; i++) {
        int64_t o = offset_at(probes[i]);
        bool seen = false;
        for (int j = 0; j < n; j++)
            seen |= offs[j] == o;
        if (!seen)
            offs[n++] = o;
    }
    /* Exact hits: instants whose wall clock reads L; the earliest wins. */
    bool found = false;
    int64_t best = 0, omin = offs[0], omax = offs[0];
    for (int j = 0; j < n; j++) {
        int64_t t = L - offs[j];
        if (offset_at(t) == offs[j] && (!found || t < best)) {
            best = t;
            found = true;
        }
        omin = offs[j] < omin ? offs[j] : omin;
        omax = offs[j] > omax ? offs[j] : omax;
    }
    if (found)
        return best;
    /* L lies in a skipped interval: find the jump, the first t in
     * [L - omax, L - omin] whose wall clock is at or past L. */
    int64_t lo = L - omax, hi = L - omin;
    if (lo + offset_at(lo) >= L)
        return lo;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + offset_at(mid) >= L)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

fq_time fq_business_day_start(int32_t day, const char *tz, int day_starts_min)
{
    tz_guard g;
    tz_enter(&g, tz);
    int64_t s = day_start(day, day_starts_min);
    tz_leave(&g);
    return (fq_time)s * 1000;
}

int32_t fq_business_day(fq_time now, const char *tz, int day_starts_min)
{
    tz_guard g;
    tz_enter(&g, tz);
    int64_t t = floor_div(now, 1000);
    int64_t wall = t + offset_at(t) - (int64_t)day_starts_min * 60;
    int64_t d = floor_div(wall, 86400);
    /* In a repeated hour the wall clock can read "before day_starts" after
     * the next day already began. */
    int32_t next = fq_codec_ymd_from_days(d + 1);
    if (day_start(next, day_starts_min) * 1000 <= now)
        d++;
    tz_leave(&g);
    return fq_codec_ymd_from_days(d);
}
