/* conns.h — limits.max_connections and limits.connections_per_address.
 *
 * Every accepted socket is admitted (or refused) here before anything is
 * read from it, and released when it closes. Addresses are kept as 16 bytes
 * (IPv4 as v4-mapped IPv6) in a small hash table of live counts. */
#ifndef FAIRQ_SERVER_CONNS_H
#define FAIRQ_SERVER_CONNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct fq_conns fq_conns;

typedef struct fq_conn_addr {
    uint8_t a[16];
} fq_conn_addr;

/* per_address 0 = no per-address limit. NULL on no memory. */
fq_conns *fq_conns_new(int max_total, int per_address);
void fq_conns_free(fq_conns *c); /* NULL is a no-op */

/* The 16-byte form of a socket address (other families map to all zeros). */
fq_conn_addr fq_conn_addr_of(const struct sockaddr *sa);

/* Counts a new connection from addr, or refuses it (false) when a limit
 * would be exceeded (or on no memory). */
bool fq_conns_admit(fq_conns *c, const fq_conn_addr *addr);
/* Forgets one admitted connection from addr. */
void fq_conns_release(fq_conns *c, const fq_conn_addr *addr);

/* Ties an admitted connection to its owner (the lws wsi) so that it can be
 * released by owner alone when the socket goes away. On no memory the
 * connection is released at once and FQ_ENOMEM returned. */
int fq_conns_attach(fq_conns *c, const void *owner, const fq_conn_addr *addr);
/* Releases the connection tied to owner; no-op for an unknown owner. */
void fq_conns_detach(fq_conns *c, const void *owner);
int fq_conns_total(const fq_conns *c);

#endif
