/* buf.c — the audit's growable text buffer and small formatting helpers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/internal.h"

static fq_status grow(fq_audit_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return FQ_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return FQ_ENOMEM;
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d)
        return FQ_ENOMEM;
    b->data = d;
    b->cap = cap;
    return FQ_OK;
}

fq_status fq_audit_buf_put(fq_audit_buf *b, const char *s, size_t n)
{
    fq_status st = grow(b, n);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return FQ_OK;
}

fq_status fq_audit_buf_puts(fq_audit_buf *b, const char *s)
{
    return fq_audit_buf_put(b, s, strlen(s));
}

fq_status fq_audit_buf_printf(fq_audit_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return FQ_EINVAL;
    if ((size_t)n < sizeof small)
        return fq_audit_buf_put(b, small, (size_t)n);
    fq_status st = grow(b, (size_t)n);
    if (st)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return FQ_OK;
}

void fq_audit_buf_free(fq_audit_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

fq_status fq_audit_format_parse(const char *name, fq_audit_format *out)
{
    static const char *const names[] = {"text", "json", "csv", "html"};
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, names[i])) {
            *out = (fq_audit_format)i;
            return FQ_OK;
        }
    return FQ_EINVAL;
}

const char *fq_audit_format_mime(fq_audit_format f)
{
    switch (f) {
    case FQ_AUDIT_JSON: return "application/json";
    case FQ_AUDIT_CSV: return "text/csv; charset=utf-8";
    case FQ_AUDIT_HTML: return "text/html; charset=utf-8";
    default: return "text/plain; charset=utf-8";
    }
}

const char *fq__audit_day_text(int32_t day, char buf[16])
{
    snprintf(buf, 16, "%04d-%02d-%02d", (int)(day / 10000 % 10000), (int)(day / 100 % 100),
             (int)(day % 100));
    return buf;
}

fq_status fq__audit_json_str(fq_audit_buf *b, const char *s)
{
    fq_status st = fq_audit_buf_put(b, "\"", 1);
    for (; !st && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            st = fq_audit_buf_put(b, esc, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            st = fq_audit_buf_printf(b, "\\u%04x", ch);
        } else {
            st = fq_audit_buf_put(b, s, 1);
        }
    }
    return st ? st : fq_audit_buf_put(b, "\"", 1);
}

const char *fq__audit_iso(fq_time t, char buf[32])
{
    int64_t ms = t % 1000, s = t / 1000;
    if (ms < 0) {
        ms += 1000;
        s--;
    }
    time_t tt = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, 32, "?");
        return buf;
    }
    /* Wide scratch: the compiler cannot bound tm's fields; real dates fit 24. */
    char tmp[96];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
    size_t len = n < 0 ? 0 : (size_t)n < 31 ? (size_t)n : 31;
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return buf;
}
