/* proto.h — the wire: JSON request bodies -> validated structs, and the
 * engine's state -> the JSON the HTTP API and the staff WebSocket send.
 *
 * This is the one place that knows key names, time formats and error codes
 * (docs/protocol.md). Parsing is strict: a body must be valid UTF-8, a JSON
 * object nested at most FQ_PROTO_MAX_DEPTH deep, with no unknown, duplicate
 * or wrongly typed fields; anything else fills an fq_proto_error with the
 * HTTP status, a machine-readable code and a message, and changes nothing.
 *
 * Builders return new jansson references (the caller owns them, json_decref)
 * or NULL when out of memory. Times are ISO-8601 UTC with milliseconds,
 * business days "YYYY-MM-DD", ticket numbers formatted ("A047"), classes,
 * services and counters by their configured ids, JSON null for absent values.
 * The public lobby view lives in display.h and has no access to any of this. */
#ifndef FAIRQ_PROTO_H
#define FAIRQ_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fairq/common.h"
#include "fairq/config.h"
#include "fairq/engine.h"

#define FQ_PROTO_MAX_DEPTH 4 /* deepest nesting any request needs, with margin */
#define FQ_NUMBER_LEN 16     /* "A047", NUL included */
#define FQ_TIME_LEN 32       /* "2026-11-23T09:01:02.123Z", NUL included */
#define FQ_DAY_LEN 11        /* "2026-11-23", NUL included */
#define FQ_TOKEN_MAX 256     /* longest accepted bearer token, NUL included */
#define FQ_CALL_REASON_MAX 120 /* bytes of a manual-call reason */

/* An error to send: {"error": {"code": code, "message": message}}. */
typedef struct fq_proto_error {
    int http_status; /* 400, 401, 403, 404, 405, 409, 413, 429, 500, ... */
    char code[32];   /* "bad_request", "unknown_field", ... */
    char message[200];
} fq_proto_error;

/* Fills err; message is printf-formatted and truncated to fit. */
void fq_proto_error_set(fq_proto_error *err, int http_status, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The error's JSON body, malloc'd, NUL-terminated (free()); NULL on no memory. */
char *fq_proto_error_json(const fq_proto_error *err);

/* --- requests ----------------------------------------------------------- */

/* POST /api/v1/tickets {"service", "class", "reason"}. class and reason may
 * be absent or null (has_* false); the server picks the default class. */
typedef struct fq_req_issue {
    char service[FQ_ID_LEN];
    char klass[FQ_ID_LEN];
    char reason[FQ_ID_LEN];
    bool has_class, has_reason;
} fq_req_issue;

/* POST /api/v1/counters/{cid}/transfer {"service"} */
typedef struct fq_req_transfer {
    char service[FQ_ID_LEN];
} fq_req_transfer;

/* POST /api/v1/counters/{cid}/call {"number", "reason"}: reason is required,
 * 1..FQ_CALL_REASON_MAX bytes, no control characters. */
typedef struct fq_req_call {
    char number[FQ_NUMBER_LEN];
    char reason[FQ_NOTE_LEN];
} fq_req_call;

/* First message on /ws/staff: {"type": "auth", "token": "..."} */
typedef struct fq_req_auth {
    char token[FQ_TOKEN_MAX];
} fq_req_auth;

/* Each parser reads body[0..len) (not NUL-terminated). On success fills out
 * and returns FQ_OK; otherwise returns FQ_EINVAL and fills err (status 400,
 * codes invalid_utf8, invalid_json, too_deep, bad_request, unknown_field,
 * missing_field, invalid_type, too_long, invalid_value). */
fq_status fq_proto_parse_issue(const char *body, size_t len, fq_req_issue *out,
                               fq_proto_error *err);
fq_status fq_proto_parse_transfer(const char *body, size_t len, fq_req_transfer *out,
                                  fq_proto_error *err);
fq_status fq_proto_parse_call(const char *body, size_t len, fq_req_call *out,
                              fq_proto_error *err);
fq_status fq_proto_parse_auth(const char *body, size_t len, fq_req_auth *out,
                              fq_proto_error *err);
/* Actions without parameters accept an empty body or an object without keys. */
fq_status fq_proto_parse_empty(const char *body, size_t len, fq_proto_error *err);

/* Is s[0..len) well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
bool fq_proto_utf8_valid(const char *s, size_t len);

/* --- formatting --------------------------------------------------------- */

/* "2026-11-23T09:01:02.123Z"; returns buf. */
char *fq_proto_time(fq_time t, char buf[FQ_TIME_LEN]);
/* 20261123 -> "2026-11-23"; returns buf. */
char *fq_proto_day(int32_t day, char buf[FQ_DAY_LEN]);
/* A JSON string of the time, or null when t == 0. */
json_t *fq_proto_time_json(fq_time t);
/* A JSON string of the day, or null when day == 0. */
json_t *fq_proto_day_json(int32_t day);
/* The ticket's number as text ("A047"). */
char *fq_proto_ticket_number(const fq_engine *e, const fq_ticket *t, char buf[FQ_NUMBER_LEN]);

/* --- views -------------------------------------------------------------- */

/* 201 reply to an issue: {"id","number","service","issued_at",
 * "estimated_wait_s","status_url"}; no class. id is the capability text. */
json_t *fq_proto_issued(const fq_engine *e, const fq_ticket *t, const char *id);

/* GET /api/v1/tickets/{id}: {"number","service","status","counter",
 * "issued_at","called_at","estimated_wait_s"} (estimate null unless waiting). */
json_t *fq_proto_ticket_public(const fq_engine *e, const fq_ticket *t, fq_time now);

/* A ticket as staff see it after next / call: {"number","service","status",
 * "counter","issued_at","called_at","class","reason","wait_s"}. */
json_t *fq_proto_ticket_staff(const fq_engine *e, const fq_ticket *t, fq_time now);

/* {"id","name","state","services":[...],"ticket","ticket_status"} */
json_t *fq_proto_counter(const fq_engine *e, int counter);

/* The current starvation alarm as the server tracks it. */
typedef struct fq_proto_alarm {
    bool active;
    uint64_t ticket; /* seq of the ticket that raised it, 0 = unknown */
    fq_time since;   /* when it was raised, 0 = unknown */
} fq_proto_alarm;

/* GET /api/v1/queue: {"day","now","policy","waiting","tickets":[...],
 * "counters":[...],"alarms":[...]}; tickets are the waiting, called and
 * serving ones in seq order. */
json_t *fq_proto_queue(const fq_engine *e, fq_time now, const fq_proto_alarm *alarm);

/* {"kind":"starvation","active","ticket","since"} for the staff socket. */
json_t *fq_proto_alarm_json(const fq_engine *e, const fq_proto_alarm *alarm);

/* An applied event in staff wire form: {"type","at","number","counter",
 * "service",...} plus the keys of its type (class, reason, manual, note,
 * state, day). Call right after applying ev, while its ticket is known. */
json_t *fq_proto_event(const fq_engine *e, const fq_event *ev);

/* GET /api/v1/info: branch, services, counters, kiosk classes, display. */
json_t *fq_proto_info(const fq_config *cfg);

/* Serialises compactly and drops the reference. malloc'd (free()), NULL on
 * no memory (the reference is dropped either way). *len gets the length. */
char *fq_proto_dump(json_t *v, size_t *len);

#endif
