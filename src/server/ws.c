/* ws.c — the two WebSockets: /ws/display (public lobby screens) and
 * /ws/staff (counter consoles, token in the first message).
 *
 * Each connection has a bounded ring of shared messages (outq.h); a
 * broadcast is serialised once and queued everywhere; every WRITEABLE writes
 * exactly one message. A connection more than FQ_OUTQ_CAP messages behind is
 * dropped (close code 4408) so a screen that stopped reading cannot hold
 * memory or hold up the others; it reconnects and gets a fresh snapshot.
 *
 * seq: every display socket receives every display broadcast after its
 * snapshot, so one counter per stream does: the snapshot carries the
 * stream's current seq and each later message the next one — on every
 * connection seq grows by exactly one per message. The same for staff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server/server_int.h"

static fq_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void list_add(ws_pss **head, ws_pss *p)
{
    p->prev = NULL;
    p->next = *head;
    if (*head)
        (*head)->prev = p;
    *head = p;
    p->listed = true;
}

static void list_del(ws_pss **head, ws_pss *p)
{
    if (!p->listed)
        return;
    if (p->prev)
        p->prev->next = p->next;
    else
        *head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->next = p->prev = NULL;
    p->listed = false;
}

static ws_pss **list_of(fq_server *s, ws_kind kind)
{
    return kind == WS_DISPLAY ? &s->displays : &s->staff;
}

/* Drops a connection that fell too far behind: its ring is emptied at once
 * and nothing more is queued; the close frame (4408) goes out at its next
 * WRITEABLE, i.e. after the bytes already handed to the kernel, so a slow
 * reader learns why. One that does not read for FQ_LAG_GRACE_S more seconds
 * cannot receive even that and is cut off. The close is deferred either
 * way: we may be inside another connection's callback. */
static void cull(fq_server *s, ws_pss *p)
{
    s->lagging_closed[p->kind == WS_DISPLAY ? 0 : 1]++;
    fprintf(stderr, "fairq: %s connection %d messages behind: closing it (%d)\n",
            p->kind == WS_DISPLAY ? "display" : "staff", FQ_OUTQ_CAP, FQ_CLOSE_LAGGING);
    p->culled = true;
    list_del(list_of(s, p->kind), p);
    fq_outq_clear(&p->q);
    lws_set_timeout(p->wsi, PENDING_TIMEOUT_LAGGING, FQ_LAG_GRACE_S);
    lws_callback_on_writable(p->wsi);
}

static void queue_one(fq_server *s, ws_pss *p, char *text, size_t len)
{
    fq_msg *m;

    if (!text) {
        lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    m = fq_msg_new(text, len);
    free(text);
    if (!m || !fq_outq_push(&p->q, m))
        cull(s, p);
    else
        lws_callback_on_writable(p->wsi);
    fq_msg_unref(m);
}

void fq_ws_broadcast(fq_server *s, ws_kind kind, const char *text, size_t len)
{
    ws_pss *p = *list_of(s, kind), *next;
    fq_msg *m;

    if (!p)
        return;
    m = fq_msg_new(text, len);
    if (!m)
        return;
    for (; p; p = next) {
        next = p->next;
        if (!fq_outq_push(&p->q, m))
            cull(s, p);
        else
            lws_callback_on_writable(p->wsi);
    }
    fq_msg_unref(m);
}

/* One message per WRITEABLE. Returns -1 to close. */
static int write_next(struct lws *wsi, ws_pss *p)
{
    fq_msg *m;

    if (p->close_code) {
        lws_close_reason(wsi, (enum lws_close_status)p->close_code, NULL, 0);
        return -1;
    }
    if (p->culled) {
        static const char why[] = "too far behind; reconnect for a fresh snapshot";
        lws_close_reason(wsi, (enum lws_close_status)FQ_CLOSE_LAGGING, (unsigned char *)why,
                         sizeof(why) - 1);
        return -1;
    }
    m = fq_outq_peek(&p->q);
    if (!m)
        return 0;
    if (lws_write(wsi, fq_msg_payload(m), m->len, LWS_WRITE_TEXT) < (int)m->len)
        return -1;
    fq_outq_pop(&p->q);
    if (p->q.count)
        lws_callback_on_writable(wsi);
    return 0;
}

/* Counts the bytes of the message being received; true when it is over the
 * limit (the caller closes with 1009). */
static bool too_big(fq_server *s, struct lws *wsi, ws_pss *p, size_t len)
{
    p->rx_len += len;
    if (p->rx_len > s->cfg.ws_message_bytes) {
        static const char why[] = "message larger than limits.ws_message_bytes";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                         sizeof(why) - 1);
        return true;
    }
    return false;
}

/* A lobby screen gets a few hundred bytes per change. Left alone, the
 * kernel's send buffer of a screen that stopped reading grows (autotuning)
 * towards net.ipv4.tcp_wmem's maximum, 4 MiB on Debian: measured on
 * loopback, a stalled screen swallowed 20,000 messages (940 kB) and the
 * server never saw its ring fill. A fixed SO_SNDBUF (the kernel doubles it
 * for its bookkeeping) bounds that per screen, so a stalled one backs up
 * into its ring after a few hundred messages and is dropped (4408). Best
 * effort: a failure only leaves the kernel's default. */
static void cap_send_buffer(struct lws *wsi)
{
    int fd = (int)lws_get_socket_fd(wsi);
    int size = FQ_DISPLAY_SNDBUF;

    if (fd >= 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static bool uri_is(struct lws *wsi, const char *want)
{
    char uri[64];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) >= (int)sizeof(uri) ||
        lws_hdr_copy(wsi, uri, (int)sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
        return false;
    return !strcmp(uri, want);
}

static void closed(fq_server *s, ws_pss *p)
{
    if (!p->kind)
        return;
    list_del(list_of(s, p->kind), p);
    fq_outq_clear(&p->q);
    if (p->kind == WS_DISPLAY) {
        s->n_display--;
    } else {
        lws_sul_cancel(&p->auth_sul);
        free(p->rx);
        p->rx = NULL;
        s->n_staff--;
    }
    p->kind = 0;
}

int fq_ws_display_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                           void *in, size_t len)
{
    ws_pss *p = user;
    fq_server *s;
    size_t n = 0;
    char *text;

    (void)in;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return uri_is(wsi, "/ws/display") ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
        s = server_of(wsi);
        memset(p, 0, sizeof(*p));
        p->wsi = wsi;
        p->kind = WS_DISPLAY;
        s->n_display++;
        cap_send_buffer(wsi);
        text = fq_display_snapshot_json(&s->display, s->display_seq, &n);
        queue_one(s, p, text, n);
        if (!p->culled)
            list_add(&s->displays, p);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        /* The lobby only listens; messages are ignored, but not unbounded. */
        if (too_big(server_of(wsi), wsi, p, len))
            return -1;
        if (lws_is_final_fragment(wsi))
            p->rx_len = 0;
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return write_next(wsi, p);
    case LWS_CALLBACK_CLOSED:
        closed(server_of(wsi), p);
        return 0;
    default:
        return 0;
    }
}

static void auth_expired(lws_sorted_usec_list_t *sul)
{
    ws_pss *p = lws_container_of(sul, ws_pss, auth_sul);
    if (!p->authed && !p->close_code) {
        p->close_code = FQ_CLOSE_AUTH;
        lws_callback_on_writable(p->wsi);
    }
}

static int staff_auth(fq_server *s, struct lws *wsi, ws_pss *p)
{
    static const char bad[] = "a staff token is required";
    fq_proto_error err;
    fq_req_auth req;
    size_t n = 0;
    char *text;

    if (fq_proto_parse_auth(p->rx, p->rx_len, &req, &err) ||
        fq_tokens_check(s->tokens, req.token, strlen(req.token), NULL) != FQ_ROLE_STAFF) {
        lws_close_reason(wsi, (enum lws_close_status)FQ_CLOSE_AUTH, (unsigned char *)bad,
                         sizeof(bad) - 1);
        return -1;
    }
    p->authed = true;
    lws_sul_cancel(&p->auth_sul);
    free(p->rx);
    p->rx = NULL;
    p->rx_len = 0;
    text = fq_proto_dump(json_pack("{s:s,s:I,s:o}", "type", "snapshot", "seq",
                                   (json_int_t)s->staff_seq, "queue",
                                   fq_proto_queue(s->engine, fq_server_now(), &s->alarm)),
                         &n);
    queue_one(s, p, text, n);
    if (!p->culled)
        list_add(&s->staff, p);
    return 0;
}

int fq_ws_staff_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    ws_pss *p = user;
    fq_server *s;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return uri_is(wsi, "/ws/staff") ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
        s = server_of(wsi);
        memset(p, 0, sizeof(*p));
        p->wsi = wsi;
        p->kind = WS_STAFF;
        s->n_staff++;
        lws_sul_schedule(s->ctx, 0, &p->auth_sul, auth_expired, FQ_AUTH_TIMEOUT_US);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        s = server_of(wsi);
        if (p->close_code)
            return 0;
        if (p->authed) { /* nothing to say yet: ignored, but bounded */
            if (too_big(s, wsi, p, len))
                return -1;
            if (lws_is_final_fragment(wsi))
                p->rx_len = 0;
            return 0;
        }
        if (!p->rx) {
            p->rx = malloc(s->cfg.ws_message_bytes + 1);
            if (!p->rx)
                return -1;
        }
        if (p->rx_len + len > s->cfg.ws_message_bytes) {
            too_big(s, wsi, p, len);
            return -1;
        }
        memcpy(p->rx + p->rx_len, in, len);
        p->rx_len += len;
        if (!lws_is_final_fragment(wsi))
            return 0;
        return staff_auth(s, wsi, p);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return write_next(wsi, p);
    case LWS_CALLBACK_CLOSED:
        closed(server_of(wsi), p);
        return 0;
    default:
        return 0;
    }
}
