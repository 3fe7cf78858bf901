/* cmd_serve.c — `fairq serve [--config F]`: loads the configuration, runs
 * the server until SIGTERM/SIGINT, and shuts it down cleanly. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "fairq/config.h"
#include "fairq/server.h"

static fq_server *volatile running; /* for the signal handler only */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    fq_server_stop(running); /* sets a flag and wakes the loop; NULL is a no-op */
}

static void usage(FILE *out)
{
    fputs("usage: fairq serve [--config FILE]\n\n"
          "Runs the branch's queue server: HTTP API, WebSockets and pages\n"
          "(docs/protocol.md, docs/operations.md). FILE defaults to config/fairq.cfg.\n"
          "Logs to stderr; SIGTERM or SIGINT shut it down cleanly.\n",
          out);
}

int fq_cmd_serve(int argc, char **argv)
{
    static fq_config cfg;
    const char *path = "config/fairq.cfg";
    struct sigaction sa;
    char err[1024];
    fq_server *s = NULL;
    fq_status rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strncmp(argv[i], "--config=", 9)) {
            path = argv[i] + 9;
        } else {
            fprintf(stderr, "fairq serve: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    rc = fq_config_load(path, &cfg, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    /* Handlers first: a supervisor may signal as soon as it sees the
     * "listening" line, which fq_server_new prints. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = fq_server_new(&cfg, &s, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "fairq serve: %s\n", err);
        return 2;
    }
    running = s;
    if (stop_requested)
        fq_server_stop(s);
    rc = fq_server_run(s);
    running = NULL;
    fq_server_free(s);
    if (rc) {
        fprintf(stderr, "fairq serve: stopped: %s\n", fq_strerror(rc));
        return 2;
    }
    fprintf(stderr, "fairq: stopped cleanly\n");
    return 0;
}
