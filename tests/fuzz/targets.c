/* targets.c — fuzz target bodies (see targets.h). Plain C, no libFuzzer
 * dependency: the same code runs under libFuzzer and in the cmocka
 * regression test, so a crash found once stays a test forever. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fairq/config.h"
#include "fairq/proto.h"
#include "fairq/store.h"
#include "targets.h"

/* A failed property: report what and where, then abort so that libFuzzer
 * saves the input and the regression test fails. */
#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                    \
            abort();                                                              \
        }                                                                         \
    } while (0)

/* LeakSanitizer, in the fuzzers and in the regression test: libconfig 1.5
 * leaks the string token its scanner just made (strbuf_append, or calloc in
 * libconfig_yylex for "") when the parser then hits a syntax error: bison
 * drops the token without freeing it, and config_destroy cannot reach it
 * (fq_config_load does call it). Only those two allocation sites inside
 * libconfig's scanner are ignored, so a leak of fairq's own still fails. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:strbuf_append\nleak:libconfig_yylex\n"; }

/* --- proto ------------------------------------------------------------- */

/* A parsed string field is NUL-terminated inside its buffer. */
static bool fuzz_str_ok(const char *s, size_t cap) { return strnlen(s, cap) < cap; }

/* A rejected body must come with a 4xx error whose JSON can be built: the
 * server sends exactly that text, so a NULL here is a 500 to the client. */
static void fuzz_check_error(fq_status st, const fq_proto_error *err)
{
    FUZZ_CHECK(st == FQ_EINVAL);
    FUZZ_CHECK(err->http_status >= 400 && err->http_status < 500);
    FUZZ_CHECK(fuzz_str_ok(err->code, sizeof err->code) && err->code[0]);
    FUZZ_CHECK(fuzz_str_ok(err->message, sizeof err->message) && err->message[0]);
    char *text = fq_proto_error_json(err);
    FUZZ_CHECK(text != NULL);
    /* ... and it reads back as the error that was set. */
    json_t *v = json_loads(text, 0, NULL);
    FUZZ_CHECK(v != NULL);
    const char *code = NULL, *message = NULL;
    FUZZ_CHECK(json_unpack(v, "{s:{s:s,s:s}}", "error", "code", &code, "message", &message) == 0);
    FUZZ_CHECK(!strcmp(code, err->code));
    FUZZ_CHECK(message[0] != '\0');
    json_decref(v);
    free(text);
}

int fq_fuzz_proto(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);

    fq_proto_error err;
    fq_status st;

    fq_req_issue issue;
    memset(&err, 0, sizeof err);
    st = fq_proto_parse_issue(body, size, &issue, &err);
    if (st == FQ_OK) {
        FUZZ_CHECK(fuzz_str_ok(issue.service, sizeof issue.service) && issue.service[0]);
        FUZZ_CHECK(fuzz_str_ok(issue.klass, sizeof issue.klass));
        FUZZ_CHECK(fuzz_str_ok(issue.reason, sizeof issue.reason));
        FUZZ_CHECK(issue.has_class == (issue.klass[0] != '\0'));
        FUZZ_CHECK(issue.has_reason == (issue.reason[0] != '\0'));
    } else {
        fuzz_check_error(st, &err);
    }

    fq_req_transfer transfer;
    memset(&err, 0, sizeof err);
    st = fq_proto_parse_transfer(body, size, &transfer, &err);
    if (st == FQ_OK)
        FUZZ_CHECK(fuzz_str_ok(transfer.service, sizeof transfer.service) &&
                   transfer.service[0]);
    else
        fuzz_check_error(st, &err);

    fq_req_call call;
    memset(&err, 0, sizeof err);
    st = fq_proto_parse_call(body, size, &call, &err);
    if (st == FQ_OK) {
        FUZZ_CHECK(fuzz_str_ok(call.number, sizeof call.number) && call.number[0]);
        FUZZ_CHECK(fuzz_str_ok(call.reason, sizeof call.reason));
        size_t n = strlen(call.reason);
        FUZZ_CHECK(n >= 1 && n <= FQ_CALL_REASON_MAX);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)call.reason[i] >= 0x20 && call.reason[i] != 0x7f);
    } else {
        fuzz_check_error(st, &err);
    }

    fq_req_auth auth;
    memset(&err, 0, sizeof err);
    st = fq_proto_parse_auth(body, size, &auth, &err);
    if (st == FQ_OK)
        FUZZ_CHECK(fuzz_str_ok(auth.token, sizeof auth.token) && auth.token[0]);
    else
        fuzz_check_error(st, &err);

    memset(&err, 0, sizeof err);
    st = fq_proto_parse_empty(body, size, &err);
    if (st != FQ_OK)
        fuzz_check_error(st, &err);

    /* Whatever the parsers said, the UTF-8 check must agree with itself on
     * every prefix that ends at a character boundary of a valid body. */
    if (fq_proto_utf8_valid(body, size) && size > 0) {
        size_t cut = size - 1;
        while (cut > 0 && ((unsigned char)body[cut] & 0xc0) == 0x80)
            cut--;
        FUZZ_CHECK(fq_proto_utf8_valid(body, cut));
    }

    free(body);
    return 0;
}

/* --- config ------------------------------------------------------------ */

static char fuzz_cfg_path[64];

/* Picks the file name once per process (mkstemp), then removes the file: it
 * only exists while an input is being loaded, so runs that end abruptly
 * (libFuzzer's fork jobs, crashes) leave nothing behind in /tmp. */
static bool fuzz_cfg_name(void)
{
    if (fuzz_cfg_path[0])
        return true;
    char tmpl[] = "/tmp/fairq-fuzz-cfg-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return false;
    close(fd);
    unlink(tmpl);
    memcpy(fuzz_cfg_path, tmpl, sizeof tmpl);
    return true;
}

/* Writes the input to the file; O_EXCL | O_NOFOLLOW so that nothing planted
 * under the name in between is followed or overwritten. */
static bool fuzz_cfg_write(const uint8_t *data, size_t size)
{
    int fd = open(fuzz_cfg_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (close(fd) != 0 || done != size) {
        unlink(fuzz_cfg_path);
        return false;
    }
    return true;
}

static bool fuzz_has(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (!memcmp(data + i, needle, n))
            return true;
    return false;
}

int fq_fuzz_config(const uint8_t *data, size_t size)
{
    if (fuzz_has(data, size, "@include") || !fuzz_cfg_name() || !fuzz_cfg_write(data, size))
        return 0;

    /* Heap-allocated: an fq_config is large, and ASan then checks its bounds. */
    fq_config *cfg = malloc(sizeof *cfg);
    char err[512];
    if (!cfg) {
        unlink(fuzz_cfg_path);
        return 0;
    }
    err[0] = 'x'; /* the loader must overwrite it, either way */
    fq_status st = fq_config_load(fuzz_cfg_path, cfg, err, sizeof err);
    unlink(fuzz_cfg_path);
    FUZZ_CHECK(fuzz_str_ok(err, sizeof err));
    if (st == FQ_OK) {
        FUZZ_CHECK(err[0] == '\0');
        const fq_sched_cfg *s = &cfg->sched;
        FUZZ_CHECK(s->n_classes >= 1 && s->n_classes <= FQ_MAX_CLASSES);
        FUZZ_CHECK(s->n_services >= 1 && s->n_services <= FQ_MAX_SERVICES);
        FUZZ_CHECK(s->n_counters >= 0 && s->n_counters <= FQ_MAX_COUNTERS);
        FUZZ_CHECK(s->number_width >= 1 && s->number_width <= 6);
        for (int k = 0; k < s->n_classes; k++) {
            FUZZ_CHECK(s->classes[k].weight > 0);
            FUZZ_CHECK(s->classes[k].n_reasons >= 0 &&
                       s->classes[k].n_reasons <= FQ_MAX_REASONS);
            FUZZ_CHECK(fq_config_class(s, s->classes[k].id) == k);
        }
        for (int i = 0; i < s->n_services; i++)
            FUZZ_CHECK(fq_config_service(s, s->services[i].id) == i);
        for (int c = 0; c < s->n_counters; c++)
            FUZZ_CHECK(fq_config_counter(s, s->counters[c].id) == c);
        char lint[2048];
        lint[0] = '\0';
        int n = fq_config_lint(cfg, lint, sizeof lint);
        FUZZ_CHECK(n >= 0);
        FUZZ_CHECK(fuzz_str_ok(lint, sizeof lint));
        /* A config that loads must give an engine: the server does exactly this. */
        fq_engine *e = fq_engine_new(s);
        FUZZ_CHECK(e != NULL);
        fq_engine_free(e);
    } else {
        FUZZ_CHECK(st == FQ_ECONFIG || st == FQ_EIO);
        FUZZ_CHECK(err[0] != '\0');
    }
    free(cfg);
    return 0;
}

/* --- event ------------------------------------------------------------- */

static bool fuzz_event_equal(const fq_event *a, const fq_event *b)
{
    return a->type == b->type && a->at == b->at && a->ticket == b->ticket &&
           a->counter == b->counter && a->service == b->service && a->klass == b->klass &&
           a->reason == b->reason && a->state == b->state && a->number == b->number &&
           a->estimate_s == b->estimate_s && a->day == b->day && a->seed == b->seed &&
           a->manual == b->manual && !memcmp(a->key, b->key, sizeof a->key) &&
           !strncmp(a->note, b->note, sizeof a->note);
}

/* Every fuzzer run uses the same configuration; building it once keeps the
 * target fast (an fq_config is tens of kilobytes). */
static const fq_sched_cfg *fuzz_event_cfg(void)
{
    static fq_config cfg;
    static bool ready;
    if (!ready) {
        fq_config_defaults(&cfg);
        ready = true;
    }
    return &cfg.sched;
}

int fq_fuzz_event(const uint8_t *data, size_t size)
{
    const fq_sched_cfg *cfg = fuzz_event_cfg();
    char *bytes = malloc(size ? size : 1);
    if (!bytes)
        return 0;
    if (size)
        memcpy(bytes, data, size);

    fq_event ev;
    fq_status st = fq_event_decode(cfg, bytes, size, &ev);
    FUZZ_CHECK(st == FQ_OK || st == FQ_ECORRUPT);
    if (st == FQ_OK) {
        char buf1[2048], buf2[2048];
        int n1 = fq_event_encode(cfg, &ev, buf1, sizeof buf1);
        FUZZ_CHECK(n1 > 0 && (size_t)n1 < sizeof buf1);
        fq_event again;
        FUZZ_CHECK(fq_event_decode(cfg, buf1, (size_t)n1, &again) == FQ_OK);
        FUZZ_CHECK(fuzz_event_equal(&ev, &again));
        int n2 = fq_event_encode(cfg, &again, buf2, sizeof buf2);
        FUZZ_CHECK(n2 == n1 && !memcmp(buf1, buf2, (size_t)n1));
        /* Too small a buffer is refused, never overrun. */
        char small[16];
        FUZZ_CHECK(n1 < (int)sizeof small ||
                   fq_event_encode(cfg, &ev, small, sizeof small) == FQ_ELIMIT);
    }
    free(bytes);
    return 0;
}
