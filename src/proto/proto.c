/* proto.c — strict parsing of request bodies and the shared wire formats
 * (errors, times, days). See include/fairq/proto.h for the rules. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fairq/proto.h"

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if
 * there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t k;

    if (!n)
        return 0;
    if (s[0] < 0x80)
        return 1;
    k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
                                     : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (!k || k > n)
        return 0;
    return fq_proto_utf8_valid((const char *)s, k) ? k : 0;
}

/* Messages quote client input, and truncation may cut a character in two:
 * replace every byte that does not start a well-formed sequence by '?', so
 * the error itself is always valid JSON text. */
static void utf8_scrub(char *s)
{
    size_t n = strlen(s), i = 0;

    while (i < n) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (k) {
            i += k;
        } else {
            s[i] = '?';
            i++;
        }
    }
}

void fq_proto_error_set(fq_proto_error *err, int http_status, const char *code,
                        const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    err->http_status = http_status;
    snprintf(err->code, sizeof(err->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    utf8_scrub(err->code);
    utf8_scrub(err->message);
}

char *fq_proto_error_json(const fq_proto_error *err)
{
    fq_proto_error copy = *err;
    json_t *v;

    copy.code[sizeof(copy.code) - 1] = '\0';
    copy.message[sizeof(copy.message) - 1] = '\0';
    utf8_scrub(copy.code);
    utf8_scrub(copy.message);
    v = json_pack("{s:{s:s,s:s}}", "error", "code", copy.code, "message", copy.message);
    return fq_proto_dump(v, NULL);
}

char *fq_proto_dump(json_t *v, size_t *len)
{
    char *s;

    if (!v)
        return NULL;
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    if (s && len)
        *len = strlen(s);
    return s;
}

/* --- UTF-8 and structure checks before jansson sees the bytes ----------- */

bool fq_proto_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned c = p[i];
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false; /* continuation byte, overlong lead, or > U+10FFFF */
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* Deepest bracket nesting outside strings; stops counting past limit so a
 * hostile body cannot make anyone recurse. */
static int json_depth(const char *s, size_t len, int limit)
{
    int depth = 0, max = 0;
    bool in_str = false, esc = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
            if (max > limit)
                return max;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

/* Parses body into an object. An empty body (only whitespace) gives an empty
 * object when allow_empty. */
static json_t *parse_object(const char *body, size_t len, bool allow_empty, fq_proto_error *err)
{
    json_error_t jerr;
    json_t *v;
    size_t i = 0;

    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len) {
        if (allow_empty)
            return json_object();
        fq_proto_error_set(err, 400, "bad_request", "a JSON object body is required");
        return NULL;
    }
    if (!fq_proto_utf8_valid(body, len)) {
        fq_proto_error_set(err, 400, "invalid_utf8", "the body is not valid UTF-8");
        return NULL;
    }
    if (json_depth(body, len, FQ_PROTO_MAX_DEPTH) > FQ_PROTO_MAX_DEPTH) {
        fq_proto_error_set(err, 400, "too_deep", "JSON nested deeper than %d levels",
                           FQ_PROTO_MAX_DEPTH);
        return NULL;
    }
    v = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        fq_proto_error_set(err, 400, "invalid_json", "invalid JSON at line %d column %d: %s",
                           jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        fq_proto_error_set(err, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return v;
}

typedef struct field {
    const char *name;
    bool required;
    bool nullable;  /* null counts as absent */
    bool printable; /* reject control characters */
    size_t min_len;
    char *dst;
    size_t cap;     /* bytes of dst, NUL included */
    bool *present;
} field;

/* Checks obj against the field list: every key known, every value a string
 * within bounds; copies them into their destinations. */
static fq_status take_fields(json_t *obj, field *fields, size_t n, fq_proto_error *err)
{
    const char *key;
    json_t *val;

    json_object_foreach(obj, key, val) {
        size_t k;
        for (k = 0; k < n; k++)
            if (!strcmp(key, fields[k].name))
                break;
        if (k == n) {
            fq_proto_error_set(err, 400, "unknown_field", "unknown field '%.60s'", key);
            return FQ_EINVAL;
        }
    }
    for (size_t k = 0; k < n; k++) {
        field *f = &fields[k];
        json_t *v = json_object_get(obj, f->name);
        const char *s;
        size_t len;

        if (f->present)
            *f->present = false;
        if (!v || (f->nullable && json_is_null(v))) {
            if (f->required) {
                fq_proto_error_set(err, 400, "missing_field", "field '%s' is required", f->name);
                return FQ_EINVAL;
            }
            continue;
        }
        if (!json_is_string(v)) {
            fq_proto_error_set(err, 400, "invalid_type", "field '%s' must be a string%s",
                               f->name, f->nullable ? " or null" : "");
            return FQ_EINVAL;
        }
        s = json_string_value(v);
        len = json_string_length(v);
        if (len + 1 > f->cap) {
            fq_proto_error_set(err, 400, "too_long", "field '%s' is longer than %zu bytes",
                               f->name, f->cap - 1);
            return FQ_EINVAL;
        }
        if (len < f->min_len) {
            fq_proto_error_set(err, 400, "invalid_value", "field '%s' must not be empty",
                               f->name);
            return FQ_EINVAL;
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == 0 || (f->printable && (c < 0x20 || c == 0x7f))) {
                fq_proto_error_set(err, 400, "invalid_value",
                                   "field '%s' contains control characters", f->name);
                return FQ_EINVAL;
            }
        }
        memcpy(f->dst, s, len);
        f->dst[len] = '\0';
        if (f->present)
            *f->present = true;
    }
    return FQ_OK;
}

static fq_status parse_with(const char *body, size_t len, bool allow_empty, field *fields,
                            size_t n, fq_proto_error *err)
{
    json_t *obj = parse_object(body, len, allow_empty, err);
    fq_status st;

    if (!obj)
        return FQ_EINVAL;
    st = take_fields(obj, fields, n, err);
    json_decref(obj);
    return st;
}

fq_status fq_proto_parse_issue(const char *body, size_t len, fq_req_issue *out,
                               fq_proto_error *err)
{
    field f[] = {
        {"service", true, false, true, 1, out->service, sizeof(out->service), NULL},
        {"class", false, true, true, 1, out->klass, sizeof(out->klass), &out->has_class},
        {"reason", false, true, true, 1, out->reason, sizeof(out->reason), &out->has_reason},
    };
    memset(out, 0, sizeof(*out));
    return parse_with(body, len, false, f, FQ_ARRAY_LEN(f), err);
}

fq_status fq_proto_parse_transfer(const char *body, size_t len, fq_req_transfer *out,
                                  fq_proto_error *err)
{
    field f[] = {
        {"service", true, false, true, 1, out->service, sizeof(out->service), NULL},
    };
    memset(out, 0, sizeof(*out));
    return parse_with(body, len, false, f, FQ_ARRAY_LEN(f), err);
}

fq_status fq_proto_parse_call(const char *body, size_t len, fq_req_call *out,
                              fq_proto_error *err)
{
    char reason[FQ_CALL_REASON_MAX + 1];
    field f[] = {
        {"number", true, false, true, 1, out->number, sizeof(out->number), NULL},
        {"reason", true, false, true, 1, reason, sizeof(reason), NULL},
    };
    fq_status st;

    memset(out, 0, sizeof(*out));
    st = parse_with(body, len, false, f, FQ_ARRAY_LEN(f), err);
    if (st == FQ_OK) {
        /* A reason of only spaces explains nothing. */
        size_t i = 0;
        while (reason[i] == ' ')
            i++;
        if (!reason[i]) {
            fq_proto_error_set(err, 400, "invalid_value", "field 'reason' must not be blank");
            return FQ_EINVAL;
        }
        snprintf(out->reason, sizeof(out->reason), "%s", reason);
    }
    return st;
}

fq_status fq_proto_parse_auth(const char *body, size_t len, fq_req_auth *out,
                              fq_proto_error *err)
{
    char type[16];
    field f[] = {
        {"type", true, false, true, 1, type, sizeof(type), NULL},
        {"token", true, false, true, 1, out->token, sizeof(out->token), NULL},
    };
    fq_status st;

    memset(out, 0, sizeof(*out));
    st = parse_with(body, len, false, f, FQ_ARRAY_LEN(f), err);
    if (st == FQ_OK && strcmp(type, "auth")) {
        fq_proto_error_set(err, 400, "invalid_value", "the first message must be of type 'auth'");
        return FQ_EINVAL;
    }
    return st;
}

fq_status fq_proto_parse_empty(const char *body, size_t len, fq_proto_error *err)
{
    return parse_with(body, len, true, NULL, 0, err);
}

/* --- times -------------------------------------------------------------- */

char *fq_proto_time(fq_time t, char buf[FQ_TIME_LEN])
{
    time_t secs = (time_t)(t / 1000);
    int ms = (int)(t % 1000);
    struct tm tm;

    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, FQ_TIME_LEN, "1970-01-01T00:00:00.000Z");
        return buf;
    }
    /* Format into room for any int values, then copy: gmtime_r keeps every
     * field in range, so the result always fits FQ_TIME_LEN. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    memcpy(buf, tmp, FQ_TIME_LEN - 1);
    buf[FQ_TIME_LEN - 1] = '\0';
    return buf;
}

char *fq_proto_day(int32_t day, char buf[FQ_DAY_LEN])
{
    unsigned d = (unsigned)day;
    snprintf(buf, FQ_DAY_LEN, "%04u-%02u-%02u", d / 10000u % 10000u, d / 100u % 100u, d % 100u);
    return buf;
}

json_t *fq_proto_time_json(fq_time t)
{
    char buf[FQ_TIME_LEN];
    return t ? json_string(fq_proto_time(t, buf)) : json_null();
}

json_t *fq_proto_day_json(int32_t day)
{
    char buf[FQ_DAY_LEN];
    return day ? json_string(fq_proto_day(day, buf)) : json_null();
}
