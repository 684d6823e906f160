/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * affinity.h: where each recent INVITE transaction went.
 *
 * Rendezvous hashing sends every request of a Call-ID to the same proxy
 * while the set stays the same, but not across a change: an INVITE sent
 * before its proxy started draining has a CANCEL (no To tag: a "new
 * dialog") that would go to another proxy; an INVITE sent during a drain
 * has an ACK for its error response (a To tag: "in a dialog") that would
 * go to the draining proxy; and when a proxy returns, the retransmissions,
 * CANCELs and ACKs of INVITEs sent while it was away would go to it.  The
 * table remembers, per transaction (the branch id: the same for an
 * INVITE, its retransmissions, its CANCEL and the ACK of its non-2xx
 * response), the proxy it went to, so they all follow the INVITE while
 * that proxy is still in the set (in use or draining).
 *
 * Direct-mapped, fixed size, allocated once: a slot is overwritten by a
 * newer transaction, after which its requests fall back to the hash
 * (65536 slots hold 6.5 s of INVITEs at 10,000 calls per second).
 */
#ifndef SIPHA_DISPATCHER_AFFINITY_H
#define SIPHA_DISPATCHER_AFFINITY_H

#include <stdbool.h>
#include <stdint.h>

#define AFFINITY_SLOTS (1u << 16)
/* An INVITE's CANCEL may come as late as Timer C (3 min) */
#define AFFINITY_TTL_S 300

struct affinity_slot {
    uint64_t txn;               /* branch id; 0 = empty */
    uint64_t proxy_seed;        /* the proxy's seed (hrw_hash of its key) */
    uint64_t at_s;
};

struct fwd_affinity {
    struct affinity_slot slots[AFFINITY_SLOTS];
};

struct fwd_affinity *affinity_new(void);
void affinity_free(struct fwd_affinity *a);

void affinity_put(struct fwd_affinity *a, uint64_t txn, uint64_t proxy_seed, uint64_t now_s);

/* The proxy seed transaction TXN went to, if remembered and recent. */
bool affinity_get(const struct fwd_affinity *a, uint64_t txn, uint64_t now_s,
                  uint64_t *proxy_seed);

#endif
