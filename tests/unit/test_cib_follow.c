/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cib_follow.c: the follower end to end over libcib's file backend
 * (CIB_file).  That backend has no change notifications, so the follower
 * polls the file there; the notification path itself is covered by the
 * integration tests against a real Pacemaker (tests/integration/cib-*.test).
 * What this covers: first report, change reports with what changed,
 * unchanged rewrites not reported, a missing CIB retried with backoff
 * (CONNECTED follows), the resource appearing, and sipha_cib_read_once().
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/sipha_log.h"
#include "test_cib_util.h"

struct seen {
    int n_reports;
    int n_connected;
    struct sipha_cib_report last;
    size_t last_n_proxies;
    size_t last_added, last_removed, last_changed;
    char first_id[300];
};

static char dir[] = "/tmp/sipha-cib-test-XXXXXX";
static char cib_path[512];

static void on_report(const struct sipha_cib_report *r, void *user_data)
{
    struct seen *s = user_data;
    if (r->event == SIPHA_CIB_CONNECTED) {
        s->n_connected++;
        return;
    }
    if (r->event != SIPHA_CIB_SET_CHANGED) {
        return;
    }
    s->n_reports++;
    s->last = *r;
    s->last_n_proxies = r->set->n_proxies;
    s->last_added = r->change->n_added;
    s->last_removed = r->change->n_removed;
    s->last_changed = r->change->n_changed;
    snprintf(s->first_id, sizeof(s->first_id), "%s",
             r->set->n_proxies > 0 ? r->set->proxies[0].id : "");
}

/* Iterate the default context until *counter reaches want (or 10 s). */
static bool wait_reports(const int *counter, int want)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (*counter < want && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }
    return *counter >= want;
}

/* Let the loop run a while (to see that nothing is reported). */
static void spin_ms(unsigned ms)
{
    gint64 end = g_get_monotonic_time() + (gint64) ms * 1000;
    while (g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }
}

/* Write src (a data file) to the CIB path, with a text substitution, and
 * make its mtime differ from the previous version's. */
static void install_cib(const char *src, const char *from, const char *to)
{
    gchar *text = NULL;
    ck_assert(g_file_get_contents(cib_data(src), &text, NULL, NULL));
    if (from != NULL) {
        gchar **parts = g_strsplit(text, from, -1);
        g_free(text);
        text = g_strjoinv(to, parts);
        g_strfreev(parts);
    }
    gchar *tmp = g_strdup_printf("%s.tmp", cib_path);
    ck_assert(g_file_set_contents(tmp, text, -1, NULL));
    ck_assert_int_eq(rename(tmp, cib_path), 0);
    g_free(tmp);
    g_free(text);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cib_path, sizeof(cib_path), "%s/cib.xml", dir);
    setenv("CIB_file", cib_path, 1);
}

static void teardown(void)
{
    unlink(cib_path);
    rmdir(dir);
}

static struct sipha_cib *follower(const char *resource, struct seen *seen)
{
    struct sipha_cib_options opts;
    sipha_cib_options_init(&opts);
    opts.resource = resource;
    opts.poll_ms = 50;
    opts.reconnect_min_ms = 20;
    opts.reconnect_max_ms = 200;
    struct sipha_cib *cib = sipha_cib_new(&opts, on_report, seen);
    ck_assert_ptr_nonnull(cib);
    return cib;
}

START_TEST(follows_changes)
{
    struct seen seen = { 0 };
    install_cib("tag.xml", NULL, NULL);
    struct sipha_cib *cib = follower("sip-proxies", &seen);
    ck_assert_int_eq(sipha_cib_start(cib), 0);
    ck_assert(wait_reports(&seen.n_reports, 1));
    ck_assert_uint_eq(seen.last_n_proxies, 2);
    ck_assert_uint_eq(seen.last_added, 2);
    ck_assert(seen.last.resource_found);
    ck_assert(sipha_cib_connected(cib));

    /* proxy-a gets a new address: one removed, one added */
    install_cib("tag.xml", "127.0.0.1:5060", "127.0.0.1:5090");
    ck_assert(wait_reports(&seen.n_reports, 2));
    ck_assert_uint_eq(seen.last_n_proxies, 2);
    ck_assert_uint_eq(seen.last_added, 1);
    ck_assert_uint_eq(seen.last_removed, 1);
    ck_assert_uint_gt(seen.last.first_diff_us, 0);
    ck_assert_uint_ge(seen.last.reported_us, seen.last.first_diff_us);
    ck_assert_ptr_nonnull(sipha_proxy_set_find(sipha_cib_current(cib), "udp:127.0.0.1:5090"));

    /* a rewrite with the same content is not a change */
    install_cib("tag.xml", "127.0.0.1:5060", "127.0.0.1:5090");
    spin_ms(300);
    ck_assert_int_eq(seen.n_reports, 2);

    /* proxy-b drained on its node: changed */
    install_cib("tag.xml", "<node id=\"2\" uname=\"node2\"/>",
                "<node id=\"2\" uname=\"node2\"><instance_attributes id=\"n2\">"
                "<nvpair id=\"n2-d\" name=\"sipha-drain\" value=\"true\"/>"
                "</instance_attributes></node>");
    ck_assert(wait_reports(&seen.n_reports, 3));
    ck_assert_uint_eq(seen.last_changed, 1);
    ck_assert(sipha_cib_current(cib)->proxies[1].draining);
    sipha_cib_free(cib);
}
END_TEST

START_TEST(retries_until_cib_appears)
{
    struct seen seen = { 0 };
    struct sipha_cib *cib = follower("proxy-a", &seen);
    ck_assert_int_lt(sipha_cib_start(cib), 0);
    ck_assert(!sipha_cib_connected(cib));
    spin_ms(100);
    ck_assert_int_eq(seen.n_reports, 0);
    install_cib("moved.xml", NULL, NULL);
    ck_assert(wait_reports(&seen.n_reports, 1));
    ck_assert_str_eq(seen.first_id, "tcp:10.1.1.1:5060");
    ck_assert_int_eq(seen.n_connected, 0);   /* CONNECTED only follows a loss */
    sipha_cib_free(cib);
}
END_TEST

START_TEST(resource_appears)
{
    struct seen seen = { 0 };
    install_cib("primitive.xml", NULL, NULL);
    struct sipha_cib *cib = follower("other2", &seen);
    sipha_cib_start(cib);
    ck_assert(wait_reports(&seen.n_reports, 1));
    ck_assert(!seen.last.resource_found);
    ck_assert_uint_eq(seen.last_n_proxies, 0);
    install_cib("primitive.xml", "<primitive id=\"other\"", "<primitive id=\"other2\"");
    spin_ms(300);
    /* "other2" is configured now, its history is still under "other" */
    ck_assert(wait_reports(&seen.n_reports, 2));
    ck_assert(seen.last.resource_found);
    ck_assert_uint_eq(seen.last_n_proxies, 0);
    sipha_cib_free(cib);
}
END_TEST

START_TEST(read_once)
{
    struct sipha_cib_options opts;
    struct sipha_proxy_set set;
    sipha_cib_options_init(&opts);
    opts.resource = "proxy-clone";
    install_cib("clone.xml", NULL, NULL);
    ck_assert_int_eq(sipha_cib_read_once(&opts, &set), 0);
    ck_assert_uint_eq(set.n_proxies, 3);
    sipha_proxy_set_clear(&set);
    opts.resource = "nothing";
    ck_assert_int_eq(sipha_cib_read_once(&opts, &set), -ENOENT);
    sipha_proxy_set_clear(&set);
    unlink(cib_path);
    ck_assert_int_eq(sipha_cib_read_once(&opts, &set), -ENOTCONN);
    opts.resource = NULL;
    ck_assert_int_eq(sipha_cib_read_once(&opts, &set), -EINVAL);
    ck_assert_ptr_null(sipha_cib_new(&opts, on_report, NULL));
}
END_TEST

int main(void)
{
    sipha_log_init("test-cib-follow", SIPHA_LOG_STDERR, LOG_ERR);
    Suite *s = suite_create("cib-follow");
    TCase *tc = tcase_create("follow");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, follows_changes);
    tcase_add_test(tc, retries_until_cib_appears);
    tcase_add_test(tc, resource_appears);
    tcase_add_test(tc, read_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
