/* fuzz_config.c — libFuzzer entry point for the configuration loader and lint (config.h).
 * The body is fq_fuzz_config in targets.c, shared with the regression test. */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fq_fuzz_config(data, size);
}
