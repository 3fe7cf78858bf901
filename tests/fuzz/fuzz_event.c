/* fuzz_event.c — libFuzzer entry point for the canonical event decoder of store.h, with a round-trip check.
 * The body is fq_fuzz_event in targets.c, shared with the regression test. */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fq_fuzz_event(data, size);
}
