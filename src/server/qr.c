/* qr.c — QR code -> SVG. Each row's runs of dark modules become one
 * "M x y h n v1 h -n z" subpath, which keeps the SVG small and crisp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "server/qr.h"

#define QUIET 4

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int failed;
} sbuf;

static void put(sbuf *b, const char *tmp, int k)
{
    if (b->failed || k < 0)
        return;
    if (b->len + (size_t)k + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, tmp, (size_t)k + 1);
    b->len += (size_t)k;
}

char *fq_qr_svg(const char *text, size_t *len)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    sbuf b = {NULL, 0, 0, 0};
    char tmp[512];
    int w, size, k;

    if (!q)
        return NULL;
    w = q->width;
    size = w + 2 * QUIET;
    k = snprintf(tmp, sizeof(tmp),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                 "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
                 "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                 size, size, size, size);
    put(&b, tmp, k);
    for (int y = 0; y < w; y++) {
        int x = 0;
        while (x < w) {
            int run = 0;
            while (x + run < w && (q->data[y * w + x + run] & 1))
                run++;
            if (run) {
                k = snprintf(tmp, sizeof(tmp), "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
                put(&b, tmp, k);
                x += run;
            } else {
                x++;
            }
        }
    }
    put(&b, "\"/></svg>\n", (int)strlen("\"/></svg>\n"));
    QRcode_free(q);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.p;
}
