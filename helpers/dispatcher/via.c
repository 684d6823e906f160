/* SPDX-License-Identifier: GPL-2.0-or-later */
/* via.c: deterministic, authenticated Via branches (see via.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "via.h"

#define RFC3261_COOKIE "z9hG4bK"

static void
hex64(uint64_t v, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 15; i >= 0; i--) {
        out[i] = digits[v & 0xf];
        v >>= 4;
    }
}

static bool
unhex64(const char *in, uint64_t *v)
{
    *v = 0;
    for (int i = 0; i < 16; i++) {
        char c = in[i];
        int d;

        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else {
            return false;
        }
        *v = (*v << 4) | (uint64_t) d;
    }
    return true;
}

/* The transaction's fields go into a buffer hashed at once (the usual
 * case, and the cheapest: one siphash24 call), or, when they do not fit,
 * through the streaming SipHash: the same bytes, the same hash. */
struct field_hash {
    const struct disp_key *key;
    uint8_t buf[256];
    size_t n;
    bool streaming;
    struct siphash_state st;
};

static void
fh_put(struct field_hash *fh, const void *data, size_t len)
{
    if (!fh->streaming && len <= sizeof(fh->buf) - fh->n) {
        memcpy(fh->buf + fh->n, data, len);
        fh->n += len;
        return;
    }
    if (!fh->streaming) {
        siphash24_init(&fh->st, fh->key);
        siphash24_update(&fh->st, fh->buf, fh->n);
        fh->streaming = true;
    }
    siphash24_update(&fh->st, data, len);
}

static void
fh_put_u32(struct field_hash *fh, uint32_t v)
{
    uint8_t le[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };

    fh_put(fh, le, sizeof(le));
}

/* One field, with its length first so that no two different sequences of
 * fields hash alike. */
static void
fh_put_field(struct field_hash *fh, const char *buf, struct sip_span s)
{
    fh_put_u32(fh, s.len);
    fh_put(fh, buf + s.off, s.len);
}

static uint64_t
fh_final(struct field_hash *fh)
{
    return fh->streaming ? siphash24_final(&fh->st) : siphash24(fh->buf, fh->n, fh->key);
}

/* Hashed whole, however long (a 2 KiB scratch buffer used to cut long
 * branches and Request-URIs, so two transactions differing only after
 * the cut shared a branch), and byte order fixed (little-endian), so
 * nodes of different architectures agree. */
uint64_t
via_branch_id(const struct disp_keys *keys, const char *buf, const struct sip_msg *msg)
{
    const struct sip_via *v = &msg->via[0];
    struct field_hash fh;

    fh.key = &keys->id;
    fh.n = 0;
    fh.streaming = false;
    if (v->branch.len > 7 && strncmp(buf + v->branch.off, RFC3261_COOKIE, 7) == 0) {
        /* RFC 3261 client: its branch names the transaction (with CANCEL
         * and non-2xx ACK sharing the INVITE's); sent-by scopes it. */
        fh_put(&fh, "3", 1);
        fh_put_field(&fh, buf, v->branch);
        fh_put_field(&fh, buf, v->host);
        fh_put_u32(&fh, (uint32_t) v->port);
    } else {
        /* RFC 2543 client: 16.11's recipe, without the method. */
        fh_put(&fh, "2", 1);
        fh_put_field(&fh, buf, msg->call_id);
        fh_put_u32(&fh, msg->cseq_number);
        fh_put_field(&fh, buf, msg->ruri);
        fh_put_field(&fh, buf, v->value);
    }
    return fh_final(&fh);
}

uint32_t
via_epoch(uint64_t now_s)
{
    return (uint32_t) (now_s / VIA_EPOCH_S);
}

static void
le_bytes(uint8_t *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = (uint8_t) (v >> (8 * i));
    }
}

/* SipHash(key_mac, id (8 bytes LE) || epoch (4 bytes LE) || next hop). */
static uint64_t
branch_mac_key(const struct disp_key *key, uint32_t epoch, uint64_t id,
               const struct sockaddr_storage *next_hop)
{
    uint8_t in[8 + 4 + 19];
    size_t n;

    le_bytes(in, id, 8);
    le_bytes(in + 8, epoch, 4);
    n = addr_bytes(next_hop, in + 12);
    return siphash24(in, 12 + n, key);
}

static uint64_t
branch_mac(const struct disp_keys *keys, uint32_t epoch, uint64_t id,
           const struct sockaddr_storage *next_hop)
{
    return branch_mac_key(&keys->mac, epoch, id, next_hop);
}

void
via_branch_format(const struct disp_keys *keys, uint32_t epoch, uint64_t id,
                  const struct sockaddr_storage *next_hop, char out[VIA_BRANCH_LEN + 1])
{
    size_t p = sizeof(VIA_BRANCH_PREFIX) - 1;

    memcpy(out, VIA_BRANCH_PREFIX, p);
    hex64(id, out + p);
    hex64(branch_mac(keys, epoch, id, next_hop), out + p + 16);
    out[VIA_BRANCH_LEN] = '\0';
}

bool
via_branch_is_ours(const char *buf, struct sip_span branch)
{
    return branch.len == VIA_BRANCH_LEN
        && memcmp(buf + branch.off, VIA_BRANCH_PREFIX, sizeof(VIA_BRANCH_PREFIX) - 1) == 0;
}

/* MAC against KEY in the epochs around EPOCH: the current one first
 * (nearly every response is answered within it); each comparison without
 * an early exit inside. */
static bool
mac_in_epochs(const struct disp_key *key, uint32_t epoch, uint64_t id,
              const struct sockaddr_storage *next_hop, uint64_t mac)
{
    bool ok = false;

    for (int d = 0; d < 3 && !ok; d++) {
        uint32_t e = d == 0 ? epoch : d == 1 ? epoch - 1 : epoch + 1;

        ok = (branch_mac_key(key, e, id, next_hop) ^ mac) == 0;
    }
    return ok;
}

bool
via_branch_verify(const struct disp_keys *keys, uint32_t epoch, const char *buf,
                  struct sip_span branch, const struct sockaddr_storage *next_hop)
{
    const char *p = buf + branch.off + sizeof(VIA_BRANCH_PREFIX) - 1;
    uint64_t id, mac;

    if (!via_branch_is_ours(buf, branch) || !unhex64(p, &id) || !unhex64(p + 16, &mac)) {
        return false;
    }
    if (mac_in_epochs(&keys->mac, epoch, id, next_hop, mac)) {
        return true;
    }
    /* a key rotation's grace period: a branch made with the other secret
     * (by this dispatcher before the reload, or by a peer not yet
     * reloaded) */
    return (keys->mac_accept.k0 | keys->mac_accept.k1) != 0
           && mac_in_epochs(&keys->mac_accept, epoch, id, next_hop, mac);
}

int
via_next_hop(const char *buf, const struct sip_via *v, struct sockaddr_storage *out)
{
    int port = v->rport > 0 ? v->rport : (v->port > 0 ? v->port : 5060);

    if (v->received.len > 0) {
        return sipha_sockaddr_from_ip(buf + v->received.off, v->received.len, port, out);
    }
    return sipha_sockaddr_from_ip(buf + v->host.off, v->host.len, port, out);
}

void
via_request_next_hop(const struct sip_via *v, const struct sockaddr_storage *src,
                     struct sockaddr_storage *out)
{
    *out = *src;
    if (!v->rport_present) {
        addr_set_port(out, v->port > 0 ? v->port : 5060);
    }
}
