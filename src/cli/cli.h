/* cli.h — fairq's subcommands. Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit status:
 * 0 ok, 1 the check failed, 2 usage or I/O error (SPEC 6). */
#ifndef FAIRQ_CLI_H
#define FAIRQ_CLI_H

int fq_cmd_serve(int argc, char **argv);
int fq_cmd_check_config(int argc, char **argv);
int fq_cmd_simulate(int argc, char **argv);
int fq_cmd_audit(int argc, char **argv);
int fq_cmd_replay(int argc, char **argv);
int fq_cmd_verify(int argc, char **argv);

#endif
