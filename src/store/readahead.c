/* readahead.c — a SQLite VFS shim that reads the database file in 256 kB
 * chunks, for the read-only tools (fairq verify, audit, replay).
 *
 * SQLite's unix VFS reads one page (4 kB) per pread(). A year's audit reads
 * ~130,000 pages, and on the virtual machines measured here a system call
 * costs more than copying the page: the read side of the audit spent a third
 * of its time entering and leaving the kernel. Memory-mapping the file
 * (PRAGMA mmap_size) was tried and measured slower (a page fault per 64 kB,
 * each dearer still). So this shim keeps one buffer per database file and
 * fills it with one pread() of 256 kB when a read misses it close to the
 * previous read: after it for a scan, before it for PRAGMA quick_check,
 * which walks each b-tree from its last child. Page reads inside the buffer
 * are copies; a far jump is read as asked.
 *
 * Correctness: only the main database file is buffered (never the WAL, the
 * journal or the shared-memory index), and the buffer is dropped on every
 * lock, unlock and shared-memory lock call, i.e. at every transaction's
 * start and end, and on any write, truncate, sync or file control. Within a
 * read transaction the database-file pages a reader reads cannot change
 * under it (in WAL mode a checkpoint never overwrites a page a live reader
 * may read from the file; in rollback mode the SHARED lock keeps writers
 * out), so a buffer filled inside the transaction serves that transaction
 * exactly what pread() would. Only read-only connections use the shim. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/internal.h"

#define RA_BYTES (256 * 1024)
#define RA_MAX_READ (64 * 1024) /* larger reads go straight through */

typedef struct ra_file {
    sqlite3_file base;
    sqlite3_file *real; /* the underlying VFS's file, allocated right after */
    unsigned char *buf;
    sqlite3_int64 at;   /* file offset of buf[0] */
    int len;            /* valid bytes in buf; 0 = empty */
    sqlite3_int64 last; /* offset of the previous read */
    bool main_db;
} ra_file;

static sqlite3_vfs ra_vfs;
static sqlite3_vfs *ra_real;

#define REAL(f) (((ra_file *)(f))->real)
#define DROP(f) (((ra_file *)(f))->len = 0)

static int ra_close(sqlite3_file *f)
{
    ra_file *r = (ra_file *)f;
    int rc = r->real->pMethods ? r->real->pMethods->xClose(r->real) : SQLITE_OK;
    sqlite3_free(r->buf);
    r->buf = NULL;
    return rc;
}

static int ra_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    ra_file *r = (ra_file *)f;
    if (!r->main_db || amt <= 0 || amt > RA_MAX_READ || off < 0)
        return r->real->pMethods->xRead(r->real, out, amt, off);
    if (r->len && off >= r->at && off + amt <= r->at + r->len) {
        memcpy(out, r->buf + (off - r->at), (size_t)amt);
        r->last = off;
        return SQLITE_OK;
    }
    /* A miss. Read ahead only when this read is near the previous one:
     * forward (a table scan) or backward (PRAGMA quick_check walks b-tree
     * children from the last); a far jump is read as asked. */
    sqlite3_int64 d = off - r->last, size = 0;
    r->last = off;
    bool fwd = d > 0 && d <= RA_BYTES, back = d < 0 && -d <= RA_BYTES;
    if (!fwd && !back)
        return r->real->pMethods->xRead(r->real, out, amt, off);
    if (!r->buf)
        r->buf = sqlite3_malloc(RA_BYTES);
    if (!r->buf || r->real->pMethods->xFileSize(r->real, &size) != SQLITE_OK ||
        off + amt > size)
        return r->real->pMethods->xRead(r->real, out, amt, off); /* short reads: SQLite's way */
    sqlite3_int64 at = fwd ? off : off + amt - RA_BYTES;
    if (at < 0)
        at = 0;
    sqlite3_int64 end = at + RA_BYTES < size ? at + RA_BYTES : size;
    r->len = 0;
    int rc = r->real->pMethods->xRead(r->real, r->buf, (int)(end - at), at);
    if (rc != SQLITE_OK)
        return r->real->pMethods->xRead(r->real, out, amt, off);
    r->at = at;
    r->len = (int)(end - at);
    memcpy(out, r->buf + (off - at), (size_t)amt);
    return SQLITE_OK;
}

static int ra_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
    DROP(f);
    return REAL(f)->pMethods->xWrite(REAL(f), p, amt, off);
}

static int ra_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    DROP(f);
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ra_sync(sqlite3_file *f, int flags)
{
    DROP(f);
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ra_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ra_lock(sqlite3_file *f, int lock)
{
    DROP(f);
    return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int ra_unlock(sqlite3_file *f, int lock)
{
    DROP(f);
    return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int ra_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ra_file_control(sqlite3_file *f, int op, void *arg)
{
    DROP(f);
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ra_sector_size(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }

static int ra_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ra_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int ra_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    DROP(f); /* a WAL read transaction begins or ends */
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void ra_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }

static int ra_shm_unmap(sqlite3_file *f, int del)
{
    DROP(f);
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int ra_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int ra_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods ra_methods = {
    3, ra_close, ra_read, ra_write, ra_truncate, ra_sync, ra_file_size, ra_lock, ra_unlock,
    ra_check_reserved, ra_file_control, ra_sector_size, ra_device_characteristics, ra_shm_map,
    ra_shm_lock, ra_shm_barrier, ra_shm_unmap, ra_fetch, ra_unfetch,
};

static int ra_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    ra_file *r = (ra_file *)f;
    memset(r, 0, sizeof *r);
    r->real = (sqlite3_file *)(r + 1);
    int rc = ra_real->xOpen(ra_real, name, r->real, flags, out_flags);
    /* Only files whose underlying methods have everything we forward. */
    if (r->real->pMethods && r->real->pMethods->iVersion >= 3) {
        r->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
        r->base.pMethods = &ra_methods;
    } else if (r->real->pMethods) {
        /* cannot wrap it: close and let SQLite see a failed open */
        r->real->pMethods->xClose(r->real);
        r->base.pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    return rc;
}

/* The rest of the VFS is the default one's. */
static int ra_delete(sqlite3_vfs *v, const char *n, int sync)
{
    (void)v;
    return ra_real->xDelete(ra_real, n, sync);
}
static int ra_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
    (void)v;
    return ra_real->xAccess(ra_real, n, flags, out);
}
static int ra_full_pathname(sqlite3_vfs *v, const char *n, int len, char *out)
{
    (void)v;
    return ra_real->xFullPathname(ra_real, n, len, out);
}
static void *ra_dl_open(sqlite3_vfs *v, const char *n)
{
    (void)v;
    return ra_real->xDlOpen(ra_real, n);
}
static void ra_dl_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    ra_real->xDlError(ra_real, n, out);
}
static void (*ra_dl_sym(sqlite3_vfs *v, void *h, const char *s))(void)
{
    (void)v;
    return ra_real->xDlSym(ra_real, h, s);
}
static void ra_dl_close(sqlite3_vfs *v, void *h)
{
    (void)v;
    ra_real->xDlClose(ra_real, h);
}
static int ra_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return ra_real->xRandomness(ra_real, n, out);
}
static int ra_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return ra_real->xSleep(ra_real, us);
}
static int ra_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return ra_real->xCurrentTime(ra_real, out);
}
static int ra_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return ra_real->xGetLastError ? ra_real->xGetLastError(ra_real, n, out) : 0;
}
static int ra_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return ra_real->xCurrentTimeInt64(ra_real, out);
}

static int ra_registered;

static void ra_register(void)
{
    ra_real = sqlite3_vfs_find(NULL);
    if (!ra_real || ra_real->iVersion < 2 || !ra_real->xCurrentTimeInt64)
        return;
    ra_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(ra_file) + ra_real->szOsFile,
        .mxPathname = ra_real->mxPathname,
        .zName = FQ_STORE_READAHEAD_VFS,
        .xOpen = ra_open,
        .xDelete = ra_delete,
        .xAccess = ra_access,
        .xFullPathname = ra_full_pathname,
        .xDlOpen = ra_dl_open,
        .xDlError = ra_dl_error,
        .xDlSym = ra_dl_sym,
        .xDlClose = ra_dl_close,
        .xRandomness = ra_randomness,
        .xSleep = ra_sleep,
        .xCurrentTime = ra_current_time,
        .xGetLastError = ra_last_error,
        .xCurrentTimeInt64 = ra_current_time64,
    };
    ra_registered = sqlite3_vfs_register(&ra_vfs, 0) == SQLITE_OK;
}

const char *fq_store_readahead_vfs(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ra_register);
    return ra_registered ? FQ_STORE_READAHEAD_VFS : NULL;
}
