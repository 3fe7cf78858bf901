/* args.h — the small argument helpers every subcommand shares. */
#ifndef FAIRQ_CLI_ARGS_H
#define FAIRQ_CLI_ARGS_H

/* "--name value" or "--name=value" at argv[*i]: returns the value, or NULL
 * when this argument is not --name. *i advances past a separate value;
 * *missing is set when --name is the last argument and has no value. */
const char *fq_cli_option(int argc, char **argv, int *i, const char *name, int *missing);

/* Prints "fairq CMD: message" and a hint to use --help on stderr; returns 2
 * (the usage-error exit status) so callers can `return fq_cli_usage_error(...)`. */
int fq_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
