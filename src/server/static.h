/* static.h — the pages: URL path -> file under server.www.
 *
 * /display/, /counter/, /kiosk/, /audit/ and / serve the folder's
 * index.html, /t/{id} serves t/index.html (files that exist under t/ are
 * served as themselves), anything else by its name. Nothing outside www is
 * ever served: ".." or hidden segments are refused and the resolved path
 * (symlinks followed) must still be inside www. */
#ifndef FAIRQ_SERVER_STATIC_H
#define FAIRQ_SERVER_STATIC_H

#include <stddef.h>

#include "fairq/common.h"

#define FQ_STATIC_MAX_FILE (16u << 20)

typedef struct fq_static_file {
    char *data;       /* malloc'd contents (free()) */
    size_t len;
    const char *mime; /* static string */
} fq_static_file;

/* Loads the file for url_path (already percent-decoded, starting with '/').
 * www_real is realpath(www). FQ_OK: out filled. FQ_ENOTFOUND: no such file
 * (or refused: the caller answers 404 either way). FQ_EINVAL: the path is a
 * directory without its trailing slash (redirect to url_path + "/").
 * FQ_EIO / FQ_ENOMEM: reading failed. */
fq_status fq_static_load(const char *www_real, const char *url_path, fq_static_file *out);

/* Content-Type for a file name. */
const char *fq_static_mime(const char *name);

#endif
