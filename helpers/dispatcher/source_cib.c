/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_cib.c: the CIB follower (sipha_cib.h) as a membership source.
 * Every report is a whole set: the proxies in it are UP (or DRAIN), the
 * others ABSENT.  A lost CIB connection keeps the last good set (the
 * follower reconnects by itself).  The delay from the first CIB diff to the
 * set in use is logged: it is the figure the benchmark reports.
 */
#include "config.h"

#include "cib/sipha_cib.h"
#include "util/sipha_log.h"
#include "source_adapters.h"

struct source_cib {
    struct proxyset *ps;
    struct sipha_cib *cib;
    const struct disp_cib_hook *hook;
};

static void
on_read(void *data)
{
    struct source_cib *sc = data;

    if (sc->hook != NULL && sc->hook->fn != NULL) {
        sc->hook->fn(sc->hook->data);
    }
}

static void
on_report(const struct sipha_cib_report *report, void *data)
{
    struct source_cib *sc = data;

    if (report->event == SIPHA_CIB_DISCONNECTED) {
        sipha_warn("CIB connection lost: keeping the last proxy set");
        return;
    }
    if (report->event == SIPHA_CIB_CONNECTED) {
        sipha_notice("CIB connection back");
        return;
    }
    if (!report->resource_found) {
        sipha_warn("CIB: proxy resource not found: no CIB proxies");
    }
    proxyset_snapshot_begin(sc->ps, PS_SRC_CIB);
    for (size_t i = 0; i < report->set->n_proxies; i++) {
        const struct sipha_proxy *p = &report->set->proxies[i];

        if (proxyset_report(sc->ps, PS_SRC_CIB, p->id, p->resource, 0,
                            p->draining ? PS_DRAIN : PS_UP) == NULL) {
            sipha_warn("CIB: ignoring proxy %s (%s): not a numeric UDP address", p->resource,
                       p->id);
        }
    }
    proxyset_snapshot_end(sc->ps, PS_SRC_CIB);
    proxyset_update(sc->ps);
    if (report->first_diff_us > 0) {
        sipha_notice("CIB: %zu proxies; set in use %.1f ms after the first CIB diff",
                     report->set->n_proxies,
                     (double) (g_get_real_time() - (gint64) report->first_diff_us) / 1000.0);
    } else {
        sipha_notice("CIB: %zu proxies", report->set->n_proxies);
    }
}

struct source_cib *
source_cib_new(struct proxyset *ps, const struct disp_config *cfg,
               const struct disp_cib_hook *hook)
{
    struct sipha_cib_options opts;
    struct source_cib *sc = g_new0(struct source_cib, 1);

    sipha_cib_options_init(&opts);
    opts.resource = cfg->cib_resource;
    opts.address_param = cfg->cib_address_param;
    opts.on_read = on_read;
    opts.on_read_data = sc;
    sc->ps = ps;
    sc->hook = hook;
    sc->cib = sipha_cib_new(&opts, on_report, sc);
    if (sc->cib == NULL) {
        sipha_err("Cannot follow the CIB (resource %s)", cfg->cib_resource);
        g_free(sc);
        return NULL;
    }
    if (sipha_cib_start(sc->cib) != 0) {
        sipha_warn("CIB not reachable yet: retrying in the background");
    }
    return sc;
}

void
source_cib_free(struct source_cib *sc)
{
    if (sc != NULL) {
        sipha_cib_free(sc->cib);
        g_free(sc);
    }
}
