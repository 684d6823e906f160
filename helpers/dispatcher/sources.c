/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources.c: starting and stopping the adapters (see sources.h).
 * An adapter whose library is not in this build (DISP_WITH_* unset)
 * refuses to start, so a configuration that asks for it fails loudly
 * instead of running without the health source it relies on.
 */
#include "config.h"

#include <glib.h>

#include "sipha_log.h"
#include "source_adapters.h"
#include "sources.h"

struct disp_sources {
    struct proxyset *ps;
    struct source_probe *probe;
    struct source_cib *cib;
    struct disp_cib_hook cib_hook;
    struct source_watch *watch;
    int probe_interval_ms;
    int probe_timeout_ms;
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

static bool
start_probe(struct disp_sources *src, const struct disp_config *cfg)
{
    if (cfg->probe_interval_ms <= 0) {
        return true;
    }
#ifdef DISP_WITH_PROBE
    src->probe = source_probe_new(src->ps, cfg);
    src->probe_interval_ms = cfg->probe_interval_ms;
    src->probe_timeout_ms = cfg->probe_timeout_ms;
    return src->probe != NULL;
#else
    sipha_err("--probe-interval-ms: the OPTIONS prober is not in this build");
    return false;
#endif
}

struct disp_sources *
disp_sources_new(struct proxyset *ps, const struct disp_config *cfg)
{
    struct disp_sources *src = g_new0(struct disp_sources, 1);
    bool ok = true;

    src->ps = ps;
    ok = start_probe(src, cfg);
    if (ok && cfg->cib_resource != NULL) {
#ifdef DISP_WITH_CIB
        src->cib = source_cib_new(ps, cfg, &src->cib_hook);
        ok = src->cib != NULL;
#else
        sipha_err("--cib-resource: the CIB follower is not in this build");
        ok = false;
#endif
    }
    if (ok && cfg->watch) {
#ifdef DISP_WITH_WATCH
        src->watch = source_watch_new(ps, cfg);
        ok = src->watch != NULL;
#else
        sipha_err("--watch: the heartbeat watcher is not in this build");
        ok = false;
#endif
    }
    if (!ok) {
        disp_sources_free(src);
        return NULL;
    }
    return src;
}

void
disp_sources_reconfigure(struct disp_sources *src, const struct disp_config *cfg)
{
    /* the prober walks the set each round: only its timing and whether it
     * runs can change; CIB and heartbeat need a restart */
    if (cfg->probe_interval_ms != src->probe_interval_ms
        || (cfg->probe_interval_ms > 0 && cfg->probe_timeout_ms != src->probe_timeout_ms)) {
#ifdef DISP_WITH_PROBE
        source_probe_free(src->probe);
        src->probe = NULL;
        src->probe_interval_ms = 0;
#endif
        if (!start_probe(src, cfg)) {
            sipha_err("The proxies are no longer probed");
        }
    }
}

void
disp_sources_free(struct disp_sources *src)
{
    if (src == NULL) {
        return;
    }
#ifdef DISP_WITH_PROBE
    source_probe_free(src->probe);
#endif
#ifdef DISP_WITH_CIB
    source_cib_free(src->cib);
#endif
#ifdef DISP_WITH_WATCH
    source_watch_free(src->watch);
#endif
    g_free(src);
}

void
disp_sources_on_cib_read(struct disp_sources *src, void (*fn)(void *data), void *data)
{
    src->cib_hook.fn = fn;
    src->cib_hook.data = data;
}
