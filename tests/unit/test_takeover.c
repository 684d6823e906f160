/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_takeover.c: unit tests of the fast takeover's pure parts: the peer
 * heartbeat's wire format and MAC, the successor table parser, and the
 * decisions (silence, witness, quorum, stalls, replays, confirmation).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util/sipha_log.h"
#include "takeover_msg.h"
#include "takeover_state.h"
#include "takeover_table.h"

#define PORT 5097
#define MS 1000ull

static struct disp_keys keys;
static const char secret[] = "0123456789abcdef-shared-secret";

static const char table_text[] =
    "# sipha-successors\n"
    "self b\n"
    "quorum 1\n"
    "peer a 192.0.2.1\n"
    "peer c 192.0.2.3\n"
    "sap 0 192.0.2.100 24 eth0 a b\n"
    "sap 1 192.0.2.101 - - c a\n";

static void
setup(void)
{
    sipha_log_init("test-takeover", SIPHA_LOG_STDERR, LOG_WARNING);
    ck_assert_int_eq(disp_keys_derive(secret, sizeof(secret) - 1, &keys), 0);
}

static struct takeover_msg
msg_from(const char *name, uint64_t seq, uint64_t sent_ms)
{
    struct takeover_msg m = { .boot_id = 7, .seq = seq, .sent_ms = sent_ms };

    snprintf(m.name, sizeof(m.name), "%s", name);
    return m;
}

/* ---- wire format ---- */

START_TEST(test_msg_roundtrip)
{
    struct takeover_msg m = msg_from("node-1", 42, 1700000000123ull), back;
    uint8_t buf[TAKEOVER_MSG_MAX];
    int len;

    m.flags = TAKEOVER_MSG_LEAVING;
    len = takeover_msg_encode(&m, &keys.peer, buf, sizeof(buf));
    ck_assert_int_eq(len, 32 + 6 + 8);
    ck_assert_int_eq(takeover_msg_decode(buf, (size_t) len, &keys.peer, &back), TAKEOVER_MSG_OK);
    ck_assert_str_eq(back.name, "node-1");
    ck_assert_uint_eq(back.seq, 42);
    ck_assert_uint_eq(back.boot_id, 7);
    ck_assert_uint_eq(back.sent_ms, 1700000000123ull);
    ck_assert_uint_eq(back.flags, TAKEOVER_MSG_LEAVING);
}
END_TEST

START_TEST(test_msg_every_flipped_bit_refused)
{
    struct takeover_msg m = msg_from("a", 1, 5), back;
    uint8_t buf[TAKEOVER_MSG_MAX];
    int len = takeover_msg_encode(&m, &keys.peer, buf, sizeof(buf));

    for (int i = 0; i < len * 8; i++) {
        buf[i / 8] ^= (uint8_t) (1u << (i % 8));
        ck_assert_int_ne(takeover_msg_decode(buf, (size_t) len, &keys.peer, &back),
                         TAKEOVER_MSG_OK);
        buf[i / 8] ^= (uint8_t) (1u << (i % 8));
    }
    /* every truncation and an extension too */
    for (int n = 0; n < len; n++) {
        ck_assert_int_eq(takeover_msg_decode(buf, (size_t) n, &keys.peer, &back),
                         TAKEOVER_MSG_MALFORMED);
    }
    buf[len] = 0;
    ck_assert_int_eq(takeover_msg_decode(buf, (size_t) len + 1, &keys.peer, &back),
                     TAKEOVER_MSG_MALFORMED);
}
END_TEST

START_TEST(test_msg_other_key_refused)
{
    struct takeover_msg m = msg_from("a", 1, 5), back;
    struct disp_keys other;
    uint8_t buf[TAKEOVER_MSG_MAX];
    int len;

    ck_assert_int_eq(disp_keys_derive("another secret of 16+", 21, &other), 0);
    len = takeover_msg_encode(&m, &other.peer, buf, sizeof(buf));
    ck_assert_int_eq(takeover_msg_decode(buf, (size_t) len, &keys.peer, &back),
                     TAKEOVER_MSG_BAD_MAC);
    /* the branch MAC key is not the heartbeat key */
    len = takeover_msg_encode(&m, &keys.mac, buf, sizeof(buf));
    ck_assert_int_eq(takeover_msg_decode(buf, (size_t) len, &keys.peer, &back),
                     TAKEOVER_MSG_BAD_MAC);
}
END_TEST

START_TEST(test_msg_bad_names)
{
    struct takeover_msg m = msg_from("", 1, 5);
    uint8_t buf[TAKEOVER_MSG_MAX];

    ck_assert_int_eq(takeover_msg_encode(&m, &keys.peer, buf, sizeof(buf)), TAKEOVER_MSG_MALFORMED);
    m = msg_from("has space", 1, 5);
    ck_assert_int_eq(takeover_msg_encode(&m, &keys.peer, buf, sizeof(buf)), TAKEOVER_MSG_MALFORMED);
    m = msg_from("a", 1, 5);
    ck_assert_int_eq(takeover_msg_encode(&m, &keys.peer, buf, 10), TAKEOVER_MSG_MALFORMED);
}
END_TEST

/* ---- the table ---- */

START_TEST(test_table_parse)
{
    struct takeover_table t;
    char err[128];
    const struct takeover_sap *s;

    ck_assert_int_eq(takeover_table_parse(table_text, strlen(table_text), &t, err, sizeof(err)), 0);
    ck_assert_str_eq(t.self, "b");
    ck_assert(t.quorum);
    ck_assert_int_eq(t.peer_count, 2);
    ck_assert_int_eq(t.sap_count, 2);
    s = takeover_table_find_sap(&t, "192.0.2.101");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->prefix, -1);
    ck_assert_str_eq(s->nic, "");
    ck_assert_str_eq(s->holder, "c");
    ck_assert_str_eq(s->successor, "a");
}
END_TEST

START_TEST(test_table_refuses)
{
    static const char *bad[] = {
        "quorum 1\n",                                   /* no self */
        "self b\n",                                     /* no quorum */
        "self b\nquorum 2\n",
        "self b\nquorum 1\npeer b 192.0.2.2\n",         /* itself as peer */
        "self b\nquorum 1\npeer a 192.0.2.1\npeer a 192.0.2.9\n",
        "self b\nquorum 1\npeer a not-an-ip\n",
        "self b\nquorum 1\nsap 0 192.0.2.100 33 eth0 a b\n",
        "self b\nquorum 1\nsap 0 999.0.2.100 24 eth0 a b\n",
        "self b\nquorum 1\nsap 0 192.0.2.100 24 eth0 a\n",
        "self b\nquorum 1\nsap x 192.0.2.100 24 eth0 a b\n",
        "self b\nquorum 1\nsap 0 192.0.2.100 24 e/th0 a b\n",
        "self b\nquorum 1\nsap 0 192.0.2.100 24 eth0 a b\nsap 1 192.0.2.100 24 eth0 a b\n",
        "self b\nquorum 1\nsap 0 192.0.2.100 24 thisinterfacenameistoolong a b\n",
    };
    struct takeover_table t;
    char err[128];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ck_assert_msg(takeover_table_parse(bad[i], strlen(bad[i]), &t, err, sizeof(err)) != 0,
                      "accepted: %s", bad[i]);
        ck_assert_msg(err[0] != '\0', "no reason for: %s", bad[i]);
    }
    /* binary and over-long lines */
    ck_assert_int_ne(takeover_table_parse("self b\0x\nquorum 1\n", 17, &t, err, sizeof(err)), 0);
    {
        char *longline = calloc(1, 2000);

        memset(longline, 'x', 1999);
        ck_assert_int_ne(takeover_table_parse(longline, 1999, &t, err, sizeof(err)), 0);
        free(longline);
    }
    /* unknown records are skipped */
    ck_assert_int_eq(takeover_table_parse("self b\nquorum 0\nfuture 1 2 3\n", 29, &t, err,
                                          sizeof(err)), 0);
}
END_TEST

/* ---- decisions ---- */

static struct takeover_state st;
static uint64_t now;

static void
state_setup(void)
{
    struct takeover_params p = {
        .port = PORT, .timeout_us = 160 * MS, .skew_ms = 2000,
        .confirm_timeout_us = 30000 * MS, .require_witness = true,
    };
    struct takeover_table t;
    char err[128];
    int released[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];

    setup();
    takeover_state_init(&st, &p);
    ck_assert_int_eq(takeover_table_parse(table_text, strlen(table_text), &t, err, sizeof(err)), 0);
    now = 1000000 * MS;
    ck_assert_int_eq(takeover_state_set_table(&st, &t, now, released, why), 0);
}

static int
hear(const char *name, const char *ip, uint64_t seq)
{
    struct takeover_msg m = msg_from(name, seq, 5000000);
    struct sockaddr_storage src;

    sipha_sockaddr_from_ip(ip, strlen(ip), PORT, &src);
    return takeover_state_receive(&st, &m, &src, now, 5000000);
}

/* Advance time in 10 ms ticks, hearing the named peers each tick; return
 * the number of SAPs due at the end. */
static int
run_ms(uint64_t ms, bool hear_a, bool hear_c, int due[TAKEOVER_SAPS_MAX])
{
    static uint64_t seq = 100;
    int n = 0;

    for (uint64_t t = 0; t < ms; t += 10) {
        now += 10 * MS;
        seq++;
        if (hear_a) {
            hear("a", "192.0.2.1", seq);
        }
        if (hear_c) {
            hear("c", "192.0.2.3", seq);
        }
        n = takeover_state_tick(&st, now, due);
        if (n > 0) {
            return n;
        }
    }
    return n;
}

START_TEST(test_silent_holder_is_due)
{
    int due[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    ck_assert_int_eq(run_ms(150, false, true, due), 0);     /* within the timeout */
    ck_assert_int_eq(run_ms(50, false, true, due), 1);
    ck_assert_str_eq(st.table.saps[due[0]].address, "192.0.2.100");
    takeover_state_claimed(&st, due[0], now);
    ck_assert_int_eq(run_ms(100, false, true, due), 0);     /* claimed once */
}
END_TEST

START_TEST(test_never_heard_not_due)
{
    int due[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(1000, false, true, due), 0);
}
END_TEST

START_TEST(test_no_witness_not_due)
{
    int due[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    ck_assert_int_eq(run_ms(1000, false, false, due), 0);
    st.params.require_witness = false;
    ck_assert_int_eq(run_ms(20, false, false, due), 1);
}
END_TEST

/* A witness heard only long ago (a receive path stalled for everyone) does
 * not count: the holder is not due until the witness is heard again. */
START_TEST(test_stale_witness_not_due)
{
    int due[TAKEOVER_SAPS_MAX];

    st.params.witness_fresh_us = 30 * MS;
    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    ck_assert_int_eq(run_ms(100, false, true, due), 0);     /* the holder falls silent */
    /* then nobody is heard: at 170 ms the holder is past the timeout
     * (160 ms), the witness was heard 70 ms ago: alive, not fresh */
    ck_assert_int_eq(run_ms(70, false, false, due), 0);
    ck_assert_int_eq(run_ms(10, false, true, due), 1);      /* the witness again: due */
}
END_TEST

/* A host that returns and is given a SAP before its dispatcher beats
 * again: silent since long before the table named it holder, not due
 * until it has been heard again. */
START_TEST(test_returning_holder_not_due)
{
    static const char moved[] =
        "self b\nquorum 1\npeer a 192.0.2.1\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 c b\nsap 1 192.0.2.101 - - c a\n";
    struct takeover_table t;
    char err[128];
    int due[TAKEOVER_SAPS_MAX];
    int released[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    /* a's SAP moved to c, then a went away for 10 s */
    ck_assert_int_eq(takeover_table_parse(moved, strlen(moved), &t, err, sizeof(err)), 0);
    takeover_state_set_table(&st, &t, now, released, why);
    ck_assert_int_eq(run_ms(10000, false, true, due), 0);
    /* a is back and Pacemaker gives it the SAP again before it beats */
    ck_assert_int_eq(takeover_table_parse(table_text, strlen(table_text), &t, err, sizeof(err)), 0);
    takeover_state_set_table(&st, &t, now, released, why);
    ck_assert_int_eq(run_ms(2000, false, true, due), 0);
    /* heard once, then silent: due */
    ck_assert_int_eq(run_ms(10, true, true, due), 0);
    ck_assert_int_eq(run_ms(300, false, true, due), 1);
}
END_TEST

START_TEST(test_no_quorum_not_due)
{
    int due[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    st.table.quorum = false;
    ck_assert_int_eq(run_ms(1000, false, true, due), 0);
}
END_TEST

START_TEST(test_own_stall_counted_arrivals_decide)
{
    int due[TAKEOVER_SAPS_MAX];

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    /* stopped for 5 s while the holder went on beating: what arrived
     * meanwhile (read before the tick) keeps it alive */
    now += 5000 * MS;
    ck_assert_int_eq(hear("a", "192.0.2.1", 900000), 1);     /* taken, after a gap */
    ck_assert_int_eq(hear("c", "192.0.2.3", 900000), 1);
    ck_assert_int_eq(takeover_state_tick(&st, now, due), 0);
    ck_assert_uint_eq(st.counters.stalls, 1);
    /* stopped for 5 s while the holder died: claimed on waking */
    now += 5000 * MS;
    ck_assert_int_eq(hear("c", "192.0.2.3", 900001), 1);
    ck_assert_int_eq(takeover_state_tick(&st, now, due), 1);
    ck_assert_uint_eq(st.counters.stalls, 2);
}
END_TEST

/* A late heartbeat is taken apart: sent late, lost on the way, or slow in
 * transit; the gaps land in buckets that are fractions of the timeout. */
START_TEST(test_late_heartbeat_taken_apart)
{
    struct takeover_msg m = msg_from("a", 10, 5000000);
    struct sockaddr_storage src;
    const struct takeover_peer *a = takeover_state_peer(&st, "a");

    sipha_sockaddr_from_ip("192.0.2.1", 9, PORT, &src);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000000), 0);
    /* on time: 10 ms later, first bucket (up to a quarter of 160 ms) */
    now += 10 * MS;
    m = msg_from("a", 11, 5000010);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000010), 0);
    ck_assert_uint_eq(a->gap_buckets[0], 1);
    ck_assert_uint_eq(a->late, 0);
    /* 70 ms: not late (half the timeout is 80); second bucket (40-80 ms) */
    now += 70 * MS;
    m = msg_from("a", 12, 5000080);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000080), 0);
    ck_assert_uint_eq(a->gap_buckets[1], 1);
    /* 120 ms of silence, 3 beats lost, the 4th sent on time but 100 ms in
     * transit: the network or the host delayed it, the holder did not stall */
    now += 120 * MS;
    m = msg_from("a", 16, 5000100);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000200), 1);
    ck_assert_uint_eq(a->late, 1);
    ck_assert_uint_eq(a->last_late.gap_us, 120 * MS);
    ck_assert_int_eq(a->last_late.sent_gap_ms, 20);
    ck_assert_uint_eq(a->last_late.lost, 3);
    ck_assert_int_eq(a->last_late.transit_ms, 100);
    ck_assert_uint_eq(a->gap_buckets[2], 1);
    /* 300 ms, sent late (the holder stalled): beyond the timeout */
    now += 300 * MS;
    m = msg_from("a", 17, 5000400);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000401), 1);
    ck_assert_int_eq(a->last_late.sent_gap_ms, 300);
    ck_assert_uint_eq(a->last_late.lost, 0);
    ck_assert_uint_eq(a->gap_buckets[TAKEOVER_GAP_BUCKETS - 1], 1);
    ck_assert_uint_eq(a->max_gap_us, 300 * MS);
    ck_assert_uint_eq(a->gap_sum_us, 500 * MS);
    ck_assert(takeover_gap_bucket_us(&st, TAKEOVER_GAP_BUCKETS - 2) == 160 * MS);
    ck_assert(takeover_gap_bucket_us(&st, TAKEOVER_GAP_BUCKETS - 1) == UINT64_MAX);
}
END_TEST

START_TEST(test_leaving_not_due)
{
    int due[TAKEOVER_SAPS_MAX];
    struct takeover_msg m = msg_from("a", 100000, 5000000);
    struct sockaddr_storage src;

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    m.flags = TAKEOVER_MSG_LEAVING;
    sipha_sockaddr_from_ip("192.0.2.1", 9, PORT, &src);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000000), 0);
    ck_assert_int_eq(run_ms(1000, false, true, due), 0);
}
END_TEST

START_TEST(test_receive_refusals)
{
    struct takeover_msg m = msg_from("a", 10, 5000000);
    struct sockaddr_storage src;

    ck_assert_int_eq(hear("a", "192.0.2.1", 10), 0);
    ck_assert_int_eq(hear("a", "192.0.2.1", 10), -1);       /* replay */
    ck_assert_int_eq(hear("a", "192.0.2.9", 11), -1);       /* another address */
    ck_assert_int_eq(hear("zz", "192.0.2.1", 12), -1);      /* not a peer */
    sipha_sockaddr_from_ip("192.0.2.1", 9, PORT, &src);
    m.seq = 13;
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000000 + 2001), -1); /* old */
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000000 - 2001), -1); /* future */
    sipha_sockaddr_from_ip("192.0.2.1", 9, PORT + 1, &src);
    ck_assert_int_eq(takeover_state_receive(&st, &m, &src, now, 5000000), -1); /* other port */
    ck_assert_uint_eq(st.counters.rx_ok, 1);
    ck_assert_uint_eq(st.counters.rx_stale, 3);
    ck_assert_uint_eq(st.counters.rx_unknown_peer, 3);
}
END_TEST

static int
retable(const char *text, int released[TAKEOVER_SAPS_MAX], enum takeover_release why[TAKEOVER_SAPS_MAX])
{
    struct takeover_table t;
    char err[128];

    ck_assert_int_eq(takeover_table_parse(text, strlen(text), &t, err, sizeof(err)), 0);
    return takeover_state_set_table(&st, &t, now, released, why);
}

START_TEST(test_claim_outcomes)
{
    int due[TAKEOVER_SAPS_MAX], released[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];
    static const char pending[] = "self b\nquorum 1\npeer a 192.0.2.1\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 - b\n";
    static const char confirmed[] = "self b\nquorum 1\npeer a 192.0.2.1\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 b c\n";
    static const char elsewhere[] = "self b\nquorum 1\npeer a 192.0.2.1\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 c a\n";
    static const char noquorum[] = "self b\nquorum 0\npeer a 192.0.2.1\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 a b\n";

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    ck_assert_int_eq(run_ms(300, false, true, due), 1);
    takeover_state_claimed(&st, due[0], now);
    ck_assert_int_eq(retable(pending, released, why), 0);   /* being moved: kept */
    ck_assert_int_eq(retable(confirmed, released, why), 1);
    ck_assert_int_eq(why[0], TAKEOVER_CONFIRMED);
    st.claims[released[0]].active = false;

    takeover_state_claimed(&st, 0, now);
    ck_assert_int_eq(retable(elsewhere, released, why), 1);
    ck_assert_int_eq(why[0], TAKEOVER_PLACED_ELSEWHERE);
    st.claims[released[0]].active = false;

    ck_assert_int_eq(retable(table_text, released, why), 0);
    takeover_state_claimed(&st, 0, now);
    ck_assert_int_eq(retable(noquorum, released, why), 1);
    ck_assert_int_eq(why[0], TAKEOVER_NO_QUORUM);
    st.claims[released[0]].active = false;

    ck_assert_int_eq(retable(table_text, released, why), 0);
    takeover_state_claimed(&st, 0, now);
    now += 30001 * MS;
    ck_assert_int_eq(retable(table_text, released, why), 1);
    ck_assert_int_eq(why[0], TAKEOVER_UNCONFIRMED);
}
END_TEST

START_TEST(test_table_keeps_liveness)
{
    int due[TAKEOVER_SAPS_MAX], released[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];
    static const char moved[] = "self b\nquorum 1\npeer a 192.0.2.11\npeer c 192.0.2.3\n"
        "sap 0 192.0.2.100 24 eth0 a b\n";

    ck_assert_int_eq(run_ms(500, true, true, due), 0);
    ck_assert(takeover_state_peer(&st, "a")->heard);
    ck_assert_int_eq(retable(table_text, released, why), 0);
    ck_assert(takeover_state_peer(&st, "a")->heard);
    ck_assert_int_eq(retable(moved, released, why), 0);     /* new address: a new peer */
    ck_assert(!takeover_state_peer(&st, "a")->heard);
    ck_assert_int_eq(run_ms(1000, false, true, due), 0);
}
END_TEST

static Suite *
takeover_suite(void)
{
    Suite *s = suite_create("takeover");
    TCase *tc = tcase_create("msg+table");
    TCase *ts = tcase_create("state");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_msg_roundtrip);
    tcase_add_test(tc, test_msg_every_flipped_bit_refused);
    tcase_add_test(tc, test_msg_other_key_refused);
    tcase_add_test(tc, test_msg_bad_names);
    tcase_add_test(tc, test_table_parse);
    tcase_add_test(tc, test_table_refuses);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(ts, state_setup, NULL);
    tcase_add_test(ts, test_silent_holder_is_due);
    tcase_add_test(ts, test_never_heard_not_due);
    tcase_add_test(ts, test_no_witness_not_due);
    tcase_add_test(ts, test_stale_witness_not_due);
    tcase_add_test(ts, test_returning_holder_not_due);
    tcase_add_test(ts, test_no_quorum_not_due);
    tcase_add_test(ts, test_own_stall_counted_arrivals_decide);
    tcase_add_test(ts, test_late_heartbeat_taken_apart);
    tcase_add_test(ts, test_leaving_not_due);
    tcase_add_test(ts, test_receive_refusals);
    tcase_add_test(ts, test_claim_outcomes);
    tcase_add_test(ts, test_table_keeps_liveness);
    suite_add_tcase(s, ts);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(takeover_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
