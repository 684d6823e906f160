/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover.h: the fast SAP takeover, on the dispatcher's main loop.
 *
 * Pacemaker cannot move a SAP in under a second (token loss, consensus,
 * the DC's transition, fencing).  So the dispatchers act first and
 * Pacemaker confirms:
 *  - every dispatcher sends an authenticated heartbeat to its peers every
 *    interval, from the loop that forwards SIP: a dead, hung or powered-off
 *    dispatcher falls silent;
 *  - after every CIB change (and every refresh interval) it runs
 *    sipha-successors, which asks Pacemaker's own scheduler where each SAP
 *    goes when its holder goes down;
 *  - when a holder falls silent, its successor adds the SAP address as
 *    IPaddr2 would (takeover_addr.h) and sets the transient attribute
 *    sipha-taken-over on the old holder, which the generated constraints
 *    turn into "no SAP there": Pacemaker then moves the SAP to the
 *    successor (a no-op start) and, when the old holder is a live member,
 *    stops it there; a lost node is fenced as always;
 *  - a claim is let go when Pacemaker decides otherwise, quorum is lost or
 *    no confirmation comes (takeover_state.h).
 * This node's own sipha-taken-over is deleted once Pacemaker places no SAP
 * on it any more, so that it can take SAPs again.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_H
#define SIPHA_DISPATCHER_TAKEOVER_H

#include <glib.h>

#include "disp_config.h"
#include "mac.h"

#define TAKEOVER_ATTRIBUTE "sipha-taken-over"

struct takeover;

/* Start it (socket, timers) on the default main context.  NULL after
 * logging why. */
struct takeover *takeover_new(const struct disp_config *cfg, const struct disp_keys *keys);

/* The CIB changed: refresh the successor table now (after the run in
 * progress, if any). */
void takeover_cib_changed(struct takeover *to);

/* The status for the control socket ("takeover" command). */
void takeover_dump(const struct takeover *to, GString *out);

/* The state for Prometheus (metrics.h): peers, SAPs and whether each is
 * served, claims, counters.  TO NULL (the takeover is off): only
 * sipha_dispatcher_takeover_enabled 0. */
void takeover_metrics(const struct takeover *to, GString *out);

/* A graceful stop: tell the peers (so that they do not claim), let go of
 * claims Pacemaker has not confirmed, free everything.  NULL is fine. */
void takeover_free(struct takeover *to);

#endif
