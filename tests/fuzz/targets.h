/* targets.h — the bodies of fairq's fuzz targets, shared by the libFuzzer
 * programs (tests/fuzz/fuzz_*.c, clang only) and by the regression test
 * tests/unit/test_fuzz_regress.c, which replays every saved corpus input and
 * every past crash through the same functions in the normal ASan build.
 *
 * Each function takes one input of any bytes and any length, exercises one
 * entry point of fairq with it and returns 0. A property that fails (a
 * round trip that does not come back) calls abort(), which both libFuzzer
 * and the sanitizers report as a crash with the input that caused it. */
#ifndef FAIRQ_FUZZ_TARGETS_H
#define FAIRQ_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* The request parsers of proto.h (issue, transfer, call, auth, empty) on the
 * same bytes. Checks that a parser that succeeds leaves NUL-terminated,
 * in-bounds strings, and that one that fails fills a 4xx error. */
int fq_fuzz_proto(const uint8_t *data, size_t size);

/* fq_config_load on the bytes written to a temporary file (its name made
 * once per process with mkstemp; the file exists only while it is loaded),
 * then fq_config_lint and fq_engine_new when it loads. Inputs that use
 * @include are skipped: they would make the loader read arbitrary files of
 * this machine (/dev/zero never ends), which tests nothing of ours. */
int fq_fuzz_config(const uint8_t *data, size_t size);

/* fq_event_decode with the default configuration (fq_config_defaults). When
 * it decodes: fq_event_encode must succeed, the bytes must decode again to
 * the same event, and encoding that must give the same bytes (canonical
 * form is a fixed point). Any failure aborts. */
int fq_fuzz_event(const uint8_t *data, size_t size);

#endif
