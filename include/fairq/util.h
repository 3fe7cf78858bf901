/* util.h — small helpers shared by several modules (never the engine). */
#ifndef FAIRQ_UTIL_H
#define FAIRQ_UTIL_H

#include <stddef.h>

/* mkdir -p of path's parent directory (mode 0755). 0, or -1 with errno set
 * (a path longer than 1023 bytes: ENAMETOOLONG). */
int fq_util_mkdir_parent(const char *path);

/* Formats v with at most `decimals` decimals and at least one ("12.5",
 * "3.0"), writing into buf; never "nan" or "-0.0" (both become 0). Returns buf. */
const char *fq_util_num(char *buf, size_t len, double v, int decimals);

#endif
