/* schema.c — the numbered migrations of the event log (see schema.h). */
#include <stddef.h>

#include "store/schema.h"

/* v1: the log itself. seq is the rowid: 1, 2, ... with no gaps. */
static const char v1[] =
    "CREATE TABLE events ("
    " seq INTEGER PRIMARY KEY,"    /* 1, 2, ... */
    " data TEXT NOT NULL,"         /* canonical event bytes */
    " prev_hash TEXT NOT NULL,"    /* 64 hex digits */
    " hash TEXT NOT NULL"          /* hex SHA-256(prev_hash || data) */
    ");";

/* v2: tables derived from the log, kept in the same transaction as the event
 * rows: one row per ticket for audit queries, one per business day so that
 * recovery finds the current day without scanning. Both can be rebuilt from
 * the events at any time; the events are the truth. */
static const char v2[] =
    "CREATE TABLE days ("
    " seq INTEGER PRIMARY KEY,"    /* seq of the \"day\" event */
    " day TEXT NOT NULL,"          /* YYYY-MM-DD */
    " seed TEXT NOT NULL"          /* decimal, as in the event */
    ");"
    "CREATE INDEX days_by_day ON days(day);"
    "CREATE TABLE tickets ("
    " seq INTEGER PRIMARY KEY,"    /* the ticket's seq (not an event seq) */
    " day TEXT,"                   /* business day it was issued in */
    " service TEXT NOT NULL,"      /* service id at issue: the number's series */
    " class TEXT NOT NULL,"
    " reason TEXT,"                /* NULL = none */
    " number TEXT NOT NULL,"       /* as shown, e.g. A047 */
    " issued_at INTEGER NOT NULL," /* ms since the epoch */
    " called_at INTEGER,"          /* first call */
    " started_at INTEGER,"         /* first start of service */
    " finished_at INTEGER,"        /* done, no-show, cancelled or closed */
    " outcome TEXT NOT NULL,"      /* waiting called serving done no_show cancelled closed */
    " counter TEXT,"               /* last counter that called or served it */
    " recalls INTEGER NOT NULL DEFAULT 0,"
    " transfers INTEGER NOT NULL DEFAULT 0,"
    " last_service TEXT NOT NULL," /* service after the last transfer */
    " manual INTEGER NOT NULL DEFAULT 0," /* 1 = called by number (an override) */
    " estimate_s INTEGER NOT NULL,"
    " issued_event INTEGER NOT NULL" /* seq of the issued event */
    ");"
    "CREATE INDEX tickets_by_day ON tickets(day);";

static const char *const migrations[] = {NULL, v1, v2};

const char *fq_schema_sql(int version)
{
    if (version < 1 || version > FQ_SCHEMA_LATEST)
        return NULL;
    return migrations[version];
}
