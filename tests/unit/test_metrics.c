/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_metrics.c: the Prometheus exposition (metrics.h, the proxy table's
 * and the counters' families) and the metrics listener's request parser
 * (http_req.h).  The daemon's listener itself, and the exposition as
 * Prometheus and promtool read it, are in tests/integration/metrics.test.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "http_req.h"
#include "metrics.h"
#include "proxyset.h"
#include "util/sipha_log.h"
#include "stats.h"

static GString *out;

static void
setup(void)
{
    sipha_log_init("test-metrics", SIPHA_LOG_STDERR, LOG_WARNING);
    out = g_string_new(NULL);
}

static void
teardown(void)
{
    g_string_free(out, TRUE);
}

/* Whether OUT has the line LINE. */
static bool
has_line(const char *line)
{
    gchar **lines = g_strsplit(out->str, "\n", -1);
    bool found = false;

    for (gchar **l = lines; *l != NULL && !found; l++) {
        found = strcmp(*l, line) == 0;
    }
    g_strfreev(lines);
    return found;
}

START_TEST(test_label_values_are_escaped)
{
    metrics_family(out, "x_total", "counter", "a \\ and a\nnewline");
    metrics_sample_u64(out, "x_total", 7, "proxy", "p\"1\\\n", "address", "udp:[::1]:5060",
                       NULL);
    metrics_sample(out, "y", 0.5, NULL);
    ck_assert(has_line("# HELP x_total a \\\\ and a\\nnewline"));
    ck_assert(has_line("# TYPE x_total counter"));
    ck_assert(has_line("x_total{proxy=\"p\\\"1\\\\\\n\",address=\"udp:[::1]:5060\"} 7"));
    ck_assert(has_line("y 0.5"));
}
END_TEST

START_TEST(test_counters_are_the_control_sockets)
{
    struct disp_stats st = { .fwd_requests = 12345678901234567ull, .drop_parse = 3 };

    disp_stats_metrics(&st, out);
    /* exact beyond 2^53: an integer, not a double */
    ck_assert(has_line("sipha_dispatcher_fwd_requests_total 12345678901234567"));
    ck_assert(has_line("sipha_dispatcher_drop_parse_total 3"));
    ck_assert(has_line("# TYPE sipha_dispatcher_rx_packets_total counter"));
}
END_TEST

START_TEST(test_proxy_table)
{
    static struct proxyset ps;
    uint64_t requests[PROXYSET_MAX] = { 0 };
    char line[256];
    struct proxy *p;

    proxyset_init(&ps, (1u << PS_SRC_STATIC) | (1u << PS_SRC_PROBE));
    p = proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.1:5060", "p1", 0, PS_UP);
    ck_assert_ptr_nonnull(p);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.2:5060", "p2", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.2:5060", NULL, 0, PS_DOWN);
    proxyset_update_at(&ps, 1000);
    requests[p->slot] = 42;
    proxyset_metrics(&ps, requests, p->changed_s + 5, out);
    ck_assert(has_line("sipha_dispatcher_proxies 2"));
    ck_assert(has_line("sipha_dispatcher_proxies_in_use 1"));
    ck_assert(has_line("sipha_dispatcher_requests_forwarded_total{proxy=\"p1\","
                       "address=\"udp:10.0.0.1:5060\"} 42"));
    ck_assert(has_line("sipha_dispatcher_proxy_in_use{proxy=\"p2\","
                       "address=\"udp:10.0.0.2:5060\"} 0"));
    ck_assert(has_line("sipha_dispatcher_proxy_source_state{proxy=\"p2\",address=\"udp:10.0.0.2:"
                       "5060\",source=\"probe\",state=\"down\"} 1"));
    ck_assert(has_line("sipha_dispatcher_proxy_source_state{proxy=\"p2\",address=\"udp:10.0.0.2:"
                       "5060\",source=\"probe\",state=\"up\"} 0"));
    /* sources that are off say nothing */
    ck_assert_ptr_null(strstr(out->str, "source=\"cib\""));
    snprintf(line, sizeof(line), "sipha_dispatcher_proxy_seconds_since_last_change{proxy=\"p1\","
             "address=\"udp:10.0.0.1:5060\"} 5");
    ck_assert(has_line(line));
}
END_TEST

START_TEST(test_a_verdict_change_is_a_change)
{
    static struct proxyset ps;
    struct proxy *p;

    proxyset_init(&ps, (1u << PS_SRC_STATIC) | (1u << PS_SRC_PROBE));
    p = proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    p->changed_s = 1;
    /* the same verdict again is no change */
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    ck_assert_uint_eq(p->changed_s, 1);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    ck_assert_uint_gt(p->changed_s, 1);
    p->changed_s = 1;
    proxyset_snapshot_begin(&ps, PS_SRC_STATIC);
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_snapshot_end(&ps, PS_SRC_STATIC);
    ck_assert_uint_eq(p->changed_s, 1);
    proxyset_snapshot_begin(&ps, PS_SRC_STATIC);
    proxyset_snapshot_end(&ps, PS_SRC_STATIC);
    ck_assert_uint_gt(p->changed_s, 1);
}
END_TEST

static enum http_req_result
parse(const char *text, struct http_req *req)
{
    return http_req_parse(text, strlen(text), req);
}

START_TEST(test_requests)
{
    struct http_req req;

    ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &req), HTTP_REQ_OK);
    ck_assert_str_eq(req.method, "GET");
    ck_assert_str_eq(req.target, "/metrics");
    ck_assert_uint_eq(req.length, strlen("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    ck_assert(http_req_path_is(&req, "/metrics"));
    ck_assert_int_eq(parse("GET /metrics?a=b HTTP/1.0\n\n", &req), HTTP_REQ_OK);
    ck_assert(http_req_path_is(&req, "/metrics"));
    ck_assert_int_eq(parse("GET /metricsx HTTP/1.0\n\n", &req), HTTP_REQ_OK);
    ck_assert(!http_req_path_is(&req, "/metrics"));
    ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &req), HTTP_REQ_INCOMPLETE);
    ck_assert_int_eq(parse("GET /metri", &req), HTTP_REQ_INCOMPLETE);
    ck_assert_int_eq(parse("GET /metrics HTTP/2.0\r\n\r\n", &req), HTTP_REQ_BAD);
    ck_assert_int_eq(parse("GET  /metrics HTTP/1.1\r\n\r\n", &req), HTTP_REQ_BAD);
    ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\nHost\r\n\r\n", &req), HTTP_REQ_BAD);
    ck_assert_int_eq(parse("GET /metrics HTTP/1.1\r\nA: b\r\n c\r\n\r\n", &req), HTTP_REQ_BAD);
    ck_assert_int_eq(parse("G(T /metrics HTTP/1.1\r\n\r\n", &req), HTTP_REQ_BAD);
}
END_TEST

START_TEST(test_request_size_is_bounded)
{
    char *big = g_malloc(HTTP_REQ_MAX + 64);
    struct http_req req;

    /* a header that never ends */
    memset(big, 'a', HTTP_REQ_MAX + 64);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    ck_assert_int_eq(http_req_parse(big, HTTP_REQ_MAX - 1, &req), HTTP_REQ_INCOMPLETE);
    ck_assert_int_eq(http_req_parse(big, HTTP_REQ_MAX, &req), HTTP_REQ_BAD);
    ck_assert_int_eq(http_req_parse(big, HTTP_REQ_MAX + 64, &req), HTTP_REQ_BAD);
    g_free(big);
}
END_TEST

static Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("exposition");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_label_values_are_escaped);
    tcase_add_test(tc, test_counters_are_the_control_sockets);
    tcase_add_test(tc, test_proxy_table);
    tcase_add_test(tc, test_a_verdict_change_is_a_change);
    tcase_add_test(tc, test_requests);
    tcase_add_test(tc, test_request_size_is_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
