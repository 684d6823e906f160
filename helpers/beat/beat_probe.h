/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat_probe.h: the one question sipha-beat asks its proxy, "do you answer
 * an OPTIONS within the deadline?", behind one call so the probing engine
 * can change without touching the beat loop.
 */
#ifndef SIPHA_BEAT_PROBE_H
#define SIPHA_BEAT_PROBE_H

#include <stdint.h>
#include <glib.h>

typedef struct beat_probe beat_probe_t;

/* beat_state: enum sipha_beat_state (SIPHA_BEAT_OK when the proxy answered
 * in time); rtt_us: time to the verdict. */
typedef void (*beat_probe_done_fn)(uint8_t beat_state, uint64_t rtt_us, void *user_data);

/* target: SIP URI, host:port or "udp:host:port".  Returns NULL and sets
 * *error_text on a target or option that cannot work. */
beat_probe_t *beat_probe_new(GMainContext *ctx, const char *target, uint32_t timeout_ms,
                             const char *alive_codes, const char **error_text);
void beat_probe_free(beat_probe_t *probe);

/* Start one probe; done is called exactly once, later.  A probe still
 * running is cancelled and reported as a timeout first.  0 or -errno. */
int beat_probe_start(beat_probe_t *probe, beat_probe_done_fn done, void *user_data);

/* Normalize a SIP address to the "transport:host:port" key into buf.
 * Returns 0 or -EINVAL. */
int beat_normalize_address(const char *text, char *buf, size_t len);

#endif
