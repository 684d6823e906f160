/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_beat.h: the sender of the peer heartbeats, a thread of its own
 * at real-time priority (SCHED_FIFO), as corosync and keepalived run theirs:
 * a holder whose cores are saturated by other work still sends on time, so
 * it is not taken over for being slow.
 *
 * It sends only while the dispatcher's packet worker (the thread that
 * forwards SIP, worker.h) is alive: waiting in poll, or back from it within
 * loop_stall_ms (pulse.h).  A SIGSTOP stops every thread, a SIGKILL or a
 * power cut ends them, and a worker stuck in a bug silences the beats after
 * loop_stall_ms: each of these holders falls silent for its peers.  The
 * control thread (CIB, prober, control socket, this takeover's decisions)
 * does not gate them: a control side that hangs leaves forwarding on the
 * last snapshot, so the SAP is still served where it is.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_BEAT_H
#define SIPHA_DISPATCHER_TAKEOVER_BEAT_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/socket.h>

#include "mac.h"
#include "takeover_msg.h"
#include "takeover_table.h"

struct takeover_beat;

/* Start sending on FD every INTERVAL_MS (to no one until the peers are
 * set).  RT_PRIORITY 0 keeps the normal scheduler; a priority the kernel
 * refuses is logged once and the thread runs without it.  NULL when the
 * thread cannot start. */
struct takeover_beat *takeover_beat_start(int fd, const struct disp_key *key, int interval_ms,
                                          int loop_stall_ms, int rt_priority);

/* The name to send and the peers to send to (copied). */
void takeover_beat_set_peers(struct takeover_beat *b, const char *self,
                             const struct sockaddr_storage *peers, int count);

struct takeover_beat_stats {
    uint64_t sent;                  /* beats sent (to every peer) */
    uint64_t held;                  /* beats not sent: the packet worker stalled */
    uint64_t late_wakeups;          /* the thread woke more than an interval late */
    uint64_t max_late_us;
};

void takeover_beat_stats(struct takeover_beat *b, struct takeover_beat_stats *out);

/* Stop the thread; with LEAVING, send a few "leaving" heartbeats first. */
void takeover_beat_stop(struct takeover_beat *b, bool leaving);

#endif
