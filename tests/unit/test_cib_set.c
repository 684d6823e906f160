/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cib_set.c: proxy set normalize, find, copy and diff. */
#include <config.h>

#include <check.h>
#include <stdlib.h>

#include "cib/sipha_cib_set.h"

static struct sipha_proxy_set a, b;

static void teardown(void)
{
    sipha_proxy_set_clear(&a);
    sipha_proxy_set_clear(&b);
}

START_TEST(normalize_sorts_and_dedups)
{
    ck_assert_int_eq(sipha_proxy_set_add(&a, "udp:b:1", "b:1", "r2", "n2", false), 0);
    ck_assert_int_eq(sipha_proxy_set_add(&a, "udp:a:1", "a:1", "r1", "n9", false), 0);
    ck_assert_int_eq(sipha_proxy_set_add(&a, "udp:a:1", "a:1", "r1", "n1", false), 0);
    ck_assert_uint_eq(sipha_proxy_set_normalize(&a), 1);
    ck_assert_uint_eq(a.n_proxies, 2);
    ck_assert_str_eq(a.proxies[0].id, "udp:a:1");
    ck_assert_str_eq(a.proxies[0].node, "n1");   /* lowest node name kept */
    ck_assert_str_eq(a.proxies[1].id, "udp:b:1");
    ck_assert_ptr_nonnull(sipha_proxy_set_find(&a, "udp:b:1"));
    ck_assert_ptr_null(sipha_proxy_set_find(&a, "udp:c:1"));
    ck_assert_ptr_null(sipha_proxy_set_find(&b, "udp:c:1"));
}
END_TEST

START_TEST(diff)
{
    struct sipha_proxy_set_change c;
    sipha_proxy_set_add(&a, "udp:a:1", "a:1", "ra", "n1", false);
    sipha_proxy_set_add(&a, "udp:b:1", "b:1", "rb", "n1", false);
    sipha_proxy_set_add(&a, "udp:c:1", "c:1", "rc", "n1", false);
    sipha_proxy_set_normalize(&a);
    ck_assert_int_eq(sipha_proxy_set_copy(&a, &b), 0);
    ck_assert(!sipha_proxy_set_diff(&a, &b, &c));
    sipha_proxy_set_change_clear(&c);

    /* b: a moved, c drained, b removed, d added */
    sipha_proxy_set_clear(&b);
    sipha_proxy_set_add(&b, "udp:d:1", "d:1", "rd", "n2", false);
    sipha_proxy_set_add(&b, "udp:c:1", "c:1", "rc", "n1", true);
    sipha_proxy_set_add(&b, "udp:a:1", "a:1", "ra", "n2", false);
    sipha_proxy_set_normalize(&b);
    ck_assert(sipha_proxy_set_diff(&a, &b, &c));
    ck_assert_uint_eq(c.n_added, 1);
    ck_assert_str_eq(c.added[0]->id, "udp:d:1");
    ck_assert_uint_eq(c.n_removed, 1);
    ck_assert_str_eq(c.removed[0]->id, "udp:b:1");
    ck_assert_uint_eq(c.n_changed, 2);
    ck_assert_str_eq(c.changed[0]->id, "udp:a:1");
    ck_assert_str_eq(c.changed[0]->node, "n2");
    ck_assert_str_eq(c.changed[1]->id, "udp:c:1");
    ck_assert(c.changed[1]->draining);
    sipha_proxy_set_change_clear(&c);

    /* from and to the empty set */
    sipha_proxy_set_clear(&b);
    ck_assert(sipha_proxy_set_diff(&a, &b, &c));
    ck_assert_uint_eq(c.n_removed, 3);
    ck_assert_uint_eq(c.n_added + c.n_changed, 0);
    sipha_proxy_set_change_clear(&c);
    ck_assert(sipha_proxy_set_diff(&b, &a, &c));
    ck_assert_uint_eq(c.n_added, 3);
    sipha_proxy_set_change_clear(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cib-set");
    TCase *tc = tcase_create("set");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, normalize_sorts_and_dedups);
    tcase_add_test(tc, diff);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
