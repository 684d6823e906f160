/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snapshot.h: what the packet worker forwards with, published by the
 * control side RCU-style.
 *
 * The control thread owns the configuration and the merged proxy set.
 * Whenever either changes it builds a fresh, immutable snapshot (the
 * proxy table, the MAC keys, the 503's Retry-After) and publishes it
 * with one atomic pointer store.  A worker loads the pointer once per
 * batch between snap_enter() and snap_leave(), with no lock: the old
 * snapshot is freed by the control side only once every worker has left
 * the batch it may have loaded it in (each worker keeps a sequence number,
 * odd while inside a batch, so "even, or moved on" means it cannot hold
 * the old pointer any more).
 */
#ifndef SIPHA_DISPATCHER_SNAPSHOT_H
#define SIPHA_DISPATCHER_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"
#include "proxyset.h"

#define SNAP_WORKERS_MAX 16

struct fwd_snapshot {
    struct disp_keys keys;
    int retry_after_s;
    /* a copy of the control side's table (same rows: proxy.slot is the
     * row, for the per-proxy counters); no self table, no hook */
    struct proxyset set;
};

struct snap_domain;

struct snap_domain *snap_domain_new(int workers);

/* Free the domain and every snapshot; the workers must have stopped. */
void snap_domain_free(struct snap_domain *dom);

/* Control side: publish a snapshot of the proxies in use in PS, with KEYS
 * and RETRY_AFTER_S, unless the current one already says the same.
 * Returns true when a new one was published. */
bool snap_publish(struct snap_domain *dom, const struct proxyset *ps,
                  const struct disp_keys *keys, int retry_after_s);

/* Control side: free the replaced snapshots no worker can still hold;
 * returns how many are still waiting. */
int snap_reclaim(struct snap_domain *dom);

/* Worker WORKER: the snapshot to use for one batch (never NULL once one
 * was published), then the end of that batch. */
const struct fwd_snapshot *snap_enter(struct snap_domain *dom, int worker);
void snap_leave(struct snap_domain *dom, int worker);

#endif
