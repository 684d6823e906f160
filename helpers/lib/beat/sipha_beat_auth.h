/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_beat_auth.h: authenticated heartbeats.
 *
 * Any process that may join the CPG group can multicast a well-formed beat,
 * so a beat carries a MAC keyed from the dispatchers' shared secret
 * (/etc/sipha/dispatcher.key, the file sipha-dispatcher reads) with a key
 * of its own: HMAC-SHA256(secret, "sipha-beat heartbeat key v1"), so that
 * no other use of the secret (the dispatcher's branch MAC, its peer
 * heartbeats) shares a key with it.
 *
 * The MAC is HMAC-SHA256 truncated to 16 bytes over the whole encoded
 * message with its MAC field zeroed, followed by the sender's Corosync node
 * id (4 bytes, big-endian): a beat replayed from another node does not
 * verify.  It travels in the header extension of wire version 1 (flag
 * SIPHA_BEAT_FLAG_MAC, header length 64, bytes 48-63), which version-1
 * readers without a key skip (docs/heartbeat.md).
 */
#ifndef SIPHA_BEAT_AUTH_H
#define SIPHA_BEAT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIPHA_BEAT_KEY_LEN 32
#define SIPHA_BEAT_SECRET_MIN 16        /* as the dispatcher's secret file */
#define SIPHA_BEAT_DEFAULT_KEY_FILE "/etc/sipha/dispatcher.key"

typedef struct sipha_beat_key {
    uint8_t bytes[SIPHA_BEAT_KEY_LEN];
} sipha_beat_key_t;

/* Derive the beat key from the shared secret; -EINVAL when it is shorter
 * than SIPHA_BEAT_SECRET_MIN bytes. */
int sipha_beat_key_derive(const void *secret, size_t len, sipha_beat_key_t *key);

/* Read the secret file and derive the key: 0, -ENOENT, -EACCES (cannot
 * read) or -EINVAL (too short). */
int sipha_beat_key_load(const char *path, sipha_beat_key_t *key);

/* The command-line rule of sipha-beat and sipha-watch: --key-file FILE
 * (key_file) must be usable; --no-auth (no_auth) means no key; neither
 * means the default file when it exists, else no key and a logged warning
 * (compatibility with nodes that do not hold the secret).  *chosen is key
 * or NULL.  Returns 0, or -errno with *error set to a one-line message
 * (static storage). */
int sipha_beat_key_choose(const char *key_file, bool no_auth, sipha_beat_key_t *key,
                          const sipha_beat_key_t **chosen, const char **error);

/* Write the MAC into an encoded message that has room for it (encoded with
 * SIPHA_BEAT_FLAG_MAC).  nodeid: the sender's own Corosync node id.
 * Returns 0 or -EINVAL. */
int sipha_beat_sign(uint8_t *buf, size_t len, uint32_t nodeid, const sipha_beat_key_t *key);

/* Whether a received message (already decoded without error) carries a MAC
 * that verifies for the node id CPG gave as its sender. */
bool sipha_beat_verify(const uint8_t *buf, size_t len, uint32_t nodeid,
                       const sipha_beat_key_t *key);

#endif
