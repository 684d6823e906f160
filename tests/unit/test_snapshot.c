/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_snapshot.c: the forwarding snapshot the control side publishes and
 * the packet worker reads without a lock (snapshot.h): what it holds, when
 * a new one is made, and that a replaced one is freed only once no worker
 * can still be reading it (ASan reports a read after the free).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "proxyset.h"
#include "util/sipha_log.h"
#include "snapshot.h"

static struct disp_keys keys;
static struct proxyset ps;
static struct snap_domain *dom;

static const char secret[] = "0123456789abcdef-shared-secret";

static void
setup(void)
{
    char addr[64];

    sipha_log_init("test-snapshot", SIPHA_LOG_STDERR, LOG_WARNING);
    ck_assert_int_eq(disp_keys_derive(secret, sizeof(secret) - 1, &keys), 0);
    proxyset_init(&ps, 1u << PS_SRC_STATIC);
    for (int i = 0; i < 3; i++) {
        snprintf(addr, sizeof(addr), "10.0.0.%d:5060", i + 1);
        ck_assert_ptr_nonnull(proxyset_report(&ps, PS_SRC_STATIC, addr, NULL, 0, PS_UP));
    }
    proxyset_update(&ps);
    dom = snap_domain_new(1);
    ck_assert_ptr_nonnull(dom);
}

static void
teardown(void)
{
    snap_domain_free(dom);
}

START_TEST(test_holds_the_set_in_use)
{
    const struct fwd_snapshot *snap;
    char callid[32];

    ck_assert(snap_publish(dom, &ps, &keys, 9));
    snap = snap_enter(dom, 0);
    ck_assert_int_eq(snap->set.active_count, 3);
    ck_assert_int_eq(snap->retry_after_s, 9);
    ck_assert_mem_eq(&snap->keys, &keys, sizeof(keys));
    /* the same pick as the control side's table, named by its slot */
    for (int i = 0; i < 200; i++) {
        int n = snprintf(callid, sizeof(callid), "c-%d", i);
        uint64_t h = hrw_hash(callid, (size_t) n);
        const struct proxy *mine = proxyset_pick(&snap->set, h, true);
        const struct proxy *theirs = proxyset_pick(&ps, h, true);

        ck_assert_str_eq(mine->key, theirs->key);
        ck_assert_int_eq(mine->slot, theirs->slot);
        ck_assert_ptr_eq(&ps.proxies[mine->slot], theirs);
    }
    snap_leave(dom, 0);
}
END_TEST

START_TEST(test_only_changes_make_a_new_one)
{
    struct disp_keys other;

    ck_assert(snap_publish(dom, &ps, &keys, 9));
    ck_assert(!snap_publish(dom, &ps, &keys, 9));
    ck_assert(snap_publish(dom, &ps, &keys, 10));
    ck_assert_ptr_nonnull(proxyset_drain(&ps, "udp:10.0.0.2:5060", true));
    proxyset_update(&ps);
    ck_assert(snap_publish(dom, &ps, &keys, 10));
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.1:5060", NULL, 3.0, PS_UP);
    proxyset_update(&ps);
    ck_assert(snap_publish(dom, &ps, &keys, 10));
    ck_assert_int_eq(disp_keys_derive("another-secret-of-16+", 21, &other), 0);
    ck_assert(snap_publish(dom, &ps, &other, 10));
    ck_assert(!snap_publish(dom, &ps, &other, 10));
}
END_TEST

START_TEST(test_freed_only_after_the_batch)
{
    const struct fwd_snapshot *held;

    ck_assert(snap_publish(dom, &ps, &keys, 1));
    held = snap_enter(dom, 0);
    ck_assert(snap_publish(dom, &ps, &keys, 2));
    /* the worker is still in the batch that loaded the first one */
    ck_assert_int_eq(snap_reclaim(dom), 1);
    ck_assert_int_eq(held->retry_after_s, 1);
    ck_assert(snap_publish(dom, &ps, &keys, 3));
    ck_assert_int_eq(snap_reclaim(dom), 2);
    snap_leave(dom, 0);
    ck_assert_int_eq(snap_reclaim(dom), 0);
    /* outside a batch: the next one is freed at once */
    ck_assert_int_eq(snap_enter(dom, 0)->retry_after_s, 3);
    snap_leave(dom, 0);
    ck_assert(snap_publish(dom, &ps, &keys, 4));
    ck_assert_int_eq(snap_reclaim(dom), 0);
}
END_TEST

static atomic_bool stop;

/* A worker: loads, reads every proxy of it, leaves, as fast as it can. */
static void *
reader(void *data)
{
    uint64_t sum = 0;

    while (!atomic_load(&stop)) {
        const struct fwd_snapshot *snap = snap_enter(dom, 0);

        for (int i = 0; i < snap->set.active_count; i++) {
            sum += snap->set.active[i]->seed + (uint64_t) snap->retry_after_s;
        }
        snap_leave(dom, 0);
    }
    return (void *) (uintptr_t) sum;
}

START_TEST(test_concurrent_reader)
{
    pthread_t t;

    ck_assert(snap_publish(dom, &ps, &keys, 0));
    ck_assert_int_eq(pthread_create(&t, NULL, reader, NULL), 0);
    for (int i = 1; i <= 300; i++) {
        ck_assert(snap_publish(dom, &ps, &keys, i));
        snap_reclaim(dom);
    }
    atomic_store(&stop, true);
    pthread_join(t, NULL);
    ck_assert_int_eq(snap_reclaim(dom), 0);
}
END_TEST

static Suite *
snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("publish");

    tcase_add_checked_fixture(tc, setup, teardown);
    /* the concurrent reader asserts no timing: Check's 4 s default was
     * exceeded under ASan on a loaded 2-core machine (load average 25) */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_holds_the_set_in_use);
    tcase_add_test(tc, test_only_changes_make_a_new_one);
    tcase_add_test(tc, test_freed_only_after_the_batch);
    tcase_add_test(tc, test_concurrent_reader);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(snapshot_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
