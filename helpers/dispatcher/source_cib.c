/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_cib.c: the CIB follower (sipha_cib.h) as a membership source.
 * Every report is a whole set: the proxies in it are UP (or DRAIN), the
 * others ABSENT.  A lost CIB connection keeps the last good set (the
 * follower reconnects by itself).  The delay from the first CIB diff to the
 * set in use is logged: it is the figure the benchmark reports.
 *
 * After a reconnect the CIB may be a respawned pacemaker-based's: its status
 * section is empty until the controller fills it in again, seconds later,
 * and read as it is it says that no proxy runs (the set was empty for 3-4 s:
 * 503 to everything).  So for CIB_SETTLE_MS after a reconnect a set that
 * lacks proxies of the set in use is held back; the first set that names
 * them all again ends the wait, and at its end the last set held applies
 * (a proxy really stopped meanwhile leaves then).
 */
#include "config.h"

#include "cib/sipha_cib.h"
#include "cib/sipha_cib_set.h"
#include "util/sipha_log.h"
#include "metrics.h"
#include "source_adapters.h"

#define CIB_SETTLE_MS 15000

struct source_cib {
    struct proxyset *ps;
    struct sipha_cib *cib;
    const struct disp_cib_hook *hook;
    bool lost;                      /* the connection was lost, not back yet */
    unsigned reconnects;
    guint settle_timer;             /* running while a reconnect settles */
    struct sipha_proxy_set applied; /* the last set applied */
    struct sipha_proxy_set held;    /* the last set held back while settling */
    bool holding;
};

static void
on_read(void *data)
{
    struct source_cib *sc = data;

    if (sc->hook != NULL && sc->hook->fn != NULL) {
        sc->hook->fn(sc->hook->data);
    }
}

/* Does SET name every proxy of the set in use? */
static bool
covers_applied(const struct source_cib *sc, const struct sipha_proxy_set *set)
{
    for (size_t i = 0; i < sc->applied.n_proxies; i++) {
        if (sipha_proxy_set_find(set, sc->applied.proxies[i].id) == NULL) {
            return false;
        }
    }
    return true;
}

static void
apply(struct source_cib *sc, const struct sipha_proxy_set *set)
{
    struct sipha_proxy_set copy = { NULL, 0 };

    proxyset_snapshot_begin(sc->ps, PS_SRC_CIB);
    for (size_t i = 0; i < set->n_proxies; i++) {
        const struct sipha_proxy *p = &set->proxies[i];

        if (proxyset_report(sc->ps, PS_SRC_CIB, p->id, p->resource, 0,
                            p->draining ? PS_DRAIN : PS_UP) == NULL) {
            sipha_warn("CIB: ignoring proxy %s (%s): not a numeric UDP address", p->resource,
                       p->id);
        }
    }
    proxyset_snapshot_end(sc->ps, PS_SRC_CIB);
    proxyset_update(sc->ps);
    if (sipha_proxy_set_copy(set, &copy) == 0) {
        sipha_proxy_set_clear(&sc->applied);
        sc->applied = copy;
    }
}

static void
stop_settling(struct source_cib *sc)
{
    if (sc->settle_timer != 0) {
        g_source_remove(sc->settle_timer);
        sc->settle_timer = 0;
    }
    sipha_proxy_set_clear(&sc->held);
    sc->holding = false;
}

static gboolean
on_settled(gpointer data)
{
    struct source_cib *sc = data;

    sc->settle_timer = 0;
    if (sc->holding) {
        sipha_notice("CIB: still %zu proxies %d s after the reconnect: that set applies",
                     sc->held.n_proxies, CIB_SETTLE_MS / 1000);
        apply(sc, &sc->held);
    }
    stop_settling(sc);
    return G_SOURCE_REMOVE;
}

static void
on_connection(struct source_cib *sc, enum sipha_cib_event event)
{
    if (event == SIPHA_CIB_DISCONNECTED) {
        sipha_warn("CIB connection lost: keeping the last proxy set");
        sc->lost = true;
        return;
    }
    if (sc->lost) {
        sc->reconnects++;
    }
    sc->lost = false;
    sipha_notice("CIB connection back (reconnect %u): keeping the last proxy set until the "
                 "CIB names its proxies again, %d s at most", sc->reconnects,
                 CIB_SETTLE_MS / 1000);
    stop_settling(sc);
    sc->settle_timer = g_timeout_add(CIB_SETTLE_MS, on_settled, sc);
}

static void
on_report(const struct sipha_cib_report *report, void *data)
{
    struct source_cib *sc = data;

    if (report->event == SIPHA_CIB_DISCONNECTED || report->event == SIPHA_CIB_CONNECTED) {
        on_connection(sc, report->event);
        return;
    }
    if (!report->resource_found) {
        sipha_warn("CIB: proxy resource not found: no CIB proxies");
    }
    if (sc->settle_timer != 0 && !covers_applied(sc, report->set)) {
        struct sipha_proxy_set copy = { NULL, 0 };

        if (sipha_proxy_set_copy(report->set, &copy) == 0) {
            sipha_proxy_set_clear(&sc->held);
            sc->held = copy;
            sc->holding = true;
        }
        sipha_info("CIB: a set of %zu proxies, some of the set in use missing: held back "
                   "while the CIB settles after the reconnect", report->set->n_proxies);
        return;
    }
    stop_settling(sc);
    apply(sc, report->set);
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
        stop_settling(sc);
        sipha_proxy_set_clear(&sc->applied);
        sipha_cib_free(sc->cib);
        g_free(sc);
    }
}

void
source_cib_metrics(const struct source_cib *sc, GString *out)
{
    metrics_single(out, "sipha_dispatcher_cib_connected", "gauge",
                   "Whether the CIB connection is up (0: the last proxy set is kept)",
                   sc->lost ? 0 : 1);
    metrics_single(out, "sipha_dispatcher_cib_reconnects_total", "counter",
                   "CIB connections re-established after a loss", sc->reconnects);
    metrics_single(out, "sipha_dispatcher_cib_settling", "gauge",
                   "Whether a CIB set lacking proxies in use is held back after a reconnect",
                   sc->settle_timer != 0 ? 1 : 0);
}
