/* common.h — status codes, time type and small helpers shared by every module.
 *
 * Every fallible function in fairq returns an fq_status (0 = ok, negative =
 * error) and fq_strerror() turns it into words. Time is always an fq_time:
 * milliseconds since the Unix epoch, passed in by the caller (the engine
 * never reads a clock). */
#ifndef FAIRQ_COMMON_H
#define FAIRQ_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t fq_time; /* milliseconds since 1970-01-01T00:00:00Z */

typedef enum fq_status {
    FQ_OK = 0,
    FQ_ENOMEM = -1,    /* allocation failed; nothing changed */
    FQ_EINVAL = -2,    /* malformed argument (bad request) */
    FQ_ENOTFOUND = -3, /* unknown ticket, counter, service, class */
    FQ_ESTATE = -4,    /* valid request, wrong state (HTTP 409) */
    FQ_EDENIED = -5,   /* the caller's role may not do this */
    FQ_EIO = -6,       /* file or database I/O failed */
    FQ_ECORRUPT = -7,  /* stored data is inconsistent or edited */
    FQ_ECONFIG = -8,   /* configuration rejected */
    FQ_EBUSY = -9,     /* resource held by someone else (e.g. db locked) */
    FQ_ELIMIT = -10,   /* a configured limit was exceeded */
    FQ_EVERSION = -11  /* data written by a newer fairq */
} fq_status;

/* Words for a status code; never NULL, static storage. */
const char *fq_strerror(int status);

#define FQ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
