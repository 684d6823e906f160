/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mac.h: SipHash-2-4 and the dispatcher's keys.
 *
 * SipHash is a keyed PRF built for short inputs: it fits a 64-bit MAC in a
 * Via branch and needs no allocation (GHmac allocates per use).
 */
#ifndef SIPHA_DISPATCHER_MAC_H
#define SIPHA_DISPATCHER_MAC_H

#include <stddef.h>
#include <stdint.h>

struct disp_key {
    uint64_t k0;
    uint64_t k1;
};

/* Independent keys derived from the shared secret: one names a
 * transaction (the branch id), one authenticates it (the MAC), one
 * authenticates the dispatchers' peer heartbeats (takeover_msg.h), one
 * keys the rendezvous hash of the Call-ID (hash.h: with a public key
 * anyone could choose Call-IDs that all land on one proxy). */
struct disp_keys {
    struct disp_key id;
    struct disp_key mac;
    struct disp_key peer;
    struct disp_key hrw;
    /* the MAC key of a second secret whose branches are accepted too, never
     * made (--accept-secret-file: a key rotation's grace period); all zero
     * when there is none */
    struct disp_key mac_accept;
};

uint64_t siphash24(const void *data, size_t len, const struct disp_key *key);

/* The same, fed in pieces (no copy into a bounded buffer, so nothing is
 * ever cut): init, update any number of times, final. */
struct siphash_state {
    uint64_t v0, v1, v2, v3;
    uint8_t pending[64];        /* bytes not yet compressed: small updates are a copy */
    size_t pending_len;
    size_t total_len;
};

void siphash24_init(struct siphash_state *st, const struct disp_key *key);
void siphash24_update(struct siphash_state *st, const void *data, size_t len);
/* Fixed-width integers, little-endian whatever the host. */
void siphash24_update_u32(struct siphash_state *st, uint32_t v);
uint64_t siphash24_final(struct siphash_state *st);

/* Derive KEYS from SECRET (at least 16 bytes). */
int disp_keys_derive(const void *secret, size_t len, struct disp_keys *keys);

/* Read a secret file and derive KEYS.  Returns 0, -ENOENT/-EACCES...,
 * or -EINVAL when the file holds fewer than 16 bytes. */
int disp_keys_load(const char *path, struct disp_keys *keys);

/* Read a secret file and set KEYS->mac_accept from it (0, or as
 * disp_keys_load). */
int disp_keys_load_accept(const char *path, struct disp_keys *keys);

/* Random keys (no secret file): responses then verify on this process only. */
void disp_keys_random(struct disp_keys *keys);

#endif
