/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat.h: the sipha-beat loop: probe the local proxy, bump the counter while
 * it answers in time, multicast a beat every interval.
 */
#ifndef SIPHA_BEAT_H
#define SIPHA_BEAT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "beat/sipha_beat_auth.h"

typedef struct beat_opts {
    const char *name;               /* proxy name */
    const char *sip_address;        /* normalized key announced */
    const char *probe_target;       /* what is probed (default: sip_address) */
    const char *alive_codes;        /* NULL: any final response */
    const char *group;              /* CPG group */
    uint32_t interval_ms;
    uint32_t probe_timeout_ms;
    uint32_t probe_misses;          /* deadlines missed in a row before reporting */
    bool align;                     /* beat on the wall clock's interval grid */
    const char *load_file;          /* integer -> load_active */
    const char *load_pidfile;       /* process whose CPU use is sent */
    const sipha_beat_key_t *key;    /* sign every beat (copied); NULL: unauthenticated */
} beat_opts_t;

typedef struct beat beat_t;

/* Returns NULL with *error_text set for a configuration that cannot work. */
beat_t *beat_new(const beat_opts_t *opts, GMainContext *ctx, const char **error_text);
int beat_start(beat_t *beat);
/* Multicast a last "stopping" beat (best effort) before leaving. */
void beat_stop(beat_t *beat);
void beat_free(beat_t *beat);

#endif
