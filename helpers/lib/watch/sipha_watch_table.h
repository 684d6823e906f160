/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_watch_table.h: the watcher's pure state machine (no I/O, no clock).
 *
 * Every function takes "now" in milliseconds, so the unit tests drive it
 * with a fake clock; sipha_watch.c feeds it from CPG and timers.  Internal to
 * the watcher library; users include sipha_watch.h.
 */
#ifndef SIPHA_WATCH_TABLE_H
#define SIPHA_WATCH_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "beat/sipha_beat_msg.h"
#include "watch/sipha_watch.h"

/* Who sent a message: CPG gives node id and pid, the message the boot id. */
typedef struct sipha_sender {
    uint32_t nodeid;
    uint32_t pid;
    uint64_t boot_id;
} sipha_sender_t;

typedef struct sipha_watch_table sipha_watch_table_t;

sipha_watch_table_t *sipha_watch_table_new(uint32_t down_after_ms,
                                           uint32_t up_after_increases,
                                           sipha_watch_change_fn on_change,
                                           void *user_data);
void sipha_watch_table_free(sipha_watch_table_t *table);

/* Why a valid beat was not taken into the table (sipha_watch_table_beat). */
typedef enum sipha_watch_admit {
    SIPHA_WATCH_ADMITTED = 0,
    SIPHA_WATCH_NOT_MEMBER,     /* the members are set and lack its address */
    SIPHA_WATCH_WRONG_NODE,     /* its address runs on another node */
    SIPHA_WATCH_TABLE_FULL,     /* a new name, and no room for it */
} sipha_watch_admit_t;

/* A valid beat from sender. */
sipha_watch_admit_t sipha_watch_table_beat(sipha_watch_table_t *table, uint64_t now_ms,
                                           const sipha_sender_t *sender,
                                           const sipha_beat_msg_t *msg);

/* Bounds: at most max_entries entries (0: no bound) of which beats of new
 * names are refused when it is full, unless the members are set and the
 * beat is the first of a member's address (then the longest silent entry
 * that is not a member's only one makes room, or the table grows: the
 * member list bounds it).  An entry whose sender left the group or fell
 * silent is removed forget_after_ms (0: never) after it was last heard. */
void sipha_watch_table_set_limits(sipha_watch_table_t *table, size_t max_entries,
                                  uint32_t forget_after_ms);

/* The proxies a membership source has (the CIB, a static list): from now
 * on only beats for these addresses, from the given node (nodeid 0: any),
 * are taken, and entries that do not match any more are removed.  Copied.
 * members NULL: every beat is taken again (the default). */
void sipha_watch_table_set_members(sipha_watch_table_t *table,
                                   const sipha_watch_member_t *members, size_t n_members);

/* Entries removed so far (reclaimed by the rules above). */
uint64_t sipha_watch_table_reclaimed(sipha_watch_table_t *table);

/* CPG says (nodeid, pid) left the group; why: "process down", ... */
void sipha_watch_table_leave(sipha_watch_table_t *table, uint64_t now_ms,
                             uint32_t nodeid, uint32_t pid, const char *why);

/* Judge counters; call often (every tick).  While ring_stalled nothing is
 * judged on counters. */
void sipha_watch_table_evaluate(sipha_watch_table_t *table, uint64_t now_ms,
                                bool ring_stalled);

/* The ring (or the CPG connection) came back at now_ms: every proxy gets a
 * fresh down_after_ms from here. */
void sipha_watch_table_resume(sipha_watch_table_t *table, uint64_t now_ms);

/* Forget every verdict (CPG connection lost): all UNKNOWN with reason. */
void sipha_watch_table_reset(sipha_watch_table_t *table, const char *why);

void sipha_watch_table_foreach(sipha_watch_table_t *table, sipha_watch_foreach_fn fn,
                               void *user_data);
size_t sipha_watch_table_count(sipha_watch_table_t *table);
const sipha_proxy_info_t *sipha_watch_table_lookup_name(sipha_watch_table_t *table,
                                                        const char *name);
const sipha_proxy_info_t *sipha_watch_table_lookup_address(sipha_watch_table_t *table,
                                                           const char *sip_address);
uint64_t sipha_watch_table_conflicts(sipha_watch_table_t *table);

/* Ring stall detector: the watcher's own ticks.  A tick counts as sent when
 * it was attempted (a refused multicast is as telling as a lost one). */
#define SIPHA_RING_WINDOW 64

typedef struct sipha_ring {
    uint32_t stall_after_ms;
    uint64_t next_seq;          /* seq of the next tick to send (first: 1) */
    uint64_t back_seq;          /* highest own tick seen back (0: none) */
    uint64_t sent_ms[SIPHA_RING_WINDOW];
    bool stalled;
    uint64_t stalls;            /* transitions to stalled */
} sipha_ring_t;

void sipha_ring_init(sipha_ring_t *ring, uint32_t stall_after_ms);
/* Returns the seq to put into the tick, or 0 when too many are outstanding
 * (do not send: the ring is stalled anyway). */
uint64_t sipha_ring_tick_sent(sipha_ring_t *ring, uint64_t now_ms);
void sipha_ring_tick_back(sipha_ring_t *ring, uint64_t seq);
/* Updates ring->stalled; returns +1 when it just resumed, -1 when it just
 * stalled, 0 when unchanged. */
int sipha_ring_check(sipha_ring_t *ring, uint64_t now_ms);
/* Forget outstanding ticks (new CPG connection). */
void sipha_ring_reset(sipha_ring_t *ring);

#endif
