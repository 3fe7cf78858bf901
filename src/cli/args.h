/* args.h — the small helpers the subcommands share: options, usage errors,
 * opening an event log to read, writing a result to stdout. */
#ifndef FAIRQ_CLI_ARGS_H
#define FAIRQ_CLI_ARGS_H

#include <stddef.h>

#include "fairq/config.h"
#include "fairq/store.h"

/* "--name value" or "--name=value" at argv[*i]: returns the value, or NULL
 * when this argument is not --name. *i advances past a separate value;
 * *missing is set when --name is the last argument and has no value. */
const char *fq_cli_option(int argc, char **argv, int *i, const char *name, int *missing);

/* Prints "fairq CMD: message" and a hint to use --help on stderr; returns 2
 * (the usage-error exit status) so callers can `return fq_cli_usage_error(...)`. */
int fq_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Loads the configuration at cfg_path into *cfg (ids to decode the log) and
 * opens the log db read-only into *out. Returns 0, or prints
 * "fairq CMD: reason" on stderr and returns 2 with nothing open. */
int fq_cli_open_log(const char *cmd, const char *cfg_path, const char *db, fq_config *cfg,
                    fq_store **out);

/* Writes len bytes of data to stdout and flushes. Returns 0, or prints
 * "fairq CMD: cannot write the WHAT" and returns 2. */
int fq_cli_write_stdout(const char *cmd, const char *data, size_t len, const char *what);

#endif
