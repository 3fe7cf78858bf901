/* test_proto_server.c — the server's small modules on their own: the tokens
 * file and constant-time checks, the kiosk token bucket, the capability map,
 * connection limits, the shared outgoing message ring, static file
 * resolution (never outside www) and the QR SVG writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/conns.h"
#include "server/outq.h"
#include "server/qr.h"
#include "server/static.h"
#include "server/ticketmap.h"
#include "server/tokens.h"

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fairq-unit-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int remove_tmpdir(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* --- tokens ------------------------------------------------------------ */

static void test_tokens_created(void **state)
{
    char path[300], fresh[1024], err[256], tok[3][64];
    fq_tokens *t = NULL;
    bool created = false;
    struct stat st;
    mode_t old = umask(0);
    int id = -1;
    (void)state;

    snprintf(path, sizeof(path), "%s/sub/dir/tokens", tmpdir);
    assert_int_equal(fq_tokens_open(path, &t, &created, fresh, sizeof(fresh), err, sizeof(err)), FQ_OK);
    umask(old);
    assert_true(created);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* even with umask 0 */
    assert_int_equal(sscanf(strstr(fresh, "kiosk "), "kiosk %63s", tok[0]), 1);
    assert_int_equal(sscanf(strstr(fresh, "staff "), "staff %63s", tok[1]), 1);
    assert_int_equal(sscanf(strstr(fresh, "auditor "), "auditor %63s", tok[2]), 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(strlen(tok[i]), 32);
        assert_int_equal(strspn(tok[i], "0123456789abcdef"), 32);
    }
    assert_int_equal(fq_tokens_check(t, tok[0], 32, &id), FQ_ROLE_KIOSK);
    assert_int_equal(fq_tokens_check(t, tok[1], 32, NULL), FQ_ROLE_STAFF);
    assert_int_equal(fq_tokens_check(t, tok[2], 32, NULL), FQ_ROLE_AUDITOR);
    assert_int_equal(fq_tokens_check(t, tok[1], 31, NULL), FQ_ROLE_NONE); /* a prefix */
    assert_int_equal(fq_tokens_check(t, "", 0, NULL), FQ_ROLE_NONE);
    fq_tokens_free(t);

    /* the second open reads the same file, does not create */
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_OK);
    assert_false(created);
    assert_int_equal(fq_tokens_check(t, tok[2], 32, NULL), FQ_ROLE_AUDITOR);
    fq_tokens_free(t);
    fq_tokens_free(NULL);
}

static void test_tokens_file_rules(void **state)
{
    char path[300], err[256];
    fq_tokens *t = NULL;
    bool created;
    int a = -1, b = -1;
    (void)state;

    snprintf(path, sizeof(path), "%s/tokens", tmpdir);
    write_file(path,
               "# comment\n\nstaff  AAAAAAAAAAAAAAAAAAAA\n  kiosk BBBBBBBBBBBBBBBBBBBB   \n"
               "kiosk CCCCCCCCCCCCCCCCCCCC\r\n",
               0600);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_OK);
    assert_int_equal(fq_tokens_check(t, "BBBBBBBBBBBBBBBBBBBB", 20, &a), FQ_ROLE_KIOSK);
    assert_int_equal(fq_tokens_check(t, "CCCCCCCCCCCCCCCCCCCC", 20, &b), FQ_ROLE_KIOSK);
    assert_int_not_equal(a, b); /* each token has its own rate-limit bucket */
    assert_int_equal(fq_tokens_check(t, "AAAAAAAAAAAAAAAAAAAA", 20, NULL), FQ_ROLE_STAFF);

    /* the bucket: 3 per minute, bursts of 3, one more every 20 s */
    assert_true(fq_tokens_take(t, a, 3, 1000));
    assert_true(fq_tokens_take(t, a, 3, 1001));
    assert_true(fq_tokens_take(t, a, 3, 1002));
    assert_false(fq_tokens_take(t, a, 3, 1003));
    assert_true(fq_tokens_take(t, b, 3, 1003)); /* other kiosk unaffected */
    assert_false(fq_tokens_take(t, a, 3, 15000));
    assert_true(fq_tokens_take(t, a, 3, 21100));
    assert_false(fq_tokens_take(t, a, 3, 21200));
    assert_false(fq_tokens_take(t, 99, 3, 21200));
    fq_tokens_free(t);

    write_file(path, "staff AAAAAAAAAAAAAAAAAAAA\n", 0640);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_EDENIED);
    assert_non_null(strstr(err, "chmod 600"));
    assert_null(t);

    write_file(path, "staff AAAAAAAAAAAAAAAAAAAA\nmanager DDDDDDDDDDDDDDDDDDDD\n", 0600);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_ECONFIG);
    assert_non_null(strstr(err, "tokens:2: unknown role 'manager'"));

    write_file(path, "staff short\n", 0600);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_ECONFIG);
    assert_non_null(strstr(err, ":1:"));

    write_file(path, "staff AAAAAAAAAAAAAAAAAAAA extra\n", 0600);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_ECONFIG);

    write_file(path, "# nothing\n", 0600);
    assert_int_equal(fq_tokens_open(path, &t, &created, NULL, 0, err, sizeof(err)), FQ_ECONFIG);
}

/* --- capabilities ------------------------------------------------------- */

static void test_ticketmap(void **state)
{
    fq_ticketmap *m = fq_ticketmap_new();
    uint8_t key[FQ_KEY_LEN], other[FQ_KEY_LEN];
    char id[33], id2[33];
    (void)state;

    assert_non_null(m);
    assert_int_equal(fq_ticket_new_id(id), FQ_OK);
    assert_int_equal(fq_ticket_new_id(id2), FQ_OK);
    assert_string_not_equal(id, id2);
    assert_true(fq_ticket_id_valid(id, strlen(id)));
    assert_false(fq_ticket_id_valid("0123456789ABCDEF0123456789abcdef", 32));
    assert_false(fq_ticket_id_valid("0123456789abcdef0123456789abcde", 31));
    assert_false(fq_ticket_id_valid("0123456789abcdef0123456789abcdeg", 32));

    /* the key is SHA-256("abc")'s first 16 bytes: ba7816bf 8f01cfea 414140de 5dae2223 */
    fq_ticket_key("abc", 3, key);
    assert_int_equal(key[0], 0xba);
    assert_int_equal(key[1], 0x78);
    assert_int_equal(key[15], 0x23);

    /* many keys, through several growths */
    for (uint64_t seq = 1; seq <= 5000; seq++) {
        char text[32];
        snprintf(text, sizeof(text), "ticket-%llu", (unsigned long long)seq);
        fq_ticket_key(text, strlen(text), key);
        assert_int_equal(fq_ticketmap_put(m, key, seq), FQ_OK);
    }
    assert_int_equal(fq_ticketmap_size(m), 5000);
    for (uint64_t seq = 1; seq <= 5000; seq++) {
        char text[32];
        snprintf(text, sizeof(text), "ticket-%llu", (unsigned long long)seq);
        fq_ticket_key(text, strlen(text), key);
        assert_int_equal(fq_ticketmap_get(m, key), seq);
    }
    fq_ticket_key(id, 32, other);
    assert_int_equal(fq_ticketmap_get(m, other), 0);
    assert_int_equal(fq_ticketmap_put(m, other, 0), FQ_EINVAL);
    fq_ticketmap_clear(m);
    assert_int_equal(fq_ticketmap_size(m), 0);
    assert_int_equal(fq_ticketmap_get(m, key), 0);
    fq_ticketmap_free(m);
    fq_ticketmap_free(NULL);
}

/* --- connection limits -------------------------------------------------- */

static fq_conn_addr v4(uint32_t a)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = AF_INET;
    s.sin_addr.s_addr = htonl(a);
    return fq_conn_addr_of((const struct sockaddr *)&s);
}

static void test_conns(void **state)
{
    fq_conns *c = fq_conns_new(100, 2);
    fq_conn_addr a = v4(0x7f000001), b = v4(0x0a000001);
    int owners[300];
    (void)state;

    assert_non_null(c);
    assert_true(fq_conns_admit(c, &a));
    assert_int_equal(fq_conns_attach(c, &owners[0], &a), 0);
    assert_true(fq_conns_admit(c, &a));
    assert_int_equal(fq_conns_attach(c, &owners[1], &a), 0);
    assert_false(fq_conns_admit(c, &a)); /* third from the same address */
    assert_true(fq_conns_admit(c, &b));
    assert_int_equal(fq_conns_attach(c, &owners[2], &b), 0);
    assert_int_equal(fq_conns_total(c), 3);
    fq_conns_detach(c, &owners[0]);
    fq_conns_detach(c, &owners[0]); /* twice is harmless */
    assert_int_equal(fq_conns_total(c), 2);
    assert_true(fq_conns_admit(c, &a));
    assert_int_equal(fq_conns_attach(c, &owners[3], &a), 0);
    fq_conns_detach(c, &owners[1]);
    fq_conns_detach(c, &owners[2]);
    fq_conns_detach(c, &owners[3]);
    assert_int_equal(fq_conns_total(c), 0);
    fq_conns_free(c);

    /* in all: no per-address limit, cap 250, owners tracked through growth */
    c = fq_conns_new(250, 0);
    for (int i = 0; i < 250; i++) {
        assert_true(fq_conns_admit(c, &a));
        assert_int_equal(fq_conns_attach(c, &owners[i], &a), 0);
    }
    assert_false(fq_conns_admit(c, &b));
    for (int i = 0; i < 250; i += 2)
        fq_conns_detach(c, &owners[i]);
    assert_int_equal(fq_conns_total(c), 125);
    for (int i = 1; i < 250; i += 2)
        fq_conns_detach(c, &owners[i]);
    assert_int_equal(fq_conns_total(c), 0);
    fq_conns_free(c);
}

/* --- outgoing ring ------------------------------------------------------ */

static void test_outq(void **state)
{
    fq_outq a, b;
    fq_msg *m = fq_msg_new("hello", 5);
    (void)state;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    assert_non_null(m);
    assert_memory_equal(fq_msg_payload(m), "hello", 6);
    for (int i = 0; i < FQ_OUTQ_CAP; i++)
        assert_true(fq_outq_push(&a, m));
    assert_false(fq_outq_push(&a, m)); /* a full ring: the caller drops the client */
    assert_true(fq_outq_push(&b, m));
    assert_int_equal(m->refs, 1 + FQ_OUTQ_CAP + 1); /* one buffer, shared */
    fq_outq_pop(&a);
    assert_int_equal(a.count, FQ_OUTQ_CAP - 1);
    assert_true(fq_outq_push(&a, m)); /* wraps around */
    assert_ptr_equal(fq_outq_peek(&a), m);
    fq_outq_clear(&a);
    assert_null(fq_outq_peek(&a));
    fq_outq_clear(&b);
    assert_int_equal(m->refs, 1);
    fq_msg_unref(m); /* freed: ASan would report a leak otherwise */
    fq_msg_unref(NULL);
}

/* --- static files ------------------------------------------------------- */

static void test_static(void **state)
{
    char www[300], real[4096], path[400], outside[300];
    fq_static_file f;
    (void)state;

    snprintf(www, sizeof(www), "%s/www", tmpdir);
    assert_int_equal(mkdir(www, 0755), 0);
    snprintf(path, sizeof(path), "%s/display", www);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/t", www);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/index.html", www);
    write_file(path, "<html>home</html>", 0644);
    snprintf(path, sizeof(path), "%s/display/index.html", www);
    write_file(path, "<html>lobby</html>", 0644);
    snprintf(path, sizeof(path), "%s/display/app.js", www);
    write_file(path, "export {};", 0644);
    snprintf(path, sizeof(path), "%s/t/index.html", www);
    write_file(path, "<html>ticket</html>", 0644);
    snprintf(path, sizeof(path), "%s/t/ticket.css", www);
    write_file(path, "body{}", 0644);
    snprintf(path, sizeof(path), "%s/.secret", www);
    write_file(path, "hidden", 0644);
    snprintf(outside, sizeof(outside), "%s/outside.txt", tmpdir);
    write_file(outside, "private", 0644);
    snprintf(path, sizeof(path), "%s/display/escape.txt", www);
    assert_int_equal(symlink(outside, path), 0);
    assert_non_null(realpath(www, real));

    assert_int_equal(fq_static_load(real, "/", &f), FQ_OK);
    assert_string_equal(f.data, "<html>home</html>");
    assert_string_equal(f.mime, "text/html; charset=utf-8");
    free(f.data);
    assert_int_equal(fq_static_load(real, "/display/", &f), FQ_OK);
    assert_string_equal(f.data, "<html>lobby</html>");
    free(f.data);
    assert_int_equal(fq_static_load(real, "/display/app.js", &f), FQ_OK);
    assert_string_equal(f.mime, "text/javascript; charset=utf-8");
    free(f.data);
    assert_int_equal(fq_static_load(real, "/t/0123456789abcdef0123456789abcdef", &f), FQ_OK);
    assert_string_equal(f.data, "<html>ticket</html>");
    free(f.data);
    assert_int_equal(fq_static_load(real, "/t/ticket.css", &f), FQ_OK);
    assert_string_equal(f.data, "body{}");
    free(f.data);
    assert_int_equal(fq_static_load(real, "/display", &f), FQ_EINVAL); /* redirect to the slash */

    assert_int_equal(fq_static_load(real, "/display/escape.txt", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/../outside.txt", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/display/../../outside.txt", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/t/../../outside.txt", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/.secret", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/%2e%2e/outside.txt", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/display//index.html", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/display\\..\\x", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "/missing.js", &f), FQ_ENOTFOUND);
    assert_int_equal(fq_static_load(real, "relative", &f), FQ_ENOTFOUND);

    assert_string_equal(fq_static_mime("a.woff2"), "font/woff2");
    assert_string_equal(fq_static_mime("a.svg"), "image/svg+xml");
    assert_string_equal(fq_static_mime("a.ico"), "image/x-icon");
    assert_string_equal(fq_static_mime("a.json"), "application/json");
    assert_string_equal(fq_static_mime("a.png"), "image/png");
    assert_string_equal(fq_static_mime("Makefile"), "application/octet-stream");
}

/* --- QR ----------------------------------------------------------------- */

static void test_qr(void **state)
{
    size_t len = 0;
    char *svg = fq_qr_svg("http://branch.example:8080/t/0123456789abcdef0123456789abcdef", &len);
    int size = 0;
    (void)state;

    assert_non_null(svg);
    assert_int_equal(strlen(svg), len);
    assert_int_equal(sscanf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d", &size), 1);
    /* version 3 or 4 for a 62-byte link at level M: 29 or 33 modules, plus 8 of quiet zone */
    assert_true(size == 37 || size == 41);
    assert_non_null(strstr(svg, "<path fill=\"#000\" d=\"M4 4h7v1h-7z")); /* finder pattern corner */
    assert_non_null(strstr(svg, "</svg>"));
    assert_null(strstr(svg, "<script"));
    free(svg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_created),
        cmocka_unit_test(test_tokens_file_rules),
        cmocka_unit_test(test_ticketmap),
        cmocka_unit_test(test_conns),
        cmocka_unit_test(test_outq),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_qr),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
