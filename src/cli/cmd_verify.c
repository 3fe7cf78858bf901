/* cmd_verify.c — `fairq verify --db F`: recompute the event log's hash chain.
 *
 * Opens the database read-only (safe while a server writes to it: WAL gives
 * this process a snapshot) and prints `ok N events head HASH`, or the first
 * bad sequence number and exits 1. Usage and I/O errors exit 2. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "fairq/store.h"

static void verify_usage(FILE *out)
{
    fputs("usage: fairq verify --db FILE\n\n"
          "Recomputes the hash chain of fairq's event log (see docs/audit.md).\n"
          "Prints 'ok N events head HASH' when every row links to the one before\n"
          "it, or the first bad sequence number, e.g. 'bad event 17: hash mismatch'\n"
          "or 'missing event 17'. Read-only; safe while a server is running.\n\n"
          "Exit status: 0 the chain is intact, 1 it is not, 2 usage or I/O error.\n",
          out);
}

int fq_cmd_verify(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            verify_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strncmp(argv[i], "--db=", 5)) {
            db = argv[i] + 5;
        } else {
            fprintf(stderr, "fairq verify: unexpected argument '%s'\n", argv[i]);
            verify_usage(stderr);
            return 2;
        }
    }
    if (!db || !*db) {
        fputs("fairq verify: --db FILE is required\n", stderr);
        verify_usage(stderr);
        return 2;
    }

    char err[512];
    fq_store *s = NULL;
    fq_status st = fq_store_open(db, NULL, FQ_STORE_READONLY, &s, err, sizeof err);
    if (st) {
        fprintf(stderr, "fairq verify: %s\n", err);
        return 2;
    }
    uint64_t count = 0, bad = 0;
    char head[FQ_HASH_HEX];
    st = fq_store_verify_explain(s, &count, head, &bad, err, sizeof err);
    fq_store_close(s);
    if (st == FQ_OK) {
        printf("ok %llu events head %s\n", (unsigned long long)count, head);
        return 0;
    }
    if (st == FQ_ECORRUPT) {
        printf("%s\n", err);
        return 1;
    }
    fprintf(stderr, "fairq verify: %s: %s\n", db, err[0] ? err : fq_strerror(st));
    return 2;
}
