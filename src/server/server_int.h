/* server_int.h — the server's shared state, between server.c (lifecycle,
 * commit path, broadcasts), http.c (HTTP API and pages), ws.c (WebSockets)
 * and metrics.c. Internal to src/server. */
#ifndef FAIRQ_SERVER_INT_H
#define FAIRQ_SERVER_INT_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "fairq/audit.h"
#include "fairq/config.h"
#include "fairq/display.h"
#include "fairq/engine.h"
#include "fairq/proto.h"
#include "fairq/server.h"
#include "fairq/store.h"
#include "server/conns.h"
#include "server/outq.h"
#include "server/ticketmap.h"
#include "server/tokens.h"

#define FQ_AUTH_TIMEOUT_US (5 * LWS_US_PER_SEC)
#define FQ_CLOSE_AUTH 4401 /* staff socket: no or bad token */
#define FQ_CLOSE_LAGGING 4408 /* fell too far behind */
#define FQ_LAG_GRACE_S 10 /* then cut off if it cannot take the close frame */
#define FQ_DISPLAY_SNDBUF (16 * 1024) /* SO_SNDBUF of a lobby socket (ws.c) */

typedef struct fq_auditjob fq_auditjob; /* auditjob.c */

typedef enum ws_kind { WS_DISPLAY = 1, WS_STAFF = 2 } ws_kind;

/* Per WebSocket connection (lws per-session data of both ws protocols). */
typedef struct ws_pss {
    struct lws *wsi;
    struct ws_pss *next, *prev; /* in the server's list of its kind */
    fq_outq q;
    ws_kind kind;
    bool listed;      /* in a broadcast list (display: at once; staff: once authed) */
    bool authed;
    bool culled;      /* being closed for lagging: no more writes */
    int close_code;   /* nonzero: close with this code at the next WRITEABLE */
    size_t rx_len;    /* bytes of the message being received */
    char *rx;         /* staff: the auth message being collected */
    lws_sorted_usec_list_t auth_sul;
} ws_pss;

struct fq_server {
    fq_config cfg;
    char www_real[PATH_MAX]; /* "" = no pages */
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws_protocol_vhost_options headers[4];
    int port;
    bool tls;

    fq_engine *engine;
    fq_store *store;
    fq_tokens *tokens;
    fq_ticketmap *tickets;
    fq_conns *conns;
    fq_evbuf evbuf; /* events of the last commit */

    fq_display_view display;
    fq_proto_alarm alarm;
    uint64_t display_seq, staff_seq;
    ws_pss *displays, *staff; /* broadcast lists */
    int n_display, n_staff;   /* open sockets of each kind */

    bool pending_admit;       /* FILTER_NETWORK_CONNECTION -> WSI_CREATE hand-over */
    fq_conn_addr pending_addr;

    lws_sorted_usec_list_t tick_sul;
    fq_auditjob *audit_job;   /* the audit report being computed, NULL = none */
    volatile sig_atomic_t stop;
    fq_status fatal;          /* why the loop stopped on its own */

    /* metrics */
    uint64_t requests[600];   /* by HTTP status */
    uint64_t events_total;
    uint64_t commits;
    uint64_t lagging_closed[2]; /* sockets dropped with 4408: display, staff */
    double commit_seconds;
    double commit_seconds_max;
};

/* Wall clock, ms since the epoch. */
fq_time fq_server_now(void);

/* The commit path: decides cmd at now, appends the events to the log
 * (durable on return), applies them, updates the derived state and queues
 * the broadcasts. On FQ_OK the events are in s->evbuf until the next call.
 * Engine errors are returned as they are (nothing happened); FQ_EIO when the
 * commit failed (nothing happened either). */
fq_status fq_server_exec(fq_server *s, const fq_command *cmd, fq_time now);

/* http.c: the vhost's protocols[0] ("http"): HTTP API, pages, connection
 * admission. */
int fq_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len);
size_t fq_http_pss_size(void);

/* ws.c: the two WebSocket protocols and broadcasting. */
int fq_ws_display_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                           void *in, size_t len);
int fq_ws_staff_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                         void *in, size_t len);
/* Queues text on every display / authed staff socket (one shared copy). */
void fq_ws_broadcast(fq_server *s, ws_kind kind, const char *text, size_t len);

/* auditjob.c: GET /api/v1/audit/report on a worker thread with its own
 * read-only store handle (one at a time), so the loop keeps serving.
 *
 * fq_auditjob_start: runs fq_audit_report(from, to, fmt) for the request
 * wsi; FQ_EBUSY while a report is running, FQ_ENOMEM / FQ_EIO when no
 * worker could be started. Loop thread only, as are the three below. */
fq_status fq_auditjob_start(fq_server *s, struct lws *wsi, int32_t from, int32_t to,
                            fq_audit_format fmt);
/* wsi is closing: the running report's result will be dropped. */
void fq_auditjob_detach(fq_server *s, struct lws *wsi);
/* On LWS_CALLBACK_EVENT_WAIT_CANCELLED: when the report has finished, joins
 * its thread and returns true with the request waiting for it (*wsi, NULL
 * when it went away), the format, fq_audit_report's status, its text (*out,
 * now the caller's) and its error message. false: nothing finished. */
bool fq_auditjob_collect(fq_server *s, struct lws **wsi, fq_audit_format *fmt, fq_status *rc,
                         fq_audit_buf *out, char *err, size_t errlen);
/* Shutdown: waits for a running report and drops it. Call before freeing
 * the lws context or anything else of the server. */
void fq_auditjob_end(fq_server *s);

/* metrics.c: GET /metrics text, malloc'd; NULL on no memory. */
char *fq_metrics_text(fq_server *s, fq_time now, size_t *len);

#endif
