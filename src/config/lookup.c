/* lookup.c — id -> index lookups over a validated configuration. */
#include <string.h>

#include "fairq/config.h"

int fq_config_class(const fq_sched_cfg *s, const char *id)
{
    for (int i = 0; i < s->n_classes; i++)
        if (!strcmp(s->classes[i].id, id))
            return i;
    return FQ_NONE;
}

int fq_config_service(const fq_sched_cfg *s, const char *id)
{
    for (int i = 0; i < s->n_services; i++)
        if (!strcmp(s->services[i].id, id))
            return i;
    return FQ_NONE;
}

int fq_config_counter(const fq_sched_cfg *s, const char *id)
{
    for (int i = 0; i < s->n_counters; i++)
        if (!strcmp(s->counters[i].id, id))
            return i;
    return FQ_NONE;
}

int fq_config_reason(const fq_class_cfg *c, const char *id)
{
    for (int i = 0; i < c->n_reasons; i++)
        if (!strcmp(c->reasons[i], id))
            return i;
    return FQ_NONE;
}
