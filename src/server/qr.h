/* qr.h — a QR code of a text as a compact SVG (libqrencode does the code,
 * this module draws it: one path of horizontal runs, a 4-module quiet zone). */
#ifndef FAIRQ_SERVER_QR_H
#define FAIRQ_SERVER_QR_H

#include <stddef.h>

/* malloc'd SVG text (free()), NULL when the text cannot be encoded or on no
 * memory; *len gets its length. */
char *fq_qr_svg(const char *text, size_t *len);

#endif
