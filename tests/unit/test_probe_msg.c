/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_probe_msg.c: OPTIONS request building, response matching, framing,
 * alive codes. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#include "probe_support.h"
#include "probe/sipha_probe.h"
#include "probe/sipha_sip_msg.h"

static struct sipha_sip_probe_ids ids;
static char *request;
static size_t request_len;

static void
setup(void)
{
    struct sipha_sip_addr target;

    sipha_sip_msg_init();
    ck_assert_int_eq(sipha_sip_addr_parse("127.0.0.1:20001", SIPHA_SIP_UDP, &target), 0);
    sipha_sip_ids_generate(&ids, 42);
    ck_assert_int_eq(sipha_sip_build_options(&target, "127.0.0.1", 34567, &ids, &request,
                                             &request_len), 0);
}

static void
teardown(void)
{
    free(request);
    request = NULL;
}

static enum sipha_sip_match
match_text(const char *text, struct sipha_sip_response *resp)
{
    return sipha_sip_match_response(text, strlen(text), &ids, resp);
}

START_TEST(test_request_shape)
{
    char line[128];

    ck_assert_uint_eq(strlen(request), request_len);
    ck_assert_msg(g_str_has_prefix(request, "OPTIONS sip:127.0.0.1:20001 SIP/2.0\r\n"), "%s", request);
    g_snprintf(line, sizeof(line), "SIP/2.0/UDP 127.0.0.1:34567;branch=%s;rport", ids.branch);
    ck_assert_msg(strstr(request, line) != NULL, "no '%s' in %s", line, request);
    g_snprintf(line, sizeof(line), "Call-ID: %s\r\n", ids.call_id);
    ck_assert_msg(strstr(request, line) != NULL, "no '%s' in %s", line, request);
    ck_assert_ptr_nonnull(strstr(request, "CSeq: 42 OPTIONS\r\n"));
    ck_assert_ptr_nonnull(strstr(request, "Max-Forwards: 70\r\n"));
    ck_assert_ptr_nonnull(strstr(request, "Content-Length: 0\r\n"));
    ck_assert_ptr_nonnull(strstr(request, ids.from_tag));
    ck_assert_msg(g_str_has_suffix(request, "\r\n\r\n"), "%s", request);
}
END_TEST

START_TEST(test_request_parses_back)
{
    osip_message_t *msg = NULL;

    ck_assert_int_eq(osip_message_init(&msg), 0);
    ck_assert_int_eq(osip_message_parse(msg, request, request_len), 0);
    ck_assert(MSG_IS_REQUEST(msg));
    ck_assert_str_eq(msg->sip_method, "OPTIONS");
    ck_assert_str_eq(osip_message_get_cseq(msg)->number, "42");
    osip_message_free(msg);
}
END_TEST

START_TEST(test_request_tcp_v6)
{
    struct sipha_sip_addr target;
    char *text = NULL;
    size_t len = 0;

    ck_assert_int_eq(sipha_sip_addr_parse("tcp:[::1]:20002", SIPHA_SIP_UDP, &target), 0);
    ck_assert_int_eq(sipha_sip_build_options(&target, "::1", 40000, &ids, &text, &len), 0);
    ck_assert_msg(g_str_has_prefix(text, "OPTIONS sip:[::1]:20002;transport=tcp SIP/2.0\r\n"), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "SIP/2.0/TCP [::1]:40000;branch="));
    free(text);
}
END_TEST

/* A request rewritten for new ids equals one built for them. */
START_TEST(test_request_rewrite)
{
    struct sipha_sip_addr target;
    struct sipha_sip_request req = { 0 };
    struct sipha_sip_probe_ids a, b, c;
    char *fresh = NULL;
    size_t fresh_len = 0;

    ck_assert_int_eq(sipha_sip_addr_parse("[::1]:20001", SIPHA_SIP_UDP, &target), 0);
    sipha_sip_ids_generate(&a, 1000001);
    sipha_sip_ids_generate(&b, 1000002);
    sipha_sip_ids_generate(&c, 12);
    ck_assert_int_eq(sipha_sip_request_update(&req, &a), -EAGAIN);      /* nothing built */
    ck_assert_int_eq(sipha_sip_request_build(&req, &target, "::1", 4000, &a), 0);
    ck_assert_int_eq(sipha_sip_request_update(&req, &b), 0);
    ck_assert_int_eq(sipha_sip_build_options(&target, "::1", 4000, &b, &fresh, &fresh_len), 0);
    ck_assert_uint_eq(req.len, fresh_len);
    ck_assert_str_eq(req.text, fresh);
    ck_assert_ptr_null(strstr(req.text, a.branch));
    ck_assert_ptr_null(strstr(req.text, a.call_id));
    ck_assert_int_eq(sipha_sip_request_update(&req, &c), -EAGAIN);      /* CSeq width */
    free(fresh);
    sipha_sip_request_clear(&req);
    ck_assert_ptr_null(req.text);
}
END_TEST

START_TEST(test_ids_unique)
{
    struct sipha_sip_probe_ids a, b;

    sipha_sip_ids_generate(&a, 1);
    sipha_sip_ids_generate(&b, 2);
    ck_assert(g_str_has_prefix(a.branch, "z9hG4bK"));
    ck_assert_str_ne(a.branch, b.branch);
    ck_assert_str_ne(a.call_id, b.call_id);
    ck_assert_str_ne(a.from_tag, b.from_tag);
    ck_assert_uint_eq(b.cseq, 2);
}
END_TEST

START_TEST(test_match_ok)
{
    struct sipha_sip_response resp;
    char *text = probe_test_response(request, 200, "OK");

    ck_assert_int_eq(match_text(text, &resp), SIPHA_SIP_MATCH);
    ck_assert_int_eq(resp.status_code, 200);
    ck_assert_str_eq(resp.reason, "OK");
    g_free(text);

    text = probe_test_response(request, 404, "Not Here");
    ck_assert_int_eq(match_text(text, &resp), SIPHA_SIP_MATCH);
    ck_assert_int_eq(resp.status_code, 404);
    ck_assert_str_eq(resp.reason, "Not Here");
    g_free(text);

    text = probe_test_response(request, 100, "Trying");
    ck_assert_int_eq(match_text(text, &resp), SIPHA_SIP_MATCH);
    ck_assert_int_eq(resp.status_code, 100);
    g_free(text);
}
END_TEST

START_TEST(test_wrong_branch)
{
    char *text = probe_test_response(request, 200, "OK");

    probe_test_replace(text, "z9hG4bK-sipha-", "z9hG4bK-other-");
    ck_assert_int_eq(match_text(text, NULL), SIPHA_SIP_FOREIGN);
    g_free(text);
}
END_TEST

START_TEST(test_wrong_call_id)
{
    char *text = probe_test_response(request, 200, "OK");

    probe_test_replace(text, "@sipha", "@other");
    ck_assert_int_eq(match_text(text, NULL), SIPHA_SIP_FOREIGN);
    g_free(text);
}
END_TEST

START_TEST(test_wrong_cseq)
{
    char *text = probe_test_response(request, 200, "OK");

    probe_test_replace(text, "CSeq: 42 OPTIONS", "CSeq: 43 OPTIONS");
    ck_assert_int_eq(match_text(text, NULL), SIPHA_SIP_FOREIGN);
    g_free(text);
    text = probe_test_response(request, 200, "OK");
    probe_test_replace(text, "CSeq: 42 OPTIONS", "CSeq: 42 OPTIONX");
    ck_assert_int_eq(match_text(text, NULL), SIPHA_SIP_FOREIGN);
    g_free(text);
}
END_TEST

START_TEST(test_branch_only_in_top_via)
{
    /* Our branch in a second Via does not make it ours. */
    char *via = g_strdup_printf("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKx\r\n%s",
                                strstr(request, "Via:"));

    ck_assert_int_eq(match_text(via, NULL), SIPHA_SIP_FOREIGN);
    g_free(via);
}
END_TEST

START_TEST(test_request_is_foreign)
{
    ck_assert_int_eq(match_text(request, NULL), SIPHA_SIP_FOREIGN);
}
END_TEST

START_TEST(test_malformed)
{
    char *text = probe_test_response(request, 200, "OK");
    char *cut;
    char *withbody;
    char nul[] = "SIP/2.0 200 OK\r\nVia: x\0y\r\n\r\n";

    ck_assert_int_eq(match_text("", NULL), SIPHA_SIP_MALFORMED);
    ck_assert_int_eq(match_text("garbage\r\n\r\n", NULL), SIPHA_SIP_MALFORMED);
    ck_assert_int_eq(match_text("SIP/2.0 200 OK", NULL), SIPHA_SIP_MALFORMED);
    ck_assert_int_eq(sipha_sip_match_response(nul, sizeof(nul) - 1, &ids, NULL), SIPHA_SIP_MALFORMED);

    /* Truncated: the header block never ends. */
    cut = g_strndup(text, strlen(text) - 10);
    ck_assert_int_eq(match_text(cut, NULL), SIPHA_SIP_MALFORMED);
    g_free(cut);

    /* Truncated: Content-Length announces more body than arrived. */
    withbody = g_strdup(text);
    probe_test_replace(withbody, "Content-Length: 0", "Content-Length: 9");
    ck_assert_int_eq(match_text(withbody, NULL), SIPHA_SIP_MALFORMED);
    g_free(withbody);

    /* Status code out of range. */
    withbody = g_strdup(text);
    probe_test_replace(withbody, "SIP/2.0 200", "SIP/2.0 700");
    ck_assert_int_eq(match_text(withbody, NULL), SIPHA_SIP_MALFORMED);
    g_free(withbody);
    g_free(text);
}
END_TEST

START_TEST(test_oversized)
{
    char *text = probe_test_response(request, 200, "OK");
    size_t len = SIPHA_PROBE_MAX_MESSAGE_BYTES + 1;
    char *big = g_malloc0(len);

    memcpy(big, text, strlen(text));
    ck_assert_int_eq(sipha_sip_match_response(big, len, &ids, NULL), SIPHA_SIP_OVERSIZED);
    g_free(big);
    g_free(text);
}
END_TEST

START_TEST(test_reason_sanitized)
{
    struct sipha_sip_response resp;
    char *text = probe_test_response(request, 200, "O\x1b[2JK \xc3\xa9");

    ck_assert_int_eq(match_text(text, &resp), SIPHA_SIP_MATCH);
    ck_assert_str_eq(resp.reason, "O?[2JK ??");
    g_free(text);
}
END_TEST

START_TEST(test_stream_framing)
{
    const char *two = "SIP/2.0 200 OK\r\nl: 3\r\n\r\nabcSIP/2.0 200 OK\r\n\r\n";
    const char *bad = "SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n";
    const char *twice = "SIP/2.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
    char big[64];

    ck_assert_int_eq(sipha_sip_stream_message_length(two, strlen(two), 1000), 27);
    ck_assert_int_eq(sipha_sip_stream_message_length(two + 27, strlen(two) - 27, 1000), 18);
    ck_assert_int_eq(sipha_sip_stream_message_length(two, 26, 1000), 0);     /* body cut */
    ck_assert_int_eq(sipha_sip_stream_message_length(two, 10, 1000), 0);     /* headers cut */
    ck_assert_int_eq(sipha_sip_stream_message_length(bad, strlen(bad), 1000), -EBADMSG);
    ck_assert_int_eq(sipha_sip_stream_message_length(twice, strlen(twice), 1000), -EBADMSG);
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(sipha_sip_stream_message_length(big, sizeof(big), 32), -EMSGSIZE);
    ck_assert_int_eq(sipha_sip_stream_message_length(two, strlen(two), 20), -EMSGSIZE);
    ck_assert_uint_eq(sipha_sip_stream_skip_crlf("\r\n\r\nSIP", 7), 4);
    ck_assert_uint_eq(sipha_sip_stream_skip_crlf("SIP", 3), 0);
}
END_TEST

START_TEST(test_alive_codes)
{
    struct sipha_probe_config cfg;

    sipha_probe_config_init(&cfg);
    ck_assert_uint_eq(cfg.timeout_ms, 100);
    ck_assert_uint_eq(cfg.retransmit_ms, 20);
    ck_assert(sipha_probe_code_is_alive(&cfg, 200));
    ck_assert(sipha_probe_code_is_alive(&cfg, 404));
    ck_assert(sipha_probe_code_is_alive(&cfg, 699));
    ck_assert(!sipha_probe_code_is_alive(&cfg, 100));
    ck_assert(!sipha_probe_code_is_alive(&cfg, 700));

    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "200"), 0);
    ck_assert(sipha_probe_code_is_alive(&cfg, 200));
    ck_assert(!sipha_probe_code_is_alive(&cfg, 404));

    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "2xx,404, 480-483"), 0);
    ck_assert(sipha_probe_code_is_alive(&cfg, 299));
    ck_assert(sipha_probe_code_is_alive(&cfg, 404));
    ck_assert(sipha_probe_code_is_alive(&cfg, 483));
    ck_assert(!sipha_probe_code_is_alive(&cfg, 484));
    ck_assert(!sipha_probe_code_is_alive(&cfg, 300));

    /* Rejected lists leave the set as it was. */
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, ""), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "abc"), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "100"), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "700"), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "300-200"), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "200-"), -EINVAL);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "200,1xx"), -EINVAL);
    ck_assert(sipha_probe_code_is_alive(&cfg, 404));
    ck_assert_str_eq(sipha_probe_verdict_name(SIPHA_PROBE_TIMEOUT), "timeout");
    ck_assert_str_eq(sipha_probe_verdict_name(SIPHA_PROBE_BAD_CODE), "bad-code");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("probe-msg");
    TCase *tc = tcase_create("msg");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_request_shape);
    tcase_add_test(tc, test_request_parses_back);
    tcase_add_test(tc, test_request_tcp_v6);
    tcase_add_test(tc, test_request_rewrite);
    tcase_add_test(tc, test_ids_unique);
    tcase_add_test(tc, test_match_ok);
    tcase_add_test(tc, test_wrong_branch);
    tcase_add_test(tc, test_wrong_call_id);
    tcase_add_test(tc, test_wrong_cseq);
    tcase_add_test(tc, test_branch_only_in_top_via);
    tcase_add_test(tc, test_request_is_foreign);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_oversized);
    tcase_add_test(tc, test_reason_sanitized);
    tcase_add_test(tc, test_stream_framing);
    tcase_add_test(tc, test_alive_codes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
