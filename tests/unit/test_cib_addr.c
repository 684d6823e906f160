/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cib_addr.c: the proxy identity key "transport:host:port". */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "cib/sipha_cib_addr.h"

static const char *key(const char *text, const char *transport)
{
    static char buf[SIPHA_CIB_KEY_MAX];
    int rc = sipha_cib_address_key(text, transport, buf, sizeof(buf));
    return rc < 0 ? "ERR" : buf;
}

START_TEST(forms)
{
    ck_assert_str_eq(key("sip:127.0.0.1:5060", "udp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(key("sip:127.0.0.1", "udp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(key("SIP:Proxy1.Example:5070;lr", "udp"), "udp:proxy1.example:5070");
    ck_assert_str_eq(key("sip:alice@10.0.0.1:5062;transport=TCP", "udp"), "tcp:10.0.0.1:5062");
    ck_assert_str_eq(key("sip:[::1]:5060;lr;transport=udp", "tcp"), "udp:[::1]:5060");
    ck_assert_str_eq(key("127.0.0.1:5060", "udp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(key("127.0.0.1", "tcp"), "tcp:127.0.0.1:5060");
    ck_assert_str_eq(key("[::1]", "udp"), "udp:[::1]:5060");
    ck_assert_str_eq(key("[0:0::1]:5080", "udp"), "udp:[::1]:5080");
    ck_assert_str_eq(key("::1", "udp"), "udp:[::1]:5060");
    ck_assert_str_eq(key(" udp:127.0.0.1:5060 ", "tcp"), "udp:127.0.0.1:5060");
    ck_assert_str_eq(key("tcp:[::1]:5060", "udp"), "tcp:[::1]:5060");
}
END_TEST

START_TEST(key_round_trips)
{
    const char *keys[] = { "udp:127.0.0.1:5060", "tcp:[::1]:5070", "udp:proxy1.example:5060" };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(key(keys[i], "tcp"), keys[i]);
    }
}
END_TEST

START_TEST(rejects)
{
    char buf[SIPHA_CIB_KEY_MAX];
    ck_assert_int_eq(sipha_cib_address_key("", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("sip:", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("1.2.3.4:0", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("1.2.3.4:65536", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("1.2.3.4:50x", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("[::1", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("a b", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("[::zz]:5060", "udp", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(sipha_cib_address_key("sips:1.2.3.4", "udp", buf, sizeof(buf)),
                     -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_cib_address_key("sip:1.2.3.4;transport=tls", "udp", buf,
                                           sizeof(buf)), -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_cib_address_key("1.2.3.4", "sctp", buf, sizeof(buf)),
                     -EPROTONOSUPPORT);
    ck_assert_int_eq(sipha_cib_address_key("127.0.0.1:5060", "udp", buf, 5), -ENOSPC);
    ck_assert_int_eq(sipha_cib_address_key(NULL, "udp", buf, sizeof(buf)), -EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cib-addr");
    TCase *tc = tcase_create("addr");
    tcase_add_test(tc, forms);
    tcase_add_test(tc, key_round_trips);
    tcase_add_test(tc, rejects);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
