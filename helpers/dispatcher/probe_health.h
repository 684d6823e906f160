/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe_health.h: one proxy's health from a stream of OPTIONS probes.
 *
 * The dispatcher sends each proxy a probe every interval, whether or not the
 * previous one was answered, and gives each a deadline of timeout_ms.  The
 * verdict is a silence detector, like the heartbeat watcher's:
 *   - any final response: UP (and the time it came is remembered);
 *   - ICMP port unreachable, no route, a local send failure: DOWN at once
 *     (nothing listens there: a crashed proxy);
 *   - a probe that timed out: DOWN only when nothing at all was answered
 *     since it was sent, i.e. the proxy has been silent for timeout_ms
 *     (a hang or a power cut).  One late answer or one lost datagram does
 *     not take a proxy out while the probes around it are answered.
 * This is what catches a proxy host that lost power while Corosync's ring
 * is still stalled, when the heartbeat watcher rightly holds its verdicts.
 */
#ifndef SIPHA_DISPATCHER_PROBE_HEALTH_H
#define SIPHA_DISPATCHER_PROBE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/sipha_probe.h"

struct probe_health {
    uint64_t last_answer_us;    /* monotonic time of the latest final response, 0: none yet */
    bool up;                    /* the verdict so far */
};

/* Fold the verdict of one probe, sent at SENT_US and reported at NOW_US
 * (both sipha_now_us()), into H.  Returns the new verdict: true = up.  A
 * proxy never answered is down. */
bool probe_health_fold(struct probe_health *h, enum sipha_probe_verdict verdict,
                       uint64_t sent_us, uint64_t now_us);

#endif
