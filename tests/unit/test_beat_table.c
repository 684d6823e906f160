/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_beat_table.c: the watcher's state machine, driven with a fake clock. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "watch/sipha_watch_table.h"

#define DOWN_AFTER_MS 300
#define UP_AFTER 3

typedef struct changes {
    int n;
    sipha_proxy_state_t last_old;
    sipha_proxy_state_t last_new;
    char last_reason[256];
    bool last_silent;
} changes_t;

static changes_t ch;
static sipha_watch_table_t *t;
static const sipha_sender_t A = { 1, 100, 0xaaaa };
static const sipha_sender_t B = { 2, 200, 0xbbbb };

static void on_change(const sipha_proxy_info_t *info, sipha_proxy_state_t old_state,
                      void *data)
{
    changes_t *c = data;

    c->n++;
    c->last_old = old_state;
    c->last_new = info->state;
    c->last_silent = info->silent;
    strncpy(c->last_reason, info->reason, sizeof(c->last_reason) - 1);
}

static void setup(void)
{
    memset(&ch, 0, sizeof(ch));
    t = sipha_watch_table_new(DOWN_AFTER_MS, UP_AFTER, on_change, &ch);
}

static void teardown(void)
{
    sipha_watch_table_free(t);
}

static sipha_watch_admit_t beat_addr(uint64_t now_ms, const sipha_sender_t *s,
                                     const char *name, const char *address,
                                     uint64_t counter, uint8_t state)
{
    sipha_beat_msg_t m;

    memset(&m, 0, sizeof(m));
    m.type = SIPHA_BEAT_TYPE_BEAT;
    m.boot_id = s->boot_id;
    m.counter = counter;
    m.beat_state = state;
    g_strlcpy(m.name, name, sizeof(m.name));
    g_strlcpy(m.sip_address, address, sizeof(m.sip_address));
    return sipha_watch_table_beat(t, now_ms, s, &m);
}

static void beat(uint64_t now_ms, const sipha_sender_t *s, const char *name,
                 uint64_t counter, uint8_t state)
{
    beat_addr(now_ms, s, name, "udp:127.0.0.1:5060", counter, state);
}

static sipha_proxy_state_t state_of(const char *name)
{
    const sipha_proxy_info_t *p = sipha_watch_table_lookup_name(t, name);

    ck_assert_ptr_nonnull(p);
    return p->state;
}

/* Beats every 100 ms from `from` with counter starting at c0: returns the
 * time of the last one. */
static uint64_t run_beats(const sipha_sender_t *s, uint64_t from_ms, uint64_t c0, int n)
{
    for (int i = 0; i < n; i++) {
        beat(from_ms + 100 * (uint64_t) i, s, "p1", c0 + (uint64_t) i, SIPHA_BEAT_OK);
        sipha_watch_table_evaluate(t, from_ms + 100 * (uint64_t) i, false);
    }
    return from_ms + 100 * (uint64_t) (n - 1);
}

START_TEST(test_up_after_hysteresis)
{
    beat(1000, &A, "p1", 5, SIPHA_BEAT_STARTING);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    beat(1100, &A, "p1", 6, SIPHA_BEAT_OK);
    beat(1200, &A, "p1", 7, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);   /* 2 increases */
    beat(1300, &A, "p1", 8, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    ck_assert_int_eq(ch.n, 1);
    ck_assert_int_eq(ch.last_old, SIPHA_PROXY_UNKNOWN);
    ck_assert_uint_eq(sipha_watch_table_lookup_name(t, "p1")->last_increase_ms, 1300);
    ck_assert_ptr_nonnull(sipha_watch_table_lookup_address(t, "udp:127.0.0.1:5060"));
    ck_assert_ptr_null(sipha_watch_table_lookup_address(t, "udp:127.0.0.1:5061"));
}
END_TEST

START_TEST(test_down_when_counter_stalls)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    /* beats keep coming, counter frozen */
    beat(last + 100, &A, "p1", 5, SIPHA_BEAT_OK);
    beat(last + 200, &A, "p1", 5, SIPHA_BEAT_OK);
    sipha_watch_table_evaluate(t, last + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);       /* not more than 300 */
    sipha_watch_table_evaluate(t, last + DOWN_AFTER_MS + 1, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    ck_assert(strstr(ch.last_reason, "stalled") != NULL);
    ck_assert(ch.last_silent);                    /* nothing was reported */
    /* N increases bring it back, not one */
    beat(last + 400, &A, "p1", 6, SIPHA_BEAT_OK);
    beat(last + 500, &A, "p1", 7, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    beat(last + 600, &A, "p1", 8, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
}
END_TEST

/* A silent DOWN that the beat then confirms is reported again, not silent. */
START_TEST(test_silent_then_reported)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    sipha_watch_table_evaluate(t, last + DOWN_AFTER_MS + 1, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    ck_assert(ch.last_silent);
    int n = ch.n;
    beat(last + DOWN_AFTER_MS + 50, &A, "p1", 5, SIPHA_BEAT_PROBE_TIMEOUT);
    ck_assert_int_eq(ch.n, n + 1);                 /* told, though still DOWN */
    ck_assert_int_eq(ch.last_old, SIPHA_PROXY_DOWN);
    ck_assert_int_eq(ch.last_new, SIPHA_PROXY_DOWN);
    ck_assert(!ch.last_silent);
}
END_TEST

START_TEST(test_hysteresis_needs_consecutive)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    beat(last + 100, &A, "p1", 5, SIPHA_BEAT_PROBE_TIMEOUT);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    ck_assert(!ch.last_silent);                   /* the beat said so */
    beat(last + 200, &A, "p1", 6, SIPHA_BEAT_OK);
    beat(last + 300, &A, "p1", 7, SIPHA_BEAT_OK);
    beat(last + 400, &A, "p1", 7, SIPHA_BEAT_OK);     /* flap: no increase */
    beat(last + 500, &A, "p1", 8, SIPHA_BEAT_OK);
    beat(last + 600, &A, "p1", 9, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    beat(last + 700, &A, "p1", 10, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
}
END_TEST

START_TEST(test_beat_reports_probe_failure)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    beat(last + 50, &A, "p1", 5, SIPHA_BEAT_PROBE_REFUSED);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    ck_assert(strstr(ch.last_reason, "probe-refused") != NULL);
    ck_assert_int_eq(ch.n, 2);
    /* the same report again is not a new change */
    beat(last + 100, &A, "p1", 5, SIPHA_BEAT_PROBE_REFUSED);
    sipha_watch_table_evaluate(t, last + 1000, false);
    ck_assert_int_eq(ch.n, 2);
}
END_TEST

START_TEST(test_leave_is_down_at_once)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    sipha_watch_table_leave(t, last + 1, B.nodeid, B.pid, "process down");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);     /* not ours */
    sipha_watch_table_leave(t, last + 1, A.nodeid, A.pid, "process down");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    ck_assert(strstr(ch.last_reason, "left the group (process down)") != NULL);
}
END_TEST

START_TEST(test_restarted_beat_takes_over)
{
    sipha_sender_t a2 = { A.nodeid, 101, 0xa2a2 };
    uint64_t last = run_beats(&A, 1000, 1, 5);

    sipha_watch_table_leave(t, last + 10, A.nodeid, A.pid, "process down");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
    /* the new process counts from 0 again: no conflict, UP after N */
    beat(last + 500, &a2, "p1", 0, SIPHA_BEAT_STARTING);
    beat(last + 600, &a2, "p1", 1, SIPHA_BEAT_OK);
    beat(last + 700, &a2, "p1", 2, SIPHA_BEAT_OK);
    beat(last + 800, &a2, "p1", 3, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    ck_assert_uint_eq(sipha_watch_table_lookup_name(t, "p1")->pid, 101);
    ck_assert_uint_eq(sipha_watch_table_conflicts(t), 0);
}
END_TEST

START_TEST(test_two_senders_conflict)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    beat(last + 50, &B, "p1", 1, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_CONFLICT);
    ck_assert(strstr(ch.last_reason, "conflict") != NULL);
    ck_assert(strstr(ch.last_reason, "node 2 pid 200") != NULL);
    ck_assert_uint_eq(sipha_watch_table_conflicts(t), 1);
    /* both keep beating: stays in conflict, the counters do not matter */
    for (int i = 1; i <= 10; i++) {
        beat(last + 100 * (uint64_t) i, &A, "p1", 5 + (uint64_t) i, SIPHA_BEAT_OK);
        beat(last + 100 * (uint64_t) i + 50, &B, "p1", 1 + (uint64_t) i, SIPHA_BEAT_OK);
        sipha_watch_table_evaluate(t, last + 100 * (uint64_t) i + 60, false);
        ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_CONFLICT);
    }
    /* one leaves: the other must prove itself, then UP */
    sipha_watch_table_leave(t, last + 1100, B.nodeid, B.pid, "process down");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    /* a fresh window from the resolution, not from before the conflict */
    sipha_watch_table_evaluate(t, last + 1100 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    run_beats(&A, last + 1200, 100, 4);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    ck_assert_uint_eq(sipha_watch_table_conflicts(t), 1);
}
END_TEST

START_TEST(test_conflict_owner_leaves)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    beat(last + 50, &B, "p1", 1, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_CONFLICT);
    sipha_watch_table_leave(t, last + 100, A.nodeid, A.pid, "process down");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    sipha_watch_table_evaluate(t, last + 100 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    ck_assert_uint_eq(sipha_watch_table_lookup_name(t, "p1")->nodeid, B.nodeid);
    run_beats(&B, last + 200, 10, 4);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
}
END_TEST

START_TEST(test_conflict_silent_sender_dropped)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    beat(last + 50, &B, "p1", 1, SIPHA_BEAT_OK);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_CONFLICT);
    /* B hangs (SIGSTOP: no CPG leave); A keeps beating */
    for (int i = 1; i <= 8; i++) {
        beat(last + 100 * (uint64_t) i, &A, "p1", 5 + (uint64_t) i, SIPHA_BEAT_OK);
        sipha_watch_table_evaluate(t, last + 100 * (uint64_t) i, false);
    }
    ck_assert_int_ne(state_of("p1"), SIPHA_PROXY_CONFLICT);
    run_beats(&A, last + 900, 20, 4);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
}
END_TEST

START_TEST(test_ring_stall_holds_judgement)
{
    uint64_t last = run_beats(&A, 1000, 1, 5);

    /* nothing is delivered for 5 s, but the ring is known to be stalled */
    for (uint64_t now = last + 10; now < last + 5000; now += 10) {
        sipha_watch_table_evaluate(t, now, true);
    }
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    /* the ring resumes: a fresh window, not an instant verdict */
    sipha_watch_table_resume(t, last + 5000);
    sipha_watch_table_evaluate(t, last + 5000 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    beat(last + 5100, &A, "p1", 6, SIPHA_BEAT_OK);
    sipha_watch_table_evaluate(t, last + 5100 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    /* and a proxy that really stopped is still caught after the resume */
    sipha_watch_table_evaluate(t, last + 5100 + DOWN_AFTER_MS + 1, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
}
END_TEST

START_TEST(test_never_increasing_goes_down)
{
    beat(1000, &A, "p1", 7, SIPHA_BEAT_STARTING);
    beat(1100, &A, "p1", 7, SIPHA_BEAT_STARTING);
    sipha_watch_table_evaluate(t, 1000 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    sipha_watch_table_evaluate(t, 1001 + DOWN_AFTER_MS, false);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_DOWN);
}
END_TEST

START_TEST(test_reset_on_connection_loss)
{
    run_beats(&A, 1000, 1, 5);
    sipha_watch_table_reset(t, "watcher lost its CPG connection");
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UNKNOWN);
    ck_assert(strstr(ch.last_reason, "lost") != NULL);
}
END_TEST

static void count_row(const sipha_proxy_info_t *info, void *data)
{
    char *order = data;

    strcat(order, info->name);
    strcat(order, ",");
}

START_TEST(test_iterator_in_name_order)
{
    char order[64] = "";

    beat(1000, &A, "zeta", 1, SIPHA_BEAT_OK);
    beat(1000, &B, "alpha", 1, SIPHA_BEAT_OK);
    beat(1000, &A, "mid", 1, SIPHA_BEAT_OK);
    /* A announcing two names is fine: one beat daemon per proxy is usual,
     * but nothing forbids a sender to beat for several */
    ck_assert_uint_eq(sipha_watch_table_count(t), 3);
    sipha_watch_table_foreach(t, count_row, order);
    ck_assert_str_eq(order, "alpha,mid,zeta,");
}
END_TEST

START_TEST(test_ring_detector)
{
    sipha_ring_t r;
    uint64_t s1, s2;

    sipha_ring_init(&r, 100);
    ck_assert_int_eq(sipha_ring_check(&r, 0), 0);
    s1 = sipha_ring_tick_sent(&r, 1000);
    ck_assert_uint_eq(s1, 1);
    ck_assert_int_eq(sipha_ring_check(&r, 1100), 0);        /* exactly 100: not yet */
    sipha_ring_tick_back(&r, s1);
    s2 = sipha_ring_tick_sent(&r, 1050);
    ck_assert_int_eq(sipha_ring_check(&r, 1150), 0);
    ck_assert_int_eq(sipha_ring_check(&r, 1151), -1);       /* s2 is 101 ms late */
    ck_assert(r.stalled);
    ck_assert_int_eq(sipha_ring_check(&r, 1200), 0);
    /* a forged or stale seq does not resume it */
    sipha_ring_tick_back(&r, 99);
    ck_assert_int_eq(sipha_ring_check(&r, 1200), 0);
    sipha_ring_tick_back(&r, s2);
    ck_assert_int_eq(sipha_ring_check(&r, 1200), 1);
    ck_assert_uint_eq(r.stalls, 1);
    /* a full window stops sending */
    for (int i = 0; i < SIPHA_RING_WINDOW; i++) {
        ck_assert_uint_ne(sipha_ring_tick_sent(&r, 2000), 0);
    }
    ck_assert_uint_eq(sipha_ring_tick_sent(&r, 2000), 0);
    sipha_ring_reset(&r);
    ck_assert(!r.stalled);
    ck_assert_uint_ne(sipha_ring_tick_sent(&r, 3000), 0);
}
END_TEST

/* ---- membership filter, bounds, reclaiming (forged and stale beats) ---- */

/* One beat naming a real proxy's address, from a node where the CIB does
 * not run it, used to veto it for ever (and under its name: CONFLICT). */
START_TEST(test_forged_beat_from_other_node_ignored)
{
    const sipha_watch_member_t members[] = { { "udp:127.0.0.1:5060", A.nodeid } };
    uint64_t now;

    sipha_watch_table_set_members(t, members, 1);
    now = run_beats(&A, 1000, 1, 5);
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    ck_assert_int_eq(beat_addr(now + 10, &B, "evil", "udp:127.0.0.1:5060", 1,
                               SIPHA_BEAT_PROBE_TIMEOUT), SIPHA_WATCH_WRONG_NODE);
    ck_assert_int_eq(beat_addr(now + 20, &B, "p1", "udp:127.0.0.1:5060", 1,
                               SIPHA_BEAT_STOPPING), SIPHA_WATCH_WRONG_NODE);
    ck_assert_ptr_null(sipha_watch_table_lookup_name(t, "evil"));
    ck_assert_int_eq(state_of("p1"), SIPHA_PROXY_UP);
    ck_assert_int_eq(sipha_watch_table_lookup_address(t, "udp:127.0.0.1:5060")->state,
                     SIPHA_PROXY_UP);
    ck_assert_uint_eq(sipha_watch_table_conflicts(t), 0);
    ck_assert_int_eq(sipha_watch_table_count(t), 1);
}
END_TEST

/* Health may only be said of a proxy a membership source has. */
START_TEST(test_non_member_creates_nothing)
{
    const sipha_watch_member_t members[] = { { "udp:127.0.0.1:5060", 0 } };

    sipha_watch_table_set_members(t, members, 1);
    for (int i = 0; i < 300; i++) {
        char name[16], addr[40];

        snprintf(name, sizeof(name), "f%d", i);
        snprintf(addr, sizeof(addr), "udp:10.0.%d.%d:5060", i / 250, i % 250);
        ck_assert_int_eq(beat_addr(1000 + (uint64_t) i, &B, name, addr, 1, SIPHA_BEAT_OK),
                         SIPHA_WATCH_NOT_MEMBER);
    }
    ck_assert_int_eq(sipha_watch_table_count(t), 0);
    /* any node will do when the member's node is not known (0) */
    ck_assert_int_eq(beat_addr(2000, &B, "p1", "udp:127.0.0.1:5060", 1, SIPHA_BEAT_OK),
                     SIPHA_WATCH_ADMITTED);
    ck_assert_int_eq(sipha_watch_table_count(t), 1);
}
END_TEST

/* Without a filter (sipha-watch), new names stop at the bound; counted. */
START_TEST(test_table_bounded)
{
    int full = 0;

    sipha_watch_table_set_limits(t, 8, 0);
    for (int i = 0; i < 100; i++) {
        char name[16], addr[40];

        snprintf(name, sizeof(name), "f%d", i);
        snprintf(addr, sizeof(addr), "udp:10.0.0.%d:5060", i + 1);
        full += beat_addr(1000 + (uint64_t) i, &B, name, addr, 1, SIPHA_BEAT_OK)
                == SIPHA_WATCH_TABLE_FULL;
    }
    ck_assert_int_eq(sipha_watch_table_count(t), 8);
    ck_assert_int_eq(full, 92);
    /* known names still beat */
    ck_assert_int_eq(beat_addr(2000, &B, "f0", "udp:10.0.0.1:5060", 2, SIPHA_BEAT_OK),
                     SIPHA_WATCH_ADMITTED);
}
END_TEST

/* A full table never refuses the first beat of a proxy the CIB has: the
 * longest silent name sharing an address makes room. */
START_TEST(test_full_table_never_refuses_member)
{
    const sipha_watch_member_t members[] = {
        { "udp:127.0.0.1:5060", 0 }, { "udp:127.0.0.2:5060", 0 },
    };

    sipha_watch_table_set_limits(t, 4, 0);
    sipha_watch_table_set_members(t, members, 2);
    for (int i = 0; i < 10; i++) {
        char name[16];

        snprintf(name, sizeof(name), "f%d", i);
        beat_addr(1000 + (uint64_t) i, &B, name, "udp:127.0.0.1:5060", 1, SIPHA_BEAT_OK);
    }
    ck_assert_int_eq(sipha_watch_table_count(t), 4);
    ck_assert_int_eq(beat_addr(2000, &A, "p2", "udp:127.0.0.2:5060", 1, SIPHA_BEAT_OK),
                     SIPHA_WATCH_ADMITTED);
    ck_assert_ptr_nonnull(sipha_watch_table_lookup_name(t, "p2"));
    ck_assert_ptr_null(sipha_watch_table_lookup_name(t, "f0"));    /* the oldest went */
    ck_assert_int_eq(sipha_watch_table_count(t), 4);
    ck_assert_uint_eq(sipha_watch_table_reclaimed(t), 1);
}
END_TEST

/* Entries no membership source reports any more, or on the wrong node,
 * are reclaimed when the members change. */
START_TEST(test_members_change_reclaims)
{
    const sipha_watch_member_t both[] = {
        { "udp:127.0.0.1:5060", 0 }, { "udp:127.0.0.2:5060", 0 },
    };
    const sipha_watch_member_t moved[] = { { "udp:127.0.0.1:5060", B.nodeid } };

    sipha_watch_table_set_members(t, both, 2);
    beat_addr(1000, &A, "p1", "udp:127.0.0.1:5060", 1, SIPHA_BEAT_OK);
    beat_addr(1000, &A, "p2", "udp:127.0.0.2:5060", 1, SIPHA_BEAT_OK);
    ck_assert_int_eq(sipha_watch_table_count(t), 2);
    /* p2 left the CIB, p1 now runs on B's node: A's entry is stale */
    sipha_watch_table_set_members(t, moved, 1);
    ck_assert_int_eq(sipha_watch_table_count(t), 0);
    ck_assert_uint_eq(sipha_watch_table_reclaimed(t), 2);
    ck_assert_int_eq(beat_addr(1100, &B, "p1", "udp:127.0.0.1:5060", 1, SIPHA_BEAT_OK),
                     SIPHA_WATCH_ADMITTED);
    ck_assert_int_eq(sipha_watch_table_lookup_name(t, "p1")->nodeid, B.nodeid);
}
END_TEST

/* A sender that left or went silent is forgotten after forget_after_ms of
 * ring-live time; one that keeps beating is not. */
START_TEST(test_gone_entries_forgotten)
{
    sipha_watch_table_set_limits(t, 0, 5000);
    beat_addr(1000, &A, "gone", "udp:127.0.0.1:5060", 1, SIPHA_BEAT_OK);
    sipha_watch_table_leave(t, 1050, A.nodeid, A.pid, "process down");
    for (uint64_t now = 1000; now <= 7000; now += 100) {
        beat_addr(now, &B, "live", "udp:127.0.0.2:5060", now, SIPHA_BEAT_OK);
        sipha_watch_table_evaluate(t, now, false);
        if (now == 5900) {
            ck_assert_ptr_nonnull(sipha_watch_table_lookup_name(t, "gone"));
        }
    }
    ck_assert_ptr_null(sipha_watch_table_lookup_name(t, "gone"));
    ck_assert_ptr_nonnull(sipha_watch_table_lookup_name(t, "live"));
    ck_assert_uint_eq(sipha_watch_table_reclaimed(t), 1);
    /* a stalled ring forgets nothing */
    sipha_watch_table_evaluate(t, 60000, true);
    ck_assert_ptr_nonnull(sipha_watch_table_lookup_name(t, "live"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("beat-table");
    TCase *tc = tcase_create("table");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_up_after_hysteresis);
    tcase_add_test(tc, test_down_when_counter_stalls);
    tcase_add_test(tc, test_silent_then_reported);
    tcase_add_test(tc, test_hysteresis_needs_consecutive);
    tcase_add_test(tc, test_beat_reports_probe_failure);
    tcase_add_test(tc, test_leave_is_down_at_once);
    tcase_add_test(tc, test_restarted_beat_takes_over);
    tcase_add_test(tc, test_two_senders_conflict);
    tcase_add_test(tc, test_conflict_owner_leaves);
    tcase_add_test(tc, test_conflict_silent_sender_dropped);
    tcase_add_test(tc, test_ring_stall_holds_judgement);
    tcase_add_test(tc, test_never_increasing_goes_down);
    tcase_add_test(tc, test_reset_on_connection_loss);
    tcase_add_test(tc, test_iterator_in_name_order);
    tcase_add_test(tc, test_ring_detector);
    tcase_add_test(tc, test_forged_beat_from_other_node_ignored);
    tcase_add_test(tc, test_non_member_creates_nothing);
    tcase_add_test(tc, test_table_bounded);
    tcase_add_test(tc, test_full_table_never_refuses_member);
    tcase_add_test(tc, test_members_change_reclaims);
    tcase_add_test(tc, test_gone_entries_forgotten);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
