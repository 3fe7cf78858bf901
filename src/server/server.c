/* server.c — the server's life: start-up (tokens, store, recovery, day
 * rollover, listening socket), the one commit path every change takes, the
 * broadcasts that follow a commit, the 1-second tick and shutdown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "fairq/util.h"
#include "server/server_int.h"

#define LOG_PREFIX "fairq: "

fq_time fq_server_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (fq_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int fq_server_port(const fq_server *s)
{
    return s->port;
}

/* --- derived state: capability map, lobby view, alarm ------------------- */

static bool map_ticket(const fq_ticket *t, void *arg)
{
    fq_ticketmap *m = arg;
    static const uint8_t zero[FQ_KEY_LEN];
    if (memcmp(t->key, zero, FQ_KEY_LEN))
        fq_ticketmap_put(m, t->key, t->seq);
    return true;
}

typedef struct overdue_ctx {
    const fq_engine *e;
    fq_time now;
    const fq_ticket *best;
    fq_time best_deadline;
} overdue_ctx;

static bool find_overdue(const fq_ticket *t, void *arg)
{
    overdue_ctx *o = arg;
    const fq_class_cfg *k = &fq_engine_cfg(o->e)->classes[t->klass];
    fq_time deadline = t->issued_at + k->starvation_limit_s * 1000;

    if (k->starvation_limit_s > 0 && fq_engine_overdue(o->e, t, o->now) &&
        (!o->best || deadline < o->best_deadline ||
         (deadline == o->best_deadline && t->seq < o->best->seq))) {
        o->best = t;
        o->best_deadline = deadline;
    }
    return true;
}

/* After recovery or a new day: everything derived from the engine. */
static void rebuild_derived(fq_server *s, fq_time now)
{
    fq_ticketmap_clear(s->tickets);
    fq_engine_each_ticket(s->engine, map_ticket, s->tickets);
    fq_display_rebuild(&s->display, s->engine);
    memset(&s->alarm, 0, sizeof(s->alarm));
    if (fq_engine_alarm(s->engine)) {
        overdue_ctx o = {s->engine, now, NULL, 0};
        fq_engine_each_waiting(s->engine, find_overdue, &o);
        s->alarm.active = true;
        if (o.best) {
            s->alarm.ticket = o.best->seq;
            s->alarm.since = o.best_deadline;
        }
    }
}

/* --- the lobby's recent calls after a restart --------------------------- *
 *
 * The lobby's history is a function of the day's events, not of the
 * tickets' present state: a completed call stays on screen until newer calls
 * push it out, a no-show's is cleared. fq_display_rebuild sees only tickets
 * still called or serving, so after a restart the day's last events are fed
 * through the same fq_display_on_event the live server uses, and a screen
 * reconnecting after a restart shows what it showed before.
 *
 * Only the tail of the log is read. Fed from an empty history at any point
 * P, the calls made after P come out exactly as they would from the true
 * history at P: older calls only ever sit behind them, and a clear or a
 * call of an older number only touches that older part. So when a tail
 * alone fills the history (display.history calls) or reaches back to the
 * day's "day" event, the result is exact; otherwise a four times longer
 * tail is tried, up to the whole log. A busy day needs a few thousand
 * events, not all of them. */

typedef struct lobby_replay {
    fq_server *s;
    bool today;   /* the current day's "day" event was among the rows fed */
    fq_status rc; /* a row that did not decode (since that event) */
} lobby_replay;

/* Whether a stored event can change the lobby's calls (fq_display_on_event
 * acts on these types only), judged from its first bytes without decoding:
 * canonical bytes begin {"type":"NAME", */
static bool lobby_relevant(const fq_store_row *r, bool *day)
{
    static const char *const types[] = {"day", "called", "recalled", "no_show", "transferred",
                                        "closed"};
    static const char lead[] = "{\"type\":\"";
    const size_t n = sizeof(lead) - 1;

    *day = false;
    if (r->len <= n || memcmp(r->data, lead, n))
        return false;
    for (size_t i = 0; i < FQ_ARRAY_LEN(types); i++) {
        size_t k = strlen(types[i]);
        if (r->len > n + k + 1 && !memcmp(r->data + n, types[i], k) && r->data[n + k] == '"') {
            *day = i == 0;
            return true;
        }
    }
    return false;
}

static bool lobby_feed(const fq_store_row *r, void *arg)
{
    lobby_replay *x = arg;
    fq_server *s = x->s;
    fq_display_msg dm[FQ_DISPLAY_MAX_MSGS];
    fq_event ev;
    fq_status rc;
    bool day;

    if (!lobby_relevant(r, &day))
        return true;
    rc = fq_event_decode(fq_engine_cfg(s->engine), r->data, r->len, &ev);
    if (rc != FQ_OK) { /* an older day's may name ids the config no longer has */
        x->rc = rc;
        return true;
    }
    if (day && ev.day == fq_engine_day(s->engine)) {
        x->today = true;
        x->rc = FQ_OK;
    }
    fq_display_on_event(&s->display, s->engine, &ev, dm);
    return true;
}

static fq_status replay_lobby(fq_server *s)
{
    fq_display_view saved = s->display;
    uint64_t count = 0, tail = 4096;
    char head[FQ_HASH_HEX];
    fq_status rc;

    if (!fq_engine_day(s->engine) || fq_store_head(s->store, &count, head) != FQ_OK)
        return FQ_OK;
    for (;;) {
        uint64_t after = count > tail ? count - tail : 0;
        lobby_replay x = {s, false, FQ_OK};

        s->display.n_calls = 0;
        rc = fq_store_each(s->store, after, 0, lobby_feed, &x);
        if (rc == FQ_OK)
            rc = x.rc;
        if (rc != FQ_OK)
            break;
        if (x.today || after == 0 || s->display.n_calls == s->display.history) {
            s->display.day = fq_engine_day(s->engine);
            s->display.waiting = fq_engine_waiting(s->engine);
            return FQ_OK;
        }
        tail *= 4;
    }
    s->display = saved; /* keep the calls still open */
    return rc;
}

/* --- broadcasting ------------------------------------------------------- */

static void broadcast_display(fq_server *s, const fq_display_msg *m)
{
    uint64_t seq = ++s->display_seq;
    size_t len = 0;
    char *text;

    if (!s->displays)
        return;
    text = fq_display_msg_json(m, seq, &len);
    if (!text) {
        fprintf(stderr, LOG_PREFIX "out of memory: display message dropped\n");
        return;
    }
    fq_ws_broadcast(s, WS_DISPLAY, text, len);
    free(text);
}

static void broadcast_staff(fq_server *s, json_t *msg)
{
    size_t len = 0;
    char *text;

    if (!msg)
        return;
    /* the key is already in place (second); only its value is set here */
    json_object_set_new(msg, "seq", json_integer((json_int_t)++s->staff_seq));
    text = fq_proto_dump(msg, &len);
    if (!text) {
        fprintf(stderr, LOG_PREFIX "out of memory: staff message dropped\n");
        return;
    }
    fq_ws_broadcast(s, WS_STAFF, text, len);
    free(text);
}

/* --- the commit path ---------------------------------------------------- */

fq_status fq_server_exec(fq_server *s, const fq_command *cmd, fq_time now)
{
    const fq_sched_cfg *cfg = fq_engine_cfg(s->engine);
    json_t *wire = NULL;
    bool new_day = false;
    fq_display_msg dm[FQ_DISPLAY_MAX_MSGS];
    double t0, dt;
    fq_status rc;

    if (s->fatal)
        return FQ_EIO;
    fq_evbuf_clear(&s->evbuf);
    rc = fq_engine_decide(s->engine, cmd, now, &s->evbuf);
    if (rc != FQ_OK || s->evbuf.n == 0)
        return rc;

    t0 = mono_seconds();
    rc = fq_store_append(s->store, cfg, s->evbuf.v, s->evbuf.n);
    dt = mono_seconds() - t0;
    if (rc != FQ_OK) {
        fprintf(stderr, LOG_PREFIX "commit of %zu event(s) failed: %s; nothing changed\n",
                s->evbuf.n, fq_strerror(rc));
        fq_evbuf_clear(&s->evbuf);
        return FQ_EIO;
    }
    s->commits++;
    s->commit_seconds += dt;
    if (dt > s->commit_seconds_max)
        s->commit_seconds_max = dt;
    s->events_total += s->evbuf.n;

    if (s->staff)
        wire = json_array();
    for (size_t i = 0; i < s->evbuf.n; i++) {
        const fq_event *ev = &s->evbuf.v[i];
        int k;

        rc = fq_engine_apply(s->engine, ev);
        if (rc != FQ_OK) {
            /* The log has events the memory state refused: stop serving;
             * a restart rebuilds the state from the log. */
            fprintf(stderr,
                    LOG_PREFIX "fatal: committed event %s could not be applied (%s); stopping\n",
                    fq_event_type_name(ev->type), fq_strerror(rc));
            s->fatal = FQ_ECORRUPT;
            fq_server_stop(s);
            json_decref(wire);
            return FQ_ECORRUPT;
        }
        switch (ev->type) {
        case FQ_EV_ISSUED:
            if (fq_ticketmap_put(s->tickets, ev->key, ev->ticket))
                fprintf(stderr, LOG_PREFIX "out of memory: ticket %llu not findable by id\n",
                        (unsigned long long)ev->ticket);
            break;
        case FQ_EV_ALARM_ON:
            s->alarm.active = true;
            s->alarm.ticket = ev->ticket;
            s->alarm.since = ev->at;
            break;
        case FQ_EV_ALARM_OFF:
            s->alarm.active = false;
            break;
        case FQ_EV_DAY:
            new_day = true;
            break;
        default:
            break;
        }
        k = fq_display_on_event(&s->display, s->engine, ev, dm);
        for (int j = 0; j < k; j++)
            broadcast_display(s, &dm[j]);
        if (wire)
            json_array_append_new(wire, fq_proto_event(s->engine, ev));
        if (s->staff && (ev->type == FQ_EV_ALARM_ON || ev->type == FQ_EV_ALARM_OFF)) {
            fq_proto_alarm a = s->alarm;
            if (ev->type == FQ_EV_ALARM_OFF) {
                a.ticket = 0;
                a.since = ev->at;
            }
            broadcast_staff(s, json_pack("{s:s,s:i,s:o}", "type", "alarm", "seq", 0, "alarm",
                                         fq_proto_alarm_json(s->engine, &a)));
        }
    }
    if (new_day) {
        fq_ticketmap_clear(s->tickets);
        fq_engine_each_ticket(s->engine, map_ticket, s->tickets);
    }
    if (fq_display_on_batch_end(&s->display, s->engine, dm))
        broadcast_display(s, &dm[0]);
    if (wire)
        broadcast_staff(s, json_pack("{s:s,s:i,s:o,s:o}", "type", "update", "seq", 0, "events",
                                     wire, "queue", fq_proto_queue(s->engine, now, &s->alarm)));
    return FQ_OK;
}

/* --- business day and the tick ------------------------------------------ */

static fq_status begin_day_if_due(fq_server *s, fq_time now)
{
    int32_t today = fq_business_day(now, s->cfg.timezone, s->cfg.day_starts_min);
    fq_command cmd;
    uint64_t seed = 0;
    fq_status rc;

    if (today <= 0 || today <= fq_engine_day(s->engine))
        return FQ_OK;
    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        return FQ_EIO;
    cmd = fq_command_init(FQ_CMD_BEGIN_DAY);
    cmd.day = today;
    cmd.seed = seed;
    rc = fq_server_exec(s, &cmd, now);
    if (rc == FQ_OK)
        fprintf(stderr, LOG_PREFIX "business day %04d-%02d-%02d begins\n", (int)(today / 10000),
                (int)(today / 100 % 100), (int)(today % 100));
    return rc;
}

static void tick(lws_sorted_usec_list_t *sul)
{
    fq_server *s = lws_container_of(sul, fq_server, tick_sul);
    fq_time now = fq_server_now();
    fq_status rc;

    rc = begin_day_if_due(s, now);
    if (rc != FQ_OK)
        fprintf(stderr, LOG_PREFIX "day rollover failed: %s\n", fq_strerror(rc));
    if (fq_engine_day(s->engine)) {
        fq_command cmd = fq_command_init(FQ_CMD_TICK);
        rc = fq_server_exec(s, &cmd, now);
        if (rc != FQ_OK)
            fprintf(stderr, LOG_PREFIX "tick failed: %s\n", fq_strerror(rc));
    }
    if (!s->stop)
        lws_sul_schedule(s->ctx, 0, &s->tick_sul, tick, LWS_US_PER_SEC);
}

/* --- start-up ----------------------------------------------------------- */

/* Lobby screens hold a socket each (SPEC 11: 2,000 from one address by
 * default): sets the soft descriptor limit to want, or to the hard limit
 * when that is lower, and returns the limit in force. Exactly want, not
 * more: libwebsockets finds a connection from its fd by direct index only
 * when the fd limit it is given is not below the process's; otherwise it
 * scans its connection table for every socket event (perf: 14% of the
 * server's CPU while broadcasting to 1,000 screens, and growing with the
 * square of their number). */
static rlim_t set_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return 1024;
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
        want = rl.rlim_max;
    if (rl.rlim_cur != want) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl))
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

static const struct lws_protocols *protocols(void)
{
    static struct lws_protocols p[4];
    memset(p, 0, sizeof(p));
    p[0].name = "http";
    p[0].callback = fq_http_callback;
    p[0].per_session_data_size = fq_http_pss_size();
    p[1].name = "fairq.display.v1";
    p[1].callback = fq_ws_display_callback;
    p[1].per_session_data_size = sizeof(ws_pss);
    p[1].rx_buffer_size = 4096;
    p[2].name = "fairq.staff.v1";
    p[2].callback = fq_ws_staff_callback;
    p[2].per_session_data_size = sizeof(ws_pss);
    p[2].rx_buffer_size = 4096;
    return p; /* p[3] stays zero: the terminator */
}

static void set_header(struct lws_protocol_vhost_options *h, const char *name, const char *value,
                       struct lws_protocol_vhost_options *next)
{
    h->next = next;
    h->options = NULL;
    h->name = name;
    h->value = value;
}

static fq_status start_listening(fq_server *s, char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    unsigned fd_limit = (unsigned)s->cfg.max_connections + 256;
    rlim_t nofile = set_nofile(fd_limit);

    if (nofile != RLIM_INFINITY && fd_limit > nofile)
        fd_limit = (unsigned)nofile;
    /* Security headers on every response, including lws's own errors. */
    set_header(&s->headers[3], "x-frame-options:", "DENY", NULL);
    set_header(&s->headers[2], "referrer-policy:", "no-referrer", &s->headers[3]);
    set_header(&s->headers[1], "x-content-type-options:", "nosniff", &s->headers[2]);
    set_header(&s->headers[0], "content-security-policy:",
               "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self' ws: wss:; media-src 'self' data:; frame-ancestors 'none'",
               &s->headers[1]);

    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    memset(&info, 0, sizeof(info));
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (s->tls)
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.fd_limit_per_thread = fd_limit;
    info.user = s;
    info.max_http_header_pool = 256;
    info.timeout_secs = 20;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        snprintf(err, errlen, "cannot create the libwebsockets context");
        return FQ_EIO;
    }

    memset(&info, 0, sizeof(info));
    info.vhost_name = "fairq";
    info.port = s->cfg.port;
    info.iface = s->cfg.listen[0] ? s->cfg.listen : NULL;
    info.protocols = protocols();
    info.headers = &s->headers[0];
    info.keepalive_timeout = 30;
    info.timeout_secs = 20;
    if (s->tls) {
        /* lws checks this option again on the vhost's own creation info */
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = s->cfg.tls_cert;
        info.ssl_private_key_filepath = s->cfg.tls_key;
        info.alpn = "http/1.1";
    }
    s->vhost = lws_create_vhost(s->ctx, &info);
    if (!s->vhost) {
        snprintf(err, errlen, "cannot listen on %s:%d (in use, or a bad address or TLS files)",
                 s->cfg.listen, s->cfg.port);
        return FQ_EIO;
    }
    s->port = lws_get_vhost_listen_port(s->vhost);
    return FQ_OK;
}

fq_status fq_server_new(const fq_config *cfg, fq_server **out, char *err, size_t errlen)
{
    fq_server *s;
    fq_sched_cfg sched;
    char fresh[1024] = "";
    bool created = false;
    fq_time now = fq_server_now();
    fq_status rc;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return FQ_ENOMEM;
    }
    s->cfg = *cfg;
    s->tls = cfg->tls_cert[0] && cfg->tls_key[0];
    fq_display_init(&s->display, cfg->display_history);

    if (!realpath(cfg->www, s->www_real)) {
        fprintf(stderr, LOG_PREFIX "warning: pages folder %s not found (%s); serving the API only\n",
                cfg->www, strerror(errno));
        s->www_real[0] = '\0';
    }

    rc = fq_tokens_open(cfg->tokens_file, &s->tokens, &created, fresh, sizeof(fresh), err, errlen);
    if (rc)
        goto fail;
    if (created)
        fprintf(stderr,
                LOG_PREFIX "created tokens file %s (kiosk, staff, auditor tokens inside):\n%s",
                cfg->tokens_file, fresh);

    if (fq_util_mkdir_parent(cfg->db_path)) {
        snprintf(err, errlen, "cannot create the directory of %s: %s", cfg->db_path,
                 strerror(errno));
        rc = FQ_EIO;
        goto fail;
    }
    /* After a crash the store checks the whole file beside the recovery
     * below, which then reports a damaged file (docs/storage.md). */
    rc = fq_store_open(cfg->db_path, cfg->synchronous,
                       FQ_STORE_CREATE | FQ_STORE_EXCLUSIVE | FQ_STORE_CHECK_BESIDE, &s->store,
                       err, errlen);
    if (rc) /* the store's words name the file (and, when busy, the other server) */
        goto fail;

    sched = cfg->sched;
    sched.retain_finished = true; /* ticket status pages need finished tickets */
    s->engine = fq_engine_new(&sched);
    s->tickets = fq_ticketmap_new();
    s->conns = fq_conns_new(cfg->max_connections, cfg->connections_per_address);
    if (!s->engine || !s->tickets || !s->conns) {
        snprintf(err, errlen, "out of memory (or a scheduler configuration the engine refuses)");
        rc = FQ_ENOMEM;
        goto fail;
    }
    rc = fq_store_recover(s->store, s->engine, err, errlen);
    if (rc)
        goto fail;
    rebuild_derived(s, now);
    if (replay_lobby(s) != FQ_OK)
        fprintf(stderr, LOG_PREFIX "warning: lobby history not rebuilt from the log; "
                                   "screens show the calls still open\n");

    rc = start_listening(s, err, errlen);
    if (rc)
        goto fail;
    rc = begin_day_if_due(s, now);
    if (rc) {
        snprintf(err, errlen, "cannot begin the business day: %s", fq_strerror(rc));
        goto fail;
    }
    lws_sul_schedule(s->ctx, 0, &s->tick_sul, tick, LWS_US_PER_SEC);
    fprintf(stderr, LOG_PREFIX "%llu ticket(s) waiting, day %d, policy %s\n",
            (unsigned long long)fq_engine_waiting(s->engine), (int)fq_engine_day(s->engine),
            fq_policy_name(cfg->sched.policy));
    fprintf(stderr, LOG_PREFIX "listening on %s://%s:%d/\n", s->tls ? "https" : "http",
            cfg->listen[0] ? cfg->listen : "0.0.0.0", s->port);
    *out = s;
    return FQ_OK;
fail:
    fq_server_free(s);
    return rc;
}

fq_status fq_server_run(fq_server *s)
{
    while (!s->stop)
        if (lws_service(s->ctx, 0) < 0)
            break;
    fprintf(stderr, LOG_PREFIX "shutting down\n");
    return s->fatal;
}

void fq_server_stop(fq_server *s)
{
    if (!s)
        return;
    s->stop = 1;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

void fq_server_free(fq_server *s)
{
    if (!s)
        return;
    fq_auditjob_end(s); /* a report's worker uses the config, the path and the context */
    if (s->ctx) {
        lws_sul_cancel(&s->tick_sul);
        lws_context_destroy(s->ctx);
    }
    fq_store_close(s->store);
    fq_engine_free(s->engine);
    fq_tokens_free(s->tokens);
    fq_ticketmap_free(s->tickets);
    fq_conns_free(s->conns);
    fq_evbuf_free(&s->evbuf);
    free(s);
}
