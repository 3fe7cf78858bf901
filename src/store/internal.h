/* internal.h — the fq_store struct, shared by store.c and recover.c only.
 *
 * recover.c is a separate object so that programs which only read the log
 * (fairq verify, audit) do not pull the engine's apply into their link. */
#ifndef FAIRQ_STORE_INTERNAL_H
#define FAIRQ_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "fairq/store.h"
#include "store/chain.h"

enum {
    ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_INSERT_EVENT, ST_INSERT_DAY, ST_ISSUE, ST_CALLED,
    ST_RECALLED, ST_STARTED, ST_FINISH, ST_TRANSFERRED, ST_COUNT
};

struct fq_store {
    sqlite3 *db;
    char *path;
    unsigned flags;
    int lock_fd;          /* EXCLUSIVE: flock()ed "<path>.lock", else -1 */
    int version;          /* schema version of the file */
    fq_chain *chain;
    /* Cache of the log's end, authoritative for a writable store (nobody else
     * writes: EXCLUSIVE, or a test that knows what it does). */
    uint64_t next_seq;
    char head[FQ_HASH_HEX];
    int32_t day;          /* yyyymmdd of the last day event, 0 = none */
    sqlite3_stmt *st[ST_COUNT]; /* writer statements (writable stores) */
    /* Clean-stop marker (clean.c): what the lock file said at open. */
    bool marker_ok;       /* a marker that matches the file was found (and erased) */
    uint64_t marker_seq;
    char marker_head[FQ_HASH_HEX];
    int64_t checked_at;   /* unix time of the file's last full check, 0 = never */
    int open_check;       /* FQ_STORE_CHECK_* done by this open */
    /* A writable session that saw no error: close may write the marker. */
    bool healthy;
    /* FQ_STORE_CHECK_BESIDE: the whole-file check running on its thread */
    bool check_pending, check_failed;
    pthread_t check_th;
    fq_status check_status;   /* written by the thread, read after the join */
    char check_err[512];
};

/* Waits for a check started beside the recovery (no-op if none); its
 * failure, with its message in err, from then on for every call. */
fq_status fq_store_check_wait(fq_store *s, char *err, size_t errlen);

/* The read-ahead VFS for read-only connections (readahead.c): its name,
 * registered on first use, or NULL when it could not be (then SQLite's
 * default is used). */
#define FQ_STORE_READAHEAD_VFS "fairq-readahead"
const char *fq_store_readahead_vfs(void);

/* Reads the clean-stop marker from the lock file and erases it; true (and
 * marker_* / checked_at set) when it matches the database file as it is. */
bool fq_store_marker_take(fq_store *s);
/* Writes the marker for a database SQLite has just closed cleanly, with its
 * chain end; does nothing when the close was not clean. */
void fq_store_marker_write(fq_store *s, uint64_t seq, const char *head);

/* Writes "fmt..." into err and returns st. */
fq_status fq_store_fail(char *err, size_t errlen, fq_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* fq_status for a SQLite result code. */
fq_status fq_store_map_rc(int rc);

/* Recomputes the last row's hash: FQ_ECORRUPT (err says so) when it does not
 * match, so a damaged tail stops a server from building on it. */
fq_status fq_store_check_tail(fq_store *s, char *err, size_t errlen);

#endif
