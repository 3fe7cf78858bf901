/* http.c — the HTTP side of the server: connection admission, request
 * bodies (with the size limit enforced up front and as bytes arrive),
 * routing, the /api/v1 endpoints, the pages, and writing responses (headers
 * in one WRITEABLE, then the body in chunks, one lws_write each).
 *
 * Every answer is JSON except the pages, the QR code, /metrics and the
 * audit NDJSON; errors are {"error":{"code","message"}} (docs/protocol.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairq/audit.h"
#include "server/qr.h"
#include "server/server_int.h"
#include "server/static.h"

#define CHUNK 16384
#define PATH_MAX_LEN 1024
#define DISCARD_MAX (1u << 20) /* read and drop at most this much of a refused body */

enum method { M_OTHER = 0, M_GET, M_POST, M_DELETE, M_PUT, M_PATCH, M_OPTIONS, M_HEAD };

typedef struct http_pss {
    enum method method;
    char path[PATH_MAX_LEN];
    bool body_expected;
    bool too_big;
    size_t content_length;
    char *body;
    size_t body_len;
    /* the response */
    bool have_resp, headers_sent, close_after, cacheable;
    int status;
    const char *ctype;
    char extra_name[32];
    char extra_value[PATH_MAX_LEN + 8];
    char *resp;
    size_t resp_len, resp_off;
} http_pss;

size_t fq_http_pss_size(void)
{
    return sizeof(http_pss);
}

static fq_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void reset(http_pss *p)
{
    free(p->body);
    free(p->resp);
    memset(p, 0, sizeof(*p));
}

/* --- responses ---------------------------------------------------------- */

/* Takes ownership of body (malloc'd, may be NULL when len is 0). */
static void respond_take(struct lws *wsi, http_pss *p, int status, const char *ctype, char *body,
                         size_t len)
{
    fq_server *s = server_of(wsi);

    if (p->have_resp) { /* one answer per request */
        free(body);
        return;
    }
    p->have_resp = true;
    p->status = status;
    p->ctype = ctype;
    p->resp = body;
    p->resp_len = body ? len : 0;
    p->resp_off = 0;
    if (status >= 0 && status < (int)FQ_ARRAY_LEN(s->requests))
        s->requests[status]++;
    lws_callback_on_writable(wsi);
}

static void respond_json(struct lws *wsi, http_pss *p, int status, json_t *v)
{
    size_t len = 0;
    char *text = fq_proto_dump(v, &len);
    if (!text) {
        static const char oom[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
        text = strdup(oom);
        len = text ? strlen(text) : 0;
        status = 500;
    }
    respond_take(wsi, p, status, "application/json", text, len);
}

static void respond_error(struct lws *wsi, http_pss *p, const fq_proto_error *err)
{
    char *text = fq_proto_error_json(err);
    respond_take(wsi, p, err->http_status, "application/json", text, text ? strlen(text) : 0);
}

static void fail(struct lws *wsi, http_pss *p, int status, const char *code, const char *msg)
{
    fq_proto_error err;
    fq_proto_error_set(&err, status, code, "%s", msg);
    respond_error(wsi, p, &err);
}

static void method_not_allowed(struct lws *wsi, http_pss *p, const char *allow)
{
    snprintf(p->extra_name, sizeof(p->extra_name), "allow:");
    snprintf(p->extra_value, sizeof(p->extra_value), "%s", allow);
    fail(wsi, p, 405, "method_not_allowed", "method not allowed here");
}

/* An engine or store status as an HTTP error. */
static void fail_status(struct lws *wsi, http_pss *p, fq_status rc, const char *state_msg)
{
    switch (rc) {
    case FQ_EINVAL:
        fail(wsi, p, 400, "bad_request", "the request does not fit the configuration");
        break;
    case FQ_ENOTFOUND:
        fail(wsi, p, 404, "not_found", "no such ticket or number today");
        break;
    case FQ_ESTATE:
        fail(wsi, p, 409, "conflict", state_msg ? state_msg : "not allowed in the current state");
        break;
    case FQ_EDENIED:
        fail(wsi, p, 403, "forbidden", "not allowed for this role");
        break;
    default:
        fail(wsi, p, 500, "internal", rc == FQ_EIO ? "the change could not be stored; nothing changed"
                                                  : fq_strerror(rc));
        break;
    }
}

static int write_headers(struct lws *wsi, http_pss *p)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *q = start, *end = buf + sizeof(buf) - 1;
    const char *cache = p->cacheable ? "no-cache" : "no-store";

    if (lws_add_http_header_status(wsi, (unsigned)p->status, &q, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)p->ctype, (int)strlen(p->ctype), &q,
                                     end) ||
        lws_add_http_header_content_length(wsi, p->resp_len, &q, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)cache, (int)strlen(cache), &q, end))
        return -1;
    if (p->extra_name[0] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)p->extra_name,
                                    (const unsigned char *)p->extra_value,
                                    (int)strlen(p->extra_value), &q, end))
        return -1;
    if (p->close_after &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &q, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &q, end) ? -1 : 0;
}

/* One lws_write per WRITEABLE. Returns -1 to close the connection. */
static int on_writeable(struct lws *wsi, http_pss *p)
{
    unsigned char buf[LWS_PRE + CHUNK];
    size_t n;
    bool last;

    if (!p->have_resp)
        return 0;
    if (!p->headers_sent) {
        if (write_headers(wsi, p))
            return -1;
        p->headers_sent = true;
        if (p->resp_len) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    } else {
        n = p->resp_len - p->resp_off;
        if (n > CHUNK)
            n = CHUNK;
        last = p->resp_off + n == p->resp_len;
        memcpy(buf + LWS_PRE, p->resp + p->resp_off, n);
        if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
            return -1;
        p->resp_off += n;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    /* the whole answer is out */
    if (p->close_after)
        return -1;
    reset(p);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* --- request helpers ---------------------------------------------------- */

static enum method method_of(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes tok;
        enum method m;
    } map[] = {{WSI_TOKEN_GET_URI, M_GET},         {WSI_TOKEN_POST_URI, M_POST},
               {WSI_TOKEN_DELETE_URI, M_DELETE},   {WSI_TOKEN_PUT_URI, M_PUT},
               {WSI_TOKEN_PATCH_URI, M_PATCH},     {WSI_TOKEN_OPTIONS_URI, M_OPTIONS},
               {WSI_TOKEN_HEAD_URI, M_HEAD}};
    for (size_t i = 0; i < FQ_ARRAY_LEN(map); i++)
        if (lws_hdr_total_length(wsi, map[i].tok) > 0)
            return map[i].m;
    return M_OTHER;
}

/* The caller's role from "Authorization: Bearer TOKEN" (FQ_ROLE_NONE when
 * missing or unknown); *id identifies the token for rate limiting. */
static fq_role caller_role(struct lws *wsi, fq_server *s, int *id)
{
    char hdr[FQ_TOKEN_MAX + 16];
    const char *tok;
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);

    if (n <= 0 || n >= (int)sizeof(hdr))
        return FQ_ROLE_NONE;
    if (lws_hdr_copy(wsi, hdr, (int)sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
        return FQ_ROLE_NONE;
    if (strncasecmp(hdr, "Bearer ", 7))
        return FQ_ROLE_NONE;
    tok = hdr + 7;
    while (*tok == ' ')
        tok++;
    return fq_tokens_check(s->tokens, tok, strlen(tok), id);
}

/* 401 / 403 unless the caller has one of the roles (bit mask of 1 << role). */
static bool require(struct lws *wsi, http_pss *p, fq_role role, unsigned allowed)
{
    if (role == FQ_ROLE_NONE) {
        fail(wsi, p, 401, "unauthorized", "a valid 'Authorization: Bearer TOKEN' is required");
        return false;
    }
    if (!(allowed & (1u << role))) {
        fq_proto_error err;
        fq_proto_error_set(&err, 403, "forbidden", "the %s role may not do this",
                           fq_role_name(role));
        respond_error(wsi, p, &err);
        return false;
    }
    return true;
}

/* Query argument name=value (percent-decoded by lws) into buf; false if absent. */
static bool query_arg(struct lws *wsi, const char *name, char *buf, size_t len)
{
    char frag[128];
    size_t nlen = strlen(name);

    for (int i = 0; i < 32; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, (int)sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            return false;
        if (!strncmp(frag, name, nlen) && frag[nlen] == '=') {
            const char *v = frag + nlen + 1;
            size_t vlen = strlen(v);
            if (vlen >= len) /* too long for any valid value: hand back one none accepts */
                v = "?", vlen = 1;
            memcpy(buf, v, vlen + 1);
            return true;
        }
    }
    return false;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* Splits "/a/b/c" after prefix into at most n segments; returns how many. */
static int split(const char *path, char seg[][80], int n)
{
    int k = 0;
    const char *p = path;

    while (*p == '/')
        p++;
    while (*p && k < n + 1) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (k == n || len >= 80)
            return -1;
        memcpy(seg[k], p, len);
        seg[k][len] = '\0';
        k++;
        if (!e)
            break;
        p = e + 1;
        if (!*p)
            return -1; /* trailing slash */
    }
    return k;
}

/* --- /api/v1/tickets ---------------------------------------------------- */

/* The class a request without "class" gets: the last configured class the
 * role may issue (the default configuration lists `regular` last). */
static int default_class(const fq_sched_cfg *cfg, fq_role role)
{
    for (int k = cfg->n_classes - 1; k >= 0; k--)
        if (role == FQ_ROLE_STAFF || (cfg->classes[k].issued_by & FQ_ISSUER_KIOSK))
            return k;
    return FQ_NONE;
}

static void api_issue(struct lws *wsi, http_pss *p, fq_server *s)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(s->engine);
    fq_time now = fq_server_now();
    fq_proto_error err;
    fq_req_issue req;
    fq_command cmd;
    char id[33];
    int tok = -1, service, klass, reason = FQ_NONE;
    fq_role role = caller_role(wsi, s, &tok);
    const fq_ticket *t = NULL;
    fq_status rc;

    if (!require(wsi, p, role, 1u << FQ_ROLE_KIOSK | 1u << FQ_ROLE_STAFF))
        return;
    if (fq_proto_parse_issue(p->body, p->body_len, &req, &err)) {
        respond_error(wsi, p, &err);
        return;
    }
    service = fq_config_service(cfg, req.service);
    if (service == FQ_NONE) {
        fq_proto_error_set(&err, 400, "unknown_service", "no service '%s'", req.service);
        respond_error(wsi, p, &err);
        return;
    }
    klass = req.has_class ? fq_config_class(cfg, req.klass) : default_class(cfg, role);
    if (klass == FQ_NONE) {
        fq_proto_error_set(&err, 400, "unknown_class", "no class '%s'", req.klass);
        respond_error(wsi, p, &err);
        return;
    }
    if (role == FQ_ROLE_KIOSK && !(cfg->classes[klass].issued_by & FQ_ISSUER_KIOSK)) {
        fq_proto_error_set(&err, 403, "forbidden", "class '%s' is not issued at a kiosk",
                           cfg->classes[klass].id);
        respond_error(wsi, p, &err);
        return;
    }
    if (req.has_reason) {
        reason = fq_config_reason(&cfg->classes[klass], req.reason);
        if (reason == FQ_NONE) {
            fq_proto_error_set(&err, 400, "unknown_reason", "class '%s' has no reason '%s'",
                               cfg->classes[klass].id, req.reason);
            respond_error(wsi, p, &err);
            return;
        }
    }
    if (role == FQ_ROLE_KIOSK &&
        !fq_tokens_take(s->tokens, tok, s->cfg.kiosk_tickets_per_minute, now)) {
        snprintf(p->extra_name, sizeof(p->extra_name), "retry-after:");
        snprintf(p->extra_value, sizeof(p->extra_value), "%d",
                 60 / (s->cfg.kiosk_tickets_per_minute > 0 ? s->cfg.kiosk_tickets_per_minute : 1) + 1);
        fail(wsi, p, 429, "too_many_requests", "this kiosk issues too many tickets; slow down");
        return;
    }
    if (fq_ticket_new_id(id)) {
        fail(wsi, p, 500, "internal", "no randomness available");
        return;
    }
    cmd = fq_command_init(FQ_CMD_ISSUE);
    cmd.service = service;
    cmd.klass = klass;
    cmd.reason = reason;
    fq_ticket_key(id, 32, cmd.key);
    cmd.estimate_s = fq_engine_estimate_new(s->engine, klass, service, now);
    rc = fq_server_exec(s, &cmd, now);
    if (rc) {
        fail_status(wsi, p, rc, rc == FQ_ESTATE ? "no business day is open" : NULL);
        return;
    }
    for (size_t i = 0; i < s->evbuf.n; i++)
        if (s->evbuf.v[i].type == FQ_EV_ISSUED)
            t = fq_engine_ticket(s->engine, s->evbuf.v[i].ticket);
    if (!t) {
        fail(wsi, p, 500, "internal", "the ticket was stored but cannot be found");
        return;
    }
    respond_json(wsi, p, 201, fq_proto_issued(s->engine, t, id));
}

/* The ticket a capability names, or NULL. */
static const fq_ticket *ticket_by_id(fq_server *s, const char *id)
{
    uint8_t key[FQ_KEY_LEN];
    const fq_ticket *t;
    uint64_t seq;

    if (!fq_ticket_id_valid(id, strlen(id)))
        return NULL;
    fq_ticket_key(id, 32, key);
    seq = fq_ticketmap_get(s->tickets, key);
    t = seq ? fq_engine_ticket(s->engine, seq) : NULL;
    return t && !memcmp(t->key, key, FQ_KEY_LEN) ? t : NULL;
}

static bool host_ok(const char *h)
{
    if (!*h)
        return false;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && !strchr(".-:[]", *h))
            return false;
    return true;
}

static void api_qr(struct lws *wsi, http_pss *p, fq_server *s, const char *id)
{
    char host[256] = "", url[512];
    size_t len = 0;
    char *svg;

    if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) >= (int)sizeof(host) ||
        lws_hdr_copy(wsi, host, (int)sizeof(host), WSI_TOKEN_HOST) <= 0 || !host_ok(host))
        snprintf(host, sizeof(host), "%s:%d", s->cfg.listen, s->port);
    snprintf(url, sizeof(url), "%s://%s/t/%s", s->tls ? "https" : "http", host, id);
    svg = fq_qr_svg(url, &len);
    if (!svg) {
        fail(wsi, p, 500, "internal", "cannot draw the QR code");
        return;
    }
    respond_take(wsi, p, 200, "image/svg+xml", svg, len);
}

static void api_ticket(struct lws *wsi, http_pss *p, fq_server *s, char seg[][80], int n)
{
    const fq_ticket *t = ticket_by_id(s, seg[3]);
    fq_time now = fq_server_now();

    if (n == 5 && strcmp(seg[4], "qr.svg")) {
        fail(wsi, p, 404, "not_found", "no such resource");
        return;
    }
    if (!t) {
        fail(wsi, p, 404, "not_found", "no such ticket (today)");
        return;
    }
    if (n == 5) {
        if (p->method != M_GET)
            method_not_allowed(wsi, p, "GET");
        else
            api_qr(wsi, p, s, seg[3]);
        return;
    }
    if (p->method == M_GET) {
        respond_json(wsi, p, 200, fq_proto_ticket_public(s->engine, t, now));
    } else if (p->method == M_DELETE) {
        fq_command cmd = fq_command_init(FQ_CMD_CANCEL);
        char msg[120];
        fq_status rc;

        cmd.ticket = t->seq;
        snprintf(msg, sizeof(msg), "the ticket is %s; only a waiting ticket can be cancelled",
                 fq_ticket_status_name((fq_ticket_status)t->status));
        rc = fq_server_exec(s, &cmd, now);
        if (rc)
            fail_status(wsi, p, rc, msg);
        else
            respond_json(wsi, p, 200, json_pack("{s:s}", "status", "cancelled"));
    } else {
        method_not_allowed(wsi, p, "GET, DELETE");
    }
}

/* --- /api/v1/counters/{cid}/{action} ------------------------------------ */

static const struct {
    const char *name;
    fq_cmd_type cmd;
} actions[] = {
    {"open", FQ_CMD_OPEN},       {"pause", FQ_CMD_PAUSE},     {"close", FQ_CMD_CLOSE},
    {"next", FQ_CMD_NEXT},       {"recall", FQ_CMD_RECALL},   {"no-show", FQ_CMD_NO_SHOW},
    {"start", FQ_CMD_START},     {"complete", FQ_CMD_COMPLETE}, {"transfer", FQ_CMD_TRANSFER},
    {"call", FQ_CMD_CALL},
};

/* Words for a 409: why this command does not fit the counter's state now. */
static void explain_state(fq_server *s, const fq_command *cmd, char *buf, size_t len)
{
    const fq_engine *e = s->engine;
    const char *cid = fq_engine_cfg(e)->counters[cmd->counter].id;
    fq_counter_state st = fq_engine_counter_state(e, cmd->counter);
    uint64_t seq = fq_engine_counter_ticket(e, cmd->counter);
    const fq_ticket *t = seq ? fq_engine_ticket(e, seq) : NULL;
    char num[FQ_NUMBER_LEN];

    if (cmd->type == FQ_CMD_OPEN || cmd->type == FQ_CMD_PAUSE || cmd->type == FQ_CMD_CLOSE) {
        snprintf(buf, len, "counter %s is %s", cid, fq_counter_state_name(st));
        return;
    }
    if (st == FQ_C_CLOSED && cmd->type != FQ_CMD_COMPLETE) {
        snprintf(buf, len, "counter %s is closed", cid);
        return;
    }
    if (st == FQ_C_PAUSED && (cmd->type == FQ_CMD_NEXT || cmd->type == FQ_CMD_CALL)) {
        snprintf(buf, len, "counter %s is paused", cid);
        return;
    }
    if (cmd->type == FQ_CMD_CALL) {
        const fq_ticket *c = fq_engine_find_number(e, cmd->number_service, cmd->number);
        if (c) {
            snprintf(buf, len, "ticket %s is %s, not waiting", fq_proto_ticket_number(e, c, num),
                     fq_ticket_status_name((fq_ticket_status)c->status));
            return;
        }
    }
    if (!t) {
        snprintf(buf, len, "counter %s has no called or serving ticket", cid);
        return;
    }
    snprintf(buf, len, "ticket %s at counter %s is %s", fq_proto_ticket_number(e, t, num), cid,
             fq_ticket_status_name((fq_ticket_status)t->status));
}

static void api_counter(struct lws *wsi, http_pss *p, fq_server *s, const char *cid,
                        const char *action)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(s->engine);
    fq_time now = fq_server_now();
    fq_proto_error err;
    fq_command cmd;
    fq_status rc;
    size_t a;
    int counter;

    for (a = 0; a < FQ_ARRAY_LEN(actions); a++)
        if (!strcmp(action, actions[a].name))
            break;
    counter = fq_config_counter(cfg, cid);
    if (a == FQ_ARRAY_LEN(actions) || counter == FQ_NONE) {
        fq_proto_error_set(&err, 404, "not_found", a == FQ_ARRAY_LEN(actions)
                                                       ? "no action '%.40s'"
                                                       : "no counter '%.40s'",
                           a == FQ_ARRAY_LEN(actions) ? action : cid);
        respond_error(wsi, p, &err);
        return;
    }
    if (p->method != M_POST) {
        method_not_allowed(wsi, p, "POST");
        return;
    }
    if (!require(wsi, p, caller_role(wsi, s, NULL), 1u << FQ_ROLE_STAFF))
        return;
    cmd = fq_command_init(actions[a].cmd);
    cmd.counter = counter;
    if (cmd.type == FQ_CMD_TRANSFER) {
        fq_req_transfer req;
        if (fq_proto_parse_transfer(p->body, p->body_len, &req, &err)) {
            respond_error(wsi, p, &err);
            return;
        }
        cmd.service = fq_config_service(cfg, req.service);
        if (cmd.service == FQ_NONE) {
            fq_proto_error_set(&err, 400, "unknown_service", "no service '%s'", req.service);
            respond_error(wsi, p, &err);
            return;
        }
    } else if (cmd.type == FQ_CMD_CALL) {
        fq_req_call req;
        if (fq_proto_parse_call(p->body, p->body_len, &req, &err)) {
            respond_error(wsi, p, &err);
            return;
        }
        if (fq_engine_parse_number(s->engine, req.number, &cmd.number_service, &cmd.number)) {
            fq_proto_error_set(&err, 400, "invalid_number", "'%s' is not a ticket number",
                               req.number);
            respond_error(wsi, p, &err);
            return;
        }
        snprintf(cmd.note, sizeof(cmd.note), "%s", req.reason);
    } else if (fq_proto_parse_empty(p->body, p->body_len, &err)) {
        respond_error(wsi, p, &err);
        return;
    }
    rc = fq_server_exec(s, &cmd, now);
    if (rc == FQ_ESTATE) {
        char msg[160];
        explain_state(s, &cmd, msg, sizeof(msg));
        fail(wsi, p, 409, "conflict", msg);
        return;
    }
    if (rc == FQ_ENOTFOUND && cmd.type == FQ_CMD_CALL) {
        fail(wsi, p, 404, "not_found", "no ticket with this number today");
        return;
    }
    if (rc) {
        fail_status(wsi, p, rc, NULL);
        return;
    }
    if (cmd.type == FQ_CMD_NEXT) {
        const fq_ticket *t = NULL;
        for (size_t i = 0; i < s->evbuf.n; i++)
            if (s->evbuf.v[i].type == FQ_EV_CALLED)
                t = fq_engine_ticket(s->engine, s->evbuf.v[i].ticket);
        respond_json(wsi, p, 200,
                     json_pack("{s:o}", "ticket",
                               t ? fq_proto_ticket_staff(s->engine, t, now) : json_null()));
        return;
    }
    respond_json(wsi, p, 200, json_pack("{s:o}", "counter", fq_proto_counter(s->engine, counter)));
}

/* --- audit, health, metrics --------------------------------------------- */

typedef struct ndjson {
    char *p;
    size_t len, cap;
    bool failed;
} ndjson;

static bool ndjson_put(ndjson *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 65536) + n;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = true;
            return false;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

static bool ndjson_row(const fq_store_row *row, void *arg)
{
    ndjson *b = arg;
    char head[64], tail[192];
    int h = snprintf(head, sizeof(head), "{\"seq\":%llu,\"event\":", (unsigned long long)row->seq);
    int t = snprintf(tail, sizeof(tail), ",\"prev_hash\":\"%.64s\",\"hash\":\"%.64s\"}\n",
                     row->prev_hash, row->hash);
    return ndjson_put(b, head, (size_t)h) && ndjson_put(b, row->data, row->len) &&
           ndjson_put(b, tail, (size_t)t);
}

static void api_audit_events(struct lws *wsi, http_pss *p, fq_server *s)
{
    char arg[32];
    uint64_t after = 0, limit = 1000;
    ndjson b = {NULL, 0, 0, false};
    fq_status rc;

    if (query_arg(wsi, "after", arg, sizeof(arg)) && !parse_u64(arg, &after)) {
        fail(wsi, p, 400, "invalid_value", "'after' must be a sequence number");
        return;
    }
    if (query_arg(wsi, "limit", arg, sizeof(arg)) &&
        (!parse_u64(arg, &limit) || limit < 1 || limit > 10000)) {
        fail(wsi, p, 400, "invalid_value", "'limit' must be 1..10000");
        return;
    }
    rc = fq_store_each(s->store, after, limit, ndjson_row, &b);
    if (rc || b.failed) {
        free(b.p);
        fail(wsi, p, 500, "internal", "cannot read the event log");
        return;
    }
    respond_take(wsi, p, 200, "application/x-ndjson", b.p, b.len);
}

/* GET /api/v1/audit/report?from=&to=&format=: the same report as `fairq
 * audit`, computed from the log on request. It runs on a worker thread
 * (auditjob.c; a year of a busy branch takes over a second) while the loop
 * goes on serving; the answer is written when the worker is done
 * (audit_collect). One report at a time: another request meanwhile gets 429
 * busy with Retry-After (SPEC 7 lists the error statuses; 429 is the one
 * for "not now, ask again"). The HTML report styles itself inline, which the
 * pages' CSP forbids, so it is sent as a download to be opened as the
 * self-contained file it is. */
#define AUDIT_RETRY_AFTER_S "5"
#define AUDIT_TIMEOUT_S 600 /* a year of a busy branch: about 5 s in the ASan build */

static void api_audit_report(struct lws *wsi, http_pss *p, fq_server *s)
{
    char arg[32];
    int32_t from = 0, to = 0;
    fq_audit_format fmt = FQ_AUDIT_JSON;
    fq_status rc;

    if (query_arg(wsi, "format", arg, sizeof(arg)) && fq_audit_format_parse(arg, &fmt)) {
        fail(wsi, p, 400, "invalid_value", "'format' must be json, csv, text or html");
        return;
    }
    if ((query_arg(wsi, "from", arg, sizeof(arg)) && arg[0] && fq_audit_parse_day(arg, &from)) ||
        (query_arg(wsi, "to", arg, sizeof(arg)) && arg[0] && fq_audit_parse_day(arg, &to))) {
        fail(wsi, p, 400, "invalid_value", "'from' and 'to' must be dates YYYY-MM-DD");
        return;
    }
    if (from && to && from > to) {
        fail(wsi, p, 400, "invalid_value", "'from' is after 'to'");
        return;
    }
    rc = fq_auditjob_start(s, wsi, from, to, fmt);
    if (rc == FQ_EBUSY) {
        snprintf(p->extra_name, sizeof(p->extra_name), "retry-after:");
        snprintf(p->extra_value, sizeof(p->extra_value), AUDIT_RETRY_AFTER_S);
        fail(wsi, p, 429, "busy", "another audit report is being computed; try again shortly");
    } else if (rc) {
        fail(wsi, p, 500, "internal", "cannot start the audit report");
    } else {
        /* The answer comes from audit_collect. Meanwhile the connection is
         * idle: lift lws's usual 20 s limit to one no report comes near. */
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, AUDIT_TIMEOUT_S);
    }
}

/* The loop was woken (LWS_CALLBACK_EVENT_WAIT_CANCELLED): answers the
 * request of a finished report, if it is still there. */
static void audit_collect(fq_server *s)
{
    struct lws *wsi = NULL;
    fq_audit_format fmt = FQ_AUDIT_JSON;
    fq_status rc = FQ_OK;
    fq_audit_buf out = {0};
    char err[256];
    http_pss *p;

    if (!fq_auditjob_collect(s, &wsi, &fmt, &rc, &out, err, sizeof(err)))
        return;
    p = wsi ? lws_wsi_user(wsi) : NULL;
    if (!p) { /* the client went away meanwhile */
        fq_audit_buf_free(&out);
        return;
    }
    if (rc) {
        fq_audit_buf_free(&out);
        fail(wsi, p, 500, "internal", err);
        return;
    }
    if (fmt == FQ_AUDIT_HTML || fmt == FQ_AUDIT_CSV) {
        snprintf(p->extra_name, sizeof(p->extra_name), "content-disposition:");
        snprintf(p->extra_value, sizeof(p->extra_value), "attachment; filename=\"fairq-audit.%s\"",
                 fmt == FQ_AUDIT_HTML ? "html" : "csv");
    }
    respond_take(wsi, p, 200, fq_audit_format_mime(fmt), out.data, out.len);
}

static bool health_row(const fq_store_row *row, void *arg)
{
    (void)row;
    (void)arg;
    return false;
}

/* Healthy = the state follows the log and the database answers a real
 * query (the newest row is read back through SQLite, not from a cache). */
static void api_healthz(struct lws *wsi, http_pss *p, fq_server *s)
{
    uint64_t count = 0;
    char head[FQ_HASH_HEX];

    if (s->fatal || fq_store_head(s->store, &count, head) != FQ_OK ||
        fq_store_each(s->store, count ? count - 1 : 0, 1, health_row, NULL) != FQ_OK) {
        respond_json(wsi, p, 503, json_pack("{s:s}", "status", "unavailable"));
        return;
    }
    respond_json(wsi, p, 200, json_pack("{s:s}", "status", "ok"));
}

/* --- routing ------------------------------------------------------------ */

static void route_api(struct lws *wsi, http_pss *p, fq_server *s)
{
    char seg[6][80];
    int n = split(p->path, seg, 6);
    fq_time now = fq_server_now();

    if (n < 3 || strcmp(seg[0], "api") || strcmp(seg[1], "v1")) {
        fail(wsi, p, 404, "not_found", "no such endpoint");
        return;
    }
    if (!strcmp(seg[2], "tickets")) {
        if (n == 3) {
            if (p->method == M_POST)
                api_issue(wsi, p, s);
            else
                method_not_allowed(wsi, p, "POST");
        } else if (n == 4 || n == 5) {
            api_ticket(wsi, p, s, seg, n);
        } else {
            fail(wsi, p, 404, "not_found", "no such endpoint");
        }
    } else if (!strcmp(seg[2], "counters") && n == 5) {
        api_counter(wsi, p, s, seg[3], seg[4]);
    } else if (n == 3 && !strcmp(seg[2], "queue")) {
        if (p->method != M_GET)
            method_not_allowed(wsi, p, "GET");
        else if (require(wsi, p, caller_role(wsi, s, NULL), 1u << FQ_ROLE_STAFF))
            respond_json(wsi, p, 200, fq_proto_queue(s->engine, now, &s->alarm));
    } else if (n == 3 && !strcmp(seg[2], "display")) {
        size_t len = 0;
        char *text;
        if (p->method != M_GET) {
            method_not_allowed(wsi, p, "GET");
            return;
        }
        text = fq_display_snapshot_json(&s->display, s->display_seq, &len);
        if (!text)
            fail(wsi, p, 500, "internal", "out of memory");
        else
            respond_take(wsi, p, 200, "application/json", text, len);
    } else if (n == 3 && !strcmp(seg[2], "info")) {
        if (p->method != M_GET)
            method_not_allowed(wsi, p, "GET");
        else
            respond_json(wsi, p, 200, fq_proto_info(&s->cfg));
    } else if (n == 4 && !strcmp(seg[2], "audit") &&
               (!strcmp(seg[3], "events") || !strcmp(seg[3], "report"))) {
        if (p->method != M_GET)
            method_not_allowed(wsi, p, "GET");
        else if (!require(wsi, p, caller_role(wsi, s, NULL), 1u << FQ_ROLE_AUDITOR))
            return;
        else if (!strcmp(seg[3], "events"))
            api_audit_events(wsi, p, s);
        else
            api_audit_report(wsi, p, s);
    } else {
        fail(wsi, p, 404, "not_found", "no such endpoint");
    }
}

static void route_static(struct lws *wsi, http_pss *p, fq_server *s)
{
    fq_static_file f;
    fq_status rc;

    if (p->method != M_GET) {
        method_not_allowed(wsi, p, "GET");
        return;
    }
    if (!s->www_real[0]) {
        fail(wsi, p, 404, "not_found", "no such page");
        return;
    }
    rc = fq_static_load(s->www_real, p->path, &f);
    if (rc == FQ_EINVAL) {
        snprintf(p->extra_name, sizeof(p->extra_name), "location:");
        snprintf(p->extra_value, sizeof(p->extra_value), "%s/", p->path);
        respond_json(wsi, p, 301, json_pack("{s:s}", "location", p->extra_value));
        return;
    }
    if (rc == FQ_ENOTFOUND) {
        fail(wsi, p, 404, "not_found", "no such page");
        return;
    }
    if (rc) {
        fail(wsi, p, 500, "internal", "cannot read the page");
        return;
    }
    p->cacheable = true;
    respond_take(wsi, p, 200, f.mime, f.data, f.len);
}

static void handle(struct lws *wsi, http_pss *p)
{
    fq_server *s = server_of(wsi);
    fq_time now = fq_server_now();

    if (!strncmp(p->path, "/api/", 5)) {
        route_api(wsi, p, s);
    } else if (!strcmp(p->path, "/healthz")) {
        if (p->method != M_GET)
            method_not_allowed(wsi, p, "GET");
        else
            api_healthz(wsi, p, s);
    } else if (!strcmp(p->path, "/metrics")) {
        size_t len = 0;
        char *text;
        if (p->method != M_GET) {
            method_not_allowed(wsi, p, "GET");
            return;
        }
        text = fq_metrics_text(s, now, &len);
        if (!text)
            fail(wsi, p, 500, "internal", "out of memory");
        else
            respond_take(wsi, p, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    } else if (!strncmp(p->path, "/ws/", 4)) {
        fail(wsi, p, 400, "upgrade_required",
             "this is a WebSocket endpoint (subprotocol fairq.display.v1 or fairq.staff.v1)");
    } else {
        route_static(wsi, p, s);
    }
}

/* --- request start and body --------------------------------------------- */

static int on_request(struct lws *wsi, http_pss *p, const char *uri, size_t len)
{
    fq_server *s = server_of(wsi);
    char cl[32];
    bool has_cl;

    reset(p);
    p->method = method_of(wsi);
    if (len >= sizeof(p->path) || !uri) {
        p->close_after = true;
        fail(wsi, p, 400, "bad_request", "the path is too long");
        return 0;
    }
    if (memchr(uri, '\0', len)) {
        fail(wsi, p, 400, "bad_request", "the path contains a NUL byte");
        return 0;
    }
    memcpy(p->path, uri, len);
    p->path[len] = '\0';

    has_cl = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
             lws_hdr_copy(wsi, cl, (int)sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    if (has_cl) {
        uint64_t v;
        if (!parse_u64(cl, &v)) {
            p->close_after = true;
            fail(wsi, p, 400, "bad_request", "bad Content-Length");
            return 0;
        }
        p->content_length = v > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)v;
    }
    if ((p->method == M_POST || p->method == M_PUT || p->method == M_PATCH) && !has_cl) {
        /* lws would wait for a body it cannot delimit */
        p->close_after = true;
        fail(wsi, p, 411, "length_required", "a Content-Length header is required");
        return 0;
    }
    p->body_expected = p->content_length > 0 || (p->method == M_POST && has_cl);
    if (!p->body_expected) {
        handle(wsi, p);
        return 0;
    }
    if (p->content_length > s->cfg.body_bytes) {
        p->too_big = true;
        if (p->content_length > DISCARD_MAX) {
            /* not worth reading: answer now and hang up */
            p->close_after = true;
            fail(wsi, p, 413, "payload_too_large", "the body is larger than limits.body_bytes");
        }
        return 0;
    }
    p->body = malloc(p->content_length + 1);
    if (!p->body) {
        p->close_after = true;
        fail(wsi, p, 500, "internal", "out of memory");
    }
    return 0;
}

static void on_body(struct lws *wsi, http_pss *p, const char *in, size_t len)
{
    fq_server *s = server_of(wsi);

    if (p->too_big || p->have_resp || !len || !in || !p->body)
        return; /* discarding, or lws's empty body callback */
    if (p->body_len + len > p->content_length || p->body_len + len > s->cfg.body_bytes) {
        p->too_big = true;
        free(p->body);
        p->body = NULL;
        return;
    }
    memcpy(p->body + p->body_len, in, len);
    p->body_len += len;
}

static void on_body_done(struct lws *wsi, http_pss *p)
{
    char msg[96];

    if (p->have_resp)
        return;
    if (p->too_big) {
        snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
                 server_of(wsi)->cfg.body_bytes);
        fail(wsi, p, 413, "payload_too_large", msg);
        return;
    }
    if (p->body)
        p->body[p->body_len] = '\0';
    handle(wsi, p);
}

/* --- connection admission (limits) ------------------------------------- */

static int on_filter_network(fq_server *s, const struct lws_filter_network_conn_args *a)
{
    fq_conn_addr addr = fq_conn_addr_of((const struct sockaddr *)&a->cli_addr);

    if (!fq_conns_admit(s->conns, &addr))
        return 1; /* over limits.max_connections or connections_per_address */
    s->pending_admit = true;
    s->pending_addr = addr;
    return 0;
}

static void on_wsi_create(fq_server *s, struct lws *wsi)
{
    /* lws creates the wsi of the socket it just let through the filter */
    if (!s->pending_admit)
        return;
    s->pending_admit = false;
    fq_conns_attach(s->conns, wsi, &s->pending_addr);
}

int fq_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    http_pss *p = user;

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return on_filter_network(server_of(wsi), user);
    case LWS_CALLBACK_WSI_CREATE:
        on_wsi_create(server_of(wsi), wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        fq_auditjob_detach(server_of(wsi), wsi);
        fq_conns_detach(server_of(wsi)->conns, wsi);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        audit_collect(server_of(wsi));
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* a WebSocket must name fairq.display.v1 or fairq.staff.v1 */
    case LWS_CALLBACK_HTTP:
        return on_request(wsi, p, in, len);
    case LWS_CALLBACK_HTTP_BODY:
        on_body(wsi, p, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        on_body_done(wsi, p);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return p ? on_writeable(wsi, p) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        fq_auditjob_detach(server_of(wsi), wsi);
        if (p)
            reset(p);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
