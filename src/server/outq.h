/* outq.h — outgoing WebSocket messages: shared, refcounted buffers and a
 * bounded per-connection ring of them.
 *
 * A broadcast is serialised once into an fq_msg (with LWS_PRE bytes of
 * headroom) and the same buffer is queued on every connection; each ring
 * holds a reference. A connection whose ring is full has fallen
 * FQ_OUTQ_CAP messages behind and is closed by the caller. */
#ifndef FAIRQ_SERVER_OUTQ_H
#define FAIRQ_SERVER_OUTQ_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

#define FQ_OUTQ_CAP 64

typedef struct fq_msg {
    unsigned refs;
    size_t len;
    unsigned char buf[]; /* LWS_PRE headroom, then len bytes, then a NUL */
} fq_msg;

/* A message holding a copy of text[0..len), refs = 1. NULL on no memory. */
fq_msg *fq_msg_new(const char *text, size_t len);
void fq_msg_ref(fq_msg *m);
void fq_msg_unref(fq_msg *m); /* NULL is a no-op; frees at zero */
static inline unsigned char *fq_msg_payload(fq_msg *m) { return m->buf + LWS_PRE; }

typedef struct fq_outq {
    fq_msg *ring[FQ_OUTQ_CAP];
    unsigned head, count;
} fq_outq;

/* Queues m (taking a new reference). false when the ring is full. */
bool fq_outq_push(fq_outq *q, fq_msg *m);
/* The oldest message, or NULL; fq_outq_pop drops it (and its reference). */
fq_msg *fq_outq_peek(const fq_outq *q);
void fq_outq_pop(fq_outq *q);
void fq_outq_clear(fq_outq *q);

#endif
