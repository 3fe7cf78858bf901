/* test_proto.c — the wire module: strict request parsing, UTF-8 checking,
 * time formats, the staff and holder views, and the public display view
 * (which must never carry a class, a reason or a wait). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fairq/config.h"
#include "fairq/display.h"
#include "fairq/engine.h"
#include "fairq/proto.h"

#define S(lit) lit, sizeof(lit) - 1

/* --- UTF-8 ------------------------------------------------------------- */

static void test_utf8(void **state)
{
    (void)state;
    assert_true(fq_proto_utf8_valid(S("plain ascii")));
    assert_true(fq_proto_utf8_valid(S("\xe4\xb8\xad\xe6\x96\x87")));        /* 中文 */
    assert_true(fq_proto_utf8_valid(S("\xf0\x9f\x98\x80")));                /* U+1F600 */
    assert_false(fq_proto_utf8_valid(S("\xc3\x28")));                       /* bad continuation */
    assert_false(fq_proto_utf8_valid(S("\xc0\xaf")));                       /* overlong '/' */
    assert_false(fq_proto_utf8_valid(S("\xe0\x80\xaf")));                   /* overlong, 3 bytes */
    assert_false(fq_proto_utf8_valid(S("\xed\xa0\x80")));                   /* surrogate */
    assert_false(fq_proto_utf8_valid(S("\xf4\x90\x80\x80")));               /* > U+10FFFF */
    assert_false(fq_proto_utf8_valid(S("abc\xe4\xb8")));                    /* truncated */
    assert_false(fq_proto_utf8_valid(S("\x80")));                           /* lone continuation */
    assert_false(fq_proto_utf8_valid(S("\xff")));
}

/* --- request parsing --------------------------------------------------- */

static void expect_error(fq_status st, const fq_proto_error *err, const char *code)
{
    assert_int_equal(st, FQ_EINVAL);
    assert_int_equal(err->http_status, 400);
    assert_string_equal(err->code, code);
    assert_true(strlen(err->message) > 0);
}

static void test_issue_ok(void **state)
{
    fq_req_issue r;
    fq_proto_error err;
    (void)state;

    assert_int_equal(fq_proto_parse_issue(S("{\"service\":\"A\"}"), &r, &err), FQ_OK);
    assert_string_equal(r.service, "A");
    assert_false(r.has_class);
    assert_false(r.has_reason);

    assert_int_equal(fq_proto_parse_issue(S(" {\"service\":\"B\",\"class\":\"priority\",\"reason\":\"elderly\"}\n"),
                                          &r, &err),
                     FQ_OK);
    assert_string_equal(r.service, "B");
    assert_true(r.has_class);
    assert_string_equal(r.klass, "priority");
    assert_true(r.has_reason);
    assert_string_equal(r.reason, "elderly");

    /* null means absent */
    assert_int_equal(fq_proto_parse_issue(S("{\"service\":\"A\",\"class\":null,\"reason\":null}"), &r, &err),
                     FQ_OK);
    assert_false(r.has_class);
    assert_false(r.has_reason);
}

static void test_issue_rejects(void **state)
{
    fq_req_issue r;
    fq_proto_error err;
    char big[64];
    (void)state;

    expect_error(fq_proto_parse_issue(S(""), &r, &err), &err, "bad_request");
    expect_error(fq_proto_parse_issue(S("[]"), &r, &err), &err, "bad_request");
    expect_error(fq_proto_parse_issue(S("\"A\""), &r, &err), &err, "bad_request");
    expect_error(fq_proto_parse_issue(S("{\"service\":"), &r, &err), &err, "invalid_json");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\"} x"), &r, &err), &err, "invalid_json");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\",\"service\":\"B\"}"), &r, &err), &err,
                 "invalid_json");
    expect_error(fq_proto_parse_issue(S("{}"), &r, &err), &err, "missing_field");
    expect_error(fq_proto_parse_issue(S("{\"service\":null}"), &r, &err), &err, "invalid_type");
    expect_error(fq_proto_parse_issue(S("{\"service\":1}"), &r, &err), &err, "invalid_type");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\",\"class\":true}"), &r, &err), &err,
                 "invalid_type");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\",\"klass\":\"vip\"}"), &r, &err), &err,
                 "unknown_field");
    assert_non_null(strstr(err.message, "klass"));
    expect_error(fq_proto_parse_issue(S("{\"service\":\"\"}"), &r, &err), &err, "invalid_value");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\\u0000\"}"), &r, &err), &err,
                 "invalid_json");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"A\\n\"}"), &r, &err), &err, "invalid_value");
    expect_error(fq_proto_parse_issue(S("{\"service\":\"\xc3\x28\"}"), &r, &err), &err,
                 "invalid_utf8");
    snprintf(big, sizeof(big), "{\"service\":\"%s\"}", "0123456789012345678901234567890123");
    expect_error(fq_proto_parse_issue(big, strlen(big), &r, &err), &err, "too_long");
    /* depth 4 is fine syntactically (but a type error); depth 5 is refused before parsing */
    expect_error(fq_proto_parse_issue(S("{\"service\":[[[1]]]}"), &r, &err), &err, "invalid_type");
    expect_error(fq_proto_parse_issue(S("{\"service\":[[[[1]]]]}"), &r, &err), &err, "too_deep");
    /* brackets inside strings do not count */
    assert_int_equal(fq_proto_parse_issue(S("{\"service\":\"[[[[[[\"}"), &r, &err), FQ_OK);
}

static void test_call_and_others(void **state)
{
    fq_req_call c;
    fq_req_transfer t;
    fq_req_auth a;
    fq_proto_error err;
    char body[300];
    (void)state;

    assert_int_equal(fq_proto_parse_call(S("{\"number\":\"A047\",\"reason\":\"needs help\"}"), &c, &err),
                     FQ_OK);
    assert_string_equal(c.number, "A047");
    assert_string_equal(c.reason, "needs help");
    expect_error(fq_proto_parse_call(S("{\"number\":\"A047\"}"), &c, &err), &err, "missing_field");
    expect_error(fq_proto_parse_call(S("{\"number\":\"A047\",\"reason\":\"   \"}"), &c, &err), &err,
                 "invalid_value");
    expect_error(fq_proto_parse_call(S("{\"number\":\"A047\",\"reason\":\"a\\tb\"}"), &c, &err), &err,
                 "invalid_value");
    snprintf(body, sizeof(body), "{\"number\":\"A1\",\"reason\":\"%0120d\"}", 0);
    assert_int_equal(fq_proto_parse_call(body, strlen(body), &c, &err), FQ_OK);
    assert_int_equal(strlen(c.reason), 120);
    snprintf(body, sizeof(body), "{\"number\":\"A1\",\"reason\":\"%0121d\"}", 0);
    expect_error(fq_proto_parse_call(body, strlen(body), &c, &err), &err, "too_long");
    /* multi-byte text is fine */
    assert_int_equal(fq_proto_parse_call(S("{\"number\":\"A1\",\"reason\":\"\xe8\xbd\xae\xe6\xa4\x85\"}"),
                                         &c, &err),
                     FQ_OK);

    assert_int_equal(fq_proto_parse_transfer(S("{\"service\":\"B\"}"), &t, &err), FQ_OK);
    assert_string_equal(t.service, "B");
    expect_error(fq_proto_parse_transfer(S("{\"service\":\"B\",\"counter\":\"1\"}"), &t, &err), &err,
                 "unknown_field");

    assert_int_equal(fq_proto_parse_auth(S("{\"type\":\"auth\",\"token\":\"abc\"}"), &a, &err), FQ_OK);
    assert_string_equal(a.token, "abc");
    expect_error(fq_proto_parse_auth(S("{\"type\":\"hello\",\"token\":\"abc\"}"), &a, &err), &err,
                 "invalid_value");

    assert_int_equal(fq_proto_parse_empty(S(""), &err), FQ_OK);
    assert_int_equal(fq_proto_parse_empty(S(" {} "), &err), FQ_OK);
    expect_error(fq_proto_parse_empty(S("{\"x\":1}"), &err), &err, "unknown_field");
    expect_error(fq_proto_parse_empty(S("null"), &err), &err, "bad_request");
}

static void test_error_json(void **state)
{
    fq_proto_error err;
    char *s;
    (void)state;

    fq_proto_error_set(&err, 409, "conflict", "counter %d is \"closed\"", 3);
    s = fq_proto_error_json(&err);
    assert_non_null(s);
    assert_string_equal(s, "{\"error\":{\"code\":\"conflict\",\"message\":\"counter 3 is \\\"closed\\\"\"}}");
    free(s);

    /* quoting client text may cut a character in two: the error stays valid UTF-8 */
    fq_proto_error_set(&err, 400, "unknown_field", "unknown field '%.3s'", "ab\xc3\xa9");
    assert_string_equal(err.message, "unknown field 'ab?'");
    fq_proto_error_set(&err, 400, "invalid_json", "bad %s", "\xed\xa0\x80!");
    assert_string_equal(err.message, "bad ??" "?!");
    s = fq_proto_error_json(&err);
    assert_non_null(s);
    free(s);
}

static void test_times(void **state)
{
    char t[FQ_TIME_LEN], d[FQ_DAY_LEN];
    (void)state;

    assert_string_equal(fq_proto_time(0, t), "1970-01-01T00:00:00.000Z");
    assert_string_equal(fq_proto_time(1795425489746, t), "2026-11-23T09:18:09.746Z");
    assert_string_equal(fq_proto_time(951782400001, t), "2000-02-29T00:00:00.001Z");
    assert_string_equal(fq_proto_day(20261123, d), "2026-11-23");
    assert_string_equal(fq_proto_day(20000101, d), "2000-01-01");
}

/* --- views and the display --------------------------------------------- */

typedef struct world {
    fq_config cfg;
    fq_engine *e;
    fq_evbuf ev;
} world;

static int world_setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    fq_command c;

    assert_non_null(w);
    fq_config_defaults(&w->cfg);
    w->cfg.sched.retain_finished = true;
    w->e = fq_engine_new(&w->cfg.sched);
    assert_non_null(w->e);
    c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = 20261123;
    c.seed = 7;
    assert_int_equal(fq_engine_exec(w->e, &c, 1000, NULL), FQ_OK);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    world *w = *state;
    fq_evbuf_free(&w->ev);
    fq_engine_free(w->e);
    free(w);
    return 0;
}

/* Runs a command, feeding its events to the display view; returns the
 * number of display messages, which go to out. */
static int run(world *w, fq_display_view *v, const fq_command *c, fq_time now, fq_display_msg *out,
               int cap)
{
    int n = 0;

    fq_evbuf_clear(&w->ev);
    assert_int_equal(fq_engine_decide(w->e, c, now, &w->ev), FQ_OK);
    for (size_t i = 0; i < w->ev.n; i++) {
        fq_display_msg m[FQ_DISPLAY_MAX_MSGS];
        int k;
        assert_int_equal(fq_engine_apply(w->e, &w->ev.v[i]), FQ_OK);
        k = fq_display_on_event(v, w->e, &w->ev.v[i], m);
        for (int j = 0; j < k && n < cap; j++)
            out[n++] = m[j];
    }
    if (n < cap && fq_display_on_batch_end(v, w->e, &out[n]))
        n++;
    return n;
}

static fq_command issue_cmd(world *w, const char *klass, const char *service, int reason, uint8_t tag)
{
    fq_command c = fq_command_init(FQ_CMD_ISSUE);
    c.klass = fq_config_class(&w->cfg.sched, klass);
    c.service = fq_config_service(&w->cfg.sched, service);
    c.reason = reason;
    memset(c.key, tag, FQ_KEY_LEN);
    return c;
}

static fq_command counter_cmd(fq_cmd_type t, int counter)
{
    fq_command c = fq_command_init(t);
    c.counter = counter;
    return c;
}

/* Every key of the JSON object text is in fq_display_keys, and no status
 * word appears in it. */
static void assert_neutral(const char *text)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    const char *key;
    json_t *val;
    static const char *const words[] = {"vip", "priority", "regular", "elderly", "disabled",
                                        "pregnant", "class", "reason", "wait_s", "weight"};

    assert_non_null(o);
    json_object_foreach(o, key, val) {
        bool ok = false;
        for (const char *const *k = fq_display_keys; *k; k++)
            ok = ok || !strcmp(*k, key);
        if (!ok)
            fail_msg("display key '%s' is not allowed in %s", key, text);
    }
    for (size_t i = 0; i < FQ_ARRAY_LEN(words); i++)
        if (strstr(text, words[i]))
            fail_msg("'%s' leaks into %s", words[i], text);
    json_decref(o);
}

static void test_display_stream(void **state)
{
    world *w = *state;
    fq_display_view v;
    fq_display_msg m[8];
    fq_command c;
    char *text;
    size_t len;
    int n;

    fq_display_init(&v, 3);
    fq_display_rebuild(&v, w->e);
    assert_int_equal(v.day, 20261123);
    assert_int_equal(v.waiting, 0);

    c = issue_cmd(w, "vip", "A", FQ_NONE, 1);
    n = run(w, &v, &c, 2000, m, 8);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].type, FQ_DMSG_WAITING);
    assert_int_equal(m[0].waiting, 1);
    c = issue_cmd(w, "priority", "A", 0, 2);
    run(w, &v, &c, 3000, m, 8);
    c = issue_cmd(w, "regular", "B", FQ_NONE, 3);
    run(w, &v, &c, 4000, m, 8);
    assert_int_equal(v.waiting, 3);

    c = counter_cmd(FQ_CMD_OPEN, 0);
    assert_int_equal(run(w, &v, &c, 5000, m, 8), 0); /* counters are not news for the lobby */
    c = counter_cmd(FQ_CMD_NEXT, 0);
    n = run(w, &v, &c, 6000, m, 8);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].type, FQ_DMSG_CALL);
    assert_false(m[0].recall);
    assert_string_equal(m[0].counter, "1");
    assert_int_equal(m[0].at, 6000);
    assert_int_equal(m[1].type, FQ_DMSG_WAITING);
    assert_int_equal(m[1].waiting, 2);
    for (int i = 0; i < n; i++) {
        text = fq_display_msg_json(&m[i], 41 + (uint64_t)i, &len);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        assert_neutral(text);
        free(text);
    }
    text = fq_display_msg_json(&m[0], 41, NULL);
    assert_non_null(strstr(text, "\"type\":\"call\",\"seq\":41,\"number\":\"A"));
    assert_non_null(strstr(text, "\"at\":\"1970-01-01T00:00:06.000Z\",\"recall\":false}"));
    free(text);

    c = counter_cmd(FQ_CMD_RECALL, 0);
    n = run(w, &v, &c, 7000, m, 8);
    assert_int_equal(n, 1);
    assert_true(m[0].recall);
    assert_int_equal(v.n_calls, 1); /* a recall moves the number up, never duplicates it */

    c = counter_cmd(FQ_CMD_NO_SHOW, 0);
    n = run(w, &v, &c, 8000, m, 8);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].type, FQ_DMSG_CLEAR);
    assert_int_equal(v.n_calls, 0);
    text = fq_display_msg_json(&m[0], 1, NULL);
    assert_neutral(text);
    free(text);

    /* complete does not clear: the call stays in the history */
    c = counter_cmd(FQ_CMD_NEXT, 0);
    run(w, &v, &c, 9000, m, 8);
    c = counter_cmd(FQ_CMD_COMPLETE, 0);
    assert_int_equal(run(w, &v, &c, 10000, m, 8), 0);
    c = counter_cmd(FQ_CMD_NEXT, 0);
    run(w, &v, &c, 11000, m, 8);
    assert_int_equal(v.n_calls, 2);
    assert_true(v.calls[0].at > v.calls[1].at);
    assert_int_equal(v.waiting, 0);

    text = fq_display_snapshot_json(&v, 99, &len);
    assert_non_null(text);
    assert_neutral(text);
    assert_non_null(strstr(text, "\"type\":\"snapshot\",\"seq\":99,\"day\":\"2026-11-23\",\"calls\":[{"));
    free(text);

    /* a rebuild after restart shows the ticket still called, not the finished one */
    {
        fq_display_view r;
        fq_display_init(&r, 3);
        fq_display_rebuild(&r, w->e);
        assert_int_equal(r.n_calls, 1);
        assert_string_equal(r.calls[0].number, v.calls[0].number);
    }

    /* a new day clears the screen */
    c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = 20261124;
    c.seed = 1;
    n = run(w, &v, &c, 86400000, m, 8);
    assert_true(n >= 1);
    assert_int_equal(m[n - 1].type, FQ_DMSG_DAY);
    assert_int_equal(v.n_calls, 0);
}

static void test_history_cap(void **state)
{
    world *w = *state;
    fq_display_view v;
    fq_display_msg m[8];
    fq_command c;

    fq_display_init(&v, 2);
    c = counter_cmd(FQ_CMD_OPEN, 1);
    run(w, &v, &c, 2000, m, 8);
    for (int i = 0; i < 4; i++) {
        c = issue_cmd(w, "regular", "A", FQ_NONE, (uint8_t)(10 + i));
        run(w, &v, &c, 3000 + i, m, 8);
    }
    for (int i = 0; i < 4; i++) {
        c = counter_cmd(FQ_CMD_NEXT, 1);
        run(w, &v, &c, 5000 + i * 10, m, 8);
    }
    assert_int_equal(v.n_calls, 2);
    assert_int_equal(v.calls[0].at, 5030);
    assert_int_equal(v.calls[1].at, 5020);
    fq_display_init(&v, 100);
    assert_int_equal(v.history, FQ_DISPLAY_MAX_HISTORY);
}

static void test_views(void **state)
{
    world *w = *state;
    fq_display_view v;
    fq_display_msg m[8];
    const fq_ticket *t;
    fq_command c;
    json_t *o;
    fq_proto_alarm alarm = {false, 0, 0};

    fq_display_init(&v, 6);
    c = issue_cmd(w, "priority", "B", 2, 0x55);
    c.estimate_s = 321;
    run(w, &v, &c, 5000, m, 8);
    t = fq_engine_ticket(w->e, w->ev.v[0].ticket);
    assert_non_null(t);

    o = fq_proto_issued(w->e, t, "00112233445566778899aabbccddeeff");
    assert_non_null(o);
    assert_null(json_object_get(o, "class"));
    assert_string_equal(json_string_value(json_object_get(o, "status_url")),
                        "/t/00112233445566778899aabbccddeeff");
    assert_int_equal(json_integer_value(json_object_get(o, "estimated_wait_s")), 321);
    assert_string_equal(json_string_value(json_object_get(o, "issued_at")), "1970-01-01T00:00:05.000Z");
    json_decref(o);

    o = fq_proto_ticket_public(w->e, t, 9000);
    assert_int_equal(json_object_size(o), 7);
    assert_null(json_object_get(o, "class"));
    assert_null(json_object_get(o, "reason"));
    assert_string_equal(json_string_value(json_object_get(o, "status")), "waiting");
    assert_true(json_is_null(json_object_get(o, "counter")));
    assert_true(json_is_null(json_object_get(o, "called_at")));
    assert_true(json_is_integer(json_object_get(o, "estimated_wait_s")));
    json_decref(o);

    o = fq_proto_ticket_staff(w->e, t, 9000);
    assert_string_equal(json_string_value(json_object_get(o, "class")), "priority");
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "pregnant");
    assert_int_equal(json_integer_value(json_object_get(o, "wait_s")), 4);
    json_decref(o);

    o = fq_proto_queue(w->e, 9000, &alarm);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "policy")), "accumulating");
    assert_true(json_array_size(json_object_get(o, "tickets")) >= 1);
    assert_int_equal(json_array_size(json_object_get(o, "counters")), (size_t)w->cfg.sched.n_counters);
    assert_int_equal(json_array_size(json_object_get(o, "alarms")), 0);
    json_decref(o);

    o = fq_proto_event(w->e, &w->ev.v[0]);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "issued");
    assert_string_equal(json_string_value(json_object_get(o, "class")), "priority");
    assert_string_equal(json_string_value(json_object_get(o, "service")), "B");
    json_decref(o);

    o = fq_proto_info(&w->cfg);
    assert_non_null(o);
    /* vip is staff-only in the defaults: not offered to kiosks */
    assert_int_equal(json_array_size(json_object_get(o, "kiosk_classes")), 2);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_issue_ok),
        cmocka_unit_test(test_issue_rejects),
        cmocka_unit_test(test_call_and_others),
        cmocka_unit_test(test_error_json),
        cmocka_unit_test(test_times),
        cmocka_unit_test_setup_teardown(test_display_stream, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_history_cap, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_views, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
