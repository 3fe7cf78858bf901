/* static.c — safe resolution and loading of the pages' files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/static.h"

static const struct {
    const char *ext, *mime;
} mimes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".mp3", "audio/mpeg"},
    {".ogg", "audio/ogg"},
    {".wav", "audio/wav"},
};

const char *fq_static_mime(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < FQ_ARRAY_LEN(mimes); i++) {
        size_t e = strlen(mimes[i].ext);
        if (n > e && !strcmp(name + n - e, mimes[i].ext))
            return mimes[i].mime;
    }
    return "application/octet-stream";
}

/* Only plain segments: no "", ".", "..", hidden names, backslashes or
 * control characters (the URL was already percent-decoded, so an encoded
 * "%2e%2e" arrives here as ".." and is refused too). */
static int path_safe(const char *p)
{
    if (*p != '/')
        return 0;
    for (const char *s = p; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '%')
            return 0;
        if (c == '/' && s[1] == '.')
            return 0; /* "/.", "/..", "/.hidden" */
        if (c == '/' && s[1] == '/')
            return 0;
    }
    return 1;
}

static int starts_with_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && path[n] == '/';
}

static fq_status read_file(const char *path, fq_static_file *out)
{
    struct stat st;
    char *data;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? FQ_ENOTFOUND : FQ_EIO;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > FQ_STATIC_MAX_FILE) {
        close(fd);
        return FQ_ENOTFOUND;
    }
    data = malloc((size_t)st.st_size + 1);
    if (!data) {
        close(fd);
        return FQ_ENOMEM;
    }
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, data + got, (size_t)st.st_size - got);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)k;
    }
    close(fd);
    data[got] = '\0';
    out->data = data;
    out->len = got;
    out->mime = fq_static_mime(path);
    return FQ_OK;
}

/* realpath(www + rel) inside www and a regular file: FQ_OK with resolved set. */
static fq_status resolve(const char *www_real, const char *rel, char resolved[PATH_MAX],
                         int *is_dir)
{
    char full[PATH_MAX + 64];
    struct stat st;

    *is_dir = 0;
    if (snprintf(full, sizeof(full), "%s%s", www_real, rel) >= (int)sizeof(full))
        return FQ_ENOTFOUND;
    if (!realpath(full, resolved))
        return FQ_ENOTFOUND;
    if (!starts_with_dir(resolved, www_real))
        return FQ_ENOTFOUND;
    if (stat(resolved, &st))
        return FQ_ENOTFOUND;
    if (S_ISDIR(st.st_mode)) {
        *is_dir = 1;
        return FQ_ENOTFOUND;
    }
    return S_ISREG(st.st_mode) ? FQ_OK : FQ_ENOTFOUND;
}

fq_status fq_static_load(const char *www_real, const char *url_path, fq_static_file *out)
{
    char rel[PATH_MAX], resolved[PATH_MAX];
    size_t n = strlen(url_path);
    int is_dir = 0;
    fq_status rc;

    memset(out, 0, sizeof(*out));
    if (!path_safe(url_path) || n + 16 > sizeof(rel))
        return FQ_ENOTFOUND;
    if (!strncmp(url_path, "/t/", 3) && !strchr(url_path + 3, '/')) {
        /* /t/{id}: the ticket page, unless a real asset of t/ was asked for */
        rc = url_path[3] ? resolve(www_real, url_path, resolved, &is_dir) : FQ_ENOTFOUND;
        if (rc != FQ_OK)
            rc = resolve(www_real, "/t/index.html", resolved, &is_dir);
        return rc == FQ_OK ? read_file(resolved, out) : rc;
    }
    if (url_path[n - 1] == '/')
        snprintf(rel, sizeof(rel), "%sindex.html", url_path);
    else
        snprintf(rel, sizeof(rel), "%s", url_path);
    rc = resolve(www_real, rel, resolved, &is_dir);
    if (rc != FQ_OK)
        return is_dir ? FQ_EINVAL : rc;
    return read_file(resolved, out);
}
