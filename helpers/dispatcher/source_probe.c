/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_probe.c: health of the static proxies by SIP OPTIONS, with the
 * probe library (sipha_probe.h).  Every interval each static proxy that has
 * no probe in flight gets one; any final response is UP, a timeout, an ICMP
 * port unreachable or no route is DOWN at once (the dispatcher would rather
 * move a few dialogs than send INVITEs into a dead proxy).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "sipha_log.h"
#include "sipha_probe.h"
#include "source_adapters.h"

struct source_probe {
    struct proxyset *ps;
    sipha_prober_t *prober;
    guint timer_id;
    bool pending[PROXYSET_MAX];
};

struct probe_ctx {
    struct source_probe *sp;
    int index;
};

static void
on_result(const struct sipha_sip_addr *target, const struct sipha_probe_result *r, void *data)
{
    struct probe_ctx *pc = data;
    struct source_probe *sp = pc->sp;
    struct proxy *p = &sp->ps->proxies[pc->index];
    bool alive = r->verdict == SIPHA_PROBE_ALIVE || r->verdict == SIPHA_PROBE_BAD_CODE;
    enum ps_state state = alive ? PS_UP : PS_DOWN;

    sp->pending[pc->index] = false;
    g_free(pc);
    if (p->state[PS_SRC_PROBE] != state) {
        sipha_info("Probe of %s (%s): %s, %d, %" G_GUINT64_FORMAT " us", p->name, p->key,
                   sipha_probe_verdict_name(r->verdict), r->status_code, r->rtt_us);
        p->state[PS_SRC_PROBE] = (uint8_t) state;
        proxyset_update(sp->ps);
    }
}

static gboolean
on_tick(gpointer data)
{
    struct source_probe *sp = data;

    for (int i = 0; i < sp->ps->count; i++) {
        struct proxy *p = &sp->ps->proxies[i];
        struct sipha_sip_addr target;
        struct probe_ctx *pc;

        if (p->state[PS_SRC_STATIC] == PS_ABSENT || sp->pending[i]
            || sipha_sip_addr_parse(p->key, SIPHA_SIP_UDP, &target) != 0) {
            continue;
        }
        pc = g_new0(struct probe_ctx, 1);
        pc->sp = sp;
        pc->index = i;
        if (sipha_prober_probe(sp->prober, &target, on_result, pc, NULL) != 0) {
            g_free(pc);
            continue;
        }
        sp->pending[i] = true;
    }
    return G_SOURCE_CONTINUE;
}

struct source_probe *
source_probe_new(struct proxyset *ps, const struct disp_config *cfg)
{
    struct sipha_probe_config pcfg;
    struct source_probe *sp = g_new0(struct source_probe, 1);

    sipha_probe_config_init(&pcfg);
    /* the verdict must come before the next round */
    pcfg.timeout_ms = (uint32_t) (cfg->probe_interval_ms > 200 ? 200 : cfg->probe_interval_ms);
    pcfg.retransmit_ms = pcfg.timeout_ms / 4;
    sp->ps = ps;
    sp->prober = sipha_prober_new(&pcfg, NULL);
    if (sp->prober == NULL) {
        sipha_err("Cannot start the OPTIONS prober: %s", strerror(errno));
        g_free(sp);
        return NULL;
    }
    sp->timer_id = g_timeout_add((guint) cfg->probe_interval_ms, on_tick, sp);
    on_tick(sp);
    sipha_notice("Probing the static proxies every %d ms (verdict within %u ms)",
                 cfg->probe_interval_ms, pcfg.timeout_ms);
    return sp;
}

void
source_probe_free(struct source_probe *sp)
{
    if (sp == NULL) {
        return;
    }
    g_source_remove(sp->timer_id);
    /* frees pending probes without calling back (their contexts leak a few
     * bytes at exit only) */
    sipha_prober_free(sp->prober);
    g_free(sp);
}
