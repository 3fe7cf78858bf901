/* outq.c — refcounted shared messages and per-connection rings. */
#include <stdlib.h>
#include <string.h>

#include "server/outq.h"

fq_msg *fq_msg_new(const char *text, size_t len)
{
    fq_msg *m = malloc(sizeof(*m) + LWS_PRE + len + 1);
    if (!m)
        return NULL;
    m->refs = 1;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    m->buf[LWS_PRE + len] = '\0';
    return m;
}

void fq_msg_ref(fq_msg *m)
{
    m->refs++;
}

void fq_msg_unref(fq_msg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

bool fq_outq_push(fq_outq *q, fq_msg *m)
{
    if (q->count == FQ_OUTQ_CAP)
        return false;
    fq_msg_ref(m);
    q->ring[(q->head + q->count) % FQ_OUTQ_CAP] = m;
    q->count++;
    return true;
}

fq_msg *fq_outq_peek(const fq_outq *q)
{
    return q->count ? q->ring[q->head] : NULL;
}

void fq_outq_pop(fq_outq *q)
{
    if (!q->count)
        return;
    fq_msg_unref(q->ring[q->head]);
    q->ring[q->head] = NULL;
    q->head = (q->head + 1) % FQ_OUTQ_CAP;
    q->count--;
}

void fq_outq_clear(fq_outq *q)
{
    while (q->count)
        fq_outq_pop(q);
    q->head = 0;
}
