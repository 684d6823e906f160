/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_probe_addr.c: SIP address parsing and the normalized key. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sip/sipha_sip_addr.h"

/* Parse text and compare its key with expected. */
static void
assert_key(const char *text, enum sipha_sip_transport dflt, const char *expected)
{
    struct sipha_sip_addr addr;
    char key[SIPHA_SIP_ADDR_KEY_MAX];
    int rc = sipha_sip_addr_parse(text, dflt, &addr);

    ck_assert_msg(rc == 0, "parse '%s' failed: %d", text, rc);
    ck_assert_int_eq(sipha_sip_addr_format(&addr, key, sizeof(key)), (int) strlen(expected));
    ck_assert_str_eq(key, expected);
}

static void
assert_rejected(const char *text, int expected_rc)
{
    struct sipha_sip_addr addr;

    memset(&addr, 0x5a, sizeof(addr));
    ck_assert_msg(sipha_sip_addr_parse(text, SIPHA_SIP_UDP, &addr) == expected_rc,
                  "'%s' should give %d", text, expected_rc);
    ck_assert_int_eq(addr.port, 0x5a5a);   /* untouched on error */
}

START_TEST(test_uri_forms)
{
    assert_key("sip:127.0.0.1:5060", SIPHA_SIP_UDP, "udp:127.0.0.1:5060");
    assert_key("sip:127.0.0.1", SIPHA_SIP_UDP, "udp:127.0.0.1:5060");
    assert_key("SIP:127.0.0.1:5070;transport=TCP", SIPHA_SIP_UDP, "tcp:127.0.0.1:5070");
    assert_key("sip:alice@Proxy1.Example.:5080;lr;transport=udp?Subject=x", SIPHA_SIP_TCP,
               "udp:proxy1.example:5080");
    assert_key("sip:[::1]:5062;transport=tcp", SIPHA_SIP_UDP, "tcp:[::1]:5062");
    assert_key("sip:[0:0:0::1]", SIPHA_SIP_UDP, "udp:[::1]:5060");
}
END_TEST

START_TEST(test_hostport_forms)
{
    assert_key("127.0.0.1", SIPHA_SIP_UDP, "udp:127.0.0.1:5060");
    assert_key("127.0.0.1:20001", SIPHA_SIP_TCP, "tcp:127.0.0.1:20001");
    assert_key("[::1]:5060", SIPHA_SIP_UDP, "udp:[::1]:5060");
    assert_key("[::1]", SIPHA_SIP_UDP, "udp:[::1]:5060");
    assert_key("::1", SIPHA_SIP_UDP, "udp:[::1]:5060");
    assert_key("[2001:DB8::0:1]:7", SIPHA_SIP_UDP, "udp:[2001:db8::1]:7");
    assert_key("  Proxy-1_a:65535 ", SIPHA_SIP_UDP, "udp:proxy-1_a:65535");
}
END_TEST

START_TEST(test_key_round_trips)
{
    static const char *keys[] = {
        "udp:127.0.0.1:5060", "tcp:[::1]:5060", "udp:proxy.example:5070", "tcp:10.1.2.3:1",
    };

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_key(keys[i], SIPHA_SIP_UDP, keys[i]);
        assert_key(keys[i], SIPHA_SIP_TCP, keys[i]);
    }
    /* "udp:5060" is host "udp" on port 5060, not a key without host. */
    assert_key("udp:5060", SIPHA_SIP_TCP, "tcp:udp:5060");
}
END_TEST

START_TEST(test_struct_fields)
{
    struct sipha_sip_addr addr;

    ck_assert_int_eq(sipha_sip_addr_parse("[::1]:5070", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(addr.family, AF_INET6);
    ck_assert_str_eq(addr.host, "::1");
    ck_assert_int_eq(addr.port, 5070);
    ck_assert_int_eq(addr.transport, SIPHA_SIP_UDP);
    ck_assert_int_eq(sipha_sip_addr_parse("sip:10.0.0.1;transport=tcp", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(addr.family, AF_INET);
    ck_assert_int_eq(addr.transport, SIPHA_SIP_TCP);
    ck_assert_int_eq(sipha_sip_addr_parse("proxy", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(addr.family, AF_UNSPEC);
}
END_TEST

START_TEST(test_rejects)
{
    char long_host[400];

    assert_rejected("", -EINVAL);
    assert_rejected("sip:", -EINVAL);
    assert_rejected("host:0", -EINVAL);
    assert_rejected("host:65536", -EINVAL);
    assert_rejected("host:50a", -EINVAL);
    assert_rejected("host:", -EINVAL);
    assert_rejected("[::1", -EINVAL);
    assert_rejected("[::1]x", -EINVAL);
    assert_rejected("[127.0.0.1]:5060", -EINVAL);
    assert_rejected("1.2.3.4:5060:1", -EINVAL);
    assert_rejected("ho st", -EINVAL);
    assert_rejected("host/x", -EINVAL);
    assert_rejected(".host", -EINVAL);
    assert_rejected("a..b", -EINVAL);
    assert_rejected("ws7127..", -EINVAL);    /* found by fuzz-probe-addr */
    assert_rejected(".", -EINVAL);
    assert_rejected("sips:host", -EPROTONOSUPPORT);
    assert_rejected("sip:host;transport=tls", -EPROTONOSUPPORT);
    assert_rejected("tls:host:5061", -EPROTONOSUPPORT);
    memset(long_host, 'a', sizeof(long_host) - 1);
    long_host[sizeof(long_host) - 1] = '\0';
    assert_rejected(long_host, -ENAMETOOLONG);
    ck_assert_int_eq(sipha_sip_addr_parse(NULL, SIPHA_SIP_UDP, NULL), -EINVAL);
}
END_TEST

START_TEST(test_format_limits)
{
    struct sipha_sip_addr addr;
    char small[8];
    char uri[SIPHA_SIP_URI_MAX];

    ck_assert_int_eq(sipha_sip_addr_parse("tcp:[::1]:5060", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(sipha_sip_addr_format(&addr, small, sizeof(small)), -ENOSPC);
    ck_assert_str_eq(small, "");
    ck_assert_int_gt(sipha_sip_addr_uri(&addr, uri, sizeof(uri)), 0);
    ck_assert_str_eq(uri, "sip:[::1]:5060;transport=tcp");
    ck_assert_int_eq(sipha_sip_addr_parse("127.0.0.1:7", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_gt(sipha_sip_addr_uri(&addr, uri, sizeof(uri)), 0);
    ck_assert_str_eq(uri, "sip:127.0.0.1:7");
    ck_assert_str_eq(sipha_sip_transport_name(SIPHA_SIP_TCP), "tcp");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("probe-addr");
    TCase *tc = tcase_create("addr");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_uri_forms);
    tcase_add_test(tc, test_hostport_forms);
    tcase_add_test(tc, test_key_round_trips);
    tcase_add_test(tc, test_struct_fields);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_format_limits);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
