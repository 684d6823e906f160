/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources.c: starting and stopping the adapters (see sources.h).
 * An adapter whose library is not in this build refuses to start, so a
 * configuration that asks for it fails loudly instead of running unsafe.
 */
#include "config.h"

#include <glib.h>

#include "sipha_log.h"
#include "sources.h"

struct disp_sources {
    struct proxyset *ps;
};

unsigned
disp_sources_enabled(const struct disp_config *cfg)
{
    unsigned mask = 1u << PS_SRC_STATIC;

    if (cfg->probe_interval_ms > 0) {
        mask |= 1u << PS_SRC_PROBE;
    }
    if (cfg->cib_resource != NULL) {
        mask |= 1u << PS_SRC_CIB;
    }
    if (cfg->watch) {
        mask |= 1u << PS_SRC_WATCH;
    }
    return mask;
}

struct disp_sources *
disp_sources_new(struct proxyset *ps, const struct disp_config *cfg)
{
    struct disp_sources *src;

    if (cfg->probe_interval_ms > 0) {
        sipha_err("--probe-interval-ms: the OPTIONS prober is not in this build");
        return NULL;
    }
    if (cfg->cib_resource != NULL) {
        sipha_err("--cib-resource: the CIB follower is not in this build");
        return NULL;
    }
    if (cfg->watch) {
        sipha_err("--watch: the heartbeat watcher is not in this build");
        return NULL;
    }
    src = g_new0(struct disp_sources, 1);
    src->ps = ps;
    return src;
}

void
disp_sources_reconfigure(struct disp_sources *src, const struct disp_config *cfg)
{
}

void
disp_sources_free(struct disp_sources *src)
{
    g_free(src);
}
