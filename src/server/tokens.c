/* tokens.c — the tokens file, constant-time token checks, kiosk rate limits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fairq/util.h"
#include "server/tokens.h"

#define DIGEST_LEN 32
#define MAX_TOKENS 256
#define FILE_MAX (64 * 1024)

typedef struct token_entry {
    unsigned char digest[DIGEST_LEN];
    fq_role role;
    double bucket;  /* issues left (kiosk rate limit) */
    fq_time filled; /* when the bucket was last topped up, 0 = never */
} token_entry;

struct fq_tokens {
    int n;
    token_entry v[MAX_TOKENS];
};

static const char *const role_names[] = {"none", "kiosk", "staff", "auditor"};

const char *fq_role_name(fq_role r)
{
    return (unsigned)r < FQ_ARRAY_LEN(role_names) ? role_names[r] : "none";
}

static void digest(const char *s, size_t len, unsigned char out[DIGEST_LEN])
{
    unsigned int n = DIGEST_LEN;
    if (!EVP_Digest(s, len, out, &n, EVP_sha256(), NULL))
        memset(out, 0, DIGEST_LEN); /* never matches a real digest in practice */
}

static fq_status create_file(const char *path, char *fresh, size_t freshlen, char *err,
                             size_t errlen)
{
    static const fq_role roles[] = {FQ_ROLE_KIOSK, FQ_ROLE_STAFF, FQ_ROLE_AUDITOR};
    char text[1024];
    size_t used = 0;
    int fd;

    used += (size_t)snprintf(text, sizeof(text),
                             "# fairq tokens: one 'role token' per line (roles kiosk, staff, "
                             "auditor).\n# Several tokens per role are allowed. Keep this "
                             "file mode 0600; restart fairq after editing.\n");
    for (size_t r = 0; r < FQ_ARRAY_LEN(roles); r++) {
        unsigned char raw[16];
        char hex[33];
        if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
            snprintf(err, errlen, "no randomness for tokens: %s", strerror(errno));
            return FQ_EIO;
        }
        for (size_t i = 0; i < sizeof(raw); i++)
            snprintf(hex + 2 * i, 3, "%02x", raw[i]);
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s\n",
                                 fq_role_name(roles[r]), hex);
    }
    if (fq_util_mkdir_parent(path)) {
        snprintf(err, errlen, "cannot create the directory of %s: %s", path, strerror(errno));
        return FQ_EIO;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return FQ_EIO;
    }
    /* O_CREAT's mode is filtered by the umask; make sure it is exactly 0600. */
    if (fchmod(fd, 0600) || write(fd, text, used) != (ssize_t)used || fsync(fd)) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return FQ_EIO;
    }
    close(fd);
    if (fresh && freshlen)
        snprintf(fresh, freshlen, "%s", text);
    return FQ_OK;
}

static fq_role parse_role(const char *s, size_t len)
{
    for (int r = FQ_ROLE_KIOSK; r <= FQ_ROLE_AUDITOR; r++)
        if (strlen(role_names[r]) == len && !memcmp(s, role_names[r], len))
            return (fq_role)r;
    return FQ_ROLE_NONE;
}

static bool token_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("-._~+/=", c) != NULL;
}

static fq_status parse_text(fq_tokens *t, const char *path, char *text, char *err, size_t errlen)
{
    int lineno = 0;
    char *save = NULL;

    for (char *line = text; line; line = save) {
        char *nl = strchr(line, '\n');
        char *p = line, *role, *tok;
        size_t rlen, tlen;
        fq_role r;

        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#' || *p == '\r')
            continue;
        role = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        rlen = (size_t)(p - role);
        while (*p == ' ' || *p == '\t')
            p++;
        tok = p;
        while (*p && token_char(*p))
            p++;
        tlen = (size_t)(p - tok);
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        r = parse_role(role, rlen);
        if (r == FQ_ROLE_NONE) {
            snprintf(err, errlen, "%s:%d: unknown role '%.*s' (expected kiosk, staff or auditor)",
                     path, lineno, (int)(rlen > 20 ? 20 : rlen), role);
            return FQ_ECONFIG;
        }
        if (*p || tlen < 16 || tlen > 255) {
            snprintf(err, errlen,
                     "%s:%d: expected 'role token' with a token of 16..255 characters "
                     "[A-Za-z0-9-._~+/=]",
                     path, lineno);
            return FQ_ECONFIG;
        }
        if (t->n == MAX_TOKENS) {
            snprintf(err, errlen, "%s:%d: more than %d tokens", path, lineno, MAX_TOKENS);
            return FQ_ECONFIG;
        }
        digest(tok, tlen, t->v[t->n].digest);
        t->v[t->n].role = r;
        t->n++;
    }
    if (!t->n) {
        snprintf(err, errlen, "%s: no tokens in the file", path);
        return FQ_ECONFIG;
    }
    return FQ_OK;
}

fq_status fq_tokens_open(const char *path, fq_tokens **out, bool *created, char *fresh,
                         size_t freshlen, char *err, size_t errlen)
{
    fq_tokens *t = NULL;
    char *text = NULL;
    struct stat st;
    fq_status rc;
    ssize_t got;
    int fd;

    *out = NULL;
    *created = false;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        rc = create_file(path, fresh, freshlen, err, errlen);
        if (rc)
            return rc;
        *created = true;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot open tokens file %s: %s", path, strerror(errno));
        return FQ_EIO;
    }
    if (fstat(fd, &st)) {
        snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
        rc = FQ_EIO;
        goto done;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "tokens file %s is accessible by group or others (mode %03o); fix it with: "
                 "chmod 600 %s",
                 path, (unsigned)(st.st_mode & 0777), path);
        rc = FQ_EDENIED;
        goto done;
    }
    if (st.st_size > FILE_MAX) {
        snprintf(err, errlen, "tokens file %s is larger than %d bytes", path, FILE_MAX);
        rc = FQ_ECONFIG;
        goto done;
    }
    text = malloc((size_t)st.st_size + 1);
    t = calloc(1, sizeof(*t));
    if (!text || !t) {
        rc = FQ_ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    got = read(fd, text, (size_t)st.st_size);
    if (got < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        rc = FQ_EIO;
        goto done;
    }
    text[got] = '\0';
    rc = parse_text(t, path, text, err, errlen);
done:
    close(fd);
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    if (rc) {
        free(t);
        return rc;
    }
    *out = t;
    return FQ_OK;
}

void fq_tokens_free(fq_tokens *t)
{
    if (!t)
        return;
    OPENSSL_cleanse(t, sizeof(*t));
    free(t);
}

fq_role fq_tokens_check(const fq_tokens *t, const char *token, size_t len, int *id)
{
    unsigned char d[DIGEST_LEN];
    unsigned found = 0, role = 0, idx = 0;

    digest(token, len, d);
    /* Every entry is compared; the match is selected with masks, not branches. */
    for (int i = 0; i < t->n; i++) {
        unsigned eq = (unsigned)(CRYPTO_memcmp(d, t->v[i].digest, DIGEST_LEN) == 0);
        unsigned mask = 0u - (eq & (found ^ 1u));
        role |= mask & (unsigned)t->v[i].role;
        idx |= mask & (unsigned)i;
        found |= eq;
    }
    if (!found)
        return FQ_ROLE_NONE;
    if (id)
        *id = (int)idx;
    return (fq_role)role;
}

bool fq_tokens_take(fq_tokens *t, int id, int per_minute, fq_time now)
{
    token_entry *e;
    double cap = per_minute > 0 ? (double)per_minute : 1.0;

    if (id < 0 || id >= t->n)
        return false;
    e = &t->v[id];
    if (!e->filled) {
        e->bucket = cap;
    } else if (now > e->filled) {
        e->bucket += (double)(now - e->filled) * cap / 60000.0;
        if (e->bucket > cap)
            e->bucket = cap;
    }
    e->filled = now > e->filled ? now : e->filled;
    if (e->bucket < 1.0)
        return false;
    e->bucket -= 1.0;
    return true;
}
