/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe_health.c: the probe stream's verdict (see probe_health.h). */
#include "config.h"

#include "probe_health.h"

bool
probe_health_fold(struct probe_health *h, enum sipha_probe_verdict verdict, uint64_t sent_us,
                  uint64_t now_us)
{
    switch (verdict) {
        case SIPHA_PROBE_ALIVE:
        case SIPHA_PROBE_BAD_CODE:
            /* a final response of any code proves the SIP stack works */
            if (now_us > h->last_answer_us) {
                h->last_answer_us = now_us;
            }
            h->up = true;
            break;
        case SIPHA_PROBE_TIMEOUT:
            /* down only when nothing was answered since this probe left */
            if (h->last_answer_us < sent_us) {
                h->up = false;
            }
            break;
        case SIPHA_PROBE_REFUSED:
        case SIPHA_PROBE_UNREACHABLE:
        case SIPHA_PROBE_CLOSED:
        case SIPHA_PROBE_ERROR:
        default:
            h->up = false;
            break;
    }
    return h->up;
}
