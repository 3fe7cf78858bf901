/* ws_stall.c — a WebSocket client that stops reading, for the slow-consumer
 * test (tests/integration/slow_consumer.test.mjs).
 *
 *   ws_stall HOST PORT PATH PROTOCOL RCVBUF
 *
 * Sets SO_RCVBUF to RCVBUF bytes BEFORE connecting (so the window it
 * advertises stays small: on loopback an ordinary client's buffers absorb
 * megabytes before the server notices anything), does the WebSocket
 * upgrade, prints one line
 *
 *   {"ready":true,"rcvbuf":N}
 *
 * and then reads nothing at all. It obeys lines on stdin:
 *
 *   info    prints {"queued":N,"state":S}: bytes waiting unread in the
 *           kernel's receive queue and the TCP state (1 = established)
 *   drain   reads everything there is, until the server ends the stream
 *           or 10 s pass with nothing new, and prints what it saw:
 *           {"bytes":B,"messages":M,"first_seq":F,"last_seq":L,
 *            "contiguous":true|false,"close_code":C|null,"end":"eof"|"reset"|"open"}
 *           then exits 0.
 *
 * seq is read from each text frame's "seq" key (display and staff messages
 * all carry one). Frames from a server are never masked (RFC 6455 5.1). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define DRAIN_IDLE_MS 10000

typedef struct frames {
    unsigned char *buf; /* bytes received and not yet parsed */
    size_t len, cap;
    uint64_t bytes, messages;
    long long first_seq, last_seq;
    bool contiguous;
    int close_code; /* -1 = no close frame */
} frames;

static int die(const char *what)
{
    fprintf(stderr, "ws_stall: %s: %s\n", what, strerror(errno));
    return 2;
}

static int connect_to(const char *host, const char *port, int rcvbuf)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res))
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        /* before connect: the window scale is fixed by the SYN */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) == 0 &&
            connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads the upgrade answer one byte at a time so that no frame byte is
 * taken from the kernel's queue before the stall. */
static bool upgrade(int fd, const char *host, const char *port, const char *path,
                    const char *protocol)
{
    char req[1024], resp[4096];
    size_t n = 0;
    int len = snprintf(req, sizeof(req),
                       "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                       path, host, port, protocol);

    if (len <= 0 || (size_t)len >= sizeof(req) || !send_all(fd, req, (size_t)len))
        return false;
    while (n + 1 < sizeof(resp)) {
        ssize_t r = recv(fd, resp + n, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        n++;
        if (n >= 4 && !memcmp(resp + n - 4, "\r\n\r\n", 4))
            break;
    }
    resp[n] = '\0';
    if (strncmp(resp, "HTTP/1.1 101", 12)) {
        fprintf(stderr, "ws_stall: upgrade refused: %.80s\n", resp);
        return false;
    }
    return true;
}

static void info(int fd)
{
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);
    int queued = 0;

    memset(&ti, 0, sizeof(ti));
    if (ioctl(fd, FIONREAD, &queued))
        queued = -1;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl))
        ti.tcpi_state = 0;
    printf("{\"queued\":%d,\"state\":%u}\n", queued, (unsigned)ti.tcpi_state);
    fflush(stdout);
}

static void on_text(frames *f, const unsigned char *p, size_t n)
{
    static const char key[] = "\"seq\":";
    long long seq = -1;

    for (size_t i = 0; i + sizeof(key) - 1 < n; i++) {
        if (!memcmp(p + i, key, sizeof(key) - 1)) {
            seq = 0;
            for (size_t j = i + sizeof(key) - 1; j < n && p[j] >= '0' && p[j] <= '9'; j++)
                seq = seq * 10 + (p[j] - '0');
            break;
        }
    }
    if (f->messages == 0)
        f->first_seq = seq;
    else if (seq != f->last_seq + 1)
        f->contiguous = false;
    f->last_seq = seq;
    f->messages++;
}

/* Parses every complete frame in f->buf; keeps the incomplete rest. */
static void parse(frames *f)
{
    size_t at = 0;

    for (;;) {
        const unsigned char *p = f->buf + at;
        size_t avail = f->len - at, hdr = 2;
        uint64_t plen;
        unsigned op;

        if (avail < 2)
            break;
        op = p[0] & 0x0fu;
        plen = p[1] & 0x7fu;
        if (plen == 126) {
            hdr = 4;
            if (avail < hdr)
                break;
            plen = (uint64_t)p[2] << 8 | p[3];
        } else if (plen == 127) {
            hdr = 10;
            if (avail < hdr)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | p[2 + i];
        }
        if (avail - hdr < plen)
            break;
        if (op == 0x1)
            on_text(f, p + hdr, (size_t)plen);
        else if (op == 0x8)
            f->close_code = plen >= 2 ? (p[hdr] << 8 | p[hdr + 1]) : 1005;
        at += hdr + (size_t)plen;
    }
    memmove(f->buf, f->buf + at, f->len - at);
    f->len -= at;
}

static int drain(int fd)
{
    frames f;
    const char *end = "open";

    memset(&f, 0, sizeof(f));
    f.contiguous = true;
    f.close_code = -1;
    f.cap = 1 << 16;
    f.buf = malloc(f.cap);
    if (!f.buf)
        return die("malloc");
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;
        int pr = poll(&pfd, 1, DRAIN_IDLE_MS);

        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break;
        if (f.cap - f.len < 4096) {
            unsigned char *nb = realloc(f.buf, f.cap * 2);
            if (!nb) {
                free(f.buf);
                return die("realloc");
            }
            f.buf = nb;
            f.cap *= 2;
        }
        r = recv(fd, f.buf + f.len, f.cap - f.len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            end = "eof";
            break;
        }
        if (r < 0) {
            end = errno == ECONNRESET ? "reset" : "error";
            break;
        }
        f.len += (size_t)r;
        f.bytes += (uint64_t)r;
        parse(&f);
    }
    printf("{\"bytes\":%llu,\"messages\":%llu,\"first_seq\":%lld,\"last_seq\":%lld,"
           "\"contiguous\":%s,\"close_code\":",
           (unsigned long long)f.bytes, (unsigned long long)f.messages, f.first_seq, f.last_seq,
           f.contiguous ? "true" : "false");
    if (f.close_code < 0)
        printf("null");
    else
        printf("%d", f.close_code);
    printf(",\"end\":\"%s\"}\n", end);
    fflush(stdout);
    free(f.buf);
    return 0;
}

int main(int argc, char **argv)
{
    char line[64];
    int fd, rcvbuf, actual = 0;
    socklen_t al = sizeof(actual);

    if (argc != 6) {
        fprintf(stderr, "usage: ws_stall HOST PORT PATH PROTOCOL RCVBUF\n");
        return 2;
    }
    rcvbuf = atoi(argv[5]);
    fd = connect_to(argv[1], argv[2], rcvbuf);
    if (fd < 0)
        return die("connect");
    if (!upgrade(fd, argv[1], argv[2], argv[3], argv[4]))
        return die("upgrade");
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &al);
    printf("{\"ready\":true,\"rcvbuf\":%d}\n", actual);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin)) {
        if (!strncmp(line, "info", 4))
            info(fd);
        else if (!strncmp(line, "drain", 5))
            return drain(fd);
    }
    close(fd); /* stdin closed: the test is gone */
    return 0;
}
