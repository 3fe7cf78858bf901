/* codec.c — canonical event bytes: a hand-written writer and a strict parser.
 *
 * The byte layout is the contract of the hash chain (docs/audit.md), so the
 * writer formats every byte itself instead of going through a JSON library
 * whose spacing or escaping could change. The parser walks the same layout
 * with a cursor; it is what makes restart fast (no allocation, no tree). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fairq/config.h"
#include "fairq/store.h"
#include "store/codec.h"

static const char *const type_names[] = {NULL,          "day",       "issued",      "called",
                                         "recalled",    "no_show",   "started",     "completed",
                                         "transferred", "cancelled", "closed",      "counter",
                                         "alarm_on",    "alarm_off"};
/* strlen of each type_names entry (parse_type runs once per event). */
#define L(s) (sizeof(s) - 1)
static const unsigned char type_lens[] = {0,           L("day"),       L("issued"),    L("called"),
                                          L("recalled"), L("no_show"), L("started"),
                                          L("completed"), L("transferred"), L("cancelled"),
                                          L("closed"),  L("counter"),   L("alarm_on"),
                                          L("alarm_off")};
#undef L
_Static_assert(sizeof type_lens == FQ_EV_MAX + 1, "one length per event type");
static const char *const state_names[] = {"closed", "open", "paused"};

const char *fq_codec_type_name(fq_event_type t)
{
    return (t >= FQ_EV_DAY && t <= FQ_EV_MAX) ? type_names[t] : NULL;
}

/* Which fields a type carries, in canonical key order after "type","at". */
enum {
    F_TICKET = 1u << 0,
    F_ISSUE = 1u << 1,   /* class, service, [reason], number, key, estimate_s */
    F_COUNTER = 1u << 2,
    F_MANUAL = 1u << 3,  /* [manual, note] */
    F_TO = 1u << 4,      /* service (transfer target) */
    F_STATE = 1u << 5,
    F_DAY = 1u << 6,     /* day, seed, last_ticket */
    F_OPT_COUNTER = 1u << 7 /* [counter]: where the ticket was when it closed */
};

static unsigned type_fields(fq_event_type t)
{
    switch (t) {
    case FQ_EV_DAY: return F_DAY;
    case FQ_EV_ISSUED: return F_TICKET | F_ISSUE;
    case FQ_EV_CALLED: return F_TICKET | F_COUNTER | F_MANUAL;
    case FQ_EV_RECALLED:
    case FQ_EV_NO_SHOW:
    case FQ_EV_STARTED:
    case FQ_EV_COMPLETED: return F_TICKET | F_COUNTER;
    case FQ_EV_TRANSFERRED: return F_TICKET | F_COUNTER | F_TO;
    case FQ_EV_CLOSED: return F_TICKET | F_OPT_COUNTER;
    case FQ_EV_CANCELLED:
    case FQ_EV_ALARM_ON: return F_TICKET;
    case FQ_EV_COUNTER: return F_COUNTER | F_STATE;
    case FQ_EV_ALARM_OFF: return 0;
    }
    return 0;
}

/* --- calendar ------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d: count whole 400-year eras from 0000-03-01
 * (a year that ends with the leap day), then days inside the era. */
int64_t fq_codec_days_from_ymd(int32_t ymd)
{
    int64_t y = ymd / 10000, m = (ymd / 100) % 100, d = ymd % 100;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* 0..146096 */
    return era * 146097 + doe - 719468;
}

int32_t fq_codec_ymd_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return (int32_t)(y * 10000 + m * 100 + d);
}

bool fq_codec_valid_ymd(int32_t ymd)
{
    if (ymd < 10101 || ymd > 99991231)
        return false;
    return fq_codec_ymd_from_days(fq_codec_days_from_ymd(ymd)) == ymd;
}

/* --- fq_event <-> raw ------------------------------------------------------ */

static void copy_id(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= FQ_ID_LEN)
        n = FQ_ID_LEN - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool in_range(int i, int n) { return i >= 0 && i < n; }

fq_status fq_codec_to_raw(const fq_sched_cfg *cfg, const fq_event *ev, fq_raw_event *raw)
{
    memset(raw, 0, sizeof *raw);
    if (!fq_codec_type_name(ev->type))
        return FQ_EINVAL;
    unsigned f = type_fields(ev->type);
    raw->type = ev->type;
    raw->at = ev->at;
    if (f & F_TICKET) {
        if (ev->ticket == 0)
            return FQ_EINVAL;
        raw->ticket = ev->ticket;
    }
    if (f & F_ISSUE) {
        if (!in_range(ev->klass, cfg->n_classes) || !in_range(ev->service, cfg->n_services))
            return FQ_EINVAL;
        const fq_class_cfg *k = &cfg->classes[ev->klass];
        const fq_service_cfg *sv = &cfg->services[ev->service];
        copy_id(raw->klass, k->id);
        copy_id(raw->service, sv->id);
        if (ev->reason != FQ_NONE) {
            if (!in_range(ev->reason, k->n_reasons))
                return FQ_EINVAL;
            copy_id(raw->reason, k->reasons[ev->reason]);
        }
        int w = cfg->number_width > 0 ? cfg->number_width : 1;
        int n = snprintf(raw->number, sizeof raw->number, "%s%0*u", sv->prefix, w, ev->number);
        if (n < 0 || (size_t)n >= sizeof raw->number)
            return FQ_EINVAL;
        memcpy(raw->key, ev->key, FQ_KEY_LEN);
        raw->estimate_s = ev->estimate_s;
    }
    if (f & F_COUNTER) {
        if (!in_range(ev->counter, cfg->n_counters))
            return FQ_EINVAL;
        copy_id(raw->counter, cfg->counters[ev->counter].id);
    }
    if ((f & F_OPT_COUNTER) && ev->counter != FQ_NONE) {
        if (!in_range(ev->counter, cfg->n_counters))
            return FQ_EINVAL;
        copy_id(raw->counter, cfg->counters[ev->counter].id);
    }
    if ((f & F_MANUAL) && ev->manual) {
        raw->manual = true;
        size_t n = strnlen(ev->note, FQ_NOTE_LEN - 1);
        memcpy(raw->note, ev->note, n);
        raw->note[n] = '\0';
    }
    if (f & F_TO) {
        if (!in_range(ev->service, cfg->n_services))
            return FQ_EINVAL;
        copy_id(raw->service, cfg->services[ev->service].id);
    }
    if (f & F_STATE) {
        if (!in_range(ev->state, (int)FQ_ARRAY_LEN(state_names)))
            return FQ_EINVAL;
        raw->state = ev->state;
    }
    if (f & F_DAY) {
        if (!fq_codec_valid_ymd(ev->day))
            return FQ_EINVAL;
        raw->day = ev->day;
        raw->seed = ev->seed;
        raw->ticket = ev->ticket; /* the last seq issued so far: seqs continue */
    }
    return FQ_OK;
}

static fq_status fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return FQ_ECORRUPT;
}

fq_status fq_codec_from_raw(const fq_sched_cfg *cfg, const fq_raw_event *raw, fq_event *ev,
                            char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    ev->type = raw->type;
    ev->at = raw->at;
    ev->counter = ev->service = ev->klass = ev->reason = FQ_NONE;
    unsigned f = type_fields(raw->type);
    ev->ticket = raw->ticket;
    if (f & F_ISSUE) {
        int k = fq_config_class(cfg, raw->klass);
        if (k == FQ_NONE)
            return fail(err, errlen, "unknown class \"%s\"", raw->klass);
        int sv = fq_config_service(cfg, raw->service);
        if (sv == FQ_NONE)
            return fail(err, errlen, "unknown service \"%s\"", raw->service);
        ev->klass = k;
        ev->service = sv;
        if (raw->reason[0]) {
            const fq_class_cfg *c = &cfg->classes[k];
            for (int r = 0; r < c->n_reasons; r++)
                if (!strcmp(c->reasons[r], raw->reason))
                    ev->reason = r;
            if (ev->reason == FQ_NONE)
                return fail(err, errlen, "unknown reason \"%s\" for class \"%s\"", raw->reason,
                            raw->klass);
        }
        const char *prefix = cfg->services[sv].prefix;
        size_t pl = strlen(prefix);
        const char *digits = raw->number + pl;
        if (strncmp(raw->number, prefix, pl) || !*digits || strlen(digits) > 9)
            return fail(err, errlen, "number \"%s\" does not fit service \"%s\"", raw->number,
                        raw->service);
        uint32_t num = 0;
        for (const char *p = digits; *p; p++) {
            if (*p < '0' || *p > '9')
                return fail(err, errlen, "number \"%s\" does not fit service \"%s\"",
                            raw->number, raw->service);
            num = num * 10u + (uint32_t)(*p - '0');
        }
        ev->number = num;
        memcpy(ev->key, raw->key, FQ_KEY_LEN);
        ev->estimate_s = raw->estimate_s;
    }
    if ((f & F_COUNTER) || ((f & F_OPT_COUNTER) && raw->counter[0])) {
        int c = fq_config_counter(cfg, raw->counter);
        if (c == FQ_NONE)
            return fail(err, errlen, "unknown counter \"%s\"", raw->counter);
        ev->counter = c;
    }
    if (f & F_MANUAL) {
        ev->manual = raw->manual;
        memcpy(ev->note, raw->note, sizeof ev->note);
    }
    if (f & F_TO) {
        int sv = fq_config_service(cfg, raw->service);
        if (sv == FQ_NONE)
            return fail(err, errlen, "unknown service \"%s\"", raw->service);
        ev->service = sv;
    }
    if (f & F_STATE)
        ev->state = raw->state;
    if (f & F_DAY) {
        ev->day = raw->day;
        ev->seed = raw->seed;
    }
    return FQ_OK;
}

/* --- writer ---------------------------------------------------------------- */

typedef struct writer {
    char *buf;
    size_t len, cap;
    bool overflow;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (w->overflow || w->cap - w->len < n) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void puts_(writer *w, const char *s) { put(w, s, strlen(s)); }

static void put_u64(writer *w, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, tmp + i, sizeof tmp - i);
}

static void put_i64(writer *w, int64_t v)
{
    if (v < 0) {
        put(w, "-", 1);
        put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w, (uint64_t)v);
    }
}

/* A JSON string with minimal escaping: \" and \\, control characters as
 * \u00xx (lowercase hex); every other byte (UTF-8 included) as is. */
static void put_str(writer *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            put(w, e, 2);
        } else if (*p < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put(w, e, 6);
        } else {
            put(w, (const char *)p, 1);
        }
    }
    put(w, "\"", 1);
}

int fq_codec_write(const fq_raw_event *raw, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const char *name = fq_codec_type_name(raw->type);
    if (!name)
        return FQ_EINVAL;
    unsigned f = type_fields(raw->type);
    writer w = {buf, 0, len, false};
    puts_(&w, "{\"type\":\"");
    puts_(&w, name);
    puts_(&w, "\",\"at\":");
    put_i64(&w, raw->at);
    if (f & F_TICKET) {
        puts_(&w, ",\"ticket\":");
        put_u64(&w, raw->ticket);
    }
    if (f & F_ISSUE) {
        puts_(&w, ",\"class\":");
        put_str(&w, raw->klass);
        puts_(&w, ",\"service\":");
        put_str(&w, raw->service);
        if (raw->reason[0]) {
            puts_(&w, ",\"reason\":");
            put_str(&w, raw->reason);
        }
        puts_(&w, ",\"number\":");
        put_str(&w, raw->number);
        char k[2 * FQ_KEY_LEN];
        for (int i = 0; i < FQ_KEY_LEN; i++) {
            k[2 * i] = hex[raw->key[i] >> 4];
            k[2 * i + 1] = hex[raw->key[i] & 15];
        }
        puts_(&w, ",\"key\":\"");
        put(&w, k, sizeof k);
        puts_(&w, "\",\"estimate_s\":");
        put_i64(&w, raw->estimate_s);
    }
    if (f & F_COUNTER) {
        puts_(&w, ",\"counter\":");
        put_str(&w, raw->counter);
    }
    if ((f & F_OPT_COUNTER) && raw->counter[0]) {
        puts_(&w, ",\"counter\":");
        put_str(&w, raw->counter);
    }
    if ((f & F_MANUAL) && raw->manual) {
        puts_(&w, ",\"manual\":true,\"note\":");
        put_str(&w, raw->note);
    }
    if (f & F_TO) {
        puts_(&w, ",\"service\":");
        put_str(&w, raw->service);
    }
    if (f & F_STATE) {
        if (raw->state < 0 || raw->state >= (int)FQ_ARRAY_LEN(state_names))
            return FQ_EINVAL;
        puts_(&w, ",\"state\":\"");
        puts_(&w, state_names[raw->state]);
        puts_(&w, "\"");
    }
    if (f & F_DAY) {
        char d[16];
        snprintf(d, sizeof d, "%04d-%02d-%02d", (int)(raw->day / 10000),
                 (int)(raw->day / 100 % 100), (int)(raw->day % 100));
        puts_(&w, ",\"day\":\"");
        puts_(&w, d);
        puts_(&w, "\",\"seed\":\"");
        put_u64(&w, raw->seed);
        puts_(&w, "\",\"last_ticket\":");
        put_u64(&w, raw->ticket);
    }
    put(&w, "}", 1);
    if (w.overflow)
        return FQ_ELIMIT;
    if (w.len < len)
        buf[w.len] = '\0';
    return (int)w.len;
}

/* --- parser ---------------------------------------------------------------- */

typedef struct cursor {
    const char *start, *p, *end;
    char *err;
    size_t errlen;
    bool failed;
} cursor;

static bool bad(cursor *c, const char *what)
{
    if (!c->failed)
        fail(c->err, c->errlen, "%s at byte %td", what, c->p - c->start);
    c->failed = true;
    return false;
}

/* Consumes the literal lit if the input continues with it. Inlined so that
 * each call site's memcmp has a constant length (the compiler then compares
 * a few words instead of calling memcmp: decoding is on the restart's and
 * the audit's critical path). */
static inline __attribute__((always_inline)) bool accept(cursor *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n))
        return false;
    c->p += n;
    return true;
}
#define ACCEPT(c, lit) accept((c), (lit), sizeof(lit) - 1)

static inline __attribute__((always_inline)) bool expect_(cursor *c, const char *lit, size_t n,
                                                         const char *what)
{
    return accept(c, lit, n) || bad(c, what);
}
#define EXPECT(c, lit) expect_((c), (lit), sizeof(lit) - 1, "expected '" lit "'")

/* Canonical unsigned decimal: no sign, no leading zero (except "0" itself). */
static bool parse_u64(cursor *c, uint64_t *out)
{
    const char *s = c->p;
    uint64_t v = 0;
    /* 19 digits cannot overflow; only a 20th needs the check */
    while (c->p < c->end && c->p - s < 19 && *c->p >= '0' && *c->p <= '9')
        v = v * 10 + (unsigned)(*c->p++ - '0');
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return bad(c, "integer out of range");
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == s || (*s == '0' && c->p - s > 1))
        return bad(c, "not a canonical integer");
    *out = v;
    return true;
}

static bool parse_i64(cursor *c, int64_t *out, int64_t lo, int64_t hi)
{
    bool neg = ACCEPT(c, "-");
    uint64_t v;
    if (!parse_u64(c, &v))
        return false;
    if (neg && v == 0)
        return bad(c, "not a canonical integer");
    if (neg ? v > (uint64_t)0 - (uint64_t)lo : v > (uint64_t)hi)
        return bad(c, "integer out of range");
    *out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
    return true;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* A canonical JSON string (as put_str writes it) into out[cap]. */
static bool parse_str(cursor *c, char *out, size_t cap)
{
    if (!EXPECT(c, "\""))
        return false;
    size_t n = 0;
    for (;;) {
        if (c->p >= c->end)
            return bad(c, "unterminated string");
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return bad(c, "raw control character in string");
        if (ch == '\\') {
            if (c->p >= c->end)
                return bad(c, "unterminated string");
            char e = *c->p++;
            if (e == '"' || e == '\\') {
                ch = (unsigned char)e;
            } else if (e == 'u') {
                int h1, h2;
                if (c->end - c->p < 4 || c->p[0] != '0' || c->p[1] != '0' ||
                    (h1 = hexval(c->p[2])) < 0 || (h2 = hexval(c->p[3])) < 0 || h1 > 1)
                    return bad(c, "non-canonical escape");
                ch = (unsigned char)(h1 * 16 + h2);
                if (ch == 0)
                    return bad(c, "NUL in string");
                c->p += 4;
            } else {
                return bad(c, "non-canonical escape");
            }
        }
        if (n + 1 >= cap)
            return bad(c, "string too long");
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return true;
}

static bool parse_id(cursor *c, char *out, size_t cap)
{
    if (!parse_str(c, out, cap))
        return false;
    return out[0] || bad(c, "empty id");
}

static bool parse_day(cursor *c, int32_t *out)
{
    if (c->end - c->p < 12 || c->p[0] != '"' || c->p[5] != '-' || c->p[8] != '-' ||
        c->p[11] != '"')
        return bad(c, "day is not \"YYYY-MM-DD\"");
    int32_t v = 0;
    for (int i = 1; i < 11; i++) {
        if (i == 5 || i == 8)
            continue;
        if (c->p[i] < '0' || c->p[i] > '9')
            return bad(c, "day is not \"YYYY-MM-DD\"");
        v = v * 10 + (c->p[i] - '0');
    }
    if (!fq_codec_valid_ymd(v))
        return bad(c, "day is not a calendar date");
    c->p += 12;
    *out = v;
    return true;
}

static bool parse_key(cursor *c, uint8_t key[FQ_KEY_LEN])
{
    if (c->end - c->p < 2 * FQ_KEY_LEN + 2 || c->p[0] != '"' || c->p[2 * FQ_KEY_LEN + 1] != '"')
        return bad(c, "key is not 32 lowercase hex digits");
    for (int i = 0; i < FQ_KEY_LEN; i++) {
        int h = hexval(c->p[1 + 2 * i]), l = hexval(c->p[2 + 2 * i]);
        if (h < 0 || l < 0)
            return bad(c, "key is not 32 lowercase hex digits");
        key[i] = (uint8_t)(h * 16 + l);
    }
    c->p += 2 * FQ_KEY_LEN + 2;
    return true;
}

static bool parse_type(cursor *c, fq_event_type *out)
{
    for (int t = FQ_EV_DAY; t <= FQ_EV_MAX; t++) {
        size_t n = type_lens[t];
        if ((size_t)(c->end - c->p) > n && !memcmp(c->p, type_names[t], n) && c->p[n] == '"') {
            c->p += n + 1;
            *out = (fq_event_type)t;
            return true;
        }
    }
    return bad(c, "unknown event type");
}

static bool parse_body(cursor *c, fq_raw_event *r)
{
    int64_t v;
    if (!EXPECT(c, "{\"type\":\"") || !parse_type(c, &r->type))
        return false;
    if (!EXPECT(c, ",\"at\":") || !parse_i64(c, &r->at, INT64_MIN + 1, INT64_MAX))
        return false;
    unsigned f = type_fields(r->type);
    if (f & F_TICKET) {
        if (!EXPECT(c, ",\"ticket\":") || !parse_u64(c, &r->ticket))
            return false;
        if (r->ticket == 0)
            return bad(c, "ticket 0");
    }
    if (f & F_ISSUE) {
        if (!EXPECT(c, ",\"class\":") || !parse_id(c, r->klass, sizeof r->klass) ||
            !EXPECT(c, ",\"service\":") || !parse_id(c, r->service, sizeof r->service))
            return false;
        if (ACCEPT(c, ",\"reason\":") && !parse_id(c, r->reason, sizeof r->reason))
            return false;
        if (!EXPECT(c, ",\"number\":") || !parse_id(c, r->number, sizeof r->number) ||
            !EXPECT(c, ",\"key\":") || !parse_key(c, r->key) ||
            !EXPECT(c, ",\"estimate_s\":") || !parse_i64(c, &v, INT32_MIN, INT32_MAX))
            return false;
        r->estimate_s = (int32_t)v;
    }
    if ((f & F_COUNTER) &&
        (!EXPECT(c, ",\"counter\":") || !parse_id(c, r->counter, sizeof r->counter)))
        return false;
    if ((f & F_OPT_COUNTER) && ACCEPT(c, ",\"counter\":") &&
        !parse_id(c, r->counter, sizeof r->counter))
        return false;
    if ((f & F_MANUAL) && ACCEPT(c, ",\"manual\":true,\"note\":")) {
        if (!parse_str(c, r->note, sizeof r->note))
            return false;
        r->manual = true;
    }
    if ((f & F_TO) && (!EXPECT(c, ",\"service\":") || !parse_id(c, r->service, sizeof r->service)))
        return false;
    if (f & F_STATE) {
        if (!EXPECT(c, ",\"state\":"))
            return false;
        if (ACCEPT(c, "\"closed\""))
            r->state = FQ_C_CLOSED;
        else if (ACCEPT(c, "\"open\""))
            r->state = FQ_C_OPEN;
        else if (ACCEPT(c, "\"paused\""))
            r->state = FQ_C_PAUSED;
        else
            return bad(c, "unknown counter state");
    }
    if (f & F_DAY) {
        uint64_t seed;
        if (!EXPECT(c, ",\"day\":") || !parse_day(c, &r->day) || !EXPECT(c, ",\"seed\":\"") ||
            !parse_u64(c, &seed) || !EXPECT(c, "\",\"last_ticket\":") ||
            !parse_u64(c, &r->ticket))
            return false;
        r->seed = seed;
    }
    if (!EXPECT(c, "}"))
        return false;
    return c->p == c->end || bad(c, "trailing bytes");
}

fq_status fq_codec_parse(const char *data, size_t len, fq_raw_event *raw, char *err,
                         size_t errlen)
{
    memset(raw, 0, sizeof *raw);
    if (!data)
        return fail(err, errlen, "no data");
    cursor c = {data, data, data + len, err, errlen, false};
    return parse_body(&c, raw) ? FQ_OK : FQ_ECORRUPT;
}

fq_status fq_codec_decode(const fq_sched_cfg *cfg, const char *data, size_t len, fq_event *out,
                          char *err, size_t errlen)
{
    fq_raw_event raw;
    fq_status st = fq_codec_parse(data, len, &raw, err, errlen);
    if (st)
        return st;
    return fq_codec_from_raw(cfg, &raw, out, err, errlen);
}

/* --- store.h entry points -------------------------------------------------- */

int fq_event_encode(const fq_sched_cfg *cfg, const fq_event *ev, char *buf, size_t len)
{
    fq_raw_event raw;
    fq_status st = fq_codec_to_raw(cfg, ev, &raw);
    if (st)
        return st;
    return fq_codec_write(&raw, buf, len);
}

fq_status fq_event_decode(const fq_sched_cfg *cfg, const char *data, size_t len, fq_event *out)
{
    return fq_codec_decode(cfg, data, len, out, NULL, 0);
}
