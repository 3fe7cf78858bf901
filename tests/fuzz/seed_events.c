/* seed_events.c — writes the seed corpus of fuzz_event: the canonical bytes
 * of events of every type (and the optional parts of each: reason, manual
 * note with escapes and UTF-8, closed with and without a counter), encoded
 * by fq_event_encode with the default configuration, one file each.
 *
 *     seed_events DIR      (scripts/fuzz runs it when DIR has no seeds) */
#include <stdio.h>
#include <string.h>

#include "fairq/config.h"
#include "fairq/store.h"

static int write_seed(const char *dir, const fq_sched_cfg *cfg, const char *name,
                      const fq_event *ev)
{
    char buf[2048], path[512];
    int n = fq_event_encode(cfg, ev, buf, sizeof buf);
    if (n < 0) {
        fprintf(stderr, "seed_events: %s: %s\n", name, fq_strerror(n));
        return -1;
    }
    snprintf(path, sizeof path, "%s/seed-%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        fprintf(stderr, "seed_events: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seed_events DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    static fq_config config;
    fq_config_defaults(&config);
    const fq_sched_cfg *cfg = &config.sched;
    const fq_time at = 1795424462123; /* 2026-11-23T09:01:02.123Z */
    int bad = 0;

    fq_event ev = fq_event_init(FQ_EV_DAY, at);
    ev.day = 20261123;
    ev.seed = 18446744073709551615u;
    ev.ticket = 41;
    bad |= write_seed(dir, cfg, "day", &ev);

    ev = fq_event_init(FQ_EV_ISSUED, at);
    ev.ticket = 42;
    ev.klass = 2;
    ev.service = 0;
    ev.number = 47;
    ev.estimate_s = 600;
    for (int i = 0; i < FQ_KEY_LEN; i++)
        ev.key[i] = (uint8_t)(i * 17);
    bad |= write_seed(dir, cfg, "issued", &ev);
    ev.klass = 1;
    ev.reason = 2;
    ev.service = 1;
    ev.number = 1000;
    ev.estimate_s = -1;
    bad |= write_seed(dir, cfg, "issued-reason", &ev);

    ev = fq_event_init(FQ_EV_CALLED, at);
    ev.ticket = 42;
    ev.counter = 3;
    bad |= write_seed(dir, cfg, "called", &ev);
    ev.manual = true;
    snprintf(ev.note, sizeof ev.note, "%s", "asked \"twice\" \\ tab\there \xe4\xbd\xa0\x01");
    bad |= write_seed(dir, cfg, "called-manual", &ev);

    static const struct {
        fq_event_type type;
        const char *name;
    } counter_events[] = {{FQ_EV_RECALLED, "recalled"},
                          {FQ_EV_NO_SHOW, "no_show"},
                          {FQ_EV_STARTED, "started"},
                          {FQ_EV_COMPLETED, "completed"}};
    for (size_t i = 0; i < FQ_ARRAY_LEN(counter_events); i++) {
        ev = fq_event_init(counter_events[i].type, at);
        ev.ticket = 7;
        ev.counter = 0;
        bad |= write_seed(dir, cfg, counter_events[i].name, &ev);
    }

    ev = fq_event_init(FQ_EV_TRANSFERRED, at);
    ev.ticket = 9;
    ev.counter = 1;
    ev.service = 1;
    bad |= write_seed(dir, cfg, "transferred", &ev);

    ev = fq_event_init(FQ_EV_CANCELLED, -5);
    ev.ticket = 18446744073709551615u;
    bad |= write_seed(dir, cfg, "cancelled", &ev);

    ev = fq_event_init(FQ_EV_CLOSED, at);
    ev.ticket = 3;
    bad |= write_seed(dir, cfg, "closed", &ev);
    ev.counter = 2;
    bad |= write_seed(dir, cfg, "closed-counter", &ev);

    static const char *const states[] = {"closed", "open", "paused"};
    for (int s = 0; s < 3; s++) {
        char name[32];
        ev = fq_event_init(FQ_EV_COUNTER, at);
        ev.counter = s;
        ev.state = s;
        snprintf(name, sizeof name, "counter-%s", states[s]);
        bad |= write_seed(dir, cfg, name, &ev);
    }

    ev = fq_event_init(FQ_EV_ALARM_ON, at);
    ev.ticket = 12;
    bad |= write_seed(dir, cfg, "alarm_on", &ev);
    ev = fq_event_init(FQ_EV_ALARM_OFF, 0);
    bad |= write_seed(dir, cfg, "alarm_off", &ev);

    return bad ? 1 : 0;
}
