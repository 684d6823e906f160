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

/* Append N bytes and a separator to a bounded scratch buffer; what does not
 * fit is cut (the same message is always cut the same way).  Once the
 * buffer is full, nothing more is appended: the fuzzer found the long
 * Request-URI of an RFC 2543 request making the size negative here. */
static size_t
put(unsigned char *dst, size_t used, size_t cap, const void *src, size_t n)
{
    if (used >= cap) {
        return cap;
    }
    if (used + n + 1 > cap) {
        n = cap - used - 1;
    }
    memcpy(dst + used, src, n);
    dst[used + n] = 0;
    return used + n + 1;
}

static uint64_t
branch_id(const struct disp_keys *keys, const char *buf, const struct sip_msg *msg)
{
    const struct sip_via *v = &msg->via[0];
    unsigned char scratch[2048];
    size_t n = 0;

    if (v->branch.len > 7 && strncmp(buf + v->branch.off, RFC3261_COOKIE, 7) == 0) {
        /* RFC 3261 client: its branch names the transaction (with CANCEL
         * and non-2xx ACK sharing the INVITE's); sent-by scopes it. */
        n = put(scratch, n, sizeof(scratch), "3", 1);
        n = put(scratch, n, sizeof(scratch), buf + v->branch.off, v->branch.len);
        n = put(scratch, n, sizeof(scratch), buf + v->host.off, v->host.len);
        n = put(scratch, n, sizeof(scratch), &v->port, sizeof(v->port));
    } else {
        /* RFC 2543 client: 16.11's recipe, without the method. */
        n = put(scratch, n, sizeof(scratch), "2", 1);
        n = put(scratch, n, sizeof(scratch), buf + msg->call_id.off, msg->call_id.len);
        n = put(scratch, n, sizeof(scratch), &msg->cseq_number, sizeof(msg->cseq_number));
        n = put(scratch, n, sizeof(scratch), buf + msg->ruri.off, msg->ruri.len);
        n = put(scratch, n, sizeof(scratch), buf + v->value.off, v->value.len);
    }
    return siphash24(scratch, n, &keys->id);
}

static uint64_t
branch_mac(const struct disp_keys *keys, uint64_t id, const struct sockaddr_storage *next_hop)
{
    unsigned char scratch[8 + 19];
    size_t n;

    memcpy(scratch, &id, 8);
    n = addr_bytes(next_hop, scratch + 8);
    return siphash24(scratch, 8 + n, &keys->mac);
}

void
via_branch_make(const struct disp_keys *keys, const char *buf, const struct sip_msg *msg,
                const struct sockaddr_storage *next_hop, char out[VIA_BRANCH_LEN + 1])
{
    size_t p = sizeof(VIA_BRANCH_PREFIX) - 1;
    uint64_t id = branch_id(keys, buf, msg);

    memcpy(out, VIA_BRANCH_PREFIX, p);
    hex64(id, out + p);
    hex64(branch_mac(keys, id, next_hop), out + p + 16);
    out[VIA_BRANCH_LEN] = '\0';
}

bool
via_branch_is_ours(const char *buf, struct sip_span branch)
{
    return branch.len == VIA_BRANCH_LEN
        && memcmp(buf + branch.off, VIA_BRANCH_PREFIX, sizeof(VIA_BRANCH_PREFIX) - 1) == 0;
}

bool
via_branch_verify(const struct disp_keys *keys, const char *buf, struct sip_span branch,
                  const struct sockaddr_storage *next_hop)
{
    const char *p = buf + branch.off + sizeof(VIA_BRANCH_PREFIX) - 1;
    uint64_t id, mac, want, diff;

    if (!via_branch_is_ours(buf, branch) || !unhex64(p, &id) || !unhex64(p + 16, &mac)) {
        return false;
    }
    want = branch_mac(keys, id, next_hop);
    diff = want ^ mac;                    /* compare without an early exit */
    return diff == 0;
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
