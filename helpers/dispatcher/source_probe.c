/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_probe.c: health of every proxy in the set (static list and CIB)
 * by SIP OPTIONS, with the probe library (sipha_probe.h).  Each interval
 * every proxy gets a probe, whether or not earlier ones are still in flight,
 * each with a deadline of the probe timeout; probe_health.c turns the stream
 * of verdicts into UP / DOWN: a refusal (crash) is DOWN at once, silence for
 * the probe timeout (hang, power cut) is DOWN, any final response is UP.
 *
 * For CIB proxies this complements the heartbeat watcher: a proxy host that
 * loses power stalls Corosync's ring for token + consensus, during which the
 * watcher holds every verdict; the probes need no ring.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "probe_health.h"
#include "util/sipha_log.h"
#include "probe/sipha_probe.h"
#include "util/sipha_time.h"
#include "source_adapters.h"

/* Probes one proxy may have in flight: timeout / interval, plus slack. */
#define MAX_IN_FLIGHT 16

struct source_probe {
    struct proxyset *ps;
    sipha_prober_t *prober;
    guint timer_id;
    unsigned max_in_flight;
    GHashTable *contexts;           /* probe_ctx of the probes in flight */
    unsigned in_flight[PROXYSET_MAX];
    struct probe_health health[PROXYSET_MAX];
};

struct probe_ctx {
    struct source_probe *sp;
    int index;
    uint64_t sent_us;
};

static bool
is_member(const struct proxy *p)
{
    return p->state[PS_SRC_STATIC] != PS_ABSENT || p->state[PS_SRC_CIB] != PS_ABSENT;
}

static void
on_result(const struct sipha_sip_addr *target, const struct sipha_probe_result *r, void *data)
{
    struct probe_ctx *pc = data;
    struct source_probe *sp = pc->sp;
    int i = pc->index;
    struct proxy *p = &sp->ps->proxies[i];
    bool up = probe_health_fold(&sp->health[i], r->verdict, pc->sent_us, sipha_now_us());
    enum ps_state state = up ? PS_UP : PS_DOWN;

    sp->in_flight[i]--;
    g_hash_table_remove(sp->contexts, pc);
    if (p->state[PS_SRC_PROBE] != state) {
        sipha_log(up ? LOG_INFO : LOG_NOTICE, "Probe of %s (%s): %s, %d, %" G_GUINT64_FORMAT " us",
                  p->name, p->key, sipha_probe_verdict_name(r->verdict), r->status_code,
                  r->rtt_us);
        p->state[PS_SRC_PROBE] = (uint8_t) state;
        proxyset_update(sp->ps);
    }
}

static void
probe_one(struct source_probe *sp, int i)
{
    struct proxy *p = &sp->ps->proxies[i];
    struct sipha_sip_addr target;
    struct probe_ctx *pc;

    if (!is_member(p) || sp->in_flight[i] >= sp->max_in_flight
        || sipha_sip_addr_parse(p->key, SIPHA_SIP_UDP, &target) != 0) {
        return;
    }
    pc = g_new0(struct probe_ctx, 1);
    pc->sp = sp;
    pc->index = i;
    pc->sent_us = sipha_now_us();
    if (sipha_prober_probe(sp->prober, &target, on_result, pc, NULL) != 0) {
        g_free(pc);
        return;
    }
    g_hash_table_add(sp->contexts, pc);
    sp->in_flight[i]++;
}

static gboolean
on_tick(gpointer data)
{
    struct source_probe *sp = data;

    for (int i = 0; i < sp->ps->count; i++) {
        probe_one(sp, i);
    }
    return G_SOURCE_CONTINUE;
}

struct source_probe *
source_probe_new(struct proxyset *ps, const struct disp_config *cfg)
{
    struct sipha_probe_config pcfg;
    struct source_probe *sp = g_new0(struct source_probe, 1);
    unsigned interval_ms = (unsigned) cfg->probe_interval_ms;
    unsigned timeout_ms = (unsigned) cfg->probe_timeout_ms;

    sipha_probe_config_init(&pcfg);
    pcfg.timeout_ms = timeout_ms;
    /* when probes overlap, the next probe is the retransmission */
    pcfg.retransmit_ms = interval_ms < timeout_ms ? 0 : timeout_ms / 4;
    sp->ps = ps;
    sp->max_in_flight = MIN(MAX_IN_FLIGHT, timeout_ms / interval_ms + 2);
    sp->prober = sipha_prober_new(&pcfg, NULL);
    if (sp->prober == NULL) {
        sipha_err("Cannot start the OPTIONS prober: %s", strerror(errno));
        g_free(sp);
        return NULL;
    }
    sp->contexts = g_hash_table_new_full(NULL, NULL, g_free, NULL);
    sp->timer_id = g_timeout_add(interval_ms, on_tick, sp);
    on_tick(sp);
    sipha_notice("Probing the proxies every %u ms (down after %u ms of silence)", interval_ms,
                 timeout_ms);
    return sp;
}

void
source_probe_free(struct source_probe *sp)
{
    if (sp == NULL) {
        return;
    }
    g_source_remove(sp->timer_id);
    /* cancels the probes in flight without calling back: free their
     * contexts here */
    sipha_prober_free(sp->prober);
    g_hash_table_destroy(sp->contexts);
    g_free(sp);
}
