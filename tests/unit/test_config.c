/* test_config.c — configuration loading, validation errors, lint and lookups.
 *
 * The shipped config/fairq.cfg must describe exactly fq_config_defaults();
 * every fixture under tests/fixtures/config/bad_*.cfg must be rejected with
 * "file:line:" pointing at the offending setting and a message naming its
 * key; lint fixtures must produce their warning, the defaults none. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairq/config.h"

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static void fixture_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/config/%s", env_or("FAIRQ_FIXTURES", "tests/fixtures"), name);
}

#define assert_double_eq(a, b)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (a_ != b_)                                                                              \
            fail_msg("%s = %g, expected %g", #a, a_, b_);                                          \
    } while (0)

static void assert_class_equal(const fq_class_cfg *a, const fq_class_cfg *b)
{
    assert_string_equal(a->id, b->id);
    assert_double_eq(a->weight, b->weight);
    assert_int_equal(a->head_start_s, b->head_start_s);
    assert_int_equal(a->starvation_limit_s, b->starvation_limit_s);
    assert_int_equal(a->target_wait_s, b->target_wait_s);
    assert_int_equal(a->issued_by, b->issued_by);
    assert_int_equal(a->n_reasons, b->n_reasons);
    for (int r = 0; r < a->n_reasons; r++)
        assert_string_equal(a->reasons[r], b->reasons[r]);
}

/* Every field except path. */
static void assert_config_equal(const fq_config *a, const fq_config *b)
{
    assert_string_equal(a->branch_id, b->branch_id);
    assert_string_equal(a->branch_name, b->branch_name);
    assert_string_equal(a->timezone, b->timezone);
    assert_int_equal(a->day_starts_min, b->day_starts_min);
    assert_int_equal(a->n_languages, b->n_languages);
    for (int i = 0; i < a->n_languages; i++)
        assert_string_equal(a->languages[i], b->languages[i]);
    assert_string_equal(a->listen, b->listen);
    assert_int_equal(a->port, b->port);
    assert_string_equal(a->www, b->www);
    assert_string_equal(a->tls_cert, b->tls_cert);
    assert_string_equal(a->tls_key, b->tls_key);
    assert_string_equal(a->db_path, b->db_path);
    assert_string_equal(a->synchronous, b->synchronous);
    assert_string_equal(a->tokens_file, b->tokens_file);

    const fq_sched_cfg *sa = &a->sched, *sb = &b->sched;
    assert_int_equal(sa->policy, sb->policy);
    assert_int_equal(sa->n_classes, sb->n_classes);
    for (int k = 0; k < sa->n_classes; k++)
        assert_class_equal(&sa->classes[k], &sb->classes[k]);
    assert_int_equal(sa->n_services, sb->n_services);
    for (int s = 0; s < sa->n_services; s++) {
        assert_string_equal(sa->services[s].id, sb->services[s].id);
        assert_string_equal(sa->services[s].name, sb->services[s].name);
        assert_string_equal(sa->services[s].prefix, sb->services[s].prefix);
        assert_double_eq(sa->services[s].service_time_s, sb->services[s].service_time_s);
    }
    assert_int_equal(sa->n_counters, sb->n_counters);
    for (int c = 0; c < sa->n_counters; c++) {
        assert_string_equal(sa->counters[c].id, sb->counters[c].id);
        assert_string_equal(sa->counters[c].name, sb->counters[c].name);
        assert_int_equal(sa->counters[c].services, sb->counters[c].services);
    }
    assert_int_equal(sa->number_width, sb->number_width);
    assert_int_equal(sa->number_order, sb->number_order);
    assert_int_equal(sa->retain_finished, sb->retain_finished);

    assert_int_equal(a->display_history, b->display_history);
    assert_int_equal(a->body_bytes, b->body_bytes);
    assert_int_equal(a->ws_message_bytes, b->ws_message_bytes);
    assert_int_equal(a->max_connections, b->max_connections);
    assert_int_equal(a->connections_per_address, b->connections_per_address);
    assert_int_equal(a->kiosk_tickets_per_minute, b->kiosk_tickets_per_minute);

    assert_double_eq(a->sim.hours, b->sim.hours);
    assert_double_eq(a->sim.warmup_hours, b->sim.warmup_hours);
    assert_int_equal(a->sim.counters, b->sim.counters);
    assert_int_equal(a->sim.n_arrivals, b->sim.n_arrivals);
    for (int i = 0; i < a->sim.n_arrivals; i++) {
        assert_int_equal(a->sim.arrivals[i].klass, b->sim.arrivals[i].klass);
        assert_int_equal(a->sim.arrivals[i].service, b->sim.arrivals[i].service);
        assert_double_eq(a->sim.arrivals[i].rate_per_hour, b->sim.arrivals[i].rate_per_hour);
    }
    for (int s = 0; s < FQ_MAX_SERVICES; s++) {
        const fq_sim_service_time *x = &a->sim.service_time[s], *y = &b->sim.service_time[s];
        assert_int_equal(x->set, y->set);
        assert_int_equal(x->distribution, y->distribution);
        assert_double_eq(x->mean_s, y->mean_s);
        assert_double_eq(x->cv, y->cv);
    }
    assert_double_eq(a->sim.no_show_probability, b->sim.no_show_probability);
}

static fq_config *load_ok(const char *path)
{
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    char err[1024];
    fq_status st = fq_config_load(path, cfg, err, sizeof err);
    if (st != FQ_OK)
        fail_msg("%s: expected to load, got %d: %s", path, st, err);
    assert_string_equal(cfg->path, path);
    return cfg;
}

static void test_defaults_values(void **state)
{
    (void)state;
    fq_config d;
    fq_config_defaults(&d);
    /* Spot checks of SPEC 5 so the defaults and the file cannot drift together. */
    assert_string_equal(d.branch_id, "demo");
    assert_string_equal(d.timezone, "Asia/Shanghai");
    assert_int_equal(d.day_starts_min, 300);
    assert_int_equal(d.port, 8080);
    assert_int_equal(d.sched.policy, FQ_POLICY_ACCUMULATING);
    assert_int_equal(d.sched.n_classes, 3);
    assert_string_equal(d.sched.classes[1].id, "priority");
    assert_double_eq(d.sched.classes[0].weight, 3.0);
    assert_int_equal(d.sched.classes[2].starvation_limit_s, 1800);
    assert_int_equal(d.sched.classes[0].issued_by, FQ_ISSUER_STAFF);
    assert_int_equal(d.sched.classes[1].n_reasons, 3);
    assert_int_equal(d.sched.n_counters, 4);
    assert_int_equal(d.sched.counters[3].services, 0x3);
    assert_true(d.sched.retain_finished);
    assert_int_equal(d.body_bytes, 16384);
    assert_int_equal(d.connections_per_address, 0);
    assert_int_equal(d.sim.n_arrivals, 6);
    assert_true(d.sim.service_time[0].set && d.sim.service_time[1].set);
    assert_false(d.sim.service_time[2].set);
}

static void test_shipped_config_equals_defaults(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/config/fairq.cfg", env_or("FAIRQ_SOURCE_DIR", "."));
    fq_config *cfg = load_ok(path);
    fq_config d;
    fq_config_defaults(&d);
    assert_config_equal(cfg, &d);
    free(cfg);
}

static void test_empty_file_equals_defaults(void **state)
{
    (void)state;
    char path[1024];
    fixture_path(path, sizeof path, "good_empty.cfg");
    fq_config *cfg = load_ok(path);
    fq_config d;
    fq_config_defaults(&d);
    assert_config_equal(cfg, &d);
    free(cfg);
}

static const struct bad_case {
    const char *file;
    int line;
    const char *needle; /* must appear in the message */
} bad_cases[] = {
    {"bad_syntax.cfg", 3, "syntax error"},
    {"bad_type_port.cfg", 3, "server.port must be an integer"},
    {"bad_type_weight.cfg", 5, "scheduler.classes[1].weight must be a number"},
    {"bad_float_for_int.cfg", 4, "scheduler.classes[0].target_wait must be an integer"},
    {"bad_unknown_section.cfg", 3, "unknown key sheduler"},
    {"bad_unknown_key.cfg", 5, "unknown key scheduler.classes[1].wieght"},
    {"bad_unknown_key_limits.cfg", 3, "unknown key limits.max_conections"},
    {"bad_weight_negative.cfg", 5, "scheduler.classes[1].weight must be > 0"},
    {"bad_weight_too_big.cfg", 4, "scheduler.classes[0].weight must be > 0 and <= 1000"},
    {"bad_port_range.cfg", 3, "server.port must be in 0..65535 (got 70000)"},
    {"bad_port_overflow.cfg", 3, "server.port must be in 0..65535"},
    {"bad_history.cfg", 2, "display.history must be in 1..20"},
    {"bad_body_bytes.cfg", 2, "limits.body_bytes must be in 256..1048576"},
    {"bad_starvation_limit.cfg", 4, "scheduler.classes[0].starvation_limit must be in 0..86400"},
    {"bad_dup_class.cfg", 5, "scheduler.classes[2].id \"vip\" is already used"},
    {"bad_dup_service.cfg", 3, "services[1].id \"A\" is already used"},
    {"bad_dup_counter.cfg", 4, "counters[2].id \"1\" is already used"},
    {"bad_dup_prefix.cfg", 4, "services[1].prefix \"A\" is already used"},
    {"bad_prefix_ambiguous.cfg", 4, "services[1].prefix \"AB\""},
    {"bad_prefix_digit.cfg", 3, "services[0].prefix must be 1 to 7 letters"},
    {"bad_counter_service.cfg", 4, "counters[1].services[1]: unknown service \"C\""},
    {"bad_arrival_class.cfg", 4, "simulation.arrivals[1].class: unknown class \"gold\""},
    {"bad_arrival_service.cfg", 4, "simulation.arrivals[0].service: unknown service \"Z\""},
    {"bad_service_time_service.cfg", 3, "simulation.service_time[0].service: unknown service"},
    {"bad_dup_arrival.cfg", 4, "simulation.arrivals[1]: class \"vip\" and service \"A\""},
    {"bad_empty_classes.cfg", 3, "scheduler.classes must not be empty"},
    {"bad_empty_counter_services.cfg", 3, "counters[0].services must not be empty"},
    {"bad_too_many_classes.cfg", 2, "scheduler.classes has 9 entries; at most 8"},
    {"bad_long_id.cfg", 2, "branch.id is too long"},
    {"bad_long_language.cfg", 2, "branch.languages[1]: unknown language"},
    {"bad_day_starts.cfg", 3, "branch.day_starts must be a time \"HH:MM\""},
    {"bad_day_starts_range.cfg", 2, "branch.day_starts"},
    {"bad_timezone.cfg", 2, "branch.timezone: unknown time zone"},
    {"bad_timezone_dotdot.cfg", 2, "branch.timezone must be a time zone name"},
    {"bad_timezone_absolute.cfg", 2, "branch.timezone must be a time zone name"},
    {"bad_policy.cfg", 2, "scheduler.policy must be one of"},
    {"bad_distribution.cfg", 4, "simulation.service_time[0].distribution must be one of"},
    {"bad_order.cfg", 3, "numbering.order must be one of"},
    {"bad_width.cfg", 2, "numbering.width must be in 1..6"},
    {"bad_synchronous.cfg", 2, "storage.synchronous must be one of"},
    {"bad_issued_by.cfg", 4, "scheduler.classes[0].issued_by[1] must be \"kiosk\" or \"staff\""},
    {"bad_language.cfg", 3, "branch.languages[1]: unknown language \"tlh\""},
    {"bad_unserved_service.cfg", 6, "no counter serves service \"C\""},
    {"bad_warmup.cfg", 3, "simulation.warmup_hours must be < simulation.hours"},
    {"bad_no_show.cfg", 2, "simulation.no_show_probability"},
    {"bad_cv.cfg", 4, "simulation.service_time[0].cv"},
    {"bad_tls_half.cfg", 2, "server.tls: cert and key"},
    {"bad_missing_id.cfg", 2, "services[0].id is required"},
    {"bad_listen.cfg", 2, "server.listen must be an IPv4 or IPv6 address"},
    {"bad_dup_reason.cfg", 4, "scheduler.classes[0].reasons[1]: \"elderly\" is listed twice"},
    {"bad_section_type.cfg", 1, "branch must be a group"},
};

static void test_bad_fixtures_rejected(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    for (size_t i = 0; i < FQ_ARRAY_LEN(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        char path[1024], prefix[1100], err[1024];
        fixture_path(path, sizeof path, bc->file);
        fq_status st = fq_config_load(path, cfg, err, sizeof err);
        if (st != FQ_ECONFIG)
            fail_msg("%s: expected FQ_ECONFIG, got %d (%s)", bc->file, st, err);
        snprintf(prefix, sizeof prefix, "%s:%d: ", path, bc->line);
        if (strncmp(err, prefix, strlen(prefix)) != 0)
            fail_msg("%s: error \"%s\" does not start with \"%s\"", bc->file, err, prefix);
        if (!strstr(err, bc->needle))
            fail_msg("%s: error \"%s\" does not mention \"%s\"", bc->file, err, bc->needle);
    }
    free(cfg);
}

static void test_unreadable_file_is_io_error(void **state)
{
    (void)state;
    fq_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    char err[512];
    assert_int_equal(fq_config_load("/nonexistent/fairq.cfg", cfg, err, sizeof err), FQ_EIO);
    assert_non_null(strstr(err, "/nonexistent/fairq.cfg: cannot read"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/config", env_or("FAIRQ_FIXTURES", "tests/fixtures"));
    assert_int_equal(fq_config_load(dir, cfg, err, sizeof err), FQ_EIO);
    free(cfg);
}

static void test_lists_replace_defaults(void **state)
{
    (void)state;
    char path[1024];
    fixture_path(path, sizeof path, "good_services_only.cfg");
    fq_config *cfg = load_ok(path);
    assert_int_equal(cfg->sched.n_services, 1);
    assert_string_equal(cfg->sched.services[0].id, "loans");
    assert_string_equal(cfg->sched.services[0].prefix, "L");
    /* Default counters follow the replaced services; default arrivals named
     * services A and B, which are gone. */
    assert_int_equal(cfg->sched.n_counters, 4);
    for (int c = 0; c < 4; c++)
        assert_int_equal(cfg->sched.counters[c].services, 0x1);
    assert_int_equal(cfg->sim.n_arrivals, 0);
    assert_false(cfg->sim.service_time[0].set);
    assert_double_eq(cfg->sim.service_time[0].mean_s, 600.0);
    assert_int_equal(cfg->sched.n_classes, 3);
    free(cfg);
}

static void test_int_accepted_for_float(void **state)
{
    (void)state;
    char path[1024];
    fixture_path(path, sizeof path, "good_int_for_float.cfg");
    fq_config *cfg = load_ok(path);
    assert_int_equal(cfg->sched.n_classes, 2);
    assert_double_eq(cfg->sched.classes[0].weight, 3.0);
    assert_double_eq(cfg->sched.classes[1].weight, 1.5);
    /* Keys left out of a class element get the element defaults. */
    assert_int_equal(cfg->sched.classes[0].starvation_limit_s, 0);
    assert_int_equal(cfg->sched.classes[0].target_wait_s, 1200);
    assert_int_equal(cfg->sched.classes[0].issued_by, FQ_ISSUER_KIOSK | FQ_ISSUER_STAFF);
    assert_double_eq(cfg->sim.hours, 1000.0);
    assert_double_eq(cfg->sim.warmup_hours, 0.0);
    assert_int_equal(cfg->sim.counters, 0);
    assert_int_equal(cfg->sim.n_arrivals, 1);
    assert_int_equal(cfg->sim.arrivals[0].klass, 0);
    assert_int_equal(cfg->sim.arrivals[0].service, 1);
    assert_double_eq(cfg->sim.arrivals[0].rate_per_hour, 5.0);
    assert_false(cfg->sim.service_time[0].set);
    assert_true(cfg->sim.service_time[1].set);
    assert_int_equal(cfg->sim.service_time[1].distribution, FQ_DIST_LOGNORMAL);
    assert_double_eq(cfg->sim.service_time[1].mean_s, 240.0);
    assert_double_eq(cfg->sim.service_time[1].cv, 0.5);
    free(cfg);
}

static void test_include_next_to_file(void **state)
{
    (void)state;
    char path[1024];
    fixture_path(path, sizeof path, "good_include.cfg");
    fq_config *cfg = load_ok(path);
    assert_string_equal(cfg->branch_id, "inc");
    assert_int_equal(cfg->sched.number_width, 4);
    assert_int_equal(cfg->sched.number_order, FQ_ORDER_SHUFFLED);
    free(cfg);
}

static const struct lint_case {
    const char *file;
    int count;
    const char *needle;
} lint_cases[] = {
    {"lint_protected_below_vip.cfg", 2, "\"priority\" is legally protected (it has reasons) but "
                                        "ranks below \"vip\" by weight"},
    {"lint_protected_below_vip.cfg", 2, "\"priority\" has no starvation_limit while other"},
    {"lint_head_start.cfg", 1, "ranks below \"vip\" by head_start"},
    {"lint_mixed_limits.cfg", 1, "\"regular\" has no starvation_limit while other"},
    {"lint_strict_lowest.cfg", 1, "policy strict: the lowest class \"regular\""},
    {"lint_uneven_weights.cfg", 1, "\"vip\" (50) and \"regular\" (1) differ 50x"},
    {"lint_limit_below_target.cfg", 1, "\"vip\": starvation_limit 300 s is shorter than "
                                       "target_wait 600 s"},
};

static void test_lint_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < FQ_ARRAY_LEN(lint_cases); i++) {
        const struct lint_case *lc = &lint_cases[i];
        char path[1024], buf[4096] = "", prefix[1100];
        fixture_path(path, sizeof path, lc->file);
        fq_config *cfg = load_ok(path);
        int n = fq_config_lint(cfg, buf, sizeof buf);
        if (n != lc->count)
            fail_msg("%s: %d warnings, expected %d:\n%s", lc->file, n, lc->count, buf);
        if (!strstr(buf, lc->needle))
            fail_msg("%s: warnings do not mention \"%s\":\n%s", lc->file, lc->needle, buf);
        /* One line per warning, each "FILE: warning: ...". */
        snprintf(prefix, sizeof prefix, "%s: warning: ", path);
        int lines = 0;
        for (char *p = buf; *p; lines++) {
            assert_int_equal(strncmp(p, prefix, strlen(prefix)), 0);
            char *nl = strchr(p, '\n');
            assert_non_null(nl);
            p = nl + 1;
        }
        assert_int_equal(lines, n);
        free(cfg);
    }
}

static void test_lint_defaults_clean(void **state)
{
    (void)state;
    fq_config d;
    fq_config_defaults(&d);
    char buf[1024] = "";
    assert_int_equal(fq_config_lint(&d, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* Switching the defaults to strict keeps them clean: every class has a limit. */
    d.sched.policy = FQ_POLICY_STRICT;
    assert_int_equal(fq_config_lint(&d, buf, sizeof buf), 0);
}

static void test_lint_appends_and_truncates(void **state)
{
    (void)state;
    fq_config d;
    fq_config_defaults(&d);
    d.sched.classes[2].starvation_limit_s = 0; /* regular: mixed limits */
    d.sched.classes[0].starvation_limit_s = 60; /* vip: below its target */
    char buf[2048] = "first line\n";
    assert_int_equal(fq_config_lint(&d, buf, sizeof buf), 2);
    assert_int_equal(strncmp(buf, "first line\n(defaults): warning: ", 32), 0);
    /* A small buffer still counts every warning and stays terminated. */
    char small[40];
    memset(small, 'x', sizeof small);
    small[0] = '\0';
    assert_int_equal(fq_config_lint(&d, small, sizeof small), 2);
    assert_true(memchr(small, '\0', sizeof small) != NULL);
}

static void test_lookups(void **state)
{
    (void)state;
    fq_config d;
    fq_config_defaults(&d);
    assert_int_equal(fq_config_class(&d.sched, "vip"), 0);
    assert_int_equal(fq_config_class(&d.sched, "regular"), 2);
    assert_int_equal(fq_config_class(&d.sched, "gold"), FQ_NONE);
    assert_int_equal(fq_config_service(&d.sched, "B"), 1);
    assert_int_equal(fq_config_service(&d.sched, "b"), FQ_NONE);
    assert_int_equal(fq_config_counter(&d.sched, "4"), 3);
    assert_int_equal(fq_config_counter(&d.sched, "5"), FQ_NONE);
    assert_int_equal(fq_config_reason(&d.sched.classes[1], "pregnant"), 2);
    assert_int_equal(fq_config_reason(&d.sched.classes[1], "vip"), FQ_NONE);
    assert_int_equal(fq_config_reason(&d.sched.classes[0], "elderly"), FQ_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_values),
        cmocka_unit_test(test_shipped_config_equals_defaults),
        cmocka_unit_test(test_empty_file_equals_defaults),
        cmocka_unit_test(test_bad_fixtures_rejected),
        cmocka_unit_test(test_unreadable_file_is_io_error),
        cmocka_unit_test(test_lists_replace_defaults),
        cmocka_unit_test(test_int_accepted_for_float),
        cmocka_unit_test(test_include_next_to_file),
        cmocka_unit_test(test_lint_fixtures),
        cmocka_unit_test(test_lint_defaults_clean),
        cmocka_unit_test(test_lint_appends_and_truncates),
        cmocka_unit_test(test_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
