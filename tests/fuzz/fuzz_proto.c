/* fuzz_proto.c — libFuzzer entry point for the JSON request parsers of proto.h.
 * The body is fq_fuzz_proto in targets.c, shared with the regression test. */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fq_fuzz_proto(data, size);
}
