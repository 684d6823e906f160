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

/* One field of the transaction's identity, with its length first so that
 * no two different sequences of fields hash alike. */
static void
put_field(struct siphash_state *st, const char *buf, struct sip_span s)
{
    siphash24_update_u32(st, s.len);
    siphash24_update(st, buf + s.off, s.len);
}

/* Hashed whole, however long (a 2 KiB scratch buffer used to cut long
 * branches and Request-URIs, so two transactions differing only after
 * the cut shared a branch), and byte order fixed (little-endian), so
 * nodes of different architectures agree. */
uint64_t
via_branch_id(const struct disp_keys *keys, const char *buf, const struct sip_msg *msg)
{
    const struct sip_via *v = &msg->via[0];
    struct siphash_state st;

    siphash24_init(&st, &keys->id);
    if (v->branch.len > 7 && strncmp(buf + v->branch.off, RFC3261_COOKIE, 7) == 0) {
        /* RFC 3261 client: its branch names the transaction (with CANCEL
         * and non-2xx ACK sharing the INVITE's); sent-by scopes it. */
        siphash24_update(&st, "3", 1);
        put_field(&st, buf, v->branch);
        put_field(&st, buf, v->host);
        siphash24_update_u32(&st, (uint32_t) v->port);
    } else {
        /* RFC 2543 client: 16.11's recipe, without the method. */
        siphash24_update(&st, "2", 1);
        put_field(&st, buf, msg->call_id);
        siphash24_update_u32(&st, msg->cseq_number);
        put_field(&st, buf, msg->ruri);
        put_field(&st, buf, v->value);
    }
    return siphash24_final(&st);
}

uint32_t
via_epoch(uint64_t now_s)
{
    return (uint32_t) (now_s / VIA_EPOCH_S);
}

static uint64_t
branch_mac(const struct disp_keys *keys, uint32_t epoch, uint64_t id,
           const struct sockaddr_storage *next_hop)
{
    struct siphash_state st;
    unsigned char addr[19];
    size_t n = addr_bytes(next_hop, addr);

    siphash24_init(&st, &keys->mac);
    siphash24_update_u64(&st, id);
    siphash24_update_u32(&st, epoch);
    siphash24_update(&st, addr, n);
    return siphash24_final(&st);
}

void
via_branch_make(const struct disp_keys *keys, uint32_t epoch, const char *buf,
                const struct sip_msg *msg, const struct sockaddr_storage *next_hop,
                char out[VIA_BRANCH_LEN + 1])
{
    via_branch_format(keys, epoch, via_branch_id(keys, buf, msg), next_hop, out);
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

bool
via_branch_verify(const struct disp_keys *keys, uint32_t epoch, const char *buf,
                  struct sip_span branch, const struct sockaddr_storage *next_hop)
{
    const char *p = buf + branch.off + sizeof(VIA_BRANCH_PREFIX) - 1;
    uint64_t id, mac;
    bool ok = false;

    if (!via_branch_is_ours(buf, branch) || !unhex64(p, &id) || !unhex64(p + 16, &mac)) {
        return false;
    }
    /* the current epoch first: nearly every response is answered within
     * it; each comparison without an early exit inside */
    for (int d = 0; d < 3 && !ok; d++) {
        uint32_t e = d == 0 ? epoch : d == 1 ? epoch - 1 : epoch + 1;

        ok = (branch_mac(keys, e, id, next_hop) ^ mac) == 0;
    }
    return ok;
}

int
via_next_hop(const char *buf, const struct sip_via *v, struct sockaddr_storage *out)
{
    int port = v->rport > 0 ? v->rport : (v->port > 0 ? v->port : 5060);

    if (v->received.len > 0) {
        return addr_from_ip(buf + v->received.off, v->received.len, port, out);
    }
    return addr_from_ip(buf + v->host.off, v->host.len, port, out);
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
