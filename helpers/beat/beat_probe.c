/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat_probe.c: sipha-beat's OPTIONS probe on top of the probe library
 * (helpers/lib/probe/sipha_probe.h): one probe at a time, verdicts mapped to the
 * beat states that go on the wire.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "beat_probe.h"
#include "beat/sipha_beat_msg.h"
#include "probe/sipha_probe.h"

struct beat_probe {
    sipha_prober_t *prober;
    struct sipha_sip_addr target;
    uint64_t probe_id;              /* running probe, 0 = none */
    beat_probe_done_fn done;
    void *done_data;
};

static uint8_t beat_state_of(enum sipha_probe_verdict verdict)
{
    switch (verdict) {
        case SIPHA_PROBE_ALIVE:
            return SIPHA_BEAT_OK;
        case SIPHA_PROBE_BAD_CODE:
            return SIPHA_BEAT_PROBE_BAD_CODE;
        case SIPHA_PROBE_TIMEOUT:
            return SIPHA_BEAT_PROBE_TIMEOUT;
        case SIPHA_PROBE_REFUSED:
        case SIPHA_PROBE_CLOSED:
            return SIPHA_BEAT_PROBE_REFUSED;
        default:
            return SIPHA_BEAT_PROBE_ERROR;
    }
}

int beat_normalize_address(const char *text, char *buf, size_t len)
{
    if (text == NULL || sipha_sip_addr_key(text, SIPHA_SIP_UDP, buf, len) < 0) {
        return -EINVAL;
    }
    return sipha_beat_address_valid(buf) ? 0 : -EINVAL;
}

beat_probe_t *beat_probe_new(GMainContext *ctx, const char *target, uint32_t timeout_ms,
                             const char *alive_codes, const char **error_text)
{
    struct sipha_probe_config cfg;
    beat_probe_t *probe = calloc(1, sizeof(*probe));

    if (probe == NULL) {
        *error_text = "out of memory";
        return NULL;
    }
    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = timeout_ms;
    /* first retransmission at a quarter of the deadline: a lost datagram
     * on a busy host should not cost a beat */
    cfg.retransmit_ms = timeout_ms >= 8 ? timeout_ms / 4 : 0;
    if (alive_codes != NULL && sipha_probe_config_set_alive_codes(&cfg, alive_codes) != 0) {
        *error_text = "bad --alive-codes list (e.g. 200 or 200-299,404)";
        free(probe);
        return NULL;
    }
    if (sipha_sip_addr_parse(target, SIPHA_SIP_UDP, &probe->target) != 0) {
        *error_text = "cannot parse the probe target (SIP URI or host:port)";
        free(probe);
        return NULL;
    }
    probe->prober = sipha_prober_new(&cfg, ctx);
    if (probe->prober == NULL) {
        *error_text = "cannot create the prober";
        free(probe);
        return NULL;
    }
    return probe;
}

static void on_result(const struct sipha_sip_addr *target,
                      const struct sipha_probe_result *result, void *data)
{
    beat_probe_t *probe = data;
    beat_probe_done_fn done = probe->done;

    probe->probe_id = 0;
    probe->done = NULL;
    if (done != NULL) {
        done(beat_state_of(result->verdict), result->rtt_us, probe->done_data);
    }
}

int beat_probe_start(beat_probe_t *probe, beat_probe_done_fn done, void *user_data)
{
    if (probe->probe_id != 0) {
        /* still running at the next interval: that is a missed deadline */
        beat_probe_done_fn old = probe->done;

        sipha_prober_cancel(probe->prober, probe->probe_id);
        probe->probe_id = 0;
        probe->done = NULL;
        if (old != NULL) {
            old(SIPHA_BEAT_PROBE_TIMEOUT, 0, probe->done_data);
        }
    }
    probe->done = done;
    probe->done_data = user_data;
    return sipha_prober_probe(probe->prober, &probe->target, on_result, probe,
                              &probe->probe_id);
}

void beat_probe_free(beat_probe_t *probe)
{
    if (probe == NULL) {
        return;
    }
    sipha_prober_free(probe->prober);
    free(probe);
}
