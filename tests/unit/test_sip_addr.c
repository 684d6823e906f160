/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_sip_addr.c: the one address module (helpers/lib/sip): SIP address
 * parsing, the normalized key, CIB values, socket addresses. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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

/* The key of text with default transport name (as the CIB follower gives
 * it), "ERR" on any error. */
static const char *
cib_key(const char *text, const char *transport_name)
{
    static char buf[SIPHA_SIP_ADDR_KEY_MAX];
    enum sipha_sip_transport transport;

    if (sipha_sip_transport_parse(transport_name, &transport) != 0
        || sipha_sip_addr_key(text, transport, buf, sizeof(buf)) < 0) {
        return "ERR";
    }
    return buf;
}

/* What the CIB follower reads from resource parameters and node
 * attributes (the cases of the former test_cib_addr.c). */
START_TEST(test_cib_values)
{
    char buf[SIPHA_SIP_ADDR_KEY_MAX];
    enum sipha_sip_transport transport;

    ck_assert_str_eq(cib_key("sip:127.0.0.1:5060", "udp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(cib_key("SIP:Proxy1.Example:5070;lr", "udp"), "udp:proxy1.example:5070");
    ck_assert_str_eq(cib_key("sip:alice@10.0.0.1:5062;transport=TCP", "udp"), "tcp:10.0.0.1:5062");
    ck_assert_str_eq(cib_key("sip:[::1]:5060;lr;transport=udp", "tcp"), "udp:[::1]:5060");
    ck_assert_str_eq(cib_key("127.0.0.1", "tcp"), "tcp:127.0.0.1:5060");
    ck_assert_str_eq(cib_key("[0:0::1]:5080", NULL), "udp:[::1]:5080");
    ck_assert_str_eq(cib_key(" udp:127.0.0.1:5060 ", "tcp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(cib_key("tcp:[::1]:5060", "udp"), "tcp:[::1]:5060");
    ck_assert_str_eq(cib_key("udp:proxy1.example:5060", "tcp"), "udp:proxy1.example:5060");
    ck_assert_str_eq(cib_key("1.2.3.4:0", "udp"), "ERR");
    ck_assert_str_eq(cib_key("1.2.3.4:50x", "udp"), "ERR");
    ck_assert_str_eq(cib_key("a b", "udp"), "ERR");
    ck_assert_str_eq(cib_key("[::zz]:5060", "udp"), "ERR");
    ck_assert_int_eq(sipha_sip_transport_parse("sctp", &transport), -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_sip_transport_parse("UDP", &transport), -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_sip_addr_key("sip:1.2.3.4;transport=tls", SIPHA_SIP_UDP, buf,
                                        sizeof(buf)), -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_sip_addr_key("127.0.0.1:5060", SIPHA_SIP_UDP, buf, 5), -ENOSPC);
    ck_assert_int_eq(sipha_sip_addr_key(NULL, SIPHA_SIP_UDP, buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_sip_addr_key("1.2.3.4", SIPHA_SIP_UDP, NULL, 0), -EINVAL);
}
END_TEST

/* "192.0.2.1:5060" / "[2001:db8::1]:5060" of a socket address. */
static const char *
sockaddr_text(const struct sockaddr_storage *ss)
{
    static char out[INET6_ADDRSTRLEN + 10];
    char ip[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) ss;

        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        snprintf(out, sizeof(out), "[%s]:%u", ip, (unsigned) ntohs(s6->sin6_port));
    } else if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *) ss;

        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        snprintf(out, sizeof(out), "%s:%u", ip, (unsigned) ntohs(s4->sin_port));
    } else {
        snprintf(out, sizeof(out), "family %d", ss->ss_family);
    }
    return out;
}

static void
assert_sockaddr(const char *text, int default_port, const char *expected)
{
    struct sockaddr_storage ss;
    int rc = sipha_sockaddr_parse(text, default_port, &ss);

    ck_assert_msg(rc == 0, "sockaddr '%s' failed: %d", text, rc);
    ck_assert_str_eq(sockaddr_text(&ss), expected);
}

static void
assert_sockaddr_rejected(const char *text, int default_port)
{
    struct sockaddr_storage ss;

    memset(&ss, 0x5a, sizeof(ss));
    ck_assert_msg(sipha_sockaddr_parse(text, default_port, &ss) == -EINVAL,
                  "sockaddr '%s' should be refused", text ? text : "(null)");
    ck_assert_int_eq(ss.ss_family, 0x5a5a);    /* untouched on error */
}

/* Listen addresses (dispatcher --listen, --metrics-listen, config file). */
START_TEST(test_sockaddr_parse)
{
    assert_sockaddr("192.0.2.1:5070", 0, "192.0.2.1:5070");
    assert_sockaddr("192.0.2.1", 5080, "192.0.2.1:5080");
    assert_sockaddr("0.0.0.0", 0, "0.0.0.0:0");
    assert_sockaddr("[2001:DB8::0:1]:7", 0, "[2001:db8::1]:7");
    assert_sockaddr("[::]", 5060, "[::]:5060");
    assert_sockaddr("::1", 5061, "[::1]:5061");
    assert_sockaddr(" 10.0.0.1:65535\t", 0, "10.0.0.1:65535");

    assert_sockaddr_rejected("", 5060);
    assert_sockaddr_rejected("   ", 5060);
    assert_sockaddr_rejected(NULL, 5060);
    assert_sockaddr_rejected("proxy.example:5060", 0);  /* no DNS */
    assert_sockaddr_rejected("localhost", 5060);
    assert_sockaddr_rejected("1.2.3.4:", 0);
    assert_sockaddr_rejected("1.2.3.4:0", 0);
    assert_sockaddr_rejected("1.2.3.4:65536", 0);
    assert_sockaddr_rejected("1.2.3.4:+5060", 0);       /* strtol took these */
    assert_sockaddr_rejected("1.2.3.4: 5060", 0);
    assert_sockaddr_rejected("1.2.3.4:-1", 0);
    assert_sockaddr_rejected("1.2.3.4:0x50", 0);
    assert_sockaddr_rejected("1.2.3.4:005060", 0);
    assert_sockaddr_rejected("1.2.3.4:5060:1", 0);
    assert_sockaddr_rejected("1.2.3", 5060);
    assert_sockaddr_rejected("1.2.3.256", 5060);
    assert_sockaddr_rejected("[1.2.3.4]:5060", 0);      /* only IPv6 in brackets */
    assert_sockaddr_rejected("[::1", 0);
    assert_sockaddr_rejected("[::1]5060", 0);
    assert_sockaddr_rejected("[::1]:", 0);
    assert_sockaddr_rejected("[]:5060", 0);
    assert_sockaddr_rejected("fe80::1%eth0", 5060);
    assert_sockaddr_rejected("udp:1.2.3.4:5060", 0);    /* a key is no listen address */
    assert_sockaddr_rejected("sip:1.2.3.4", 0);
    assert_sockaddr_rejected("1.2.3.4", -1);
    assert_sockaddr_rejected("1.2.3.4", 65536);
}
END_TEST

static void
assert_from_ip(const char *ip, size_t n, int port, const char *expected)
{
    struct sockaddr_storage ss;
    int rc = sipha_sockaddr_from_ip(ip, n, port, &ss);

    if (expected == NULL) {
        ck_assert_msg(rc == -EINVAL, "'%.*s' should be refused", (int) n, ip);
        return;
    }
    ck_assert_msg(rc == 0, "'%.*s' failed: %d", (int) n, ip, rc);
    ck_assert_str_eq(sockaddr_text(&ss), expected);
}

/* Addresses inside a message: a Via's host or received=, not NUL-terminated. */
/* A bare IP: its family and bytes; anything with a port, brackets, blanks
 * or a name refused and the outputs untouched. */
START_TEST(test_ip_parse)
{
    unsigned char bytes[16];
    int family = -1;
    static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
    static const char *const bad[] = {
        "", "192.0.2.1:5060", "[2001:db8::1]", " 192.0.2.1", "192.0.2.1 ", "192.0.2",
        "999.0.0.1", "host.example", "2001:db8::1%eth0", "2001:db8:::1", NULL,
    };

    ck_assert_int_eq(sipha_ip_parse("192.0.2.10", &family, bytes), 0);
    ck_assert_int_eq(family, AF_INET);
    ck_assert_mem_eq(bytes, "\xc0\x00\x02\x0a", 4);
    ck_assert_int_eq(sipha_ip_parse("2001:db8::10", &family, bytes), 0);
    ck_assert_int_eq(family, AF_INET6);
    ck_assert_mem_eq(bytes, v6, 16);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        family = -1;
        memset(bytes, 0xaa, sizeof(bytes));
        ck_assert_msg(sipha_ip_parse(bad[i], &family, bytes) == -EINVAL, "accepted '%s'",
                      bad[i] == NULL ? "(null)" : bad[i]);
        ck_assert_int_eq(family, -1);
        ck_assert_int_eq(bytes[0], 0xaa);
    }
}
END_TEST

START_TEST(test_sockaddr_from_ip)
{
    static const char via[] = "192.0.2.1;rport";
    char long_ip[80];

    assert_from_ip(via, 9, 5060, "192.0.2.1:5060");
    assert_from_ip("[2001:db8::1]", 13, 5062, "[2001:db8::1]:5062");
    assert_from_ip("2001:db8::1", 11, 0, "[2001:db8::1]:0");
    assert_from_ip("192.0.2.1", 9, 65535, "192.0.2.1:65535");

    assert_from_ip(via, 0, 5060, NULL);
    assert_from_ip(via, strlen(via), 5060, NULL);
    assert_from_ip("[]", 2, 5060, NULL);
    assert_from_ip("[192.0.2.1]", 11, 5060, NULL);
    assert_from_ip("[2001:db8::1", 12, 5060, NULL);
    assert_from_ip("192.0.2.1 ", 10, 5060, NULL);
    assert_from_ip("proxy.example", 13, 5060, NULL);
    assert_from_ip("192.0.2.1", 9, -1, NULL);
    assert_from_ip("192.0.2.1", 9, 65536, NULL);
    memset(long_ip, '1', sizeof(long_ip));
    assert_from_ip(long_ip, sizeof(long_ip), 5060, NULL);
}
END_TEST

/* A proxy's socket address: numeric only. */
START_TEST(test_sip_addr_sockaddr)
{
    struct sipha_sip_addr addr;
    struct sockaddr_storage ss;

    ck_assert_int_eq(sipha_sip_addr_parse("sip:[::1]:5070", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(sipha_sip_addr_sockaddr(&addr, &ss), 0);
    ck_assert_str_eq(sockaddr_text(&ss), "[::1]:5070");
    ck_assert_int_eq(sipha_sip_addr_parse("udp:10.0.0.1:5060", SIPHA_SIP_UDP, &addr), 0);
    ck_assert_int_eq(sipha_sip_addr_sockaddr(&addr, &ss), 0);
    ck_assert_str_eq(sockaddr_text(&ss), "10.0.0.1:5060");
    ck_assert_int_eq(sipha_sip_addr_parse("proxy.example", SIPHA_SIP_UDP, &addr), 0);
    memset(&ss, 0x5a, sizeof(ss));
    ck_assert_int_eq(sipha_sip_addr_sockaddr(&addr, &ss), -EINVAL);
    ck_assert_int_eq(ss.ss_family, 0x5a5a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("sip-addr");
    TCase *tc = tcase_create("addr");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_uri_forms);
    tcase_add_test(tc, test_hostport_forms);
    tcase_add_test(tc, test_key_round_trips);
    tcase_add_test(tc, test_struct_fields);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_format_limits);
    tcase_add_test(tc, test_cib_values);
    tcase_add_test(tc, test_sockaddr_parse);
    tcase_add_test(tc, test_sockaddr_from_ip);
    tcase_add_test(tc, test_ip_parse);
    tcase_add_test(tc, test_sip_addr_sockaddr);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
