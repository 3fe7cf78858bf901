/* server.h — `fairq serve`: one libwebsockets event loop serving the HTTP
 * API, the pages and the WebSockets of one branch (docs/protocol.md).
 *
 * Every change goes one way: request -> proto (parse) -> engine (decide) ->
 * store (commit) -> engine (apply) -> answer -> broadcast, so nothing is
 * answered or shown before it is durable and a failed commit changes
 * nothing. A 1-second timer raises starvation alarms and rolls the business
 * day over through the same path. */
#ifndef FAIRQ_SERVER_H
#define FAIRQ_SERVER_H

#include <stddef.h>

#include "fairq/common.h"
#include "fairq/config.h"

typedef struct fq_server fq_server;

/* Opens the tokens file (creating it when missing), the store (exclusively,
 * creating it and its directory when missing), recovers the engine from the
 * log, starts a new business day when the log's is over, and starts
 * listening; logs "fairq: listening on http://HOST:PORT/" to stderr. cfg is
 * copied. On error returns a status and a one-line reason in err: FQ_EBUSY
 * when another server holds the database, FQ_EDENIED for an unsafe tokens
 * file, FQ_EIO, FQ_ECORRUPT, FQ_ECONFIG otherwise. */
fq_status fq_server_new(const fq_config *cfg, fq_server **out, char *err, size_t errlen);

/* Serves until fq_server_stop. Returns FQ_OK after a clean stop, or an error
 * when the server had to stop (its state could no longer follow the log). */
fq_status fq_server_run(fq_server *s);

/* Asks the loop to stop; safe to call from a signal handler. */
void fq_server_stop(fq_server *s);

/* Closes connections, the store and everything else. NULL is a no-op. */
void fq_server_free(fq_server *s);

/* The port actually listened on (useful with server.port = 0). */
int fq_server_port(const fq_server *s);

#endif
