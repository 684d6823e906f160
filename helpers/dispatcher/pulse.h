/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pulse.h: whether a loop of the dispatcher is alive, for another thread.
 *
 * A loop marks when it goes to sleep in poll and when it comes back; it is
 * alive while it sleeps there, or when it came back less than STALL_MS ago.
 * The packet worker's pulse gates the takeover heartbeats (takeover_beat.h):
 * a hung or dead worker falls silent for the peers.  The control loop's
 * pulse is watched by the worker, which logs a control side that does not
 * come back (it stalls reconfiguration, not forwarding).
 */
#ifndef SIPHA_DISPATCHER_PULSE_H
#define SIPHA_DISPATCHER_PULSE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct pulse {
    atomic_bool in_poll;
    atomic_uint_fast64_t back_ms;   /* CLOCK_MONOTONIC */
};

extern struct pulse pulse_worker;
extern struct pulse pulse_control;

uint64_t pulse_now_ms(void);

/* Start counting from now (the loop has not polled yet). */
void pulse_start(struct pulse *p);

void pulse_sleep(struct pulse *p);
void pulse_wake(struct pulse *p);

/* How long the loop has been away from poll (0 while it sleeps there). */
uint64_t pulse_away_ms(struct pulse *p);

bool pulse_alive(struct pulse *p, uint64_t stall_ms);

#endif
