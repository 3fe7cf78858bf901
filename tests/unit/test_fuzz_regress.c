/* test_fuzz_regress.c — replays the fuzz corpus in the normal (gcc, ASan)
 * build: every file under tests/fuzz/corpus/fuzz_<target>/ goes through the
 * same target body the libFuzzer program runs (tests/fuzz/targets.c), so
 * every input the fuzzers kept and every crash-* reproducer is a test.
 *
 * A failing input aborts the process (a failed property, or a sanitizer
 * report); before that the death hook names the file, so the log says which
 * input to look at. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fairq/config.h"
#include "fairq/proto.h"
#include "fairq/store.h"
#include "targets.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define REGRESS_HAVE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define REGRESS_HAVE_SANITIZER 1
#endif
#endif

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* The input being replayed, for the death hook. */
static char current[1024];

static void say_current(void)
{
    static const char pre[] = "\nfuzz regression: FAILED on input ";
    if (!current[0])
        return;
    if (write(STDERR_FILENO, pre, sizeof pre - 1) < 0 ||
        write(STDERR_FILENO, current, strlen(current)) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
        return;
}

static void on_abort(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const char *corpus_dir(char *buf, size_t len, const char *target)
{
    const char *root = getenv("FAIRQ_SOURCE_DIR");
    snprintf(buf, len, "%s/tests/fuzz/corpus/%s", root ? root : ".", target);
    return buf;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

/* Runs fn on every regular file of the target's corpus; returns how many.
 * When prefix is given, only files whose name starts with it. */
static int replay(const char *target, fuzz_fn fn, const char *prefix)
{
    char dir[768];
    corpus_dir(dir, sizeof dir, target);
    DIR *d = opendir(dir);
    if (!d) {
        fail_msg("cannot open corpus %s", dir);
        return 0;
    }
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || (prefix && strncmp(de->d_name, prefix, strlen(prefix))))
            continue;
        snprintf(current, sizeof current, "%s/%s", dir, de->d_name);
        size_t size = 0;
        uint8_t *data = read_all(current, &size);
        assert_non_null(data);
        assert_int_equal(fn(data, size), 0);
        free(data);
        count++;
    }
    current[0] = '\0';
    closedir(d);
    return count;
}

static void test_replay_proto(void **state)
{
    (void)state;
    /* The committed corpus has the hand-written seeds plus what the fuzzer
     * kept; fewer than the seeds means the corpus went missing. */
    assert_true(replay("fuzz_proto", fq_fuzz_proto, NULL) >= 20);
}

static void test_replay_config(void **state)
{
    (void)state;
    assert_true(replay("fuzz_config", fq_fuzz_config, NULL) >= 60);
}

static void test_replay_event(void **state)
{
    (void)state;
    assert_true(replay("fuzz_event", fq_fuzz_event, NULL) >= 18);
}

/* The event seeds are canonical events (tests/fuzz/seed_events.c): each one
 * must decode, or the fuzzer's round-trip property is never exercised. */
static int decode_must_work(const uint8_t *data, size_t size)
{
    static fq_config cfg;
    fq_config_defaults(&cfg);
    fq_event ev;
    assert_int_equal(fq_event_decode(&cfg.sched, (const char *)data, size, &ev), FQ_OK);
    return fq_fuzz_event(data, size);
}

static void test_event_seeds_decode(void **state)
{
    (void)state;
    /* One seed per event type at least. */
    assert_true(replay("fuzz_event", decode_must_work, "seed-") >= FQ_EV_MAX);
}

/* The same for the proto seeds that are valid requests. */
static int issue_must_parse(const uint8_t *data, size_t size)
{
    fq_req_issue req;
    fq_proto_error err;
    assert_int_equal(fq_proto_parse_issue((const char *)data, size, &req, &err), FQ_OK);
    return fq_fuzz_proto(data, size);
}

static void test_proto_valid_seeds_parse(void **state)
{
    (void)state;
    assert_int_equal(replay("fuzz_proto", issue_must_parse, "seed-issue-m"), 1);
    assert_int_equal(replay("fuzz_proto", issue_must_parse, "seed-issue-n"), 1);
    assert_int_equal(replay("fuzz_proto", issue_must_parse, "seed-issue-w"), 1);
}

int main(void)
{
#ifdef REGRESS_HAVE_SANITIZER
    __sanitizer_set_death_callback(say_current);
#endif
    signal(SIGABRT, on_abort);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_proto),
        cmocka_unit_test(test_replay_config),
        cmocka_unit_test(test_replay_event),
        cmocka_unit_test(test_event_seeds_decode),
        cmocka_unit_test(test_proto_valid_seeds_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
