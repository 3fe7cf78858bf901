/* config.c — fairq's configuration: built-in defaults, loading a libconfig
 * file into a validated fq_config, and the fairness lint.
 *
 * Loading starts from fq_config_defaults() and lets every key present in the
 * file override its default. Each key has one type and one range; anything
 * else (wrong type, unknown key, out of range, duplicate id, dangling
 * reference) stops the load with "file:line: message", where line is the line
 * of the offending setting and the message names its full key path, e.g.
 * "scheduler.classes[1].weight". The first error found wins: a file is either
 * entirely valid or not used at all.
 *
 * A list (classes, services, counters, simulation.arrivals,
 * simulation.service_time) replaces the default list as a whole. Defaults
 * that refer to the default lists by id (counters -> services, simulation
 * entries -> classes and services) are re-resolved when the lists they refer
 * to are replaced; see docs/config.md, "Replacing lists". */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fairq/config.h"

#define CFG_ZONEINFO "/usr/share/zoneinfo"
#define CFG_MAX_PREFIX 7 /* fq_service_cfg.prefix is char[8] */

/* Languages the pages ship translations for; a language the display cannot
 * show is a configuration error, not a silent fallback. */
static const char *const cfg_languages[] = {"zh-CN", "en"};

/* Default simulation load, by id so it can follow replaced lists: 41
 * arrivals/hour against 4 counters of 12/hour each, utilisation about 0.85,
 * the busy-but-stable regime a branch plans for. */
static const struct {
    const char *klass, *service;
    double rate_per_hour;
} cfg_default_arrivals[] = {
    {"vip", "A", 1.5},      {"vip", "B", 1.0},     {"priority", "A", 3.0},
    {"priority", "B", 2.0}, {"regular", "A", 27.0}, {"regular", "B", 6.5},
};

/* ------------------------------------------------------------------------ */
/* defaults                                                                 */

static void cfg_copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src);
}

static void cfg_default_class(fq_class_cfg *c, const char *id, double weight, int64_t limit,
                              int64_t target, unsigned issued_by)
{
    memset(c, 0, sizeof *c);
    cfg_copy(c->id, sizeof c->id, id);
    c->weight = weight;
    c->head_start_s = 0;
    c->starvation_limit_s = limit;
    c->target_wait_s = target;
    c->issued_by = issued_by;
}

/* Fills sim.arrivals from cfg_default_arrivals, keeping the entries whose
 * class and service exist in cfg->sched. */
static void cfg_default_arrivals_resolve(fq_config *cfg)
{
    fq_sim_cfg *sim = &cfg->sim;
    sim->n_arrivals = 0;
    memset(sim->arrivals, 0, sizeof sim->arrivals);
    for (size_t i = 0; i < FQ_ARRAY_LEN(cfg_default_arrivals); i++) {
        int k = fq_config_class(&cfg->sched, cfg_default_arrivals[i].klass);
        int s = fq_config_service(&cfg->sched, cfg_default_arrivals[i].service);
        if (k == FQ_NONE || s == FQ_NONE)
            continue;
        fq_sim_arrival *a = &sim->arrivals[sim->n_arrivals++];
        a->klass = k;
        a->service = s;
        a->rate_per_hour = cfg_default_arrivals[i].rate_per_hour;
    }
}

/* An unconfigured service time: exponential around the service's prior. */
static void cfg_service_time_unset(fq_config *cfg, int s)
{
    fq_sim_service_time *st = &cfg->sim.service_time[s];
    memset(st, 0, sizeof *st);
    st->distribution = FQ_DIST_EXPONENTIAL;
    st->mean_s = cfg->sched.services[s].service_time_s;
    st->cv = 1.0;
    st->set = false;
}

void fq_config_defaults(fq_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg_copy(cfg->branch_id, sizeof cfg->branch_id, "demo");
    cfg_copy(cfg->branch_name, sizeof cfg->branch_name, "fairq demo branch");
    cfg_copy(cfg->timezone, sizeof cfg->timezone, "Asia/Shanghai");
    cfg->day_starts_min = 5 * 60;
    cfg->n_languages = 2;
    cfg_copy(cfg->languages[0], sizeof cfg->languages[0], "zh-CN");
    cfg_copy(cfg->languages[1], sizeof cfg->languages[1], "en");

    cfg_copy(cfg->listen, sizeof cfg->listen, "127.0.0.1");
    cfg->port = 8080;
    cfg_copy(cfg->www, sizeof cfg->www, "display");

    cfg_copy(cfg->db_path, sizeof cfg->db_path, "var/fairq.db");
    cfg_copy(cfg->synchronous, sizeof cfg->synchronous, "full");
    cfg_copy(cfg->tokens_file, sizeof cfg->tokens_file, "var/tokens");

    fq_sched_cfg *s = &cfg->sched;
    s->policy = FQ_POLICY_ACCUMULATING;
    s->n_classes = 3;
    cfg_default_class(&s->classes[0], "vip", 3.0, 900, 600, FQ_ISSUER_STAFF);
    cfg_default_class(&s->classes[1], "priority", 2.0, 1200, 900,
                      FQ_ISSUER_KIOSK | FQ_ISSUER_STAFF);
    s->classes[1].n_reasons = 3;
    cfg_copy(s->classes[1].reasons[0], FQ_ID_LEN, "elderly");
    cfg_copy(s->classes[1].reasons[1], FQ_ID_LEN, "disabled");
    cfg_copy(s->classes[1].reasons[2], FQ_ID_LEN, "pregnant");
    cfg_default_class(&s->classes[2], "regular", 1.0, 1800, 1200,
                      FQ_ISSUER_KIOSK | FQ_ISSUER_STAFF);

    s->n_services = 2;
    cfg_copy(s->services[0].id, FQ_ID_LEN, "A");
    cfg_copy(s->services[0].name, FQ_NAME_LEN, "Cash");
    cfg_copy(s->services[0].prefix, sizeof s->services[0].prefix, "A");
    s->services[0].service_time_s = 300.0;
    cfg_copy(s->services[1].id, FQ_ID_LEN, "B");
    cfg_copy(s->services[1].name, FQ_NAME_LEN, "Accounts");
    cfg_copy(s->services[1].prefix, sizeof s->services[1].prefix, "B");
    s->services[1].service_time_s = 300.0;

    s->n_counters = 4;
    for (int i = 0; i < 4; i++) {
        snprintf(s->counters[i].id, FQ_ID_LEN, "%d", i + 1);
        snprintf(s->counters[i].name, FQ_NAME_LEN, "%d", i + 1);
        s->counters[i].services = 0x3u;
    }
    s->number_width = 3;
    s->number_order = FQ_ORDER_SEQUENTIAL;
    s->retain_finished = true;

    cfg->display_history = 6;
    cfg->body_bytes = 16384;
    cfg->ws_message_bytes = 4096;
    cfg->max_connections = 4096;
    cfg->connections_per_address = 0;
    cfg->kiosk_tickets_per_minute = 60;

    cfg->sim.hours = 8.0;
    cfg->sim.warmup_hours = 1.0;
    cfg->sim.counters = 4;
    cfg_default_arrivals_resolve(cfg);
    for (int i = 0; i < s->n_services; i++) {
        cfg_service_time_unset(cfg, i);
        cfg->sim.service_time[i].set = true;
    }
    cfg->sim.no_show_probability = 0.0;
}

/* ------------------------------------------------------------------------ */
/* loader helpers                                                           */

typedef struct cfg_loader {
    const char *path;
    char *err;
    size_t errlen;
} cfg_loader;

/* "scheduler.classes[1].weight" for a setting. */
static void cfg_key(const config_setting_t *s, char *buf, size_t len)
{
    const config_setting_t *p = config_setting_parent(s);
    if (!p || len == 0) {
        if (len)
            buf[0] = '\0';
        return;
    }
    cfg_key(p, buf, len);
    size_t n = strlen(buf);
    if (config_setting_is_list(p) || config_setting_is_array(p))
        snprintf(buf + n, len - n, "[%d]", config_setting_index(s));
    else
        snprintf(buf + n, len - n, "%s%s", n ? "." : "", config_setting_name(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static fq_status cfg_fail(cfg_loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = ld->path;
    unsigned line = 1;
    if (s && config_setting_source_file(s))
        file = config_setting_source_file(s);
    if (s && config_setting_source_line(s) > 0)
        line = config_setting_source_line(s);
    if (ld->errlen)
        snprintf(ld->err, ld->errlen, "%s:%u: %s", file, line, msg);
    return FQ_ECONFIG;
}

/* Key path as a compound literal-friendly buffer. */
typedef struct cfg_keybuf {
    char s[256];
} cfg_keybuf;

static cfg_keybuf cfg_k(const config_setting_t *s)
{
    cfg_keybuf k;
    cfg_key(s, k.s, sizeof k.s);
    return k;
}

static const char *cfg_type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    default: return "something else";
    }
}

/* Rejects every member of group g whose name is not in `allowed`
 * (NULL-terminated), naming the allowed keys in the message. */
static fq_status cfg_check_keys(cfg_loader *ld, config_setting_t *g, const char *const *allowed)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = name && !strcmp(name, *a);
        if (ok)
            continue;
        char list[256] = "";
        for (const char *const *a = allowed; *a; a++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", a == allowed ? "" : ", ", *a);
        }
        return cfg_fail(ld, m, "unknown key %s (expected one of: %s)", cfg_k(m).s, list);
    }
    return FQ_OK;
}

/* *out = the member `name` of g if it is a group, NULL if absent. */
static fq_status cfg_group(cfg_loader *ld, config_setting_t *g, const char *name,
                           config_setting_t **out)
{
    *out = g ? config_setting_get_member(g, name) : NULL;
    if (*out && !config_setting_is_group(*out))
        return cfg_fail(ld, *out, "%s must be a group { ... } (got %s)", cfg_k(*out).s,
                        cfg_type_name(config_setting_type(*out)));
    return FQ_OK;
}

/* A list setting l with n entries must have min..max of them. */
static fq_status cfg_count(cfg_loader *ld, const config_setting_t *l, int n, int min, int max)
{
    if (n < min)
        return cfg_fail(ld, l, "%s must not be empty", cfg_k(l).s);
    if (n > max)
        return cfg_fail(ld, l, "%s has %d entries; at most %d are allowed", cfg_k(l).s, n, max);
    return FQ_OK;
}

/* *out = the member `name` of g if it is a list ( ... ) with min..max
 * entries, each of them a group; NULL if absent. */
static fq_status cfg_group_list(cfg_loader *ld, config_setting_t *g, const char *name, int min,
                                int max, config_setting_t **out)
{
    *out = g ? config_setting_get_member(g, name) : NULL;
    if (!*out)
        return FQ_OK;
    config_setting_t *l = *out;
    if (!config_setting_is_list(l))
        return cfg_fail(ld, l, "%s must be a list ( { ... }, ... ) (got %s)", cfg_k(l).s,
                        cfg_type_name(config_setting_type(l)));
    int n = config_setting_length(l);
    fq_status st = cfg_count(ld, l, n, min, max);
    if (st)
        return st;
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
        if (!config_setting_is_group(e))
            return cfg_fail(ld, e, "%s must be a group { ... } (got %s)", cfg_k(e).s,
                            cfg_type_name(config_setting_type(e)));
    }
    return FQ_OK;
}

/* libconfig 1.5 wraps integer literals that do not fit in 32 bits
 * ("port = 4294975376;" reads as 8080). Re-read the literal from the source
 * line and report whether it agrees with the parsed value. When the literal
 * cannot be found (unusual layout) the parsed value is trusted. */
static bool cfg_int_literal_ok(const config_setting_t *s, long long value)
{
    const char *file = config_setting_source_file(s);
    const char *name = config_setting_name(s);
    unsigned want = config_setting_source_line(s);
    if (!file || !name || want == 0)
        return true;
    FILE *f = fopen(file, "r");
    if (!f)
        return true;
    char *line = NULL;
    size_t cap = 0;
    unsigned n = 0;
    bool ok = true, found = false;
    while (!found && getline(&line, &cap, f) >= 0)
        found = ++n == want;
    fclose(f);
    size_t nl = strlen(name);
    for (const char *p = found ? line : NULL; p && (p = strstr(p, name)) != NULL; p += nl) {
        if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '-'))
            continue;
        const char *q = p + nl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=' && *q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        int base = 10;
        const char *digits = q;
        if (*q == '-' || *q == '+')
            digits++;
        if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
            base = 16;
        errno = 0;
        char *end;
        long long v = strtoll(q, &end, base);
        if (end == q)
            break;
        ok = errno != ERANGE && v == value;
        break;
    }
    free(line);
    return ok;
}

/* Integer member in lo..hi. Absent: *out untouched. */
static fq_status cfg_int(cfg_loader *ld, config_setting_t *g, const char *name, long long lo,
                         long long hi, long long *out)
{
    config_setting_t *s = config_setting_get_member(g, name);
    if (!s)
        return FQ_OK;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return cfg_fail(ld, s, "%s must be an integer (got %s)", cfg_k(s).s, cfg_type_name(t));
    long long v = config_setting_get_int64(s);
    if (!cfg_int_literal_ok(s, v))
        return cfg_fail(ld, s, "%s must be in %lld..%lld (got a number too large to read)",
                        cfg_k(s).s, lo, hi);
    if (v < lo || v > hi)
        return cfg_fail(ld, s, "%s must be in %lld..%lld (got %lld)", cfg_k(s).s, lo, hi, v);
    *out = v;
    return FQ_OK;
}

static fq_status cfg_int_as(cfg_loader *ld, config_setting_t *g, const char *name, long long lo,
                            long long hi, int *out)
{
    long long v = *out;
    fq_status st = cfg_int(ld, g, name, lo, hi, &v);
    if (st == FQ_OK)
        *out = (int)v;
    return st;
}

/* Number member (an integer is accepted: "weight = 3;"). lo_open makes the
 * lower bound exclusive. Absent: *out untouched. */
static fq_status cfg_float(cfg_loader *ld, config_setting_t *g, const char *name, double lo,
                           bool lo_open, double hi, double *out)
{
    config_setting_t *s = config_setting_get_member(g, name);
    if (!s)
        return FQ_OK;
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_FLOAT) {
        v = config_setting_get_float(s);
    } else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        long long i = config_setting_get_int64(s);
        if (!cfg_int_literal_ok(s, i))
            return cfg_fail(ld, s, "%s must be %s %g and <= %g (got a number too large to read)",
                            cfg_k(s).s, lo_open ? ">" : ">=", lo, hi);
        v = (double)i;
    } else {
        return cfg_fail(ld, s, "%s must be a number (got %s)", cfg_k(s).s, cfg_type_name(t));
    }
    if (!(v == v) || (lo_open ? v <= lo : v < lo) || v > hi)
        return cfg_fail(ld, s, "%s must be %s %g and <= %g (got %g)", cfg_k(s).s,
                        lo_open ? ">" : ">=", lo, hi, v);
    *out = v;
    return FQ_OK;
}

/* String setting s (not a member lookup) into buf[size]. */
static fq_status cfg_str_of(cfg_loader *ld, config_setting_t *s, char *buf, size_t size,
                            bool nonempty)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_STRING)
        return cfg_fail(ld, s, "%s must be a string (got %s)", cfg_k(s).s, cfg_type_name(t));
    const char *v = config_setting_get_string(s);
    size_t l = strlen(v);
    if (nonempty && l == 0)
        return cfg_fail(ld, s, "%s must not be empty", cfg_k(s).s);
    if (l >= size)
        return cfg_fail(ld, s, "%s is too long (%zu bytes; at most %zu)", cfg_k(s).s, l,
                        size - 1);
    memcpy(buf, v, l + 1);
    return FQ_OK;
}

/* String member. Absent: buf untouched, *found (if given) false. */
static fq_status cfg_str(cfg_loader *ld, config_setting_t *g, const char *name, char *buf,
                         size_t size, bool nonempty, config_setting_t **found)
{
    config_setting_t *s = config_setting_get_member(g, name);
    if (found)
        *found = s;
    return s ? cfg_str_of(ld, s, buf, size, nonempty) : FQ_OK;
}

/* Ids travel in URLs, logs and the event log: keep them to a safe alphabet. */
static bool cfg_id_ok(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return false;
    return true;
}

static fq_status cfg_id_of(cfg_loader *ld, config_setting_t *s, char *buf, size_t size)
{
    fq_status st = cfg_str_of(ld, s, buf, size, true);
    if (st != FQ_OK)
        return st;
    if (!cfg_id_ok(buf))
        return cfg_fail(ld, s, "%s must contain only letters, digits, '_', '-' and '.' (got \"%s\")",
                        cfg_k(s).s, buf);
    return FQ_OK;
}

/* Required id member of list element e. */
static fq_status cfg_required_id(cfg_loader *ld, config_setting_t *e, const char *name, char *buf,
                                 size_t size, config_setting_t **found)
{
    config_setting_t *s = config_setting_get_member(e, name);
    *found = s;
    if (!s)
        return cfg_fail(ld, e, "%s.%s is required", cfg_k(e).s, name);
    return cfg_id_of(ld, s, buf, size);
}

/* *out = member `name` if it is an array or list of min..max strings. */
static fq_status cfg_str_list(cfg_loader *ld, config_setting_t *g, const char *name, int min,
                              int max, config_setting_t **out)
{
    config_setting_t *l = config_setting_get_member(g, name);
    *out = l;
    if (!l)
        return FQ_OK;
    if (!config_setting_is_array(l) && !config_setting_is_list(l))
        return cfg_fail(ld, l, "%s must be a list of strings [\"...\", ...] (got %s)", cfg_k(l).s,
                        cfg_type_name(config_setting_type(l)));
    int n = config_setting_length(l);
    fq_status st = cfg_count(ld, l, n, min, max);
    if (st)
        return st;
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return cfg_fail(ld, e, "%s must be a string (got %s)", cfg_k(e).s,
                            cfg_type_name(config_setting_type(e)));
        for (int j = 0; j < i; j++)
            if (!strcmp(config_setting_get_string(e),
                        config_setting_get_string_elem(l, (unsigned)j)))
                return cfg_fail(ld, e, "%s: \"%s\" is listed twice", cfg_k(e).s,
                                config_setting_get_string(e));
    }
    return FQ_OK;
}

/* String member that must be one of `names` (NULL-terminated); *out = index. */
static fq_status cfg_enum(cfg_loader *ld, config_setting_t *g, const char *name,
                          const char *const *names, int *out)
{
    config_setting_t *s = config_setting_get_member(g, name);
    if (!s)
        return FQ_OK;
    char v[64];
    fq_status st = cfg_str_of(ld, s, v, sizeof v, true);
    if (st != FQ_OK)
        return st;
    char list[192] = "";
    for (int i = 0; names[i]; i++) {
        if (!strcmp(v, names[i])) {
            *out = i;
            return FQ_OK;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
    }
    return cfg_fail(ld, s, "%s must be one of %s (got \"%s\")", cfg_k(s).s, list, v);
}

#define CFG_TRY(expr)                                                                              \
    do {                                                                                           \
        fq_status cfg_try_st_ = (expr);                                                            \
        if (cfg_try_st_ != FQ_OK)                                                                  \
            return cfg_try_st_;                                                                    \
    } while (0)

/* ------------------------------------------------------------------------ */
/* sections                                                                 */

static fq_status cfg_timezone_check(cfg_loader *ld, config_setting_t *s, const char *tz)
{
    if (tz[0] == '/' || strstr(tz, ".."))
        return cfg_fail(ld, s, "%s must be a time zone name like \"Asia/Shanghai\" (got \"%s\")",
                        cfg_k(s).s, tz);
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return cfg_fail(ld, s,
                            "%s must be a time zone name like \"Asia/Shanghai\" (got \"%s\")",
                            cfg_k(s).s, tz);
    char file[sizeof CFG_ZONEINFO + 80];
    snprintf(file, sizeof file, "%s/%s", CFG_ZONEINFO, tz);
    struct stat sb;
    if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
        return cfg_fail(ld, s, "%s: unknown time zone \"%s\" (not found under %s)", cfg_k(s).s,
                        tz, CFG_ZONEINFO);
    return FQ_OK;
}

static fq_status cfg_day_starts(cfg_loader *ld, config_setting_t *s, int *out)
{
    char v[16];
    fq_status st = cfg_str_of(ld, s, v, sizeof v, true);
    if (st != FQ_OK)
        return cfg_fail(ld, s, "%s must be a time \"HH:MM\"", cfg_k(s).s);
    bool shape = strlen(v) == 5 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
                 v[2] == ':' && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]);
    int h = shape ? (v[0] - '0') * 10 + (v[1] - '0') : -1;
    int m = shape ? (v[3] - '0') * 10 + (v[4] - '0') : -1;
    if (!shape || h > 23 || m > 59)
        return cfg_fail(ld, s, "%s must be a time \"HH:MM\" from 00:00 to 23:59 (got \"%s\")",
                        cfg_k(s).s, v);
    *out = h * 60 + m;
    return FQ_OK;
}

static fq_status cfg_branch(cfg_loader *ld, config_setting_t *root, fq_config *cfg)
{
    static const char *const keys[] = {"id", "name", "timezone", "day_starts", "languages", NULL};
    config_setting_t *g, *s;
    CFG_TRY(cfg_group(ld, root, "branch", &g));
    if (!g)
        return FQ_OK;
    CFG_TRY(cfg_check_keys(ld, g, keys));
    if ((s = config_setting_get_member(g, "id")))
        CFG_TRY(cfg_id_of(ld, s, cfg->branch_id, sizeof cfg->branch_id));
    CFG_TRY(cfg_str(ld, g, "name", cfg->branch_name, sizeof cfg->branch_name, true, NULL));
    CFG_TRY(cfg_str(ld, g, "timezone", cfg->timezone, sizeof cfg->timezone, true, &s));
    if (s)
        CFG_TRY(cfg_timezone_check(ld, s, cfg->timezone));
    if ((s = config_setting_get_member(g, "day_starts")))
        CFG_TRY(cfg_day_starts(ld, s, &cfg->day_starts_min));
    CFG_TRY(cfg_str_list(ld, g, "languages", 1, FQ_MAX_LANGUAGES, &s));
    if (s) {
        cfg->n_languages = config_setting_length(s);
        for (int i = 0; i < cfg->n_languages; i++) {
            config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            const char *lang = config_setting_get_string(e);
            bool known = false;
            for (size_t j = 0; j < FQ_ARRAY_LEN(cfg_languages) && !known; j++)
                known = !strcmp(lang, cfg_languages[j]);
            if (!known)
                return cfg_fail(ld, e, "%s: unknown language \"%s\" (fairq has: zh-CN, en)",
                                cfg_k(e).s, lang);
            cfg_copy(cfg->languages[i], sizeof cfg->languages[i], lang);
        }
    }
    return FQ_OK;
}

static fq_status cfg_server(cfg_loader *ld, config_setting_t *root, fq_config *cfg)
{
    static const char *const keys[] = {"listen", "port", "www", "tls", NULL};
    static const char *const tls_keys[] = {"cert", "key", NULL};
    config_setting_t *g, *s, *tls;
    CFG_TRY(cfg_group(ld, root, "server", &g));
    if (!g)
        return FQ_OK;
    CFG_TRY(cfg_check_keys(ld, g, keys));
    CFG_TRY(cfg_str(ld, g, "listen", cfg->listen, sizeof cfg->listen, true, &s));
    if (s) {
        unsigned char addr[16];
        if (inet_pton(AF_INET, cfg->listen, addr) != 1 &&
            inet_pton(AF_INET6, cfg->listen, addr) != 1)
            return cfg_fail(ld, s, "%s must be an IPv4 or IPv6 address (got \"%s\")",
                            cfg_k(s).s, cfg->listen);
    }
    CFG_TRY(cfg_int_as(ld, g, "port", 0, 65535, &cfg->port));
    CFG_TRY(cfg_str(ld, g, "www", cfg->www, sizeof cfg->www, true, NULL));
    CFG_TRY(cfg_group(ld, g, "tls", &tls));
    if (tls) {
        CFG_TRY(cfg_check_keys(ld, tls, tls_keys));
        CFG_TRY(cfg_str(ld, tls, "cert", cfg->tls_cert, sizeof cfg->tls_cert, false, NULL));
        CFG_TRY(cfg_str(ld, tls, "key", cfg->tls_key, sizeof cfg->tls_key, false, NULL));
        if (!cfg->tls_cert[0] != !cfg->tls_key[0])
            return cfg_fail(ld, tls, "%s: cert and key must both be set (TLS) or both be empty",
                            cfg_k(tls).s);
    }
    return FQ_OK;
}

static fq_status cfg_storage_auth(cfg_loader *ld, config_setting_t *root, fq_config *cfg)
{
    static const char *const st_keys[] = {"path", "synchronous", NULL};
    static const char *const sync_names[] = {"full", "normal", "off", NULL};
    static const char *const auth_keys[] = {"tokens_file", NULL};
    config_setting_t *g;
    CFG_TRY(cfg_group(ld, root, "storage", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, st_keys));
        CFG_TRY(cfg_str(ld, g, "path", cfg->db_path, sizeof cfg->db_path, true, NULL));
        int sync = -1;
        CFG_TRY(cfg_enum(ld, g, "synchronous", sync_names, &sync));
        if (sync >= 0)
            cfg_copy(cfg->synchronous, sizeof cfg->synchronous, sync_names[sync]);
    }
    CFG_TRY(cfg_group(ld, root, "auth", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, auth_keys));
        CFG_TRY(cfg_str(ld, g, "tokens_file", cfg->tokens_file, sizeof cfg->tokens_file, true,
                        NULL));
    }
    return FQ_OK;
}

static fq_status cfg_class(cfg_loader *ld, config_setting_t *e, fq_config *cfg, int index)
{
    static const char *const keys[] = {"id",          "weight",    "head_start", "starvation_limit",
                                       "target_wait", "issued_by", "reasons",    NULL};
    fq_sched_cfg *sc = &cfg->sched;
    fq_class_cfg *c = &sc->classes[index];
    config_setting_t *s;
    CFG_TRY(cfg_check_keys(ld, e, keys));
    /* A class given without these keys gets the regular class's values. */
    cfg_default_class(c, "", 1.0, 0, 1200, FQ_ISSUER_KIOSK | FQ_ISSUER_STAFF);
    CFG_TRY(cfg_required_id(ld, e, "id", c->id, sizeof c->id, &s));
    for (int j = 0; j < index; j++)
        if (!strcmp(sc->classes[j].id, c->id))
            return cfg_fail(ld, s, "%s \"%s\" is already used by scheduler.classes[%d]",
                            cfg_k(s).s, c->id, j);
    CFG_TRY(cfg_float(ld, e, "weight", 0.0, true, 1000.0, &c->weight));
    long long v = c->head_start_s;
    CFG_TRY(cfg_int(ld, e, "head_start", 0, 86400, &v));
    c->head_start_s = v;
    v = c->starvation_limit_s;
    CFG_TRY(cfg_int(ld, e, "starvation_limit", 0, 86400, &v));
    c->starvation_limit_s = v;
    v = c->target_wait_s;
    CFG_TRY(cfg_int(ld, e, "target_wait", 1, 86400, &v));
    c->target_wait_s = v;

    CFG_TRY(cfg_str_list(ld, e, "issued_by", 1, 2, &s));
    if (s) {
        c->issued_by = 0;
        for (int i = 0; i < config_setting_length(s); i++) {
            config_setting_t *x = config_setting_get_elem(s, (unsigned)i);
            const char *who = config_setting_get_string(x);
            if (!strcmp(who, "kiosk"))
                c->issued_by |= FQ_ISSUER_KIOSK;
            else if (!strcmp(who, "staff"))
                c->issued_by |= FQ_ISSUER_STAFF;
            else
                return cfg_fail(ld, x, "%s must be \"kiosk\" or \"staff\" (got \"%s\")",
                                cfg_k(x).s, who);
        }
    }
    CFG_TRY(cfg_str_list(ld, e, "reasons", 0, FQ_MAX_REASONS, &s));
    if (s) {
        c->n_reasons = config_setting_length(s);
        for (int i = 0; i < c->n_reasons; i++)
            CFG_TRY(cfg_id_of(ld, config_setting_get_elem(s, (unsigned)i), c->reasons[i],
                              sizeof c->reasons[i]));
    }
    return FQ_OK;
}

static fq_status cfg_scheduler(cfg_loader *ld, config_setting_t *root, fq_config *cfg,
                               bool *classes_given)
{
    static const char *const keys[] = {"policy", "classes", NULL};
    static const char *const policies[] = {"fifo", "strict", "accumulating", "weighted", NULL};
    config_setting_t *g, *l;
    *classes_given = false;
    CFG_TRY(cfg_group(ld, root, "scheduler", &g));
    if (!g)
        return FQ_OK;
    CFG_TRY(cfg_check_keys(ld, g, keys));
    int policy = -1;
    CFG_TRY(cfg_enum(ld, g, "policy", policies, &policy));
    /* The names are listed in fq_policy's order. */
    if (policy >= 0)
        cfg->sched.policy = (fq_policy)policy;
    CFG_TRY(cfg_group_list(ld, g, "classes", 1, FQ_MAX_CLASSES, &l));
    if (!l)
        return FQ_OK;
    *classes_given = true;
    memset(cfg->sched.classes, 0, sizeof cfg->sched.classes);
    cfg->sched.n_classes = config_setting_length(l);
    for (int i = 0; i < cfg->sched.n_classes; i++)
        CFG_TRY(cfg_class(ld, config_setting_get_elem(l, (unsigned)i), cfg, i));
    return FQ_OK;
}

static bool cfg_prefix_ok(const char *p)
{
    for (; *p; p++)
        if (!isalpha((unsigned char)*p))
            return false;
    return true;
}

/* Does a start b, ignoring case? (A caller hears "a47" and "A47" alike.) */
static bool cfg_starts_with(const char *a, const char *b)
{
    for (; *b; a++, b++)
        if (toupper((unsigned char)*a) != toupper((unsigned char)*b))
            return false;
    return true;
}

static fq_status cfg_service(cfg_loader *ld, config_setting_t *e, fq_config *cfg, int index)
{
    static const char *const keys[] = {"id", "name", "prefix", "service_time_s", NULL};
    fq_sched_cfg *sc = &cfg->sched;
    fq_service_cfg *sv = &sc->services[index];
    config_setting_t *s;
    CFG_TRY(cfg_check_keys(ld, e, keys));
    memset(sv, 0, sizeof *sv);
    sv->service_time_s = 300.0;
    CFG_TRY(cfg_required_id(ld, e, "id", sv->id, sizeof sv->id, &s));
    for (int j = 0; j < index; j++)
        if (!strcmp(sc->services[j].id, sv->id))
            return cfg_fail(ld, s, "%s \"%s\" is already used by services[%d]", cfg_k(s).s,
                            sv->id, j);
    cfg_copy(sv->name, sizeof sv->name, sv->id);
    CFG_TRY(cfg_str(ld, e, "name", sv->name, sizeof sv->name, true, NULL));
    s = config_setting_get_member(e, "prefix");
    if (!s)
        return cfg_fail(ld, e, "%s.prefix is required", cfg_k(e).s);
    char prefix[64];
    CFG_TRY(cfg_str_of(ld, s, prefix, sizeof prefix, true));
    if (strlen(prefix) > CFG_MAX_PREFIX || !cfg_prefix_ok(prefix))
        return cfg_fail(ld, s, "%s must be 1 to %d letters (got \"%s\")", cfg_k(s).s,
                        CFG_MAX_PREFIX, prefix);
    cfg_copy(sv->prefix, sizeof sv->prefix, prefix);
    for (int j = 0; j < index; j++) {
        const char *other = sc->services[j].prefix;
        if (cfg_starts_with(other, prefix) && cfg_starts_with(prefix, other))
            return cfg_fail(ld, s, "%s \"%s\" is already used by services[%d]", cfg_k(s).s,
                            prefix, j);
        if (cfg_starts_with(other, prefix) || cfg_starts_with(prefix, other))
            return cfg_fail(ld, s,
                            "%s \"%s\" and services[%d].prefix \"%s\": one starts the other, so "
                            "ticket numbers would be ambiguous",
                            cfg_k(s).s, prefix, j, other);
    }
    CFG_TRY(cfg_float(ld, e, "service_time_s", 0.0, true, 86400.0, &sv->service_time_s));
    return FQ_OK;
}

static fq_status cfg_services(cfg_loader *ld, config_setting_t *root, fq_config *cfg,
                              bool *given)
{
    config_setting_t *l;
    *given = false;
    CFG_TRY(cfg_group_list(ld, root, "services", 1, FQ_MAX_SERVICES, &l));
    if (!l)
        return FQ_OK;
    *given = true;
    memset(cfg->sched.services, 0, sizeof cfg->sched.services);
    cfg->sched.n_services = config_setting_length(l);
    for (int i = 0; i < cfg->sched.n_services; i++)
        CFG_TRY(cfg_service(ld, config_setting_get_elem(l, (unsigned)i), cfg, i));
    return FQ_OK;
}

static fq_status cfg_counter(cfg_loader *ld, config_setting_t *e, fq_config *cfg, int index)
{
    static const char *const keys[] = {"id", "name", "services", NULL};
    fq_sched_cfg *sc = &cfg->sched;
    fq_counter_cfg *c = &sc->counters[index];
    config_setting_t *s;
    CFG_TRY(cfg_check_keys(ld, e, keys));
    memset(c, 0, sizeof *c);
    CFG_TRY(cfg_required_id(ld, e, "id", c->id, sizeof c->id, &s));
    for (int j = 0; j < index; j++)
        if (!strcmp(sc->counters[j].id, c->id))
            return cfg_fail(ld, s, "%s \"%s\" is already used by counters[%d]", cfg_k(s).s,
                            c->id, j);
    cfg_copy(c->name, sizeof c->name, c->id);
    CFG_TRY(cfg_str(ld, e, "name", c->name, sizeof c->name, true, NULL));
    CFG_TRY(cfg_str_list(ld, e, "services", 1, FQ_MAX_SERVICES, &s));
    if (!s)
        return cfg_fail(ld, e, "%s.services is required", cfg_k(e).s);
    for (int i = 0; i < config_setting_length(s); i++) {
        config_setting_t *x = config_setting_get_elem(s, (unsigned)i);
        int svc = fq_config_service(sc, config_setting_get_string(x));
        if (svc == FQ_NONE)
            return cfg_fail(ld, x, "%s: unknown service \"%s\"", cfg_k(x).s,
                            config_setting_get_string(x));
        c->services |= 1u << svc;
    }
    return FQ_OK;
}

static fq_status cfg_counters(cfg_loader *ld, config_setting_t *root, fq_config *cfg,
                              bool services_given)
{
    fq_sched_cfg *sc = &cfg->sched;
    config_setting_t *l;
    CFG_TRY(cfg_group_list(ld, root, "counters", 1, FQ_MAX_COUNTERS, &l));
    if (l) {
        memset(sc->counters, 0, sizeof sc->counters);
        sc->n_counters = config_setting_length(l);
        for (int i = 0; i < sc->n_counters; i++)
            CFG_TRY(cfg_counter(ld, config_setting_get_elem(l, (unsigned)i), cfg, i));
    } else if (services_given) {
        /* The default counters serve whatever services the file defines. */
        uint32_t all = sc->n_services >= 32 ? 0xffffffffu : (1u << sc->n_services) - 1u;
        for (int i = 0; i < sc->n_counters; i++)
            sc->counters[i].services = all;
    }
    /* A service no counter serves would take tickets that can never be called. */
    uint32_t served = 0;
    for (int i = 0; i < sc->n_counters; i++)
        served |= sc->counters[i].services;
    for (int s = 0; s < sc->n_services; s++)
        if (!(served & (1u << s)))
            return cfg_fail(ld, l, "counters: no counter serves service \"%s\"; its tickets "
                                   "could never be called",
                            sc->services[s].id);
    return FQ_OK;
}

static fq_status cfg_arrival(cfg_loader *ld, config_setting_t *e, fq_config *cfg, int index)
{
    static const char *const keys[] = {"class", "service", "rate_per_hour", NULL};
    fq_sim_arrival *a = &cfg->sim.arrivals[index];
    config_setting_t *s;
    char id[FQ_ID_LEN];
    CFG_TRY(cfg_check_keys(ld, e, keys));
    CFG_TRY(cfg_required_id(ld, e, "class", id, sizeof id, &s));
    if ((a->klass = fq_config_class(&cfg->sched, id)) == FQ_NONE)
        return cfg_fail(ld, s, "%s: unknown class \"%s\"", cfg_k(s).s, id);
    CFG_TRY(cfg_required_id(ld, e, "service", id, sizeof id, &s));
    if ((a->service = fq_config_service(&cfg->sched, id)) == FQ_NONE)
        return cfg_fail(ld, s, "%s: unknown service \"%s\"", cfg_k(s).s, id);
    for (int j = 0; j < index; j++)
        if (cfg->sim.arrivals[j].klass == a->klass && cfg->sim.arrivals[j].service == a->service)
            return cfg_fail(ld, e, "%s: class \"%s\" and service \"%s\" are already given in "
                                   "simulation.arrivals[%d]",
                            cfg_k(e).s, cfg->sched.classes[a->klass].id, id, j);
    if (!config_setting_get_member(e, "rate_per_hour"))
        return cfg_fail(ld, e, "%s.rate_per_hour is required", cfg_k(e).s);
    CFG_TRY(cfg_float(ld, e, "rate_per_hour", 0.0, false, 100000.0, &a->rate_per_hour));
    return FQ_OK;
}

static fq_status cfg_service_time(cfg_loader *ld, config_setting_t *e, fq_config *cfg,
                                  uint32_t *seen)
{
    static const char *const keys[] = {"service", "distribution", "mean_s", "cv", NULL};
    static const char *const dists[] = {"exponential", "deterministic", "lognormal", NULL};
    config_setting_t *s;
    char id[FQ_ID_LEN];
    CFG_TRY(cfg_check_keys(ld, e, keys));
    CFG_TRY(cfg_required_id(ld, e, "service", id, sizeof id, &s));
    int svc = fq_config_service(&cfg->sched, id);
    if (svc == FQ_NONE)
        return cfg_fail(ld, s, "%s: unknown service \"%s\"", cfg_k(s).s, id);
    if (*seen & (1u << svc))
        return cfg_fail(ld, s, "%s: service \"%s\" is given twice", cfg_k(s).s, id);
    *seen |= 1u << svc;
    fq_sim_service_time *st = &cfg->sim.service_time[svc];
    int dist = FQ_DIST_EXPONENTIAL;
    /* The names are listed in fq_distribution's order. */
    CFG_TRY(cfg_enum(ld, e, "distribution", dists, &dist));
    st->distribution = (fq_distribution)dist;
    CFG_TRY(cfg_float(ld, e, "mean_s", 0.0, true, 86400.0, &st->mean_s));
    CFG_TRY(cfg_float(ld, e, "cv", 0.0, false, 10.0, &st->cv));
    st->set = true;
    return FQ_OK;
}

static fq_status cfg_simulation(cfg_loader *ld, config_setting_t *root, fq_config *cfg,
                                bool lists_changed, bool services_given)
{
    static const char *const keys[] = {"hours",        "warmup_hours", "counters",
                                       "arrivals",     "service_time", "no_show_probability",
                                       NULL};
    fq_sim_cfg *sim = &cfg->sim;
    config_setting_t *g, *l = NULL, *st_list = NULL;
    CFG_TRY(cfg_group(ld, root, "simulation", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, keys));
        CFG_TRY(cfg_float(ld, g, "hours", 0.0, true, 100000.0, &sim->hours));
        CFG_TRY(cfg_float(ld, g, "warmup_hours", 0.0, false, 100000.0, &sim->warmup_hours));
        if (sim->warmup_hours >= sim->hours) {
            config_setting_t *w = config_setting_get_member(g, "warmup_hours");
            if (!w)
                w = config_setting_get_member(g, "hours");
            return cfg_fail(ld, w, "simulation.warmup_hours must be < simulation.hours "
                                   "(got %g >= %g)",
                            sim->warmup_hours, sim->hours);
        }
        CFG_TRY(cfg_int_as(ld, g, "counters", 0, FQ_MAX_COUNTERS, &sim->counters));
        CFG_TRY(cfg_float(ld, g, "no_show_probability", 0.0, false, 1.0,
                          &sim->no_show_probability));
        CFG_TRY(cfg_group_list(ld, g, "arrivals", 1, FQ_MAX_SIM_ARRIVALS, &l));
        CFG_TRY(cfg_group_list(ld, g, "service_time", 0, FQ_MAX_SERVICES, &st_list));
    }
    if (l) {
        memset(sim->arrivals, 0, sizeof sim->arrivals);
        sim->n_arrivals = config_setting_length(l);
        for (int i = 0; i < sim->n_arrivals; i++)
            CFG_TRY(cfg_arrival(ld, config_setting_get_elem(l, (unsigned)i), cfg, i));
    } else if (lists_changed) {
        cfg_default_arrivals_resolve(cfg);
    }
    /* The defaults describe services A and B; for other services (or an
     * explicit list) each unlisted service times as its service_time_s. */
    if (st_list || services_given) {
        memset(sim->service_time, 0, sizeof sim->service_time);
        for (int s = 0; s < cfg->sched.n_services; s++)
            cfg_service_time_unset(cfg, s);
    }
    if (st_list) {
        uint32_t seen = 0;
        for (int i = 0; i < config_setting_length(st_list); i++)
            CFG_TRY(cfg_service_time(ld, config_setting_get_elem(st_list, (unsigned)i), cfg,
                                     &seen));
    }
    return FQ_OK;
}

static fq_status cfg_small_sections(cfg_loader *ld, config_setting_t *root, fq_config *cfg)
{
    static const char *const num_keys[] = {"width", "order", NULL};
    static const char *const orders[] = {"sequential", "shuffled", NULL};
    static const char *const disp_keys[] = {"history", NULL};
    static const char *const lim_keys[] = {"body_bytes",
                                           "ws_message_bytes",
                                           "max_connections",
                                           "connections_per_address",
                                           "kiosk_tickets_per_minute",
                                           NULL};
    config_setting_t *g;
    CFG_TRY(cfg_group(ld, root, "numbering", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, num_keys));
        CFG_TRY(cfg_int_as(ld, g, "width", 1, 6, &cfg->sched.number_width));
        int order = -1;
        CFG_TRY(cfg_enum(ld, g, "order", orders, &order));
        if (order >= 0)
            cfg->sched.number_order = (fq_number_order)order;
    }
    CFG_TRY(cfg_group(ld, root, "display", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, disp_keys));
        CFG_TRY(cfg_int_as(ld, g, "history", 1, 20, &cfg->display_history));
    }
    CFG_TRY(cfg_group(ld, root, "limits", &g));
    if (g) {
        CFG_TRY(cfg_check_keys(ld, g, lim_keys));
        long long v = (long long)cfg->body_bytes;
        CFG_TRY(cfg_int(ld, g, "body_bytes", 256, 1048576, &v));
        cfg->body_bytes = (size_t)v;
        v = (long long)cfg->ws_message_bytes;
        CFG_TRY(cfg_int(ld, g, "ws_message_bytes", 256, 65536, &v));
        cfg->ws_message_bytes = (size_t)v;
        CFG_TRY(cfg_int_as(ld, g, "max_connections", 16, 100000, &cfg->max_connections));
        CFG_TRY(cfg_int_as(ld, g, "connections_per_address", 0, 100000,
                           &cfg->connections_per_address));
        CFG_TRY(cfg_int_as(ld, g, "kiosk_tickets_per_minute", 1, 10000,
                           &cfg->kiosk_tickets_per_minute));
    }
    return FQ_OK;
}

static fq_status cfg_root(cfg_loader *ld, config_setting_t *root, fq_config *cfg)
{
    static const char *const keys[] = {"branch",   "server",    "storage", "auth",
                                       "scheduler", "services", "counters", "numbering",
                                       "display",  "limits",    "simulation", NULL};
    bool classes_given, services_given;
    CFG_TRY(cfg_check_keys(ld, root, keys));
    CFG_TRY(cfg_branch(ld, root, cfg));
    CFG_TRY(cfg_server(ld, root, cfg));
    CFG_TRY(cfg_storage_auth(ld, root, cfg));
    CFG_TRY(cfg_scheduler(ld, root, cfg, &classes_given));
    CFG_TRY(cfg_services(ld, root, cfg, &services_given));
    CFG_TRY(cfg_counters(ld, root, cfg, services_given));
    CFG_TRY(cfg_small_sections(ld, root, cfg));
    CFG_TRY(cfg_simulation(ld, root, cfg, classes_given || services_given, services_given));
    return FQ_OK;
}

fq_status fq_config_load(const char *path, fq_config *cfg, char *err, size_t errlen)
{
    cfg_loader ld = {path, err, errlen};
    if (errlen)
        err[0] = '\0';
    fq_config_defaults(cfg);
    if (strlen(path) >= sizeof cfg->path) {
        if (errlen)
            snprintf(err, errlen, "%s: path too long", path);
        return FQ_EIO;
    }
    cfg_copy(cfg->path, sizeof cfg->path, path);

    /* Check readability first: libconfig only says "file I/O error". */
    struct stat sb;
    bool is_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    FILE *f = is_dir ? NULL : fopen(path, "r");
    if (!f) {
        if (errlen)
            snprintf(err, errlen, "%s: cannot read: %s", path,
                     is_dir ? "is a directory" : strerror(errno));
        return FQ_EIO;
    }
    fclose(f);

    /* @include "x.cfg" is resolved next to the including file. */
    char dir[FQ_PATH_LEN];
    cfg_copy(dir, sizeof dir, path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        cfg_copy(dir, sizeof dir, ".");

    config_t c;
    config_init(&c);
    config_set_include_dir(&c, dir);
    fq_status st;
    if (config_read_file(&c, path) != CONFIG_TRUE) {
        const char *file = config_error_file(&c) ? config_error_file(&c) : path;
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO) {
            if (errlen)
                snprintf(err, errlen, "%s: cannot read: %s", file, config_error_text(&c));
            st = FQ_EIO;
        } else {
            if (errlen)
                snprintf(err, errlen, "%s:%d: %s", file, config_error_line(&c),
                         config_error_text(&c));
            st = FQ_ECONFIG;
        }
    } else {
        st = cfg_root(&ld, config_root_setting(&c), cfg);
    }
    config_destroy(&c);
    return st;
}

/* ------------------------------------------------------------------------ */
/* lint                                                                     */

typedef struct cfg_out {
    char *buf;
    size_t len;
    int count;
    const char *file;
} cfg_out;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void cfg_warn(cfg_out *o, const char *fmt, ...)
{
    o->count++;
    if (!o->buf || o->len == 0)
        return;
    size_t n = strnlen(o->buf, o->len);
    if (n + 1 >= o->len)
        return;
    int w = snprintf(o->buf + n, o->len - n, "%s: warning: ", o->file);
    if (w < 0 || (size_t)w >= o->len - n)
        return;
    n += (size_t)w;
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(o->buf + n, o->len - n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= o->len - n)
        return;
    n += (size_t)w;
    if (n + 1 < o->len) {
        o->buf[n] = '\n';
        o->buf[n + 1] = '\0';
    }
}

/* Under strict, which class comes last: lowest weight, later in config
 * order on equal weights. */
static int cfg_strict_lowest(const fq_sched_cfg *s)
{
    int low = 0;
    for (int k = 1; k < s->n_classes; k++)
        if (s->classes[k].weight <= s->classes[low].weight)
            low = k;
    return low;
}

int fq_config_lint(const fq_config *cfg, char *buf, size_t len)
{
    cfg_out o = {buf, len, 0, cfg->path[0] ? cfg->path : "(defaults)"};
    const fq_sched_cfg *s = &cfg->sched;
    fq_policy pol = s->policy;
    bool strict = pol == FQ_POLICY_STRICT;
    int n_limited = 0;
    for (int k = 0; k < s->n_classes; k++)
        n_limited += s->classes[k].starvation_limit_s > 0;

    /* 1. A protected class that ranks below an unprotected one, with no
     * starvation limit to bound what that costs it. */
    if (pol != FQ_POLICY_FIFO) {
        for (int p = 0; p < s->n_classes; p++) {
            const fq_class_cfg *cp = &s->classes[p];
            if (cp->n_reasons == 0 || cp->starvation_limit_s > 0)
                continue;
            for (int u = 0; u < s->n_classes; u++) {
                const fq_class_cfg *cu = &s->classes[u];
                if (cu->n_reasons > 0)
                    continue;
                bool by_weight = cp->weight < cu->weight;
                bool by_head = pol == FQ_POLICY_ACCUMULATING && cp->head_start_s < cu->head_start_s;
                if (!by_weight && !by_head)
                    continue;
                if (by_weight)
                    cfg_warn(&o,
                             "class \"%s\" is legally protected (it has reasons) but ranks below "
                             "\"%s\" by weight (%g < %g) and has no starvation_limit: under load "
                             "its wait has no bound",
                             cp->id, cu->id, cp->weight, cu->weight);
                else
                    cfg_warn(&o,
                             "class \"%s\" is legally protected (it has reasons) but ranks below "
                             "\"%s\" by head_start (%lld < %lld s) and has no starvation_limit",
                             cp->id, cu->id, (long long)cp->head_start_s,
                             (long long)cu->head_start_s);
                break;
            }
        }
    }

    /* 2. Classes without a limit next to classes with one (SPEC 3: overdue
     * tickets of limited classes go first, the unlimited class absorbs all
     * the waiting); under strict, the last class starves even on its own. */
    int lowest = cfg_strict_lowest(s);
    for (int k = 0; k < s->n_classes; k++) {
        const fq_class_cfg *c = &s->classes[k];
        if (c->starvation_limit_s > 0)
            continue;
        if (n_limited > 0)
            cfg_warn(&o,
                     "class \"%s\" has no starvation_limit while other classes have one: under "
                     "load their overdue tickets go first and \"%s\" can wait without bound%s",
                     c->id, c->id, strict ? " (policy strict makes this likely)" : "");
        else if (strict && k == lowest && s->n_classes > 1)
            cfg_warn(&o,
                     "policy strict: the lowest class \"%s\" has no starvation_limit, so under "
                     "load it can wait without bound",
                     c->id);
    }

    /* 3. Weights so uneven that the lightest class is starved in practice. */
    if ((pol == FQ_POLICY_ACCUMULATING || pol == FQ_POLICY_WEIGHTED) && s->n_classes > 1) {
        int lo = 0, hi = 0;
        for (int k = 1; k < s->n_classes; k++) {
            if (s->classes[k].weight < s->classes[lo].weight)
                lo = k;
            if (s->classes[k].weight > s->classes[hi].weight)
                hi = k;
        }
        double ratio = s->classes[hi].weight / s->classes[lo].weight;
        if (ratio > 20.0)
            cfg_warn(&o,
                     "weights of \"%s\" (%g) and \"%s\" (%g) differ %.0fx: under load \"%s\" is "
                     "effectively starved%s",
                     s->classes[hi].id, s->classes[hi].weight, s->classes[lo].id,
                     s->classes[lo].weight, ratio, s->classes[lo].id,
                     s->classes[lo].starvation_limit_s > 0 ? " until its starvation_limit" : "");
    }

    /* 4. A limit below the target: tickets go overdue before they are late. */
    for (int k = 0; k < s->n_classes; k++) {
        const fq_class_cfg *c = &s->classes[k];
        if (c->starvation_limit_s > 0 && c->starvation_limit_s < c->target_wait_s)
            cfg_warn(&o,
                     "class \"%s\": starvation_limit %lld s is shorter than target_wait %lld s; "
                     "the limit should be the worst wait you tolerate, above the target",
                     c->id, (long long)c->starvation_limit_s, (long long)c->target_wait_s);
    }
    return o.count;
}
