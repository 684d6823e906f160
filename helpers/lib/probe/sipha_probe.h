/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe.h: fast SIP OPTIONS probes, many at once, on a GLib main loop.
 *
 * A prober sends one OPTIONS request per probe (UDP or TCP, IPv4 or IPv6),
 * retransmits it on UDP (first after retransmit_ms, then doubling) and calls
 * the probe's callback exactly once with a verdict: at the first matching
 * final response, at an ICMP port unreachable / TCP connection refused, or at
 * timeout_ms.  A response matches only when its top Via branch, its Call-ID
 * and its CSeq (number and method) are the probe's; anything else is counted
 * in the result and otherwise ignored.
 *
 * Asynchronous use (daemons): one prober attached to your GMainContext.
 *
 *     struct sipha_probe_config cfg;
 *     sipha_probe_config_init(&cfg);               // 20 ms / 100 ms / any final
 *     sipha_prober_t *p = sipha_prober_new(&cfg, NULL);  // NULL: default context
 *     struct sipha_sip_addr a;
 *     sipha_sip_addr_parse("sip:127.0.0.1:5060", SIPHA_SIP_UDP, &a);
 *     sipha_prober_probe(p, &a, on_result, my_data, NULL);
 *     ...                                          // g_main_loop_run()
 *     static void on_result(const struct sipha_sip_addr *target,
 *                           const struct sipha_probe_result *r, void *my_data)
 *     { if (r->verdict == SIPHA_PROBE_ALIVE) ... r->rtt_us ... }
 *
 * The prober is one GSource on that context; it is not thread-safe: use it
 * from the thread that runs its context.  Probes to the same target may
 * overlap.  A connected UDP socket is kept per target between probes (closed
 * after 60 s unused); each TCP probe opens its own connection.  Host names
 * are resolved with a blocking getaddrinfo() when a socket to them is opened:
 * daemons should give address literals.
 *
 * Blocking use (tools): sipha_probe_run() probes a list of targets at once
 * and returns when every verdict is in (at most about timeout_ms).
 */
#ifndef SIPHA_PROBE_H
#define SIPHA_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "sip/sipha_sip_addr.h"

#define SIPHA_PROBE_DEFAULT_TIMEOUT_MS 100
#define SIPHA_PROBE_DEFAULT_RETRANSMIT_MS 20
#define SIPHA_PROBE_MAX_RETRANSMIT_MS 4000  /* RFC 3261 T2: doubling stops here */
#define SIPHA_PROBE_MAX_MESSAGE_BYTES 16384 /* bigger responses: "oversized" */

struct sipha_probe_config {
    uint32_t timeout_ms;        /* verdict deadline after the first send; >0 */
    uint32_t retransmit_ms;     /* UDP: first retransmission; 0 = never */
    /* Which final responses (200-699) mean alive.  Default: all of them
     * (a 404, 483 or 501 still proves the SIP stack answers).  Set with
     * sipha_probe_config_set_alive_codes(). */
    uint64_t alive_code_bits[(700 - 200 + 63) / 64];
};

enum sipha_probe_verdict {
    SIPHA_PROBE_ALIVE = 0,      /* matching final response, code accepted */
    SIPHA_PROBE_BAD_CODE,       /* matching final response, code not accepted */
    SIPHA_PROBE_TIMEOUT,        /* no matching final response in timeout_ms */
    SIPHA_PROBE_REFUSED,        /* ICMP port unreachable / TCP RST */
    SIPHA_PROBE_UNREACHABLE,    /* network/host unreachable, name unknown */
    SIPHA_PROBE_CLOSED,         /* TCP peer closed before a final response */
    SIPHA_PROBE_ERROR,          /* local failure (socket(), out of memory...) */
};

struct sipha_probe_result {
    enum sipha_probe_verdict verdict;
    int status_code;            /* of the matching final response, else 0 */
    char reason[64];            /* its reason phrase (peer text, truncated) */
    uint64_t rtt_us;            /* first send to verdict */
    unsigned transmissions;     /* requests sent (1 + retransmissions) */
    int error;                  /* errno behind REFUSED/UNREACHABLE/ERROR */
    /* Received and ignored before the verdict (shown with -v): */
    unsigned ignored_foreign;   /* well-formed, not ours (branch/Call-ID/CSeq) */
    unsigned ignored_malformed; /* not a parseable SIP response, truncated */
    unsigned ignored_oversized; /* larger than SIPHA_PROBE_MAX_MESSAGE_BYTES */
    unsigned provisional;       /* matching 1xx responses (not a verdict) */
};

typedef struct sipha_prober sipha_prober_t;

/* Called once per probe, from the prober's context.  target and result are
 * only valid during the call.  The callback may start new probes; it may
 * also free the prober (remaining probes are then dropped silently). */
typedef void (*sipha_probe_cb)(const struct sipha_sip_addr *target,
                               const struct sipha_probe_result *result,
                               void *user_data);

/* Defaults: timeout 100 ms, first retransmission 20 ms, any final code. */
void sipha_probe_config_init(struct sipha_probe_config *cfg);

/* Narrow the alive codes: "200", "200,404", "200-299,404", "2xx,501".
 * Codes 200-699 only.  Returns 0 or -EINVAL (cfg untouched). */
int sipha_probe_config_set_alive_codes(struct sipha_probe_config *cfg, const char *list);
bool sipha_probe_code_is_alive(const struct sipha_probe_config *cfg, int status_code);

/* ctx NULL means the default main context.  The config is copied.
 * Returns NULL with errno EINVAL on a bad config, ENOMEM. */
sipha_prober_t *sipha_prober_new(const struct sipha_probe_config *cfg, GMainContext *ctx);

/* Cancels outstanding probes without calling their callbacks. */
void sipha_prober_free(sipha_prober_t *prober);

/* Start one probe now.  On success (0) cb is called exactly once later, never
 * from inside this call; *probe_id (if not NULL) gets an id > 0 for
 * sipha_prober_cancel().  Returns -errno only for invalid arguments
 * (-EINVAL); per-target failures (refused, no route, socket errors) come
 * back through cb as a verdict. */
int sipha_prober_probe(sipha_prober_t *prober, const struct sipha_sip_addr *target,
                       sipha_probe_cb cb, void *user_data, uint64_t *probe_id);

/* Drop a pending probe; its callback is not called.  0 or -ENOENT. */
int sipha_prober_cancel(sipha_prober_t *prober, uint64_t probe_id);

/* Probes started and not yet reported. */
unsigned sipha_prober_pending(const sipha_prober_t *prober);

/* Blocking: probe n_targets targets concurrently on a private context and
 * fill results[i] for targets[i].  Returns 0 (verdicts are in results) or
 * -EINVAL / -ENOMEM. */
int sipha_probe_run(const struct sipha_probe_config *cfg,
                    const struct sipha_sip_addr *targets, size_t n_targets,
                    struct sipha_probe_result *results);

/* "alive", "bad-code", "timeout", "refused", "unreachable", "closed", "error". */
const char *sipha_probe_verdict_name(enum sipha_probe_verdict verdict);

#endif
