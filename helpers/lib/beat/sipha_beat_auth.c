/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_beat_auth.c: the heartbeat MAC (see sipha_beat_auth.h).  GHmac
 * allocates per use, which is fine at ten beats a second per proxy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "beat/sipha_beat_auth.h"
#include "beat/sipha_beat_msg.h"
#include "util/sipha_log.h"

#define KEY_LABEL "sipha-beat heartbeat key v1"
#define MAC_AT SIPHA_BEAT_HEADER_LEN

int sipha_beat_key_derive(const void *secret, size_t len, sipha_beat_key_t *key)
{
    GHmac *hmac;
    gsize digest_len = sizeof(key->bytes);

    if (secret == NULL || len < SIPHA_BEAT_SECRET_MIN) {
        return -EINVAL;
    }
    hmac = g_hmac_new(G_CHECKSUM_SHA256, secret, len);
    g_hmac_update(hmac, (const guchar *) KEY_LABEL, sizeof(KEY_LABEL) - 1);
    g_hmac_get_digest(hmac, key->bytes, &digest_len);
    g_hmac_unref(hmac);
    return 0;
}

/* A secret is a short file: read at most this much of it. */
#define SECRET_READ_MAX 4096

int sipha_beat_key_load(const char *path, sipha_beat_key_t *key)
{
    uint8_t secret[SECRET_READ_MAX];
    ssize_t got;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? -ENOENT : -EACCES;
    }
    got = read(fd, secret, sizeof(secret));
    close(fd);
    if (got < 0) {
        return -EACCES;
    }
    rc = sipha_beat_key_derive(secret, (size_t) got, key);
    explicit_bzero(secret, sizeof(secret));
    return rc;
}

int sipha_beat_key_choose(const char *key_file, bool no_auth, sipha_beat_key_t *key,
                          const sipha_beat_key_t **chosen, const char **error)
{
    static char message[512];
    const char *path = key_file != NULL ? key_file : SIPHA_BEAT_DEFAULT_KEY_FILE;
    int rc;

    *chosen = NULL;
    if (no_auth && key_file != NULL) {
        *error = "--key-file and --no-auth exclude each other";
        return -EINVAL;
    }
    if (no_auth) {
        return 0;
    }
    rc = sipha_beat_key_load(path, key);
    if (rc == -ENOENT && key_file == NULL) {
        sipha_warn("no %s: heartbeats are NOT authenticated (any CPG member can forge"
                   " them); pass --key-file FILE, or --no-auth to say that this is meant",
                   SIPHA_BEAT_DEFAULT_KEY_FILE);
        return 0;
    }
    if (rc != 0) {
        snprintf(message, sizeof(message), "cannot use key file %s: %s", path,
                 rc == -EINVAL ? "fewer than 16 bytes" : g_strerror(-rc));
        *error = message;
        return rc;
    }
    *chosen = key;
    return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

/* A message with a MAC field: the flag, and a header long enough for it. */
static bool has_mac_field(const uint8_t *buf, size_t len)
{
    size_t header_len;

    if (buf == NULL || len < SIPHA_BEAT_HEADER_MAC_LEN) {
        return false;
    }
    header_len = ((size_t) buf[6] << 8) | buf[7];
    return header_len >= SIPHA_BEAT_HEADER_MAC_LEN && header_len <= len
           && (get_u32(buf + 12) & SIPHA_BEAT_FLAG_MAC) != 0;
}

static void compute_mac(const uint8_t *buf, size_t len, uint32_t nodeid,
                        const sipha_beat_key_t *key, uint8_t mac[SIPHA_BEAT_MAC_LEN])
{
    static const uint8_t zeros[SIPHA_BEAT_MAC_LEN];
    uint8_t node_be[4] = {
        (uint8_t) (nodeid >> 24), (uint8_t) (nodeid >> 16), (uint8_t) (nodeid >> 8),
        (uint8_t) nodeid,
    };
    uint8_t digest[32];
    gsize digest_len = sizeof(digest);
    GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, key->bytes, sizeof(key->bytes));

    g_hmac_update(hmac, buf, MAC_AT);
    g_hmac_update(hmac, zeros, sizeof(zeros));
    g_hmac_update(hmac, buf + MAC_AT + SIPHA_BEAT_MAC_LEN,
                  (gssize) (len - MAC_AT - SIPHA_BEAT_MAC_LEN));
    g_hmac_update(hmac, node_be, sizeof(node_be));
    g_hmac_get_digest(hmac, digest, &digest_len);
    g_hmac_unref(hmac);
    memcpy(mac, digest, SIPHA_BEAT_MAC_LEN);
}

int sipha_beat_sign(uint8_t *buf, size_t len, uint32_t nodeid, const sipha_beat_key_t *key)
{
    if (key == NULL || !has_mac_field(buf, len)) {
        return -EINVAL;
    }
    compute_mac(buf, len, nodeid, key, buf + MAC_AT);
    return 0;
}

bool sipha_beat_verify(const uint8_t *buf, size_t len, uint32_t nodeid,
                       const sipha_beat_key_t *key)
{
    uint8_t mac[SIPHA_BEAT_MAC_LEN];
    uint8_t diff = 0;

    if (key == NULL || !has_mac_field(buf, len)) {
        return false;
    }
    compute_mac(buf, len, nodeid, key, mac);
    /* constant time: a forger learns nothing from how long a reject took */
    for (size_t i = 0; i < sizeof(mac); i++) {
        diff |= (uint8_t) (mac[i] ^ buf[MAC_AT + i]);
    }
    return diff == 0;
}
