/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_watch.c: the heartbeat watcher (sipha_watch.h) as a health source.
 * UP is UP; DOWN (beat daemon gone, its probe failed) and CONFLICT take the
 * proxy out at once, whatever the CIB says.  A DOWN for silence alone (the
 * counter stopped arriving, nothing reported) is SILENT: out too, unless
 * this dispatcher's own probes say the proxy answers (proxyset.h).  UNKNOWN
 * keeps the last verdict: it is what every proxy becomes when the watcher
 * loses CPG, and a dispatcher that loses its own view should keep routing
 * on the last good one rather than answer 503 to everything.  A proxy never
 * heard of is not usable (the watcher is required for CIB proxies).
 */
#include "config.h"

#include "sipha_log.h"
#include "sipha_watch.h"
#include "source_adapters.h"

struct source_watch {
    struct proxyset *ps;
    sipha_watch_t *watch;
};

static void
on_change(const sipha_proxy_info_t *info, sipha_proxy_state_t old_state, void *data)
{
    struct source_watch *sw = data;
    enum ps_state state;

    switch (info->state) {
        case SIPHA_PROXY_UP:
            state = PS_UP;
            break;
        case SIPHA_PROXY_DOWN:
            state = info->silent ? PS_SILENT : PS_DOWN;
            break;
        case SIPHA_PROXY_CONFLICT:
            state = PS_DOWN;
            break;
        default:
            return;
    }
    /* a DOWN is worth a notice: the "left the set" line that follows does
     * not say why the heartbeat said so */
    sipha_log(state == PS_UP ? LOG_INFO : LOG_NOTICE, "Heartbeat of %s (%s): %s (%s)",
              info->name, info->sip_address, sipha_proxy_state_str(info->state),
              info->reason ? info->reason : "");
    if (proxyset_report(sw->ps, PS_SRC_WATCH, info->sip_address, NULL, 0, state) != NULL) {
        proxyset_update(sw->ps);
    }
}

static void
on_conn(bool connected, void *data)
{
    if (connected) {
        sipha_notice("Heartbeat watcher joined its CPG group");
    } else {
        sipha_warn("Heartbeat watcher lost CPG: keeping the last verdicts");
    }
}

struct source_watch *
source_watch_new(struct proxyset *ps, const struct disp_config *cfg)
{
    sipha_watch_opts_t opts;
    struct source_watch *sw = g_new0(struct source_watch, 1);
    int rc;

    sipha_watch_opts_init(&opts);
    opts.down_after_ms = (uint32_t) cfg->watch_timeout_ms;
    sw->ps = ps;
    sw->watch = sipha_watch_new(&opts, NULL, on_change, sw);
    if (sw->watch == NULL) {
        g_free(sw);
        return NULL;
    }
    sipha_watch_set_conn_callback(sw->watch, on_conn, sw);
    rc = sipha_watch_start(sw->watch);
    if (rc != 0) {
        sipha_err("Cannot start the heartbeat watcher: %s", g_strerror(-rc));
        sipha_watch_free(sw->watch);
        g_free(sw);
        return NULL;
    }
    return sw;
}

void
source_watch_free(struct source_watch *sw)
{
    if (sw != NULL) {
        sipha_watch_free(sw->watch);
        g_free(sw);
    }
}
