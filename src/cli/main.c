/* main.c — the fairq binary: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    /* Subcommands are added here as their modules land. */
    {"serve", fq_cmd_serve, "run the server"},
    {"check-config", fq_cmd_check_config, "validate a configuration file"},
    {"simulate", fq_cmd_simulate, "simulate the branch with the real scheduler"},
    {"verify", fq_cmd_verify, "check the event log's hash chain"},
    {"audit", fq_cmd_audit, "fairness report from the event log"},
    {"replay", fq_cmd_replay, "a recorded day again under another policy"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fputs("usage: fairq COMMAND [OPTIONS]\n\n"
          "fairq runs the customer queue of a bank branch: fair scheduling of\n"
          "VIP, priority and regular customers with a tamper-evident wait log.\n\n"
          "commands:\n",
          out);
    for (const command *c = commands; c->name; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
    fputs("\n'fairq COMMAND --help' explains each command.\n"
          "Exit status: 0 ok, 1 the check failed, 2 usage or I/O error.\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("fairq 0.1.0");
        return 0;
    }
    for (const command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "fairq: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
