/* clean.c — the clean-stop marker: lets a server that restarts after a clean
 * stop skip PRAGMA quick_check of the whole file (docs/storage.md, "Restart
 * and recovery").
 *
 * The marker lives in the server's lock file ("<path>.lock"), which only an
 * EXCLUSIVE store holds. fq_store_close writes it after SQLite closed the
 * database cleanly (WAL checkpointed and removed) and only when nothing went
 * wrong during the session. It records the database file's identity and
 * timestamps (device, inode, size, mtime, ctime), the chain's end (seq and
 * head hash) and when the file last had a full check. The next EXCLUSIVE
 * open reads it and erases it at once, before anything can write: a crash
 * after that leaves no marker, so the open after the crash runs the full
 * check. The marker only counts when every recorded field still matches the
 * file, no -wal or -journal file exists, and the last full check is less
 * than FQ_STORE_CHECK_MAX_AGE_S old.
 *
 * Any write to the database file changes its mtime and ctime (ctime cannot
 * be set back by a program), so a file replaced, restored, edited or copied
 * over after the stop no longer matches. To make "changes" strict, the
 * marker is only written once the coarse clock the kernel stamps files with
 * has moved past the file's timestamps: a later write cannot carry the same
 * time (on file systems with sub-second times; elsewhere no marker is
 * written). What the marker cannot see is damage that bypasses the file system
 * (a failing disk flipping bits): that is for `fairq verify` and the weekly
 * full check. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/internal.h"

#define MARKER_TAG "fairq-clean-stop 1"

typedef struct fingerprint {
    uintmax_t dev, ino;
    intmax_t size;
    intmax_t mtime_s, ctime_s;
    long mtime_ns, ctime_ns;
} fingerprint;

static void fingerprint_of(const struct stat *sb, fingerprint *f)
{
    f->dev = (uintmax_t)sb->st_dev;
    f->ino = (uintmax_t)sb->st_ino;
    f->size = (intmax_t)sb->st_size;
    f->mtime_s = (intmax_t)sb->st_mtim.tv_sec;
    f->mtime_ns = sb->st_mtim.tv_nsec;
    f->ctime_s = (intmax_t)sb->st_ctim.tv_sec;
    f->ctime_ns = sb->st_ctim.tv_nsec;
}

/* Does "<path><suffix>" exist (with any content)? */
static bool side_file_exists(const char *path, const char *suffix)
{
    char p[4096];
    struct stat sb;
    if (snprintf(p, sizeof p, "%s%s", path, suffix) >= (int)sizeof p)
        return true; /* cannot tell: assume the worst */
    return stat(p, &sb) == 0 || errno != ENOENT;
}

bool fq_store_marker_take(fq_store *s)
{
    s->marker_ok = false;
    if (s->lock_fd < 0)
        return false;
    char buf[512];
    ssize_t n = pread(s->lock_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* Erase it first: from now on this process may write, and a crash must
     * leave no marker behind. If it cannot be erased, it is not trusted. */
    if (ftruncate(s->lock_fd, 0) != 0 || fsync(s->lock_fd) != 0)
        return false;

    fingerprint want, have;
    unsigned long long seq = 0;
    intmax_t checked = 0;
    char head[FQ_HASH_HEX] = "";
    int used = 0;
    if (sscanf(buf,
               MARKER_TAG " dev=%ju ino=%ju size=%jd mtime=%jd.%ld ctime=%jd.%ld seq=%llu"
                          " head=%64[0-9a-f] checked=%jd end\n%n",
               &want.dev, &want.ino, &want.size, &want.mtime_s, &want.mtime_ns, &want.ctime_s,
               &want.ctime_ns, &seq, head, &checked, &used) != 10 ||
        used != (int)n || strlen(head) != 64)
        return false;
    struct stat sb;
    if (stat(s->path, &sb) != 0)
        return false;
    fingerprint_of(&sb, &have);
    if (want.dev != have.dev || want.ino != have.ino || want.size != have.size ||
        want.mtime_s != have.mtime_s || want.mtime_ns != have.mtime_ns ||
        want.ctime_s != have.ctime_s || want.ctime_ns != have.ctime_ns)
        return false;
    if (side_file_exists(s->path, "-wal") || side_file_exists(s->path, "-journal"))
        return false;
    time_t now = time(NULL);
    if (checked <= 0 || (intmax_t)now - checked >= FQ_STORE_CHECK_MAX_AGE_S ||
        checked > (intmax_t)now + 86400)
        return false;
    s->marker_ok = true;
    s->marker_seq = (uint64_t)seq;
    memcpy(s->marker_head, head, FQ_HASH_HEX);
    s->checked_at = (int64_t)checked;
    return true;
}

/* Waits (at most ~200 ms) until the coarse real-time clock, which stamps
 * file times, has passed t. False if it does not. */
static bool clock_past(const struct timespec *t)
{
    for (int i = 0; i < 200; i++) {
        struct timespec now;
#ifdef CLOCK_REALTIME_COARSE
        if (clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0)
#endif
            clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec > t->tv_nsec))
            return true;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return false;
}

void fq_store_marker_write(fq_store *s, uint64_t seq, const char *head)
{
    if (s->lock_fd < 0)
        return;
    if (side_file_exists(s->path, "-wal") || side_file_exists(s->path, "-journal"))
        return; /* not a clean close: another connection still has it open */
    struct stat sb;
    if (stat(s->path, &sb) != 0)
        return;
    /* A file system without sub-second times (ext3, FAT, some network ones)
     * would give a write in the same second the same times: no marker
     * there, so every start checks the whole file. */
    if (sb.st_mtim.tv_nsec == 0 && sb.st_ctim.tv_nsec == 0)
        return;
    const struct timespec *latest =
        sb.st_ctim.tv_sec > sb.st_mtim.tv_sec ||
                (sb.st_ctim.tv_sec == sb.st_mtim.tv_sec && sb.st_ctim.tv_nsec > sb.st_mtim.tv_nsec)
            ? &sb.st_ctim
            : &sb.st_mtim;
    if (!clock_past(latest))
        return;
    /* The file may have changed while we waited (a reader cannot change it,
     * but be exact): stamp what is there now. */
    struct stat again;
    if (stat(s->path, &again) != 0 || again.st_mtim.tv_sec != sb.st_mtim.tv_sec ||
        again.st_mtim.tv_nsec != sb.st_mtim.tv_nsec || again.st_ctim.tv_sec != sb.st_ctim.tv_sec ||
        again.st_ctim.tv_nsec != sb.st_ctim.tv_nsec || again.st_size != sb.st_size)
        return;
    fingerprint f;
    fingerprint_of(&sb, &f);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     MARKER_TAG " dev=%ju ino=%ju size=%jd mtime=%jd.%09ld ctime=%jd.%09ld"
                                " seq=%llu head=%.64s checked=%jd end\n",
                     f.dev, f.ino, f.size, f.mtime_s, f.mtime_ns, f.ctime_s, f.ctime_ns,
                     (unsigned long long)seq, head, (intmax_t)s->checked_at);
    if (n <= 0 || n >= (int)sizeof buf || s->checked_at <= 0)
        return;
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, buf, (size_t)n, 0) != n ||
        fsync(s->lock_fd) != 0) {
        /* half a marker does not parse; still, leave none */
        if (ftruncate(s->lock_fd, 0) == 0)
            (void)fsync(s->lock_fd);
    }
}
