/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mac.c: SipHash-2-4 (Aumasson and Bernstein, reference algorithm) and the
 * key derivation from the secret file shared by the dispatcher nodes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib.h>

#include "mac.h"

#define ROTL(x, b) (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do { \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
    } while (0)

static uint64_t
load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static void
sip_round(struct siphash_state *st, int rounds)
{
    uint64_t v0 = st->v0, v1 = st->v1, v2 = st->v2, v3 = st->v3;

    for (int i = 0; i < rounds; i++) {
        SIPROUND;
    }
    st->v0 = v0;
    st->v1 = v1;
    st->v2 = v2;
    st->v3 = v3;
}

static void
compress(struct siphash_state *st, uint64_t m)
{
    st->v3 ^= m;
    sip_round(st, 2);
    st->v0 ^= m;
}

void
siphash24_init(struct siphash_state *st, const struct disp_key *key)
{
    st->v0 = 0x736f6d6570736575ULL ^ key->k0;
    st->v1 = 0x646f72616e646f6dULL ^ key->k1;
    st->v2 = 0x6c7967656e657261ULL ^ key->k0;
    st->v3 = 0x7465646279746573ULL ^ key->k1;
    st->pending_len = 0;
    st->total_len = 0;
}

/* Compress the whole 8-byte words of P (N bytes, a multiple of 8). */
static void
compress_words(struct siphash_state *st, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        compress(st, load_le64(p + i));
    }
}

void
siphash24_update(struct siphash_state *st, const void *data, size_t len)
{
    const uint8_t *in = data;

    st->total_len += len;
    while (len > 0) {
        size_t n = sizeof(st->pending) - st->pending_len;

        if (n > len) {
            n = len;
        }
        memcpy(st->pending + st->pending_len, in, n);
        st->pending_len += n;
        in += n;
        len -= n;
        if (st->pending_len == sizeof(st->pending)) {
            compress_words(st, st->pending, sizeof(st->pending));
            st->pending_len = 0;
        }
    }
}

void
siphash24_update_u32(struct siphash_state *st, uint32_t v)
{
    uint8_t le[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };

    siphash24_update(st, le, sizeof(le));
}

uint64_t
siphash24_final(struct siphash_state *st)
{
    size_t whole = st->pending_len & ~(size_t) 7;
    uint64_t b = ((uint64_t) st->total_len) << 56;

    compress_words(st, st->pending, whole);
    for (size_t i = whole; i < st->pending_len; i++) {
        b |= ((uint64_t) st->pending[i]) << (8 * (i - whole));
    }
    compress(st, b);
    st->v2 ^= 0xff;
    sip_round(st, 4);
    return st->v0 ^ st->v1 ^ st->v2 ^ st->v3;
}

/* One shot: the reference algorithm in one function, the hot path's
 * (the streaming functions above give the same hash, a little slower). */
uint64_t
siphash24(const void *data, size_t len, const struct disp_key *key)
{
    const uint8_t *in = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ key->k0;
    uint64_t v3 = 0x7465646279746573ULL ^ key->k1;
    uint64_t b = ((uint64_t) len) << 56;
    size_t left = len & 7;
    const uint8_t *end = in + len - left;

    for (; in != end; in += 8) {
        uint64_t m = load_le64(in);

        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t i = 0; i < left; i++) {
        b |= ((uint64_t) in[i]) << (8 * i);
    }
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static void
derive_one(const void *secret, size_t len, const char *label, struct disp_key *key)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 digest[32];
    gsize digest_len = sizeof(digest);

    g_checksum_update(sum, (const guchar *) label, (gssize) strlen(label) + 1);
    g_checksum_update(sum, secret, (gssize) len);
    g_checksum_get_digest(sum, digest, &digest_len);
    g_checksum_free(sum);
    key->k0 = load_le64(digest);
    key->k1 = load_le64(digest + 8);
}

int
disp_keys_derive(const void *secret, size_t len, struct disp_keys *keys)
{
    if (len < 16) {
        return -EINVAL;
    }
    memset(&keys->mac_accept, 0, sizeof(keys->mac_accept));
    derive_one(secret, len, "sipha-dispatcher branch id", &keys->id);
    derive_one(secret, len, "sipha-dispatcher branch mac", &keys->mac);
    derive_one(secret, len, "sipha-dispatcher peer heartbeat", &keys->peer);
    derive_one(secret, len, "sipha-dispatcher rendezvous hash", &keys->hrw);
    return 0;
}

int
disp_keys_load(const char *path, struct disp_keys *keys)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *error = NULL;
    int rc;

    if (!g_file_get_contents(path, &data, &len, &error)) {
        rc = (error->domain == G_FILE_ERROR && error->code == G_FILE_ERROR_NOENT)
            ? -ENOENT : -EACCES;
        g_error_free(error);
        return rc;
    }
    rc = disp_keys_derive(data, len, keys);
    memset(data, 0, len);
    g_free(data);
    return rc;
}

int
disp_keys_load_accept(const char *path, struct disp_keys *keys)
{
    struct disp_keys other;
    int rc = disp_keys_load(path, &other);

    if (rc == 0) {
        keys->mac_accept = other.mac;
    }
    memset(&other, 0, sizeof(other));
    return rc;
}

void
disp_keys_random(struct disp_keys *keys)
{
    uint8_t raw[32];

    /* getrandom blocks only before the kernel's pool is seeded */
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
        for (size_t i = 0; i < sizeof(raw); i++) {
            raw[i] = (uint8_t) g_random_int();
        }
    }
    disp_keys_derive(raw, sizeof(raw), keys);
}
