/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reply_limit.h: a per-source budget for the dispatcher's own replies.
 *
 * The dispatcher answers some requests itself (200 to an OPTIONS for it,
 * 482, 483, 503).  UDP sources are forged at will, so each reply could
 * be aimed at a victim; like Kamailio's pike, the replies to one source
 * address are limited to REPLY_LIMIT_PER_S a second, and what is over is
 * dropped and counted (drop_rate_limited).  The table is a fixed array of
 * counters indexed by a keyed hash of the source address (no port: a
 * victim has many), allocated once: addresses sharing a counter share
 * its budget, and nobody without the secret can choose whom they share
 * it with.  Forwarding is never limited.
 */
#ifndef SIPHA_DISPATCHER_REPLY_LIMIT_H
#define SIPHA_DISPATCHER_REPLY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mac.h"

#define REPLY_LIMIT_SLOTS 8192
/* The lab's pinger (an OPTIONS every 5 ms, scripts/lab/sip-pinger), a
 * monitor, or a PBX's burst of 503s during an outage stays under it; a
 * victim gets at most this many datagrams a second of ~500 bytes, each
 * no bigger than the forged request that caused it (no amplification) */
#define REPLY_LIMIT_PER_S 500

struct reply_limit_slot {
    uint32_t second;            /* the second this count is for */
    uint32_t count;
};

struct reply_limit {
    struct disp_key key;
    struct reply_limit_slot slots[REPLY_LIMIT_SLOTS];
};

/* KEYS: the hash key derives from the shared secret's. */
struct reply_limit *reply_limit_new(const struct disp_keys *keys);
void reply_limit_free(struct reply_limit *rl);

/* May the dispatcher send one more reply to DST (its address) at NOW_S?
 * Counts it when so. */
bool reply_limit_allow(struct reply_limit *rl, const struct sockaddr_storage *dst, uint64_t now_s);

#endif
