/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_state.h: who is alive, and which SAPs this node must claim or
 * let go.  Pure logic over times passed in, so that it is unit-tested
 * without a network or a cluster; takeover.c does the I/O.
 *
 * The rules (docs/takeover.md has the reasons):
 *  - A peer is silent when nothing valid came from it for timeout_us.
 *    Only a peer heard at least once since this process started can be
 *    silent, and one that said it is leaving (a graceful stop) never is.
 *  - A SAP is claimed when its holder (per Pacemaker, in the table) is a
 *    silent peer, this node is its successor (per Pacemaker's scheduler),
 *    the table says the partition has quorum, and a witness (another peer)
 *    is heard: a node that hears nobody is more likely cut off than alone.
 *  - Silence is judged on the kernel's arrival times of the heartbeats,
 *    all of which the caller reads before each tick: a successor whose own
 *    loop was held up (a SIGSTOP, an overloaded host) sees what arrived
 *    meanwhile, not a silence of its own making.
 *  - A claim ends when Pacemaker places the SAP here (confirmed: the address
 *    is Pacemaker's from then on), and is let go (address removed) when
 *    Pacemaker places it elsewhere, quorum is lost, or no confirmation came
 *    within confirm_timeout_us.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_STATE_H
#define SIPHA_DISPATCHER_TAKEOVER_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>

#include "takeover_msg.h"
#include "takeover_table.h"

/* A holder is taken over only if it was heard at most this long before the
 * table first named it holder (the table can lag the CIB by a refresh). */
#define TAKEOVER_HOLDER_HEARD_SLACK_US (5 * 1000 * 1000ull)

struct takeover_params {
    int port;                       /* the peers' heartbeat port */
    uint64_t timeout_us;            /* silence that makes a holder dead */
    uint64_t skew_ms;               /* wall-clock window of a valid heartbeat */
    uint64_t confirm_timeout_us;    /* a claim Pacemaker does not confirm goes */
    bool require_witness;
    /* A witness counts only if heard this recently (a few heartbeat
     * intervals): a holder silent while another peer's heartbeats keep
     * arriving is dead, not a receive path that stalled for everyone. */
    uint64_t witness_fresh_us;
};

/* Buckets of the gaps between two heartbeats of a peer, as fractions of
 * the timeout: up to 1/4, 1/2, 3/4, the timeout, and beyond.  An operator
 * choosing a timeout sees how close the healthy peers' gaps come to it. */
#define TAKEOVER_GAP_BUCKETS 5

/* One late heartbeat (a gap of more than half the timeout), taken apart:
 * was it sent late (the holder stalled), were heartbeats lost on the way,
 * or did it take long to arrive (a network or a host's backlog)? */
struct takeover_gap {
    uint64_t gap_us;                /* arrival after the previous one */
    int64_t sent_gap_ms;            /* its send time after the previous one's */
    uint64_t lost;                  /* heartbeats between the two not received */
    int64_t transit_ms;             /* arrival (wall clock) minus send time */
};

struct takeover_peer {
    char name[TAKEOVER_NAME_MAX + 1];
    struct sockaddr_storage addr;
    bool heard;                     /* at least once since we started */
    bool leaving;                   /* its last word was a graceful stop */
    uint64_t last_heard_us;
    uint64_t boot_id;
    uint64_t seq;
    uint64_t sent_ms;
    uint64_t gap_buckets[TAKEOVER_GAP_BUCKETS];
    uint64_t gap_sum_us;
    uint64_t max_gap_us;
    uint64_t late;                  /* gaps over half the timeout */
    struct takeover_gap last_late;
};

struct takeover_claim {
    bool active;
    char address[INET6_ADDRSTRLEN];
    int prefix;
    char nic[IF_NAMESIZE];
    char old_holder[TAKEOVER_NAME_MAX + 1];
    uint64_t claimed_us;
};

/* Why a claim is let go (0: it is kept). */
enum takeover_release {
    TAKEOVER_KEEP = 0,
    TAKEOVER_CONFIRMED,             /* Pacemaker placed it here: keep the address, forget the claim */
    TAKEOVER_PLACED_ELSEWHERE,
    TAKEOVER_NO_QUORUM,
    TAKEOVER_UNCONFIRMED,
    TAKEOVER_STOPPING,
};

struct takeover_counters {
    uint64_t rx_ok;
    uint64_t rx_malformed;
    uint64_t rx_bad_mac;
    uint64_t rx_unknown_peer;       /* a name not in the table, or from another address */
    uint64_t rx_stale;              /* outside the clock window, or replayed */
    uint64_t claims;
    uint64_t confirmed;
    uint64_t released;
    uint64_t stalls;                /* our own loop was stalled: silences reset */
};

struct takeover_state {
    struct takeover_params params;
    bool have_table;
    struct takeover_table table;
    int peer_count;
    struct takeover_peer peers[TAKEOVER_PEERS_MAX];
    struct takeover_claim claims[TAKEOVER_SAPS_MAX];
    /* when the table first named each SAP's current holder (index as in
     * table.saps), kept across refreshes while the holder stays */
    uint64_t holder_since_us[TAKEOVER_SAPS_MAX];
    uint64_t last_tick_us;
    struct takeover_counters counters;
};

void takeover_state_init(struct takeover_state *st, const struct takeover_params *params);

/* A new table.  Peers keep what was heard of them when their name and
 * address are unchanged.  Returns the number of claims that are no longer
 * kept: their indexes in RELEASED, the reasons in WHY. */
int takeover_state_set_table(struct takeover_state *st, const struct takeover_table *t,
                             uint64_t now_us, int released[TAKEOVER_SAPS_MAX],
                             enum takeover_release why[TAKEOVER_SAPS_MAX]);

/* One decoded heartbeat from SRC that arrived at NOW_US (monotonic) and
 * NOW_WALL_MS (wall clock).  Returns 0 if taken, 1 if taken after a gap of
 * more than half the timeout (the peer's last_late says what it was made
 * of), else -1 (refused, counted). */
int takeover_state_receive(struct takeover_state *st, const struct takeover_msg *msg,
                           const struct sockaddr_storage *src, uint64_t now_us,
                           uint64_t now_wall_ms);

/* The upper bound of gap bucket I in microseconds (UINT64_MAX: the last). */
uint64_t takeover_gap_bucket_us(const struct takeover_state *st, int i);

/* The periodic check: fills DUE with the indexes (into st->table.saps) of
 * the SAPs to claim now, and returns how many. */
int takeover_state_tick(struct takeover_state *st, uint64_t now_us,
                        int due[TAKEOVER_SAPS_MAX]);

/* Record that table SAP INDEX was claimed at NOW_US. */
void takeover_state_claimed(struct takeover_state *st, int index, uint64_t now_us);

const struct takeover_peer *takeover_state_peer(const struct takeover_state *st,
                                                const char *name);

/* Is NAME heard now (not silent, not leaving)? */
bool takeover_peer_alive(const struct takeover_state *st, const struct takeover_peer *p,
                         uint64_t now_us);

const char *takeover_release_str(enum takeover_release why);

#endif
