/* display.h — what the lobby screens may know, and the messages they get.
 *
 * The lobby is public, so its view is a separate type with no room for
 * anything that reveals a customer's status: a call is a ticket number, a
 * counter id and a time; the queue is a single waiting count. There is no
 * class, reason, weight or wait field anywhere here, and the serialisers
 * below only ever see these types — so nothing can leak by mistake.
 *
 * Wire (SPEC 8, /ws/display, subprotocol fairq.display.v1), keys only from
 * {type, seq, day, at, number, counter, recall, calls, waiting, message}:
 *   snapshot {seq, day, calls: [{number, counter, at}] newest first, waiting}
 *   call     {seq, number, counter, at, recall}
 *   clear    {seq, number}
 *   waiting  {seq, waiting}
 *   day      {seq, day}
 *
 * When a number leaves the screen (docs/protocol.md): a call stays in the
 * history until `history` newer calls push it out, or until its ticket is
 * marked no-show, transferred to another service (it will be called again)
 * or closed at the end of the day — those three send `clear`. Completing a
 * ticket does not clear it: the screen keeps showing recent calls, and the
 * next call at the same counter replaces it as that counter's current one. */
#ifndef FAIRQ_DISPLAY_H
#define FAIRQ_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairq/common.h"
#include "fairq/engine.h"

#define FQ_DISPLAY_MAX_HISTORY 20
#define FQ_DISPLAY_NUMBER_LEN 16

typedef struct fq_display_call {
    char number[FQ_DISPLAY_NUMBER_LEN]; /* "A047" */
    char counter[FQ_ID_LEN];            /* counter id */
    fq_time at;
} fq_display_call;

typedef struct fq_display_view {
    int32_t day;     /* yyyymmdd, 0 = none yet */
    uint64_t waiting;
    int history;     /* how many calls to keep, 1..FQ_DISPLAY_MAX_HISTORY */
    int n_calls;
    fq_display_call calls[FQ_DISPLAY_MAX_HISTORY]; /* newest first, distinct numbers */
} fq_display_view;

typedef enum fq_display_msg_type {
    FQ_DMSG_CALL = 1,
    FQ_DMSG_CLEAR,
    FQ_DMSG_WAITING,
    FQ_DMSG_DAY
} fq_display_msg_type;

typedef struct fq_display_msg {
    fq_display_msg_type type;
    char number[FQ_DISPLAY_NUMBER_LEN]; /* call, clear */
    char counter[FQ_ID_LEN];            /* call */
    fq_time at;                         /* call */
    bool recall;                        /* call */
    uint64_t waiting;                   /* waiting */
    int32_t day;                        /* day */
} fq_display_msg;

/* An empty view keeping `history` calls (clamped to 1..FQ_DISPLAY_MAX_HISTORY). */
void fq_display_init(fq_display_view *v, int history);

/* Rebuilds the view from an engine (after recovery): day, waiting count and
 * the tickets currently called or serving, most recently called first.
 * Finished tickets' calls are not in the engine's state and are not shown:
 * the server then refills the recent calls from the tail of the day's log
 * (replay_lobby in src/server/server.c). */
void fq_display_rebuild(fq_display_view *v, const fq_engine *e);

/* Feeds one event right after it was applied to e. Appends at most
 * FQ_DISPLAY_MAX_MSGS messages to out and returns how many. */
#define FQ_DISPLAY_MAX_MSGS 2
int fq_display_on_event(fq_display_view *v, const fq_engine *e, const fq_event *ev,
                        fq_display_msg out[FQ_DISPLAY_MAX_MSGS]);

/* After a batch of events: a `waiting` message when the count changed
 * (returns 1 and fills *out), else 0. */
int fq_display_on_batch_end(fq_display_view *v, const fq_engine *e, fq_display_msg *out);

/* JSON text of a message / of the snapshot with this seq, malloc'd (free()),
 * NULL on no memory; *len gets the length. */
char *fq_display_msg_json(const fq_display_msg *m, uint64_t seq, size_t *len);
char *fq_display_snapshot_json(const fq_display_view *v, uint64_t seq, size_t *len);

/* The keys a display message may carry (SPEC 8), NULL-terminated; tests scan
 * every message against it. */
extern const char *const fq_display_keys[];

#endif
