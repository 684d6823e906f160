/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pulse.c: the loops' pulses (see pulse.h). */
#include "config.h"

#include <time.h>

#include "pulse.h"

struct pulse pulse_worker;
struct pulse pulse_control;

uint64_t
pulse_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void
pulse_start(struct pulse *p)
{
    atomic_store(&p->back_ms, pulse_now_ms());
    atomic_store(&p->in_poll, false);
}

void
pulse_sleep(struct pulse *p)
{
    atomic_store(&p->in_poll, true);
}

void
pulse_wake(struct pulse *p)
{
    atomic_store(&p->back_ms, pulse_now_ms());
    atomic_store(&p->in_poll, false);
}

uint64_t
pulse_away_ms(struct pulse *p)
{
    uint64_t back_ms = atomic_load(&p->back_ms);
    uint64_t now_ms = pulse_now_ms();

    if (atomic_load(&p->in_poll) || now_ms < back_ms) {
        return 0;
    }
    return now_ms - back_ms;
}

bool
pulse_alive(struct pulse *p, uint64_t stall_ms)
{
    return pulse_away_ms(p) <= stall_ms;
}
