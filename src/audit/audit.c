#define _GNU_SOURCE /* mremap */
/* audit.c — one pass over the event log into per-ticket records, then the
 * figures of every group (class; class within service, day, hour of day).
 *
 * The pass is linear in the log; tickets of the range are contiguous in seq
 * order (seqs are dense and days follow each other), so a ticket is found by
 * subtraction. Percentiles are exact: the served tickets are sorted by wait
 * once, and each breakdown distributes them into its groups in that order, so
 * every group's waits come out sorted. docs/audit.md defines each figure. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include <openssl/evp.h>

#include "audit/internal.h"

static fq_status fail(char *err, size_t errlen, fq_status st, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", what);
    return st;
}

/* Asks for transparent huge pages on the 2 MB-aligned inside of a big
 * block. A year's audit fills ~100 MB of fresh memory; touching it 4 kB page
 * by page costs a page fault each, which measured as much as all of the
 * records' other work (190 ms for 64 MB here, 11-30 ms with huge pages).
 * Only advice: without THP nothing changes. */
static void *huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t mb2 = (uintptr_t)2 << 20;
    if (p && bytes >= 2 * mb2) {
        uintptr_t lo = ((uintptr_t)p + mb2 - 1) & ~(mb2 - 1);
        uintptr_t hi = ((uintptr_t)p + bytes) & ~(mb2 - 1);
        if (hi > lo)
            (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#else
    (void)bytes;
#endif
    return p;
}

static void *big_malloc(size_t bytes) { return huge(malloc(bytes), bytes); }

/* Grows a vector of `size`-byte items to hold one more. */
static fq_status vec_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return FQ_OK;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*v, c * size);
    if (!p)
        return FQ_ENOMEM;
    *v = huge(p, c * size);
    *cap = c;
    return FQ_OK;
}

/* The ticket array is the one that grows big (128 bytes a ticket, 64 MB for
 * a busy year): it gets a mapping of its own that mremap grows in place or
 * moves without copying, with huge pages. Under AddressSanitizer it stays on
 * the heap so that the sanitizer keeps watching it. */
#if defined(__SANITIZE_ADDRESS__)
#define TICKETS_ON_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TICKETS_ON_HEAP 1
#endif
#endif
#if !defined(TICKETS_ON_HEAP) && !defined(MREMAP_MAYMOVE)
#define TICKETS_ON_HEAP 1
#endif

static fq_status tickets_grow(fq_audit *a)
{
    if (a->n < a->cap)
        return FQ_OK;
#ifdef TICKETS_ON_HEAP
    return vec_grow((void **)&a->t, &a->cap, a->n, sizeof *a->t);
#else
    size_t c = a->cap ? a->cap * 2 : ((size_t)2 << 20) / sizeof *a->t;
    void *p = a->t ? mremap(a->t, a->cap * sizeof *a->t, c * sizeof *a->t, MREMAP_MAYMOVE)
                   : mmap(NULL, c * sizeof *a->t, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return FQ_ENOMEM;
    a->t = huge(p, c * sizeof *a->t);
    a->cap = c;
    return FQ_OK;
#endif
}

static void tickets_free(fq_audit *a)
{
#ifdef TICKETS_ON_HEAP
    free(a->t);
#else
    if (a->t)
        munmap(a->t, a->cap * sizeof *a->t);
#endif
    a->t = NULL;
    a->cap = 0;
}

const char *fq_audit_outcome_name(fq_audit_outcome o)
{
    switch (o) {
    case FQ_AUDIT_DONE: return "done";
    case FQ_AUDIT_NO_SHOW: return "no_show";
    case FQ_AUDIT_CANCELLED: return "cancelled";
    case FQ_AUDIT_CLOSED: return "closed";
    default: return "open";
    }
}

bool fq_audit_ticket_served(const fq_audit_ticket *t)
{
    return t->called_at != 0 && !t->first_no_show;
}

fq_status fq_audit_parse_day(const char *text, int32_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return FQ_EINVAL;
    int v[3] = {0, 0, 0};
    const int at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (int i = 0; i < len[f]; i++) {
            char c = text[at[f] + i];
            if (c < '0' || c > '9')
                return FQ_EINVAL;
            v[f] = v[f] * 10 + (c - '0');
        }
    int y = v[0], m = v[1], d = v[2];
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return FQ_EINVAL;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return FQ_EINVAL;
    *out = y * 10000 + m * 100 + d;
    return FQ_OK;
}

/* --- the pass over the log ------------------------------------------------ */

typedef struct pass {
    fq_audit *a;
    int32_t day;        /* current business day, 0 before the first */
    bool in_range;
    fq_status st;
    char *err;
    size_t errlen;
    /* the hash chain, recomputed as the rows go by (docs/audit.md) */
    EVP_MD *md;
    EVP_MD_CTX *ctx;
    char prev[FQ_HASH_HEX]; /* hash of the previous row, 64 zeros first */
    uint64_t expect;        /* the seq the next row must have */
} pass;

/* hex(SHA-256(prev[0..63] || data)) into out[64]; false if libcrypto fails. */
static bool row_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const char *prev, const char *data,
                     size_t len, char out[64])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, prev, 64) ||
        (len && !EVP_DigestUpdate(ctx, data, len)) || !EVP_DigestFinal_ex(ctx, d, &n) || n != 32)
        return false;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    return true;
}

/* Checks one row's link: its seq follows the previous one, its prev_hash is
 * the previous row's hash, its hash is SHA-256(prev_hash || data). The first
 * failure is remembered as the bad event and the check stops there; the
 * audit reads on, so the report still shows what the log now says.
 *
 * Once the link holds (prev_hash == the previous row's verified hash), the
 * row's own hash depends on its stored columns only, so it may have been
 * computed already by the reading thread: `ok` is 1 (it matched), 0 (it did
 * not) or -1 (not computed: do it here). */
static fq_status chain_check(pass *p, const fq_store_row *row, int ok)
{
    if (p->a->events < row->seq) {
        p->a->events = row->seq;
        if (strlen(row->hash) == 64)
            memcpy(p->a->hash, row->hash, FQ_HASH_HEX);
    }
    fq_audit *a = p->a;
    if (a->bad_seq)
        return FQ_OK;
    if (row->seq != p->expect) {
        a->bad_seq = p->expect;
        return FQ_OK;
    }
    if (strlen(row->prev_hash) != 64 || memcmp(row->prev_hash, p->prev, 64)) {
        a->bad_seq = row->seq;
        return FQ_OK;
    }
    if (ok < 0) {
        if (!row_hash(p->ctx, p->md, p->prev, row->data, row->len, p->prev))
            return FQ_EIO;
        ok = strlen(row->hash) == 64 && !memcmp(row->hash, p->prev, 64);
    } else if (ok) {
        memcpy(p->prev, row->hash, 64);
    }
    if (!ok)
        a->bad_seq = row->seq;
    p->expect++;
    return FQ_OK;
}

static bool day_in_range(const fq_audit *a, int32_t day)
{
    return (!a->from || day >= a->from) && (!a->to || day <= a->to);
}

static fq_audit_ticket *find(fq_audit *a, uint64_t seq)
{
    if (!a->n || seq < a->t[0].seq)
        return NULL;
    uint64_t i = seq - a->t[0].seq;
    if (i < a->n && a->t[i].seq == seq)
        return &a->t[i];
    size_t lo = 0, hi = a->n; /* seqs are increasing: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->t[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n && a->t[lo].seq == seq ? &a->t[lo] : NULL;
}

static fq_status on_day(pass *p, uint64_t seq, const fq_event *ev)
{
    fq_audit *a = p->a;
    if (a->n_days && !a->days[a->n_days - 1].end_at && p->in_range)
        a->days[a->n_days - 1].end_at = ev->at;
    p->day = ev->day;
    p->in_range = day_in_range(a, ev->day);
    if (!p->in_range)
        return FQ_OK;
    if (vec_grow((void **)&a->days, &a->cap_days, a->n_days, sizeof *a->days))
        return FQ_ENOMEM;
    fq__audit_day *d = &a->days[a->n_days++];
    memset(d, 0, sizeof *d);
    d->day = ev->day;
    d->ev = seq;
    d->start_at = ev->at;
    d->first = d->last = a->n;
    return FQ_OK;
}

static fq_status on_issued(pass *p, uint64_t seq, const fq_event *ev)
{
    fq_audit *a = p->a;
    if (!p->in_range)
        return FQ_OK;
    if (a->n && ev->ticket <= a->t[a->n - 1].seq)
        return FQ_ECORRUPT;
    if (tickets_grow(a))
        return FQ_ENOMEM;
    fq_audit_ticket *t = &a->t[a->n++];
    memset(t, 0, sizeof *t);
    t->seq = ev->ticket;
    t->day = p->day;
    t->klass = ev->klass;
    t->service = ev->service;
    t->reason = ev->reason;
    t->number = ev->number;
    t->issued_at = ev->at;
    t->estimate_s = ev->estimate_s;
    t->counter = FQ_NONE;
    t->outcome = FQ_AUDIT_OPEN;
    t->issue_ev = seq;
    a->days[a->n_days - 1].last = a->n;
    return FQ_OK;
}

static void end_visit(fq_audit_ticket *t, uint64_t seq, fq_time at)
{
    if (t->called_at && !t->visit_end_at) {
        t->visit_end_at = at;
        t->visit_end_ev = seq;
    }
}

static fq_status on_ticket(pass *p, uint64_t seq, const fq_event *ev)
{
    fq_audit *a = p->a;
    fq_audit_ticket *t = find(a, ev->ticket);
    if (!t)
        return FQ_OK; /* a ticket of a day outside the range */
    switch (ev->type) {
    case FQ_EV_CALLED:
        if (!t->called_at) {
            t->called_at = ev->at;
            t->call_ev = seq;
            t->counter = ev->counter;
        }
        if (ev->manual) {
            t->manual_calls++;
            if (vec_grow((void **)&a->ov, &a->cap_ov, a->n_ov, sizeof *a->ov))
                return FQ_ENOMEM;
            fq_audit_override *o = &a->ov[a->n_ov++];
            o->ticket = (size_t)(t - a->t);
            o->at = ev->at;
            o->counter = ev->counter;
            memcpy(o->note, ev->note, sizeof o->note);
            o->note[FQ_NOTE_LEN - 1] = '\0';
        }
        t->outcome = FQ_AUDIT_OPEN;
        break;
    case FQ_EV_STARTED:
        if (!t->started_at && !t->visit_end_at)
            t->started_at = ev->at;
        break;
    case FQ_EV_COMPLETED:
        end_visit(t, seq, ev->at);
        t->outcome = FQ_AUDIT_DONE;
        t->end_at = ev->at;
        break;
    case FQ_EV_NO_SHOW:
        if (t->called_at && !t->visit_end_at)
            t->first_no_show = true;
        end_visit(t, seq, ev->at);
        t->outcome = FQ_AUDIT_NO_SHOW;
        t->end_at = ev->at;
        break;
    case FQ_EV_TRANSFERRED:
        end_visit(t, seq, ev->at);
        t->transfers++;
        break;
    case FQ_EV_CANCELLED:
    case FQ_EV_CLOSED:
        end_visit(t, seq, ev->at);
        t->outcome = ev->type == FQ_EV_CANCELLED ? FQ_AUDIT_CANCELLED : FQ_AUDIT_CLOSED;
        t->end_at = ev->at;
        if (!t->called_at)
            t->end_ev = seq;
        break;
    default: break;
    }
    return FQ_OK;
}

static fq_status on_counter(pass *p, uint64_t seq, const fq_event *ev)
{
    fq_audit *a = p->a;
    if (!p->in_range)
        return FQ_OK;
    if (vec_grow((void **)&a->cev, &a->cap_cev, a->n_cev, sizeof *a->cev))
        return FQ_ENOMEM;
    a->cev[a->n_cev++] = (fq__audit_cev){seq, ev->at, p->day, ev->counter, ev->state};
    return FQ_OK;
}

/* Decodes one event and folds it into the records. Runs on the worker
 * thread when there is one. On error p->err says what. */
static fq_status process_row(pass *p, uint64_t seq, const char *data, size_t len)
{
    fq_audit *a = p->a;
    fq_event ev;
    if (fq_event_decode(&a->cfg.sched, data, len, &ev) != FQ_OK) {
        snprintf(p->err, p->errlen,
                 "event %llu does not decode with %s (wrong configuration, or an edited row)",
                 (unsigned long long)seq, a->cfg.path[0] ? a->cfg.path : "this configuration");
        return FQ_ECORRUPT;
    }
    if (!a->first_at)
        a->first_at = ev.at;
    if (ev.at > a->last_at)
        a->last_at = ev.at;
    fq_status st = FQ_OK;
    switch (ev.type) {
    case FQ_EV_DAY: st = on_day(p, seq, &ev); break;
    case FQ_EV_ISSUED: st = on_issued(p, seq, &ev); break;
    case FQ_EV_COUNTER: st = on_counter(p, seq, &ev); break;
    case FQ_EV_ALARM_ON:
    case FQ_EV_ALARM_OFF: break;
    default: st = on_ticket(p, seq, &ev); break;
    }
    if (st)
        snprintf(p->err, p->errlen, "event %llu: %s", (unsigned long long)seq,
                 st == FQ_ECORRUPT ? "ticket out of order" : fq_strerror(st));
    return st;
}

/* --- two threads: reading + chain, decoding + records --------------------------
 *
 * Reading the rows out of SQLite is about half the work; hashing, decoding
 * and updating the records the other half, and everything must go in log
 * order. So the store callback (this thread) only copies each row into one
 * of two batches while a worker thread checks the chain and decodes the
 * other batch. Batches alternate strictly, so the worker sees the rows in
 * order. Without a worker (pthread_create failed) batches are processed
 * inline. */

#define BATCH_ROWS 4096

typedef struct batch {
    size_t n;
    uint64_t seq[BATCH_ROWS];
    size_t off[BATCH_ROWS], len[BATCH_ROWS];
    char prev_hash[BATCH_ROWS][FQ_HASH_HEX], hash[BATCH_ROWS][FQ_HASH_HEX];
    signed char ok[BATCH_ROWS]; /* the reader's hash check: 1, 0, -1 = not done */
    char *bytes;
    size_t used, cap;
} batch;

typedef struct piped {
    pass *p;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch b[2];
    bool full[2];     /* handed to the worker, not yet processed */
    bool done;        /* the reader has no more batches */
    int fill;         /* the batch the reader fills */
    bool threaded;
    fq_status wst;    /* the worker's first error (under mu) */
    EVP_MD_CTX *rctx; /* the reader's own digest context; NULL = it hashes nothing */
} piped;

/* Decodes batch b unless an earlier batch failed (st); returns the status. */
static fq_status process_batch(piped *q, batch *b, fq_status st)
{
    for (size_t i = 0; i < b->n && !st; i++) {
        fq_store_row row = {b->seq[i], b->bytes + b->off[i], b->len[i], b->prev_hash[i],
                            b->hash[i]};
        if (chain_check(q->p, &row, b->ok[i])) {
            snprintf(q->p->err, q->p->errlen, "cannot compute SHA-256");
            st = FQ_EIO;
        } else {
            st = process_row(q->p, row.seq, row.data, row.len);
        }
    }
    b->n = 0;
    b->used = 0;
    return st;
}

/* The same two-batch hand-off as in src/store/recover.c, on purpose: one
 * shared copy measured 10-20% more CPU for the year audit (commit 5504bfe). */
static void *worker(void *arg)
{
    piped *q = arg;
    int idx = 0;
    fq_status st = FQ_OK;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->full[idx] && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->full[idx]) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        pthread_mutex_unlock(&q->mu);
        st = process_batch(q, &q->b[idx], st); /* after an error: only empties it */
        pthread_mutex_lock(&q->mu);
        q->wst = st;
        q->full[idx] = false;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        idx ^= 1;
    }
}

/* Hands the batch being filled to the worker and waits for the other one.
 * Returns the worker's error state. */
static fq_status hand_over(piped *q)
{
    if (!q->threaded) {
        q->wst = process_batch(q, &q->b[q->fill], q->wst);
        return q->wst;
    }
    pthread_mutex_lock(&q->mu);
    q->full[q->fill] = true;
    pthread_cond_broadcast(&q->cv);
    q->fill ^= 1;
    while (q->full[q->fill])
        pthread_cond_wait(&q->cv, &q->mu);
    fq_status st = q->wst;
    pthread_mutex_unlock(&q->mu);
    return st;
}

/* A stored hash of any other length than 64 becomes "", which no computed
 * hash matches. */
static void copy_hash(char dst[FQ_HASH_HEX], const char *src)
{
    if (strnlen(src, FQ_HASH_HEX) == 64)
        memcpy(dst, src, FQ_HASH_HEX);
    else
        dst[0] = '\0';
}

static bool on_row(const fq_store_row *row, void *ctx)
{
    piped *q = ctx;
    pass *p = q->p;
    batch *b = &q->b[q->fill];
    if (b->used + row->len > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 20;
        while (cap < b->used + row->len)
            cap *= 2;
        char *nb = realloc(b->bytes, cap);
        if (!nb) {
            p->st = FQ_ENOMEM;
            return false;
        }
        b->bytes = nb;
        b->cap = cap;
    }
    memcpy(b->bytes + b->used, row->data, row->len);
    copy_hash(b->prev_hash[b->n], row->prev_hash);
    copy_hash(b->hash[b->n], row->hash);
    /* The reader has time to spare (measured: the worker's hashing, decoding
     * and records outweigh reading): it checks one row's hash in 4. */
    b->ok[b->n] = -1;
    char h[64];
    if (q->rctx && (row->seq & 3) == 0 && b->prev_hash[b->n][0] &&
        row_hash(q->rctx, p->md, b->prev_hash[b->n], row->data, row->len, h))
        b->ok[b->n] = b->hash[b->n][0] && !memcmp(h, b->hash[b->n], 64);
    b->seq[b->n] = row->seq;
    b->off[b->n] = b->used;
    b->len[b->n++] = row->len;
    b->used += row->len;
    if (b->n == BATCH_ROWS && hand_over(q))
        return false;
    return true;
}

/* Reads the whole log through on_row. The worker's error wins over the
 * reader's (it names the event). */
static fq_status read_log(fq_store *s, pass *p)
{
    piped *q = calloc(1, sizeof *q);
    if (!q)
        return FQ_ENOMEM;
    q->p = p;
    q->rctx = EVP_MD_CTX_new(); /* without it the worker hashes every row */
    pthread_t th;
    if (!pthread_mutex_init(&q->mu, NULL)) {
        if (!pthread_cond_init(&q->cv, NULL)) {
            q->threaded = pthread_create(&th, NULL, worker, q) == 0;
            if (!q->threaded)
                pthread_cond_destroy(&q->cv);
        }
        if (!q->threaded)
            pthread_mutex_destroy(&q->mu);
    }
    fq_status st = fq_store_each(s, 0, 0, on_row, q);
    bool read_failed = st != FQ_OK;
    if (!st)
        st = p->st;
    if (!st && q->b[q->fill].n)
        hand_over(q); /* the last, partial batch */
    if (q->threaded) {
        pthread_mutex_lock(&q->mu);
        q->done = true;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(th, NULL);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
    }
    /* joined: the worker's writes to p->err are visible and finished */
    if (q->wst)
        st = q->wst;
    else if (read_failed && p->err && p->errlen)
        snprintf(p->err, p->errlen, "reading the event log: %s", fq_strerror(st));

    EVP_MD_CTX_free(q->rctx);
    free(q->b[0].bytes);
    free(q->b[1].bytes);
    free(q);
    return st;
}

/* --- local hour of day ----------------------------------------------------- */

/* Sets the hour of every ticket. Zone offsets are whole quarter hours and
 * change on quarter hours, so the local hour is constant within a UTC quarter
 * hour: one localtime_r per distinct quarter, not per ticket. */
static void assign_hours(fq_audit *a)
{
    const char *tz = a->cfg.timezone;
    char *saved = NULL;
    const char *cur = getenv("TZ");
    bool had = cur != NULL, switched = false;
    if (tz[0] && !(cur && !strcmp(cur, tz))) {
        if (!had || (saved = strdup(cur)) != NULL) {
            switched = setenv("TZ", tz, 1) == 0;
            tzset();
        }
    }
    int64_t memo_q = INT64_MIN;
    int memo_h = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t s = a->t[i].issued_at / 1000;
        int64_t q = s >= 0 ? s / 900 : -((-s + 899) / 900);
        if (q != memo_q) {
            time_t tt = (time_t)(q * 900);
            struct tm tm;
            memo_h = localtime_r(&tt, &tm) ? tm.tm_hour : 0;
            memo_q = q;
        }
        a->t[i].hour = memo_h;
    }
    if (switched) {
        if (had)
            setenv("TZ", saved, 1);
        else
            unsetenv("TZ");
        tzset();
    }
    free(saved);
}

/* --- overtaken --------------------------------------------------------------- */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* overtaken_i = #{ j issued after i, same day and service at issue : j's first
 * call precedes the end of i's wait }, where the end of i's wait is its first
 * call, else the event that cancelled or closed it, else the end of the log.
 * "Precedes" compares event sequence numbers, so simultaneous calls are
 * ordered as the log orders them. Fenwick tree over the group's call keys,
 * walking from the youngest ticket back. */
static fq_status count_overtaken(fq_audit *a)
{
    size_t cap = 0;
    for (size_t d = 0; d < a->n_days; d++)
        if (a->days[d].last - a->days[d].first > cap)
            cap = a->days[d].last - a->days[d].first;
    size_t *idx = big_malloc((cap + 1) * sizeof *idx);
    uint64_t *keys = big_malloc((cap + 1) * sizeof *keys);
    uint32_t *tree = big_malloc((cap + 2) * sizeof *tree);
    if (!idx || !keys || !tree) {
        free(idx);
        free(keys);
        free(tree);
        return FQ_ENOMEM;
    }
    for (size_t d = 0; d < a->n_days; d++) {
        for (int s = 0; s < a->cfg.sched.n_services; s++) {
            size_t m = 0, nk = 0;
            for (size_t i = a->days[d].first; i < a->days[d].last; i++)
                if (a->t[i].service == s) {
                    idx[m++] = i;
                    if (a->t[i].call_ev)
                        keys[nk++] = a->t[i].call_ev;
                }
            if (!m)
                continue;
            qsort(keys, nk, sizeof *keys, cmp_u64);
            memset(tree, 0, (nk + 1) * sizeof *tree);
            for (size_t r = m; r-- > 0;) {
                fq_audit_ticket *t = &a->t[idx[r]];
                uint64_t end = t->call_ev ? t->call_ev : t->end_ev ? t->end_ev : UINT64_MAX;
                /* keys strictly below `end`: lower bound */
                size_t lo = 0, hi = nk;
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (keys[mid] < end)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                uint32_t c = 0;
                for (size_t k = lo; k > 0; k -= k & (~k + 1))
                    c += tree[k];
                t->overtaken = c;
                if (t->call_ev) {
                    size_t pos = (size_t)((uint64_t *)bsearch(&t->call_ev, keys, nk, sizeof *keys,
                                                              cmp_u64) - keys) + 1;
                    for (size_t k = pos; k <= nk; k += k & (~k + 1))
                        tree[k]++;
                }
            }
        }
    }
    free(idx);
    free(keys);
    free(tree);
    return FQ_OK;
}

/* --- figures ----------------------------------------------------------------- */

static int64_t wait_ms(const fq_audit_ticket *t)
{
    return t->called_at - t->issued_at;
}

/* How long the ticket waited before its first call, or before it stopped
 * waiting (cancelled, closed), or until the end of the log. */
static int64_t waited_ms(const fq_audit *a, const fq_audit_ticket *t)
{
    if (t->called_at)
        return t->called_at - t->issued_at;
    if (t->end_at)
        return t->end_at - t->issued_at;
    return a->last_at - t->issued_at;
}

typedef int (*group_fn)(const fq_audit *a, const fq_audit_ticket *t);

static int by_class(const fq_audit *a, const fq_audit_ticket *t)
{
    (void)a;
    return t->klass;
}
static int by_service(const fq_audit *a, const fq_audit_ticket *t)
{
    return t->service * a->cfg.sched.n_classes + t->klass;
}
static int by_hour(const fq_audit *a, const fq_audit_ticket *t)
{
    return t->hour * a->cfg.sched.n_classes + t->klass;
}

static int64_t pct(const int64_t *v, size_t n, double p)
{
    double rank = ceil(p / 100.0 * (double)n);
    size_t i = rank < 1.0 ? 0 : (size_t)rank - 1;
    return v[i < n ? i : n - 1];
}

/* Fills st[0..n_groups) for tickets [lo, hi) grouped by gid[i - lo].
 * sorted: indices of every served ticket of the range, by wait. */
static fq_status fill(fq_audit *a, size_t lo, size_t hi, const int *gid, size_t n_groups,
                      const size_t *sorted, size_t n_sorted, fq_audit_stats *st)
{
    const fq_sched_cfg *c = &a->cfg.sched;
    double *sum = calloc(n_groups * 3, sizeof *sum); /* wait, |est err|, overtaken */
    size_t *off = calloc(n_groups + 1, sizeof *off);
    int64_t *w = big_malloc((n_sorted + 1) * sizeof *w);
    if (!sum || !off || !w) {
        free(sum);
        free(off);
        free(w);
        return FQ_ENOMEM;
    }
    memset(st, 0, n_groups * sizeof *st);
    for (size_t i = lo; i < hi; i++) {
        const fq_audit_ticket *t = &a->t[i];
        size_t g = (size_t)gid[i - lo];
        fq_audit_stats *s = &st[g];
        const fq_class_cfg *k = &c->classes[t->klass];
        s->tickets++;
        s->no_show += t->outcome == FQ_AUDIT_NO_SHOW;
        s->cancelled += t->outcome == FQ_AUDIT_CANCELLED;
        s->closed += t->outcome == FQ_AUDIT_CLOSED;
        s->open += t->outcome == FQ_AUDIT_OPEN;
        s->overrides += t->manual_calls;
        sum[3 * g + 2] += t->overtaken;
        bool served = fq_audit_ticket_served(t);
        if (k->starvation_limit_s > 0 && (served || !t->called_at) &&
            waited_ms(a, t) >= k->starvation_limit_s * 1000)
            s->starvation_breaches++;
        if (!served)
            continue;
        int64_t wm = wait_ms(t);
        s->served++;
        off[g + 1]++;
        sum[3 * g] += (double)wm;
        sum[3 * g + 1] += fabs((double)t->estimate_s * 1000.0 - (double)wm);
        if (wm > k->target_wait_s * 1000)
            s->over_target_pct += 1.0; /* a count until the end */
    }
    for (size_t g = 0; g < n_groups; g++)
        off[g + 1] += off[g];
    for (size_t r = 0; r < n_sorted; r++) {
        size_t i = sorted[r];
        if (i < lo || i >= hi)
            continue;
        w[off[gid[i - lo]]++] = wait_ms(&a->t[i]);
    }
    for (size_t g = 0; g < n_groups; g++) {
        fq_audit_stats *s = &st[g];
        if (s->tickets)
            s->overtaken_mean = sum[3 * g + 2] / (double)s->tickets;
        if (!s->served)
            continue;
        double n = (double)s->served;
        const int64_t *v = w + off[g] - s->served; /* off[g] now ends the group */
        s->wait_mean_s = sum[3 * g] / n / 1000.0;
        s->estimate_error_mean_s = sum[3 * g + 1] / n / 1000.0;
        s->over_target_pct = 100.0 * s->over_target_pct / n;
        s->wait_p50_s = (double)pct(v, s->served, 50) / 1000.0;
        s->wait_p90_s = (double)pct(v, s->served, 90) / 1000.0;
        s->wait_p95_s = (double)pct(v, s->served, 95) / 1000.0;
        s->wait_max_s = (double)v[s->served - 1] / 1000.0;
    }
    free(sum);
    free(off);
    free(w);
    return FQ_OK;
}

static const fq_audit *sort_ctx;
static int cmp_wait(const void *x, const void *y)
{
    const fq_audit_ticket *a = &sort_ctx->t[*(const size_t *)x];
    const fq_audit_ticket *b = &sort_ctx->t[*(const size_t *)y];
    int64_t wa = wait_ms(a), wb = wait_ms(b);
    return wa < wb ? -1 : wa > wb;
}

/* Sorts the ticket indices idx[0..n) by wait. Radix sort of (wait, index)
 * pairs packed in 64 bits when every wait and index fits 32 bits (always, for
 * real logs: a day is far shorter than 49 days), else qsort. */
static fq_status sort_by_wait(const fq_audit *a, size_t *idx, size_t n)
{
    bool fits = n <= UINT32_MAX;
    for (size_t i = 0; i < n && fits; i++) {
        int64_t w = wait_ms(&a->t[idx[i]]);
        fits = w >= 0 && w <= (int64_t)UINT32_MAX && idx[i] <= UINT32_MAX;
    }
    if (!fits) {
        /* qsort has no context argument in C11; the audit is single-threaded
         * (see fq_audit_new's contract). */
        sort_ctx = a;
        qsort(idx, n, sizeof *idx, cmp_wait);
        sort_ctx = NULL;
        return FQ_OK;
    }
    uint64_t *k = big_malloc((n + 1) * sizeof *k), *tmp = big_malloc((n + 1) * sizeof *tmp);
    if (!k || !tmp) {
        free(k);
        free(tmp);
        return FQ_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (uint64_t)wait_ms(&a->t[idx[i]]) << 32 | (uint64_t)idx[i];
    uint64_t *src = k, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 0xffu) + 1]++;
        bool one = false;
        for (int d = 1; d <= 256 && !one; d++)
            one = count[d] == n;
        if (one)
            continue; /* every key has the same digit here */
        for (int d = 1; d <= 256; d++)
            count[d] += count[d - 1];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xffu]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = (size_t)(src[i] & 0xffffffffu);
    free(k);
    free(tmp);
    return FQ_OK;
}

/* Fills the figures of breakdowns [lo, hi) of compute()'s table. */
typedef struct fill_job {
    fq_audit *a;
    int lo, hi;
    const size_t *sorted;
    size_t n_sorted;
    fq_status st;
} fill_job;

static void *fill_some(void *arg)
{
    fill_job *j = arg;
    fq_audit *a = j->a;
    int nk = a->cfg.sched.n_classes, ns = a->cfg.sched.n_services;
    int *gid = big_malloc((a->n + 1) * sizeof *gid);
    if (!gid) {
        j->st = FQ_ENOMEM;
        return NULL;
    }
    for (int f = j->lo; f < j->hi && !j->st; f++) {
        size_t groups;
        fq_audit_stats *out;
        if (f == 3) { /* by day */
            for (size_t d = 0; d < a->n_days; d++)
                for (size_t i = a->days[d].first; i < a->days[d].last; i++)
                    gid[i] = (int)d * nk + a->t[i].klass;
            groups = a->n_days * (size_t)nk;
            out = a->by_day;
        } else {
            const group_fn fns[3] = {by_class, by_service, by_hour};
            fq_audit_stats *outs[3] = {a->by_class, a->by_service, a->by_hour};
            const size_t ng[3] = {(size_t)nk, (size_t)(ns * nk), (size_t)(FQ__HOURS * nk)};
            for (size_t i = 0; i < a->n; i++)
                gid[i] = fns[f](a, &a->t[i]);
            groups = ng[f];
            out = outs[f];
        }
        j->st = fill(a, 0, a->n, gid, groups, j->sorted, j->n_sorted, out);
    }
    free(gid);
    return NULL;
}

/* Local hours and overtaken counts: what the figures need besides the sort. */
static void *prepare(void *arg)
{
    fill_job *j = arg;
    assign_hours(j->a);
    j->st = count_overtaken(j->a);
    return NULL;
}

/* Runs fn(job) on a new thread; false (then the caller runs it) if none. */
static bool spawn(pthread_t *th, void *(*fn)(void *), fill_job *job)
{
    return pthread_create(th, NULL, fn, job) == 0;
}

/* The figures, on two threads: hours and overtaken counts beside the sort
 * by wait, then two breakdowns each. */
static fq_status compute(fq_audit *a)
{
    int nk = a->cfg.sched.n_classes, ns = a->cfg.sched.n_services;
    size_t nd = a->n_days;
    a->by_class = calloc((size_t)nk, sizeof *a->by_class);
    a->by_service = calloc((size_t)(ns * nk), sizeof *a->by_service);
    a->by_day = calloc(nd * (size_t)nk + 1, sizeof *a->by_day);
    a->by_hour = calloc((size_t)(FQ__HOURS * nk), sizeof *a->by_hour);
    size_t *sorted = big_malloc((a->n + 1) * sizeof *sorted);
    fq_status st = FQ_OK;
    if (!a->by_class || !a->by_service || !a->by_day || !a->by_hour || !sorted) {
        free(sorted);
        return FQ_ENOMEM;
    }
    pthread_t th;
    fill_job prep = {a, 0, 0, NULL, 0, FQ_OK};
    bool threaded = spawn(&th, prepare, &prep);
    size_t n_sorted = 0;
    for (size_t i = 0; i < a->n; i++)
        if (fq_audit_ticket_served(&a->t[i]))
            sorted[n_sorted++] = i;
    st = sort_by_wait(a, sorted, n_sorted);
    if (threaded)
        pthread_join(th, NULL);
    else
        prepare(&prep);
    if (!st)
        st = prep.st;
    if (!st) {
        /* by class + by service here, by hour + by day beside */
        fill_job mine = {a, 0, 2, sorted, n_sorted, FQ_OK};
        fill_job other = {a, 2, 4, sorted, n_sorted, FQ_OK};
        threaded = spawn(&th, fill_some, &other);
        fill_some(&mine);
        if (threaded)
            pthread_join(th, NULL);
        else
            fill_some(&other);
        st = mine.st ? mine.st : other.st;
    }
    free(sorted);
    if (st)
        return st;
    double s = 0.0, s2 = 0.0;
    int n = 0;
    for (int k = 0; k < nk; k++) {
        if (!a->by_class[k].served)
            continue;
        double x = a->by_class[k].wait_mean_s / (double)a->cfg.sched.classes[k].target_wait_s;
        s += x;
        s2 += x * x;
        n++;
    }
    a->jain = n == 0 || s2 == 0.0 ? 1.0 : s * s / ((double)n * s2);
    return FQ_OK;
}

/* --- public ------------------------------------------------------------------- */

fq_status fq_audit_new(fq_store *s, const fq_config *cfg, int32_t from, int32_t to,
                       fq_audit **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!s || !cfg)
        return fail(err, errlen, FQ_EINVAL, "no store or configuration");
    if (from && to && from > to)
        return fail(err, errlen, FQ_EINVAL, "--from is after --to");
    fq_audit *a = calloc(1, sizeof *a);
    if (!a)
        return fail(err, errlen, FQ_ENOMEM, "out of memory");
    a->cfg = *cfg;
    a->from = from;
    a->to = to;

    /* One statement, one snapshot: the rows read, the chain checked and the
     * head reported are the same events even while a server appends. */
    memset(a->hash, '0', 64);
    a->hash[64] = '\0';
    pass p = {a, 0, false, FQ_OK, err, errlen, NULL, NULL, "", 1};
    memcpy(p.prev, a->hash, FQ_HASH_HEX);
    p.md = EVP_MD_fetch(NULL, "SHA256", NULL);
    p.ctx = EVP_MD_CTX_new();
    fq_status st = p.md && p.ctx ? FQ_OK : FQ_ENOMEM;
    if (!st)
        st = read_log(s, &p);
    EVP_MD_CTX_free(p.ctx);
    EVP_MD_free(p.md);
    if (!st)
        st = compute(a);
    if (st) {
        if (st == FQ_ENOMEM && err && errlen)
            snprintf(err, errlen, "out of memory");
        fq_audit_free(a);
        return st;
    }
    *out = a;
    return FQ_OK;
}

void fq_audit_free(fq_audit *a)
{
    if (!a)
        return;
    tickets_free(a);
    free(a->ov);
    free(a->days);
    free(a->cev);
    free(a->by_class);
    free(a->by_service);
    free(a->by_day);
    free(a->by_hour);
    free(a);
}

fq_status fq_audit_write(const fq_audit *a, fq_audit_format fmt, fq_audit_buf *out)
{
    switch (fmt) {
    case FQ_AUDIT_TEXT: return fq__audit_write_text(a, out);
    case FQ_AUDIT_JSON: return fq__audit_write_json(a, out);
    case FQ_AUDIT_CSV: return fq__audit_write_csv(a, out);
    case FQ_AUDIT_HTML: return fq__audit_write_html(a, out);
    default: return FQ_EINVAL;
    }
}

fq_status fq_audit_report(fq_store *s, const fq_config *cfg, int32_t from, int32_t to,
                          fq_audit_format fmt, fq_audit_buf *out, char *err, size_t errlen)
{
    fq_audit *a = NULL;
    fq_status st = fq_audit_new(s, cfg, from, to, &a, err, errlen);
    if (st)
        return st;
    size_t mark = out->len;
    st = fq_audit_write(a, fmt, out);
    if (st) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
        if (err && errlen)
            snprintf(err, errlen, "writing the report: %s", fq_strerror(st));
    }
    fq_audit_free(a);
    return st;
}

const fq_config *fq_audit_config(const fq_audit *a) { return &a->cfg; }
size_t fq_audit_n_tickets(const fq_audit *a) { return a->n; }
size_t fq_audit_n_overrides(const fq_audit *a) { return a->n_ov; }
size_t fq_audit_n_days(const fq_audit *a) { return a->n_days; }
double fq_audit_jain(const fq_audit *a) { return a->jain; }

const fq_audit_ticket *fq_audit_ticket_at(const fq_audit *a, size_t i)
{
    return i < a->n ? &a->t[i] : NULL;
}

const fq_audit_override *fq_audit_override_at(const fq_audit *a, size_t i)
{
    return i < a->n_ov ? &a->ov[i] : NULL;
}

int32_t fq_audit_day_at(const fq_audit *a, size_t i)
{
    return i < a->n_days ? a->days[i].day : 0;
}

static bool class_ok(const fq_audit *a, int k)
{
    return k >= 0 && k < a->cfg.sched.n_classes;
}

const fq_audit_stats *fq_audit_class_stats(const fq_audit *a, int klass)
{
    return class_ok(a, klass) ? &a->by_class[klass] : NULL;
}

const fq_audit_stats *fq_audit_service_stats(const fq_audit *a, int service, int klass)
{
    if (!class_ok(a, klass) || service < 0 || service >= a->cfg.sched.n_services)
        return NULL;
    return &a->by_service[service * a->cfg.sched.n_classes + klass];
}

const fq_audit_stats *fq_audit_day_stats(const fq_audit *a, size_t day_index, int klass)
{
    if (!class_ok(a, klass) || day_index >= a->n_days)
        return NULL;
    return &a->by_day[day_index * (size_t)a->cfg.sched.n_classes + (size_t)klass];
}

const fq_audit_stats *fq_audit_hour_stats(const fq_audit *a, int hour, int klass)
{
    if (!class_ok(a, klass) || hour < 0 || hour >= FQ__HOURS)
        return NULL;
    return &a->by_hour[hour * a->cfg.sched.n_classes + klass];
}

void fq_audit_head(const fq_audit *a, uint64_t *events, char hash[FQ_HASH_HEX], uint64_t *bad_seq)
{
    *events = a->events;
    memcpy(hash, a->hash, FQ_HASH_HEX);
    *bad_seq = a->bad_seq;
}

const char *fq__audit_number_text(const fq_audit *a, const fq_audit_ticket *t, char *buf,
                                  size_t len)
{
    const fq_sched_cfg *c = &a->cfg.sched;
    const char *prefix = t->service >= 0 && t->service < c->n_services
                             ? c->services[t->service].prefix
                             : "?";
    snprintf(buf, len, "%s%0*u", prefix, c->number_width, t->number);
    return buf;
}
