/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * worker.h: the packet worker, a thread that only receives, forwards and
 * sends.
 *
 * It polls the listening sockets and, per wake-up, handles batches of
 * datagrams (recvmmsg, the rules of forward.h, sendmmsg) with the
 * snapshot it loads once per batch (snapshot.h).  It takes no lock, makes
 * no allocation and no call that can block other than poll; everything
 * else (configuration, sources, control socket, takeover) is on the
 * control thread.  Its pulse (pulse.h) is what the takeover heartbeats
 * follow.
 */
#ifndef SIPHA_DISPATCHER_WORKER_H
#define SIPHA_DISPATCHER_WORKER_H

#include <stdint.h>

#include "proxyset.h"
#include "self_addr.h"
#include "snapshot.h"
#include "stats.h"

#define WORKER_FDS_MAX 16

struct worker;

/* Start worker INDEX of DOM on FDS (bound to PORTS), COUNT of them.  SELF
 * holds the listen addresses: the worker's own copy learns the arrival
 * addresses (self_addr.h); it also keeps its own INVITE affinity table
 * (affinity.h) and limits of its own replies (reply_limit.h, keyed from
 * KEYS).  CONTROL_STALL_MS > 0: log when the control loop stays away
 * longer.  NULL after logging why. */
struct worker *worker_start(struct snap_domain *dom, int index, const int *fds,
                            const int *ports, int count, const struct self_addrs *self,
                            const struct disp_keys *keys, int control_stall_ms);

/* Stop the thread and free it (NULL is fine). */
void worker_stop(struct worker *w);

/* Add its counters to SUM and its requests per proxy slot to REQUESTS
 * (PROXYSET_MAX entries). */
void worker_stats_add(const struct worker *w, struct disp_stats *sum, uint64_t *requests);

#endif
