/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.h: rendezvous (highest random weight) hashing.
 *
 * Every dispatcher computes the same scores from the Call-ID and the
 * proxy's normalized address alone, so no state is shared between them and
 * a proxy that leaves moves only the Call-IDs it had won.
 */
#ifndef SIPHA_DISPATCHER_HASH_H
#define SIPHA_DISPATCHER_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "mac.h"

/* Hash of a proxy's key with a fixed public key (the same on every node):
 * the proxies' seeds, which need no secrecy once the Call-ID's hash is
 * keyed. */
uint64_t hrw_hash(const void *data, size_t len);

/* Hash of a Call-ID with the key derived from the shared secret: every
 * dispatcher node agrees, but nobody without the secret can choose
 * Call-IDs that all land on one proxy (a public key let anyone steer a
 * flood onto the proxy of their choice). */
uint64_t hrw_call_hash(const struct disp_keys *keys, const void *data, size_t len);

/* Score of one proxy (SEED = hrw_hash of its key) for one Call-ID hash.
 * Weighted: -weight / ln(u), u uniform in (0,1); highest wins. */
double hrw_score(uint64_t call_hash, uint64_t seed, double weight);

#endif
