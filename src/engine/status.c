/* status.c — words for fq_status codes. */
#include "fairq/common.h"

const char *fq_strerror(int status)
{
    switch (status) {
    case FQ_OK: return "ok";
    case FQ_ENOMEM: return "out of memory";
    case FQ_EINVAL: return "invalid argument";
    case FQ_ENOTFOUND: return "not found";
    case FQ_ESTATE: return "not allowed in the current state";
    case FQ_EDENIED: return "permission denied";
    case FQ_EIO: return "input/output error";
    case FQ_ECORRUPT: return "data is damaged or was edited";
    case FQ_ECONFIG: return "configuration rejected";
    case FQ_EBUSY: return "resource is busy";
    case FQ_ELIMIT: return "limit exceeded";
    case FQ_EVERSION: return "written by a newer version of fairq";
    default: return "unknown error";
    }
}
