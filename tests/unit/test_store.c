/* test_store.c — the event log on real files: canonical bytes, append and
 * read back, reopen, migrations, version refusal, tampering, foreign files,
 * the exclusive lock, and `fairq verify`'s exit codes with the real binary.
 *
 * The chain is checked against an independent SHA-256 (OpenSSL's one-shot
 * EVP_Digest), and tampering is done with plain SQLite, as an attacker would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "fairq/store.h"
#include "store/codec.h"
#include "store/schema.h"

/* --- helpers --------------------------------------------------------------- */


static int setup_dir(void **state)
{
    return setup_dir_named(state, "fq_store");
}


/* The definition from docs/audit.md, computed without the store's code. */
static void ref_hash(const char *prev, const char *data, size_t len, char out[65])
{
    unsigned char buf[4096], md[32];
    unsigned n = 0;
    assert_true(64 + len <= sizeof buf);
    memcpy(buf, prev, 64);
    memcpy(buf + 64, data, len);
    assert_int_equal(EVP_Digest(buf, 64 + len, md, &n, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void sql(const char *file, const char *stmt)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, stmt, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", stmt, msg ? msg : "?");
    sqlite3_close(db);
}

static int64_t sql_int(const char *file, const char *query)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, query, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* A store driven like the server drives it: decide, commit, then apply. */
typedef struct rig {
    fq_sched_cfg cfg;
    fq_engine *e;
    fq_store *s;
    fq_evbuf buf;
    fq_time now;
} rig;

static fq_status rig_do(rig *r, fq_command *c)
{
    fq_evbuf_clear(&r->buf);
    fq_status st = fq_engine_decide(r->e, c, r->now, &r->buf);
    if (st)
        return st;
    st = fq_store_append(r->s, &r->cfg, r->buf.v, r->buf.n);
    if (st)
        return st;
    for (size_t i = 0; i < r->buf.n; i++)
        assert_int_equal(fq_engine_apply(r->e, &r->buf.v[i]), FQ_OK);
    return FQ_OK;
}

static void rig_open(rig *r, const char *file)
{
    memset(r, 0, sizeof *r);
    r->cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    r->e = fq_engine_new(&r->cfg);
    assert_non_null(r->e);
    char err[256];
    fq_status st = fq_store_open(file, "normal", FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, &r->s,
                                 err, sizeof err);
    if (st)
        fail_msg("open: %s", err);
    r->now = T0;
}

static void rig_close(rig *r)
{
    fq_store_close(r->s);
    fq_engine_free(r->e);
    fq_evbuf_free(&r->buf);
}

static void cmd_counter(rig *r, fq_cmd_type t, int counter)
{
    fq_command c = fq_command_init(t);
    c.counter = counter;
    assert_int_equal(rig_do(r, &c), FQ_OK);
}

static uint64_t cmd_issue(rig *r, int klass, int service, int reason)
{
    fq_command c = fq_command_init(FQ_CMD_ISSUE);
    c.klass = klass;
    c.service = service;
    c.reason = reason;
    c.estimate_s = 120 + klass;
    for (int i = 0; i < FQ_KEY_LEN; i++)
        c.key[i] = (uint8_t)(fq_engine_last_seq(r->e) * 31 + (uint64_t)i);
    assert_int_equal(rig_do(r, &c), FQ_OK);
    return fq_engine_last_seq(r->e);
}

static void cmd_day(rig *r, int32_t day, uint64_t seed)
{
    fq_command c = fq_command_init(FQ_CMD_BEGIN_DAY);
    c.day = day;
    c.seed = seed;
    assert_int_equal(rig_do(r, &c), FQ_OK);
}

/* A day with every kind of event: issue, next, recall, start, transfer,
 * manual call, no-show, cancel, complete, counter changes, the alarm. */
static void scenario(rig *r, int32_t day)
{
    cmd_day(r, day, 7);
    for (int c = 0; c < 3; c++)
        cmd_counter(r, FQ_CMD_OPEN, c);
    uint64_t a = cmd_issue(r, REG, SVC_A, FQ_NONE);
    r->now += SEC(10);
    uint64_t b = cmd_issue(r, PRI, SVC_A, 1);
    r->now += SEC(10);
    uint64_t c = cmd_issue(r, VIP, SVC_B, FQ_NONE);
    uint64_t d = cmd_issue(r, REG, SVC_B, FQ_NONE);
    uint64_t x = cmd_issue(r, REG, SVC_A, FQ_NONE);
    r->now += SEC(30);
    cmd_counter(r, FQ_CMD_NEXT, 1); /* counter "2" serves A */
    uint64_t at1 = fq_engine_counter_ticket(r->e, 1);
    assert_true(at1 == a || at1 == b);
    r->now += SEC(5);
    cmd_counter(r, FQ_CMD_RECALL, 1);
    cmd_counter(r, FQ_CMD_START, 1);
    r->now += SEC(60);
    fq_command t = fq_command_init(FQ_CMD_TRANSFER);
    t.counter = 1;
    t.service = SVC_B;
    assert_int_equal(rig_do(r, &t), FQ_OK);
    /* a manual call by number, with a note that needs escaping */
    const fq_ticket *tx = fq_engine_ticket(r->e, x);
    assert_non_null(tx);
    fq_command m = fq_command_init(FQ_CMD_CALL);
    m.counter = 1;
    m.number_service = SVC_A;
    m.number = tx->number;
    snprintf(m.note, sizeof m.note, "asked \"again\"\nat desk\\2");
    assert_int_equal(rig_do(r, &m), FQ_OK);
    r->now += SEC(20);
    cmd_counter(r, FQ_CMD_NO_SHOW, 1);
    cmd_counter(r, FQ_CMD_NEXT, 2); /* counter "3" serves B */
    r->now += SEC(5);
    cmd_counter(r, FQ_CMD_START, 2);
    r->now += SEC(200);
    cmd_counter(r, FQ_CMD_COMPLETE, 2);
    fq_command k = fq_command_init(FQ_CMD_CANCEL);
    k.ticket = d == fq_engine_counter_ticket(r->e, 2) ? c : d;
    if (fq_engine_ticket(r->e, k.ticket)->status == FQ_T_WAITING)
        assert_int_equal(rig_do(r, &k), FQ_OK);
    cmd_counter(r, FQ_CMD_PAUSE, 0);
    r->now += SEC(3600); /* past every starvation limit */
    fq_command tick = fq_command_init(FQ_CMD_TICK);
    assert_int_equal(rig_do(r, &tick), FQ_OK);
    cmd_counter(r, FQ_CMD_NEXT, 1);
    (void)b;
}

typedef struct collect {
    size_t n;
    uint64_t seqs[4096];
    char prev[65];
    bool chain_ok;
} collect;

static bool collect_row(const fq_store_row *row, void *ctx)
{
    collect *c = ctx;
    char want[65];
    ref_hash(row->prev_hash, row->data, row->len, want);
    if (strncmp(row->prev_hash, c->prev, 64) || strcmp(want, row->hash))
        c->chain_ok = false;
    memcpy(c->prev, row->hash, 65);
    if (c->n < 4096)
        c->seqs[c->n++] = row->seq;
    return true;
}

/* --- codec ----------------------------------------------------------------- */

static void expect_bytes(const fq_sched_cfg *cfg, const fq_event *ev, const char *want)
{
    char buf[FQ_EVENT_MAX_BYTES];
    int n = fq_event_encode(cfg, ev, buf, sizeof buf);
    assert_true(n > 0);
    assert_string_equal(buf, want);
    assert_int_equal((size_t)n, strlen(want));
    /* and back: decode gives the same fields, encode the same bytes */
    fq_event back;
    assert_int_equal(fq_event_decode(cfg, buf, (size_t)n, &back), FQ_OK);
    char again[FQ_EVENT_MAX_BYTES];
    assert_int_equal(fq_event_encode(cfg, &back, again, sizeof again), n);
    assert_string_equal(again, want);
    assert_int_equal(back.type, ev->type);
    assert_true(back.at == ev->at);
}

static void test_codec_canonical_bytes(void **state)
{
    (void)state;
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);

    fq_event ev = fq_event_init(FQ_EV_ISSUED, 1795000000123);
    ev.ticket = 7;
    ev.klass = PRI;
    ev.service = SVC_A;
    ev.reason = 1;
    ev.number = 47;
    ev.estimate_s = 300;
    for (int i = 0; i < FQ_KEY_LEN; i++)
        ev.key[i] = (uint8_t)(i * 17);
    expect_bytes(&cfg, &ev,
                 "{\"type\":\"issued\",\"at\":1795000000123,\"ticket\":7,\"class\":\"priority\","
                 "\"service\":\"A\",\"reason\":\"disabled\",\"number\":\"A047\","
                 "\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":300}");
    fq_event back;
    char buf[FQ_EVENT_MAX_BYTES];
    int n = fq_event_encode(&cfg, &ev, buf, sizeof buf);
    assert_int_equal(fq_event_decode(&cfg, buf, (size_t)n, &back), FQ_OK);
    assert_true(back.ticket == 7 && back.klass == PRI && back.service == SVC_A &&
                back.reason == 1 && back.number == 47 && back.estimate_s == 300 &&
                back.counter == FQ_NONE && !memcmp(back.key, ev.key, FQ_KEY_LEN));

    ev.klass = REG;
    ev.reason = FQ_NONE;
    ev.number = 1234; /* past the width the number grows */
    ev.estimate_s = -1;
    expect_bytes(&cfg, &ev,
                 "{\"type\":\"issued\",\"at\":1795000000123,\"ticket\":7,\"class\":\"regular\","
                 "\"service\":\"A\",\"number\":\"A1234\","
                 "\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":-1}");

    fq_event call = fq_event_init(FQ_EV_CALLED, 5);
    call.ticket = 7;
    call.counter = 1;
    expect_bytes(&cfg, &call, "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\"}");
    call.manual = true;
    snprintf(call.note, sizeof call.note, "say \"hi\"\n\\\x01");
    expect_bytes(&cfg, &call,
                 "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
                 "\"note\":\"say \\\"hi\\\"\\u000a\\\\\\u0001\"}");
    assert_int_equal(fq_event_encode(&cfg, &call, buf, sizeof buf) > 0, 1);
    assert_int_equal(fq_event_decode(&cfg, buf, strlen(buf), &back), FQ_OK);
    assert_true(back.manual);
    assert_string_equal(back.note, call.note);

    fq_event day = fq_event_init(FQ_EV_DAY, 0);
    day.day = 20260329;
    day.seed = UINT64_MAX;
    day.ticket = 0;
    expect_bytes(&cfg, &day,
                 "{\"type\":\"day\",\"at\":0,\"day\":\"2026-03-29\","
                 "\"seed\":\"18446744073709551615\",\"last_ticket\":0}");
    assert_int_equal(fq_event_encode(&cfg, &day, buf, sizeof buf) > 0, 1);
    assert_int_equal(fq_event_decode(&cfg, buf, strlen(buf), &back), FQ_OK);
    assert_true(back.seed == UINT64_MAX && back.day == 20260329);

    fq_event cnt = fq_event_init(FQ_EV_COUNTER, 1);
    cnt.counter = 2;
    cnt.state = FQ_C_PAUSED;
    expect_bytes(&cfg, &cnt, "{\"type\":\"counter\",\"at\":1,\"counter\":\"3\",\"state\":\"paused\"}");
    fq_event tr = fq_event_init(FQ_EV_TRANSFERRED, 2);
    tr.ticket = 9;
    tr.counter = 0;
    tr.service = SVC_B;
    expect_bytes(&cfg, &tr,
                 "{\"type\":\"transferred\",\"at\":2,\"ticket\":9,\"counter\":\"1\",\"service\":\"B\"}");
    fq_event cl = fq_event_init(FQ_EV_CLOSED, 3);
    cl.ticket = 9;
    expect_bytes(&cfg, &cl, "{\"type\":\"closed\",\"at\":3,\"ticket\":9}");
    cl.counter = 2;
    expect_bytes(&cfg, &cl, "{\"type\":\"closed\",\"at\":3,\"ticket\":9,\"counter\":\"3\"}");
    fq_event off = fq_event_init(FQ_EV_ALARM_OFF, 4);
    expect_bytes(&cfg, &off, "{\"type\":\"alarm_off\",\"at\":4}");

    /* bad events are refused by encode; a short buffer is an error, not a cut */
    fq_event bad = cnt;
    bad.counter = 3;
    assert_int_equal(fq_event_encode(&cfg, &bad, buf, sizeof buf), FQ_EINVAL);
    bad = ev;
    bad.reason = 0; /* regular has no reasons */
    assert_int_equal(fq_event_encode(&cfg, &bad, buf, sizeof buf), FQ_EINVAL);
    bad = day;
    bad.day = 20260230;
    assert_int_equal(fq_event_encode(&cfg, &bad, buf, sizeof buf), FQ_EINVAL);
    assert_true(fq_event_encode(&cfg, &ev, buf, 20) < 0);
}

static void test_codec_rejects(void **state)
{
    (void)state;
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    static const char *const bad[] = {
        "",
        "{}",
        "{\"type\":\"called\", \"at\":5,\"ticket\":7,\"counter\":\"2\"}",   /* space */
        "{\"at\":5,\"type\":\"called\",\"ticket\":7,\"counter\":\"2\"}",    /* order */
        "{\"type\":\"called\",\"at\":5,\"ticket\":7}",                      /* missing */
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"x\":1}", /* extra */
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\"}\n",  /* trailing */
        "{\"type\":\"calls\",\"at\":5,\"ticket\":7,\"counter\":\"2\"}",     /* type */
        "{\"type\":\"called\",\"at\":05,\"ticket\":7,\"counter\":\"2\"}",   /* leading 0 */
        "{\"type\":\"called\",\"at\":-0,\"ticket\":7,\"counter\":\"2\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":0,\"counter\":\"2\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":18446744073709551616,\"counter\":\"2\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"9\"}",    /* unknown id */
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":false}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
        "\"note\":\"a\\nb\"}", /* non-canonical escape */
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
        "\"note\":\"\\u0041\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
        "\"note\":\"\\u0000\"}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
        "\"note\":\"\x01\"}", /* raw control char */
        "{\"type\":\"counter\",\"at\":1,\"counter\":\"3\",\"state\":\"shut\"}",
        "{\"type\":\"day\",\"at\":0,\"day\":\"2026-02-30\",\"seed\":\"1\",\"last_ticket\":0}",
        "{\"type\":\"day\",\"at\":0,\"day\":\"2026-3-29\",\"seed\":\"1\",\"last_ticket\":0}",
        "{\"type\":\"day\",\"at\":0,\"day\":\"2026-03-29\",\"seed\":1,\"last_ticket\":0}",
        "{\"type\":\"day\",\"at\":0,\"day\":\"2026-03-29\",\"seed\":\"1\"}",
        "{\"type\":\"issued\",\"at\":1,\"ticket\":7,\"class\":\"gold\",\"service\":\"A\","
        "\"number\":\"A047\",\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":3}",
        "{\"type\":\"issued\",\"at\":1,\"ticket\":7,\"class\":\"regular\",\"service\":\"A\","
        "\"reason\":\"elderly\",\"number\":\"A047\",\"key\":\"00112233445566778899aabbccddeeff\","
        "\"estimate_s\":3}", /* reason of another class */
        "{\"type\":\"issued\",\"at\":1,\"ticket\":7,\"class\":\"regular\",\"service\":\"A\","
        "\"number\":\"B047\",\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":3}",
        "{\"type\":\"issued\",\"at\":1,\"ticket\":7,\"class\":\"regular\",\"service\":\"A\","
        "\"number\":\"A047\",\"key\":\"00112233445566778899AABBCCDDEEFF\",\"estimate_s\":3}",
        "{\"type\":\"issued\",\"at\":1,\"ticket\":7,\"class\":\"regular\",\"service\":\"A\","
        "\"number\":\"A047\",\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":2147483648}",
        "{\"type\":\"alarm_off\",\"at\":4,\"ticket\":1}",
    };
    for (size_t i = 0; i < FQ_ARRAY_LEN(bad); i++) {
        fq_event ev;
        if (fq_event_decode(&cfg, bad[i], strlen(bad[i]), &ev) != FQ_ECORRUPT)
            fail_msg("accepted: %s", bad[i]);
    }
    /* every proper prefix of a valid event is refused */
    const char *good = "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
                       "\"note\":\"x\"}";
    fq_event ev;
    assert_int_equal(fq_event_decode(&cfg, good, strlen(good), &ev), FQ_OK);
    for (size_t n = 0; n < strlen(good); n++)
        assert_int_equal(fq_event_decode(&cfg, good, n, &ev), FQ_ECORRUPT);
    char why[128] = "";
    assert_int_equal(fq_codec_decode(&cfg, bad[12], strlen(bad[12]), &ev, why, sizeof why),
                     FQ_ECORRUPT);
    assert_non_null(strstr(why, "unknown counter \"9\""));
}

/* Whatever the raw parser accepts, the writer reproduces byte for byte: the
 * bytes are canonical, so two encodings of one event cannot both verify. */
static void test_codec_accepts_only_canonical(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"type\":\"issued\",\"at\":1795000000123,\"ticket\":7,\"class\":\"priority\","
        "\"service\":\"A\",\"reason\":\"disabled\",\"number\":\"A047\","
        "\"key\":\"00112233445566778899aabbccddeeff\",\"estimate_s\":-300}",
        "{\"type\":\"called\",\"at\":5,\"ticket\":7,\"counter\":\"2\",\"manual\":true,"
        "\"note\":\"say \\\"hi\\\"\\u000a\\\\\\u0001\"}",
        "{\"type\":\"day\",\"at\":0,\"day\":\"2026-03-29\",\"seed\":\"9\",\"last_ticket\":10}",
        "{\"type\":\"closed\",\"at\":3,\"ticket\":9,\"counter\":\"3\"}",
        "{\"type\":\"counter\",\"at\":1,\"counter\":\"3\",\"state\":\"open\"}",
    };
    static const char alphabet[] = "{}\":,\\u0123456789abcdefAF-x \n\x01\xc3";
    srand(12345);
    size_t accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        char buf[512], out[FQ_EVENT_MAX_BYTES];
        const char *s = seeds[iter % FQ_ARRAY_LEN(seeds)];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int edits = 1 + rand() % 3;
        for (int k = 0; k < edits; k++) {
            size_t at = (size_t)rand() % (n + 1);
            char ch = alphabet[rand() % (int)(sizeof alphabet - 1)];
            int op = rand() % 3;
            if (op == 0 && at < n) {
                buf[at] = ch;
            } else if (op == 1 && at < n) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            } else if (n + 1 < sizeof buf) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = ch;
                n++;
            }
        }
        fq_raw_event raw;
        if (fq_codec_parse(buf, n, &raw, NULL, 0) != FQ_OK)
            continue;
        accepted++;
        int m = fq_codec_write(&raw, out, sizeof out);
        assert_true(m > 0);
        if ((size_t)m != n || memcmp(out, buf, n))
            fail_msg("accepted a non-canonical form: %.*s", (int)n, buf);
    }
    assert_true(accepted > 100); /* mutations that stay canonical do exist */
}

/* --- append, read back, reopen --------------------------------------------- */

static void test_append_reopen(void **state)
{
    (void)state;
    const char *db = path_of("a.db");
    rig r;
    rig_open(&r, db);
    assert_int_equal(fq_store_schema_version(r.s), FQ_SCHEMA_LATEST);
    uint64_t count = 99;
    char head[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &count, head), FQ_OK);
    assert_true(count == 0);
    assert_string_equal(head, "0000000000000000000000000000000000000000000000000000000000000000");
    scenario(&r, 20261123);
    uint64_t n1;
    char h1[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &n1, h1), FQ_OK);
    assert_true(n1 > 20);

    /* rows are 1..n, data = the canonical bytes, chain per the definition */
    collect c = {.chain_ok = true};
    memcpy(c.prev, "0000000000000000000000000000000000000000000000000000000000000000", 65);
    assert_int_equal(fq_store_each(r.s, 0, 0, collect_row, &c), FQ_OK);
    assert_true(c.n == n1 && c.chain_ok);
    for (size_t i = 0; i < c.n; i++)
        assert_true(c.seqs[i] == i + 1);
    assert_string_equal(c.prev, h1);
    collect part = {.chain_ok = true};
    assert_int_equal(fq_store_each(r.s, 5, 3, collect_row, &part), FQ_OK);
    assert_true(part.n == 3 && part.seqs[0] == 6 && part.seqs[2] == 8);

    uint64_t vn = 0, bad = 0;
    char vh[FQ_HASH_HEX];
    assert_int_equal(fq_store_verify(r.s, &vn, vh, &bad), FQ_OK);
    assert_true(vn == n1);
    assert_string_equal(vh, h1);

    /* the derived tickets table agrees with the engine */
    fq_engine *e = r.e;
    sqlite3 *q = NULL;
    assert_int_equal(sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (uint64_t seq = 1; seq <= fq_engine_last_seq(e); seq++) {
        const fq_ticket *t = fq_engine_ticket(e, seq);
        assert_non_null(t);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(q,
                                            "SELECT outcome, called_at, finished_at, recalls,"
                                            " class, number, counter, day, manual, transfers,"
                                            " last_service FROM tickets WHERE seq = ?",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0),
                            fq_ticket_status_name((fq_ticket_status)t->status));
        assert_true(sqlite3_column_int64(st, 1) == t->called_at);
        assert_true(sqlite3_column_int64(st, 2) == t->finished_at);
        assert_int_equal(sqlite3_column_int(st, 3), t->recalls);
        assert_string_equal((const char *)sqlite3_column_text(st, 4), r.cfg.classes[t->klass].id);
        char num[32];
        fq_engine_format_number(e, t->number_service, t->number, num, sizeof num);
        assert_string_equal((const char *)sqlite3_column_text(st, 5), num);
        if (t->counter != FQ_NONE)
            assert_string_equal((const char *)sqlite3_column_text(st, 6),
                                r.cfg.counters[t->counter].id);
        assert_string_equal((const char *)sqlite3_column_text(st, 7), "2026-11-23");
        assert_string_equal((const char *)sqlite3_column_text(st, 10),
                            r.cfg.services[t->service].id);
        sqlite3_finalize(st);
    }
    sqlite3_close(q);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE manual = 1"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE transfers = 1"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM days"), 1);
    uint64_t last_ticket = fq_engine_last_seq(r.e);
    rig_close(&r);

    /* reopen: the cache is rebuilt, seq numbers continue */
    rig_open(&r, db);
    assert_int_equal(fq_store_head(r.s, &count, head), FQ_OK);
    assert_true(count == n1);
    assert_string_equal(head, h1);
    char err[256];
    assert_int_equal(fq_store_recover(r.s, r.e, err, sizeof err), FQ_OK);
    assert_true(fq_engine_last_seq(r.e) == last_ticket);
    r.now += SEC(86400);
    cmd_day(&r, 20261124, 8); /* closes the open tickets of the 23rd */
    uint64_t t2 = cmd_issue(&r, REG, SVC_A, FQ_NONE);
    assert_true(t2 == last_ticket + 1);
    assert_int_equal(fq_store_head(r.s, &count, head), FQ_OK);
    assert_true(count > n1);
    assert_int_equal(fq_store_verify(r.s, &vn, vh, &bad), FQ_OK);
    assert_true(vn == count);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM days"), 2);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE day = '2026-11-24'"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE outcome IN ('waiting',"
                                 " 'called', 'serving') AND day = '2026-11-23'"),
                     0);
    assert_true(sql_int(db, "SELECT count(*) FROM tickets WHERE outcome = 'closed'") > 0);
    assert_int_equal(sql_int(db, "SELECT min(seq) = 1 AND max(seq) = count(*) FROM events"), 1);
    rig_close(&r);
}

/* A failed append writes nothing and leaves the cache as it was. */
static void test_append_error_changes_nothing(void **state)
{
    (void)state;
    const char *db = path_of("err.db");
    rig r;
    rig_open(&r, db);
    cmd_day(&r, 20261123, 1);
    cmd_issue(&r, REG, SVC_A, FQ_NONE);
    uint64_t n0, n1;
    char h0[FQ_HASH_HEX], h1[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &n0, h0), FQ_OK);
    fq_event evs[3];
    evs[0] = fq_event_init(FQ_EV_COUNTER, r.now);
    evs[0].counter = 0;
    evs[0].state = FQ_C_OPEN;
    evs[1] = evs[0];
    evs[2] = evs[0];
    evs[2].counter = 77; /* not a counter */
    assert_int_equal(fq_store_append(r.s, &r.cfg, evs, 3), FQ_EINVAL);
    assert_int_equal(fq_store_head(r.s, &n1, h1), FQ_OK);
    assert_true(n1 == n0);
    assert_string_equal(h1, h0);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), (int64_t)n0);
    /* a duplicate ticket seq violates the tickets key: rolled back too */
    fq_event dup = fq_event_init(FQ_EV_ISSUED, r.now);
    dup.ticket = 1;
    dup.klass = REG;
    dup.service = SVC_A;
    dup.number = 5;
    assert_int_equal(fq_store_append(r.s, &r.cfg, evs, 1), FQ_OK);
    assert_int_equal(fq_store_head(r.s, &n1, h1), FQ_OK);
    assert_true(n1 == n0 + 1);
    fq_event two[2] = {evs[1], dup};
    assert_true(fq_store_append(r.s, &r.cfg, two, 2) < 0);
    uint64_t n2;
    char h2[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &n2, h2), FQ_OK);
    assert_true(n2 == n1);
    assert_string_equal(h2, h1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), (int64_t)n1);
    /* and the next append carries on from the right place */
    assert_int_equal(fq_store_append(r.s, &r.cfg, evs, 1), FQ_OK);
    uint64_t vn, bad;
    assert_int_equal(fq_store_verify(r.s, &vn, h2, &bad), FQ_OK);
    assert_true(vn == n1 + 1);
    rig_close(&r);

    fq_store *ro = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &ro, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_append(ro, &r.cfg, evs, 1), FQ_EDENIED);
    fq_store_close(ro);
}

/* --- migrations and versions ----------------------------------------------- */

/* Builds a schema-1 database the way fairq 1 wrote it, from a real day. */
static uint64_t make_v1(const char *file, fq_engine **engine_out)
{
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    assert_non_null(e);
    fq_evbuf all = {0};
    fq_time now = T0;
    fq_command d = fq_command_init(FQ_CMD_BEGIN_DAY);
    d.day = 20261123;
    d.seed = 5;
    assert_int_equal(fq_engine_exec(e, &d, now, &all), FQ_OK);
    fq_command o = fq_command_init(FQ_CMD_OPEN);
    o.counter = 0;
    assert_int_equal(fq_engine_exec(e, &o, now, &all), FQ_OK);
    for (int i = 0; i < 6; i++) {
        fq_command is = fq_command_init(FQ_CMD_ISSUE);
        is.klass = i % 3;
        is.service = i % 2;
        is.reason = is.klass == PRI ? 2 : FQ_NONE;
        assert_int_equal(fq_engine_exec(e, &is, now + SEC(i), &all), FQ_OK);
    }
    fq_command n = fq_command_init(FQ_CMD_NEXT);
    n.counter = 0;
    assert_int_equal(fq_engine_exec(e, &n, now + SEC(100), &all), FQ_OK);
    assert_int_equal(fq_engine_exec(e, &n, now + SEC(200), &all), FQ_OK);

    sql(file, "PRAGMA journal_mode = WAL");
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d; PRAGMA user_version = 1;",
             FQ_SCHEMA_APP_ID);
    sql(file, pragma);
    sql(file, fq_schema_sql(1));
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?, ?, ?, ?)", -1, &st,
                                        NULL),
                     SQLITE_OK);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    for (size_t i = 0; i < all.n; i++) {
        char data[FQ_EVENT_MAX_BYTES], h[65];
        int len = fq_event_encode(&cfg, &all.v[i], data, sizeof data);
        assert_true(len > 0);
        ref_hash(prev, data, (size_t)len, h);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(st, 2, data, len, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, prev, 64, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, h, 64, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
        memcpy(prev, h, 65);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    uint64_t count = all.n;
    fq_evbuf_free(&all);
    *engine_out = e;
    return count;
}

static void test_migrate_from_v1(void **state)
{
    (void)state;
    const char *db = path_of("v1.db");
    fq_engine *live = NULL;
    uint64_t n = make_v1(db, &live);
    char err[256];

    /* read-only opens never migrate */
    fq_store *s = NULL;
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &s, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_schema_version(s), 1);
    uint64_t vn, bad;
    char h1[FQ_HASH_HEX], h2[FQ_HASH_HEX];
    assert_int_equal(fq_store_verify(s, &vn, h1, &bad), FQ_OK);
    assert_true(vn == n);
    fq_store_close(s);
    assert_int_equal(sql_int(db, "PRAGMA user_version"), 1);

    assert_int_equal(fq_store_open(db, "full", FQ_STORE_EXCLUSIVE, &s, err, sizeof err), FQ_OK);
    assert_int_equal(fq_store_schema_version(s), 2);
    assert_int_equal(fq_store_verify(s, &vn, h2, &bad), FQ_OK);
    assert_true(vn == n);
    assert_string_equal(h1, h2);
    /* the tickets table was backfilled from the log */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets"), 6);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE outcome = 'done'"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE outcome = 'called'"), 1);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE reason = 'pregnant'"), 2);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM tickets WHERE day = '2026-11-23'"), 6);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM days"), 1);
    /* recovery through the migrated store gives the live state */
    fq_sched_cfg cfg = fx_cfg(FQ_POLICY_ACCUMULATING);
    fq_engine *e = fq_engine_new(&cfg);
    assert_int_equal(fq_store_recover(s, e, err, sizeof err), FQ_OK);
    assert_true(fq_engine_waiting(e) == fq_engine_waiting(live));
    assert_true(fq_engine_counter_ticket(e, 0) == fq_engine_counter_ticket(live, 0));
    /* and the log goes on */
    fq_event ev = fq_event_init(FQ_EV_COUNTER, T0 + SEC(300));
    ev.counter = 1;
    ev.state = FQ_C_OPEN;
    assert_int_equal(fq_store_append(s, &cfg, &ev, 1), FQ_OK);
    assert_int_equal(fq_store_verify(s, &vn, h2, &bad), FQ_OK);
    assert_true(vn == n + 1);
    fq_store_close(s);
    fq_engine_free(e);
    fq_engine_free(live);
    assert_int_equal(sql_int(db, "PRAGMA user_version"), 2);
}

static void test_newer_version_refused(void **state)
{
    (void)state;
    const char *db = path_of("new.db");
    fq_store *s = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_CREATE, &s, err, sizeof err), FQ_OK);
    fq_store_close(s);
    sql(db, "PRAGMA user_version = 99");
    size_t n0, n1;
    char *before = slurp(db, &n0);
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_EXCLUSIVE, &s, err, sizeof err),
                     FQ_EVERSION);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, "99"));
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &s, err, sizeof err),
                     FQ_EVERSION);
    char *after = slurp(db, &n1);
    assert_true(n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
}

/* --- foreign and damaged files --------------------------------------------- */

static void expect_refused_untouched(const char *file, unsigned flags, fq_status want)
{
    size_t n0, n1;
    char *before = slurp(file, &n0);
    fq_store *s = NULL;
    char err[256] = "";
    fq_status st = fq_store_open(file, NULL, flags, &s, err, sizeof err);
    assert_int_equal(st, want);
    assert_null(s);
    assert_true(strlen(err) > 10);
    char *after = slurp(file, &n1);
    assert_true(n0 == n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

static void test_foreign_files_refused(void **state)
{
    (void)state;
    const char *other = path_of("other.db");
    sql(other, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER);"
               "INSERT INTO accounts VALUES (1, 100);");
    expect_refused_untouched(other, FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE, FQ_ECORRUPT);
    expect_refused_untouched(other, FQ_STORE_READONLY, FQ_ECORRUPT);
    assert_int_equal(sql_int(other, "SELECT balance FROM accounts"), 100);

    const char *rnd = path_of("random.db");
    FILE *f = fopen(rnd, "wb");
    srand(7);
    for (int i = 0; i < 8192; i++)
        fputc(rand() & 255, f);
    fclose(f);
    expect_refused_untouched(rnd, FQ_STORE_CREATE, FQ_ECORRUPT);
    expect_refused_untouched(rnd, FQ_STORE_READONLY, FQ_ECORRUPT);

    /* missing file: read-only and non-creating opens say so and create nothing */
    fq_store *s = NULL;
    char err[256];
    const char *missing = path_of("missing.db");
    assert_int_equal(fq_store_open(missing, NULL, FQ_STORE_READONLY, &s, err, sizeof err), FQ_EIO);
    assert_int_equal(fq_store_open(missing, NULL, 0, &s, err, sizeof err), FQ_EIO);
    assert_non_null(strstr(err, "No such file"));
    struct stat sb;
    assert_int_not_equal(stat(missing, &sb), 0);
    assert_int_equal(fq_store_open(missing, "sometimes", FQ_STORE_CREATE, &s, err, sizeof err),
                     FQ_EINVAL);
}

/* Builds a 300-event log by a real day, closed (checkpointed: no WAL left). */
static uint64_t make_log(const char *file, int days)
{
    rig r;
    rig_open(&r, file);
    for (int d = 0; d < days; d++) {
        scenario(&r, 20261101 + d);
        r.now += SEC(86400);
    }
    uint64_t n;
    char h[FQ_HASH_HEX];
    assert_int_equal(fq_store_head(r.s, &n, h), FQ_OK);
    rig_close(&r);
    return n;
}

static fq_status verify_file(const char *file, uint64_t *bad, char *why, size_t whylen)
{
    fq_store *s = NULL;
    fq_status st = fq_store_open(file, NULL, FQ_STORE_READONLY, &s, why, whylen);
    if (st)
        return st;
    uint64_t n;
    char h[FQ_HASH_HEX];
    st = fq_store_verify_explain(s, &n, h, bad, why, whylen);
    fq_store_close(s);
    return st;
}

/* Runs `fairq verify --db file`; returns the exit status, output in out. */
static int run_verify(const char *file, char *out, size_t len)
{
    const char *bin = getenv("FAIRQ_BIN");
    if (!bin)
        skip();
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' verify --db '%s' 2>&1", bin, file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

typedef struct tamper_case {
    const char *name;
    const char *sql;
    uint64_t bad_seq;
    const char *line; /* what fairq verify prints */
} tamper_case;

static void test_tamper_detected(void **state)
{
    (void)state;
    static const tamper_case cases[] = {
        {"payload", "UPDATE events SET data = replace(data, '\"at\":', '\"at\":1') WHERE seq = 17",
         17, "bad event 17: hash mismatch"},
        {"hash", "UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'f') WHERE seq = 17",
         17, "bad event 17: hash mismatch"},
        {"delete", "DELETE FROM events WHERE seq = 17", 17, "missing event 17"},
        {"swap",
         "UPDATE events SET data = CASE seq WHEN 10 THEN (SELECT data FROM events WHERE seq = 20)"
         " ELSE (SELECT data FROM events WHERE seq = 10) END WHERE seq IN (10, 20)",
         10, "bad event 10: hash mismatch"},
        {"prev", "UPDATE events SET prev_hash = hash WHERE seq = 30", 30,
         "bad event 30: prev_hash does not match event 29's hash"},
        {"first", "UPDATE events SET data = data || ' ' WHERE seq = 1", 1,
         "bad event 1: hash mismatch"},
    };
    const char *clean = path_of("clean.db");
    uint64_t n = make_log(clean, 2);
    assert_true(n > 40);
    size_t len;
    char *bytes = slurp(clean, &len);
    char out[512];
    int rc = run_verify(clean, out, sizeof out);
    assert_int_equal(rc, 0);
    char want[128];
    uint64_t vn, bad;
    char head[FQ_HASH_HEX], why[256];
    fq_store *s = NULL;
    assert_int_equal(fq_store_open(clean, NULL, FQ_STORE_READONLY, &s, why, sizeof why), FQ_OK);
    assert_int_equal(fq_store_verify(s, &vn, head, &bad), FQ_OK);
    fq_store_close(s);
    snprintf(want, sizeof want, "ok %llu events head %s\n", (unsigned long long)n, head);
    assert_string_equal(out, want);

    for (size_t i = 0; i < FQ_ARRAY_LEN(cases); i++) {
        const char *db = path_of("tampered.db");
        FILE *f = fopen(db, "wb");
        fwrite(bytes, 1, len, f);
        fclose(f);
        sql(db, cases[i].sql);
        bad = 0;
        fq_status st = verify_file(db, &bad, why, sizeof why);
        if (st != FQ_ECORRUPT || bad != cases[i].bad_seq)
            fail_msg("%s: status %d bad %llu (%s)", cases[i].name, st, (unsigned long long)bad,
                     why);
        assert_string_equal(why, cases[i].line);
        assert_int_equal(run_verify(db, out, sizeof out), 1);
        snprintf(want, sizeof want, "%s\n", cases[i].line);
        assert_string_equal(out, want);
        unlink(db);
    }

    /* an edit that recomputes the row's own hash breaks the next link */
    const char *db = path_of("rehashed.db");
    FILE *f = fopen(db, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h, "SELECT data, prev_hash FROM events WHERE seq = 12",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        char data[FQ_EVENT_MAX_BYTES], prev[65], nh[65];
        snprintf(data, sizeof data, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
        char *at = strstr(data, "\"at\":");
        at[6] = at[6] == '9' ? '8' : '9'; /* a different time */
        ref_hash(prev, data, strlen(data), nh);
        assert_int_equal(sqlite3_prepare_v2(h, "UPDATE events SET data = ?, hash = ? WHERE seq = 12",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(st, 1, data, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, nh, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    assert_int_equal(verify_file(db, &bad, why, sizeof why), FQ_ECORRUPT);
    assert_true(bad == 13);
    unlink(db);

    /* a damaged tail stops a writable open (the server) at once */
    db = path_of("tail.db");
    f = fopen(db, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    char q[128];
    snprintf(q, sizeof q, "UPDATE events SET data = data || 'x' WHERE seq = %llu",
             (unsigned long long)n);
    sql(db, q);
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_EXCLUSIVE, &s, why, sizeof why),
                     FQ_ECORRUPT);
    assert_non_null(strstr(why, "hash mismatch"));
    unlink(db);
    free(bytes);
}

/* A truncated file is refused with an error, never a crash or a false "ok". */
static void test_truncated_file(void **state)
{
    (void)state;
    const char *clean = path_of("trunc_src.db");
    uint64_t n = make_log(clean, 12);
    size_t len;
    char *bytes = slurp(clean, &len);
    assert_true(len > 8192); /* several pages */
    const size_t cuts[] = {len / 2, 100, len - 1, 4096};
    for (size_t i = 0; i < FQ_ARRAY_LEN(cuts); i++) {
        const char *db = path_of("trunc.db");
        FILE *f = fopen(db, "wb");
        fwrite(bytes, 1, cuts[i], f);
        fclose(f);
        uint64_t bad = 0;
        char why[256] = "";
        fq_status st = verify_file(db, &bad, why, sizeof why);
        assert_int_not_equal(st, FQ_OK);
        assert_true(strlen(why) > 5);
        char out[512];
        int rc = run_verify(db, out, sizeof out);
        assert_true(rc == 1 || rc == 2);
        /* a server refuses it too, and leaves it as it is */
        expect_refused_untouched(db, FQ_STORE_EXCLUSIVE, st == FQ_EIO ? FQ_EIO : FQ_ECORRUPT);
        unlink(db);
    }
    (void)n;
    free(bytes);
}

/* --- concurrency ------------------------------------------------------------ */

static void test_exclusive_and_readers(void **state)
{
    (void)state;
    const char *db = path_of("x.db");
    rig r;
    rig_open(&r, db);
    cmd_day(&r, 20261123, 1);
    fq_store *second = NULL;
    char err[256];
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_EXCLUSIVE, &second, err, sizeof err),
                     FQ_EBUSY);
    assert_null(second);
    assert_non_null(strstr(err, "another fairq server is using"));

    /* a reader works while the server writes, and sees new commits */
    fq_store *ro = NULL;
    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_READONLY, &ro, err, sizeof err), FQ_OK);
    uint64_t n0, n1, bad;
    char h[FQ_HASH_HEX];
    assert_int_equal(fq_store_verify(ro, &n0, h, &bad), FQ_OK);
    cmd_issue(&r, REG, SVC_A, FQ_NONE);
    cmd_issue(&r, VIP, SVC_B, FQ_NONE);
    assert_int_equal(fq_store_head(ro, &n1, h), FQ_OK);
    assert_true(n1 == n0 + 2);
    assert_int_equal(fq_store_verify(ro, &n1, h, &bad), FQ_OK);
    assert_true(n1 == n0 + 2);
    char out[512];
    assert_int_equal(run_verify(db, out, sizeof out), 0);
    assert_non_null(strstr(out, "ok "));
    fq_store_close(ro);
    rig_close(&r);

    assert_int_equal(fq_store_open(db, NULL, FQ_STORE_EXCLUSIVE, &second, err, sizeof err), FQ_OK);
    fq_store_close(second);
}

static void test_cli_usage(void **state)
{
    (void)state;
    const char *bin = getenv("FAIRQ_BIN");
    if (!bin)
        skip();
    char cmd[1024], out[2048];
    snprintf(cmd, sizeof cmd, "'%s' verify --help", bin);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(out, "usage: fairq verify --db FILE"));
    snprintf(cmd, sizeof cmd, "'%s' verify >/dev/null 2>&1", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "'%s' verify --db >/dev/null 2>&1", bin);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    assert_int_equal(run_verify(path_of("nothing-here.db"), out, sizeof out), 2);
    assert_non_null(strstr(out, "No such file"));
    const char *other = path_of("cli_other.db");
    sql(other, "CREATE TABLE t(x);");
    assert_int_equal(run_verify(other, out, sizeof out), 2);
    assert_non_null(strstr(out, "not a fairq one"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_canonical_bytes),
        cmocka_unit_test(test_codec_rejects),
        cmocka_unit_test(test_codec_accepts_only_canonical),
        cmocka_unit_test(test_append_reopen),
        cmocka_unit_test(test_append_error_changes_nothing),
        cmocka_unit_test(test_migrate_from_v1),
        cmocka_unit_test(test_newer_version_refused),
        cmocka_unit_test(test_foreign_files_refused),
        cmocka_unit_test(test_tamper_detected),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_exclusive_and_readers),
        cmocka_unit_test(test_cli_usage),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
