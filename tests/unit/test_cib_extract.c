/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cib_extract.c: CIB XML -> proxy set, against CIB files covering
 * primitive, clone, group, tag, stopped, failed, moved, pending, offline
 * node, multiple instances, missing parameter, drain and broken XML.
 */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "cib/sipha_cib_extract.h"
#include "cib/sipha_cib_history.h"
#include "util/sipha_log.h"
#include "test_cib_util.h"

static struct sipha_proxy_set set;

static int extract(const char *file, const char *resource)
{
    struct sipha_cib_options opts;
    sipha_cib_options_init(&opts);
    opts.resource = resource;
    sipha_proxy_set_clear(&set);
    return sipha_proxyset_extract_file(cib_data(file), &opts, &set);
}

static void teardown(void)
{
    sipha_proxy_set_clear(&set);
}

START_TEST(primitive_running)
{
    ck_assert_int_eq(extract("primitive.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "udp:127.0.0.1:5060", "node1", false));
    ck_assert_str_eq(set.proxies[0].resource, "proxy-a");
    ck_assert_str_eq(set.proxies[0].address, "sip:127.0.0.1:5060");
}
END_TEST

START_TEST(other_resource_ignored)
{
    /* "other" runs on node2 with its own address; the set is only proxy-a's */
    ck_assert_int_eq(extract("primitive.xml", "other"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "udp:127.0.0.1:5099", "node2", false));
}
END_TEST

START_TEST(unknown_resource)
{
    ck_assert_int_eq(extract("primitive.xml", "no-such-proxy"), -ENOENT);
    ck_assert_uint_eq(set.n_proxies, 0);
    ck_assert_int_eq(extract("primitive.xml", "it's"), -ENOENT);
}
END_TEST

START_TEST(offline_node_ignored)
{
    ck_assert_int_eq(extract("offline.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(stopped)
{
    ck_assert_int_eq(extract("stopped.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(failed_monitor)
{
    ck_assert_int_eq(extract("failed.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(failed_start_timeout)
{
    ck_assert_int_eq(extract("failed.xml", "proxy-b"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(recovered_after_failure)
{
    ck_assert_int_eq(extract("failed.xml", "proxy-c"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "udp:127.0.0.1:5064", "node3", false));
}
END_TEST

START_TEST(moved)
{
    ck_assert_int_eq(extract("moved.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "tcp:10.1.1.1:5060", "node2", false));
}
END_TEST

START_TEST(pending_stop)
{
    ck_assert_int_eq(extract("pending.xml", "proxy-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(clone_node_addresses)
{
    /* transient attr (node1), permanent attr (node2), #uname rule (node3);
     * node4 runs an instance but has no address: left out */
    ck_assert_int_eq(extract("clone.xml", "proxy-clone"), 0);
    ck_assert_uint_eq(set.n_proxies, 3);
    ck_assert(set_has(&set, "udp:127.0.0.1:5060", "node1", false));
    ck_assert(set_has(&set, "udp:127.0.0.2:5060", "node2", false));
    ck_assert(set_has(&set, "udp:[::1]:5070", "node3", false));
}
END_TEST

START_TEST(clone_by_primitive_id)
{
    ck_assert_int_eq(extract("clone.xml", "proxy"), 0);
    ck_assert_uint_eq(set.n_proxies, 3);
}
END_TEST

START_TEST(multiple_unique_instances)
{
    /* px:0 and px:1 on node1 (one address: one proxy), px:2 stopped on
     * node2 and running on node3; node rules beat the plain value */
    ck_assert_int_eq(extract("multiple.xml", "proxies"), 0);
    ck_assert_uint_eq(set.n_proxies, 2);
    ck_assert(set_has(&set, "udp:127.0.0.1:5061", "node1", false));
    ck_assert(set_has(&set, "tcp:127.0.0.3:5061", "node3", false));
}
END_TEST

START_TEST(group_all_members)
{
    /* grp-a: every member running; grp-b: its kamailio failed */
    ck_assert_int_eq(extract("group.xml", "grp-a"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "udp:127.0.0.10:5060", "node1", false));
    ck_assert_str_eq(set.proxies[0].resource, "grp-a");
    ck_assert_int_eq(extract("group.xml", "grp-b"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(tag_of_groups)
{
    ck_assert_int_eq(extract("group.xml", "groups"), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "udp:127.0.0.10:5060", "node1", false));
}
END_TEST

START_TEST(tag_of_primitives)
{
    /* proxy-c probed stopped, proxy-gone does not exist, unrelated not tagged */
    ck_assert_int_eq(extract("tag.xml", "sip-proxies"), 0);
    ck_assert_uint_eq(set.n_proxies, 2);
    ck_assert(set_has(&set, "udp:127.0.0.1:5060", "node1", false));
    ck_assert(set_has(&set, "udp:localhost:5062", "node2", false));
}
END_TEST

START_TEST(missing_parameter)
{
    ck_assert_int_eq(extract("missing-param.xml", "all"), 0);
    ck_assert_uint_eq(set.n_proxies, 0);
}
END_TEST

START_TEST(configurable_parameter)
{
    struct sipha_cib_options opts;
    sipha_cib_options_init(&opts);
    opts.resource = "proxy-c";
    opts.address_param = "listen";
    opts.default_transport = "tcp";
    ck_assert_int_eq(sipha_proxyset_extract_file(cib_data("missing-param.xml"), &opts, &set), 0);
    ck_assert_uint_eq(set.n_proxies, 1);
    ck_assert(set_has(&set, "tcp:127.0.0.1:5070", "node1", false));
}
END_TEST

START_TEST(drain)
{
    ck_assert_int_eq(extract("drain.xml", "all"), 0);
    ck_assert_uint_eq(set.n_proxies, 5);
    ck_assert(set_has(&set, "udp:127.0.0.1:5060", "node1", true));   /* transient true */
    ck_assert(set_has(&set, "udp:127.0.0.1:5062", "node2", false));  /* transient false wins */
    ck_assert(set_has(&set, "udp:127.0.0.1:5064", "node3", true));   /* permanent yes */
    ck_assert(set_has(&set, "udp:127.0.0.1:5068", "node4", true));   /* meta true */
    ck_assert(set_has(&set, "udp:127.0.0.1:5070", "node4", false));  /* meta false */
}
END_TEST

START_TEST(broken_xml)
{
    ck_assert_int_eq(extract("broken.xml", "proxy-a"), -EINVAL);
    ck_assert_uint_eq(set.n_proxies, 0);
    ck_assert_int_lt(extract("no-such-file.xml", "proxy-a"), 0);
}
END_TEST

START_TEST(not_a_cib)
{
    struct sipha_cib_options opts;
    sipha_cib_options_init(&opts);
    opts.resource = "proxy-a";
    ck_assert_int_eq(sipha_proxyset_extract_string("<cob/>", &opts, &set), -EINVAL);
    ck_assert_int_eq(sipha_proxyset_extract_string("", &opts, &set), -EINVAL);
    ck_assert_int_eq(sipha_proxyset_extract_string("<cib/>", &opts, &set), -ENOENT);
    opts.resource = NULL;
    ck_assert_int_eq(sipha_proxyset_extract_string("<cib/>", &opts, &set), -EINVAL);
}
END_TEST

/* Op history directly: the rules the files rely on, one by one. */
static enum sipha_rsc_state history(const char *ops)
{
    char xml[2048];
    snprintf(xml, sizeof(xml), "<lrm_resource id='r'>%s</lrm_resource>", ops);
    xmlDocPtr doc = xmlReadMemory(xml, (int) strlen(xml), "x.xml", NULL, 0);
    ck_assert_ptr_nonnull(doc);
    enum sipha_rsc_state s = sipha_cib_lrm_state(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return s;
}

#define OP(op, call, rc, status) "<lrm_rsc_op operation='" op "' call-id='" call \
    "' rc-code='" rc "' op-status='" status "'/>"

START_TEST(history_rules)
{
    ck_assert_int_eq(history(""), SIPHA_RSC_UNKNOWN);
    ck_assert_int_eq(history(OP("start", "3", "0", "0")), SIPHA_RSC_RUNNING);
    ck_assert_int_eq(history(OP("monitor", "3", "7", "0")), SIPHA_RSC_STOPPED);
    ck_assert_int_eq(history(OP("monitor", "3", "8", "0")), SIPHA_RSC_RUNNING);
    /* order in the XML does not matter, call-id does */
    ck_assert_int_eq(history(OP("stop", "9", "0", "0") OP("start", "3", "0", "0")),
                     SIPHA_RSC_STOPPED);
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("monitor", "4", "1", "0")),
                     SIPHA_RSC_FAILED);
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("monitor", "4", "0", "2")),
                     SIPHA_RSC_FAILED);
    ck_assert_int_eq(history(OP("stop", "5", "1", "0")), SIPHA_RSC_FAILED);
    /* notify and cancelled ops say nothing */
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("notify", "8", "1", "0")
                             OP("monitor", "9", "1", "1")), SIPHA_RSC_RUNNING);
    /* pending start or stop: in transition, not usable */
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("stop", "-1", "193", "-1")),
                     SIPHA_RSC_PENDING);
    /* a pending recurring monitor does not hide a running resource */
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("monitor", "-1", "193", "-1")),
                     SIPHA_RSC_RUNNING);
    /* same call-id: failure copy wins over the plain entry */
    ck_assert_int_eq(history(OP("monitor", "4", "0", "0") OP("monitor", "4", "1", "0")),
                     SIPHA_RSC_FAILED);
    ck_assert_int_eq(history(OP("migrate_from", "6", "0", "0")), SIPHA_RSC_RUNNING);
    ck_assert_int_eq(history(OP("start", "3", "0", "0") OP("migrate_to", "6", "0", "0")),
                     SIPHA_RSC_STOPPED);
}
END_TEST

START_TEST(truth_values)
{
    ck_assert(sipha_cib_is_true("true"));
    ck_assert(sipha_cib_is_true("YES"));
    ck_assert(sipha_cib_is_true("on"));
    ck_assert(sipha_cib_is_true("1"));
    ck_assert(sipha_cib_is_true("y"));
    ck_assert(!sipha_cib_is_true("false"));
    ck_assert(!sipha_cib_is_true("0"));
    ck_assert(!sipha_cib_is_true(""));
    ck_assert(!sipha_cib_is_true(NULL));
}
END_TEST

int main(void)
{
    sipha_log_init("test-cib-extract", SIPHA_LOG_STDERR, LOG_ERR);
    Suite *s = suite_create("cib-extract");
    TCase *tc = tcase_create("extract");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, primitive_running);
    tcase_add_test(tc, other_resource_ignored);
    tcase_add_test(tc, unknown_resource);
    tcase_add_test(tc, offline_node_ignored);
    tcase_add_test(tc, stopped);
    tcase_add_test(tc, failed_monitor);
    tcase_add_test(tc, failed_start_timeout);
    tcase_add_test(tc, recovered_after_failure);
    tcase_add_test(tc, moved);
    tcase_add_test(tc, pending_stop);
    tcase_add_test(tc, clone_node_addresses);
    tcase_add_test(tc, clone_by_primitive_id);
    tcase_add_test(tc, multiple_unique_instances);
    tcase_add_test(tc, group_all_members);
    tcase_add_test(tc, tag_of_groups);
    tcase_add_test(tc, tag_of_primitives);
    tcase_add_test(tc, missing_parameter);
    tcase_add_test(tc, configurable_parameter);
    tcase_add_test(tc, drain);
    tcase_add_test(tc, broken_xml);
    tcase_add_test(tc, not_a_cib);
    tcase_add_test(tc, history_rules);
    tcase_add_test(tc, truth_values);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
