/* config.h — fairq's configuration: libconfig file -> validated structs.
 *
 * fq_config_load reads a libconfig file, checks every key's type and range,
 * rejects unknown keys, duplicate ids and references to unknown classes or
 * services, and fills an fq_config with defaults for what is missing. Errors
 * are reported as "file:line: message". fq_config_lint adds warnings about
 * setups that are valid but unfair (see docs/config.md). */
#ifndef FAIRQ_CONFIG_H
#define FAIRQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "fairq/common.h"
#include "fairq/engine.h"

#define FQ_PATH_LEN 512
#define FQ_MAX_LANGUAGES 8
#define FQ_MAX_SIM_ARRIVALS 64

typedef enum fq_distribution {
    FQ_DIST_EXPONENTIAL = 0,
    FQ_DIST_DETERMINISTIC = 1,
    FQ_DIST_LOGNORMAL = 2
} fq_distribution;

typedef struct fq_sim_arrival {
    int klass, service;   /* indices into sched.classes / sched.services */
    double rate_per_hour; /* >= 0 */
} fq_sim_arrival;

typedef struct fq_sim_service_time {
    fq_distribution distribution;
    double mean_s;        /* > 0 */
    double cv;            /* coefficient of variation, lognormal only; >= 0 */
    bool set;             /* configured (else exponential, mean = service_time_s) */
} fq_sim_service_time;

typedef struct fq_sim_cfg {
    double hours;         /* > 0 */
    double warmup_hours;  /* >= 0, < hours */
    int counters;         /* 0 = use the counters list; else n counters serving everything */
    int n_arrivals;
    fq_sim_arrival arrivals[FQ_MAX_SIM_ARRIVALS];
    fq_sim_service_time service_time[FQ_MAX_SERVICES]; /* by service index */
    double no_show_probability; /* 0..1 */
} fq_sim_cfg;

typedef struct fq_config {
    char path[FQ_PATH_LEN];       /* the file it came from */
    /* branch */
    char branch_id[FQ_ID_LEN];
    char branch_name[FQ_NAME_LEN * 2];
    char timezone[64];            /* IANA name, e.g. "Asia/Shanghai" */
    int day_starts_min;           /* minutes after local midnight, 0..1439 */
    int n_languages;
    char languages[FQ_MAX_LANGUAGES][16];
    /* server */
    char listen[64];
    int port;                     /* 1..65535 (0 = any free port, for tests) */
    char www[FQ_PATH_LEN];        /* resolved relative to the working directory */
    char tls_cert[FQ_PATH_LEN];   /* both empty = plain HTTP */
    char tls_key[FQ_PATH_LEN];
    /* storage */
    char db_path[FQ_PATH_LEN];
    char synchronous[8];          /* "full" (default), "normal", "off" */
    /* auth */
    char tokens_file[FQ_PATH_LEN];
    /* scheduler, services, counters, numbering */
    fq_sched_cfg sched;
    /* display */
    int display_history;          /* 1..20 */
    /* limits */
    size_t body_bytes;            /* 256..1 MiB */
    size_t ws_message_bytes;      /* 256..64 KiB */
    int max_connections;          /* 16..100000 */
    int connections_per_address;  /* 0 = off */
    int kiosk_tickets_per_minute; /* 1..10000 */
    /* simulation */
    fq_sim_cfg sim;
} fq_config;

/* Fills cfg with the built-in defaults (the values config/fairq.cfg spells
 * out), including the default classes, two services and two counters. */
void fq_config_defaults(fq_config *cfg);

/* Loads and validates `path`. On error returns FQ_ECONFIG (or FQ_EIO when the
 * file cannot be read) and writes "file:line: message" into err; cfg is then
 * unspecified. */
fq_status fq_config_load(const char *path, fq_config *cfg, char *err, size_t errlen);

/* Warnings about valid but unfair setups, one "file: warning: ..." line per
 * entry, appended to buf (NUL-terminated). Returns how many. */
int fq_config_lint(const fq_config *cfg, char *buf, size_t len);

/* Index of the class / service / counter with this id, or FQ_NONE. */
int fq_config_class(const fq_sched_cfg *s, const char *id);
int fq_config_service(const fq_sched_cfg *s, const char *id);
int fq_config_counter(const fq_sched_cfg *s, const char *id);
int fq_config_reason(const fq_class_cfg *c, const char *id);

#endif
