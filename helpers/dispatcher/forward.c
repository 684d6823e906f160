/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * forward.c: the stateless proxy rules (RFC 3261 16.11) for one datagram.
 *
 * Requests: answer OPTIONS to ourselves, 483 at Max-Forwards 0, 482 when
 * the top two Vias are ours (a loop), 503 when no proxy is usable;
 * otherwise pick a proxy by rendezvous hash of the Call-ID, add our Via
 * (deterministic branch + MAC), received/rport to the client's Via, cap
 * and decrement Max-Forwards.  Responses: relay only when they come from a
 * proxy of the set, the top Via is ours, its MAC verifies for the next
 * Via, and that next hop is neither ours nor one of our addresses; strip
 * our Via.  Everything else is dropped and counted.  The message is rewritten by a short list of edits
 * (insert/replace at an offset) applied while copying, with no allocation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "forward.h"
#include "hash.h"
#include "self_addr.h"
#include "sip_scan.h"
#include "via.h"

/* One change to the input while copying it: at OFF, drop DEL bytes and
 * put INS (INS_LEN bytes) instead. */
struct edit {
    uint32_t off;
    uint32_t del;
    const char *ins;
    size_t ins_len;
    int seq;            /* edits at one offset apply in the order made */
};

#define MAX_EDITS 6

struct obuf {
    char *p;
    size_t len;
    size_t cap;
    bool overflow;
};

static void
put(struct obuf *ob, const void *data, size_t n)
{
    if (ob->overflow || n > ob->cap - ob->len) {
        ob->overflow = true;
        return;
    }
    memcpy(ob->p + ob->len, data, n);
    ob->len += n;
}

static void
puts_(struct obuf *ob, const char *s)
{
    put(ob, s, strlen(s));
}

static int
cmp_edit(const void *a, const void *b)
{
    const struct edit *x = a, *y = b;

    if (x->off != y->off) {
        return x->off < y->off ? -1 : 1;
    }
    return x->seq - y->seq;
}

/* Copy BUF[from, to) into OB, applying the EDITS that fall inside. */
static void
copy_edited(struct obuf *ob, const char *buf, uint32_t from, uint32_t to,
            struct edit *edits, int n_edits)
{
    uint32_t at = from;

    for (int i = 0; i < n_edits; i++) {
        edits[i].seq = i;
    }
    qsort(edits, (size_t) n_edits, sizeof(*edits), cmp_edit);
    for (int i = 0; i < n_edits; i++) {
        const struct edit *e = &edits[i];

        if (e->off < at || e->off > to) {
            continue;
        }
        put(ob, buf + at, e->off - at);
        put(ob, e->ins, e->ins_len);
        at = e->off + e->del;
    }
    if (at < to) {
        put(ob, buf + at, to - at);
    }
}

/* Where the body ends: Content-Length, or the end of the datagram. */
static uint32_t
body_end(const struct sip_msg *msg, size_t len)
{
    if (msg->content_length >= 0) {
        return msg->body_off + (uint32_t) msg->content_length;
    }
    return (uint32_t) len;
}

/* received/rport for the top Via of a request from SRC (RFC 3261 18.2.1,
 * RFC 3581).  Fills up to 2 edits; the strings live in SCRATCH. */
static int
via_received_edits(const char *buf, const struct sip_via *v,
                   const struct sockaddr_storage *src, struct edit *edits,
                   char scratch[2][ADDR_STRLEN + 16])
{
    char ip[ADDR_STRLEN];
    size_t ip_len = addr_ip_str(src, ip, sizeof(ip));
    int n = 0;

    if (v->received.len > 0) {
        g_strlcpy(scratch[0], ip, ADDR_STRLEN + 16);
        edits[n++] = (struct edit) { v->received.off, v->received.len, scratch[0], ip_len, 0 };
    } else if (v->host.len != ip_len || strncasecmp(buf + v->host.off, ip, ip_len) != 0
               || v->rport_present) {
        int k = snprintf(scratch[0], ADDR_STRLEN + 16, ";received=%s", ip);

        edits[n++] = (struct edit) { v->value.off + v->value.len, 0, scratch[0], (size_t) k, 0 };
    }
    if (v->rport_present) {
        int port = addr_port(src);

        if (v->rport_value.len > 0) {
            int k = snprintf(scratch[1], ADDR_STRLEN + 16, "%d", port);

            edits[n++] = (struct edit) { v->rport_value.off, v->rport_value.len, scratch[1],
                                         (size_t) k, 0 };
        } else {
            int k = snprintf(scratch[1], ADDR_STRLEN + 16, "=%d", port);

            edits[n++] = (struct edit) { v->rport_name.off + v->rport_name.len, 0, scratch[1],
                                         (size_t) k, 0 };
        }
    }
    if (n == 2) {
        /* ";rport" may end the value, where ";received=" goes: "=port" first */
        struct edit tmp = edits[0];

        edits[0] = edits[1];
        edits[1] = tmp;
    }
    return n;
}

/* A stateless reply (RFC 3261 8.2.6): Via (with received/rport), From,
 * To (with a tag), Call-ID and CSeq copied. */
static enum fwd_action
reply(const struct fwd_ctx *ctx, const struct fwd_in *in, const struct sip_msg *msg,
      int code, const char *reason, struct fwd_out *out)
{
    struct obuf ob = { out->buf, 0, FWD_OUT_MAX, false };
    struct edit edits[2];
    char scratch[2][ADDR_STRLEN + 16];
    char line[96];
    int n_edits;

    if (sip_span_eq(in->buf, msg->method, "ACK") || msg->via_header_count > SIP_MAX_VIA_HEADERS) {
        ctx->stats->drop_ack += sip_span_eq(in->buf, msg->method, "ACK") ? 1 : 0;
        ctx->stats->drop_parse += sip_span_eq(in->buf, msg->method, "ACK") ? 0 : 1;
        return FWD_DROP;
    }
    const char *eol = msg->lf_only ? "\n" : "\r\n";

    via_request_next_hop(&msg->via[0], &in->src, &out->dst);
    if (ctx->reply_limit != NULL && !reply_limit_allow(ctx->reply_limit, &out->dst, ctx->now_s)) {
        ctx->stats->drop_rate_limited++;
        return FWD_DROP;
    }
    snprintf(line, sizeof(line), "SIP/2.0 %d %s%s", code, reason, eol);
    puts_(&ob, line);
    n_edits = via_received_edits(in->buf, &msg->via[0], &in->src, edits, scratch);
    for (int i = 0; i < msg->via_header_count; i++) {
        struct sip_span h = msg->via_headers[i];

        copy_edited(&ob, in->buf, h.off, h.off + h.len, edits, i == 0 ? n_edits : 0);
    }
    put(&ob, in->buf + msg->from_header.off, msg->from_header.len);
    if (msg->to_tag) {
        put(&ob, in->buf + msg->to_header.off, msg->to_header.len);
    } else {
        uint64_t tag = hrw_hash(in->buf + msg->call_id.off, msg->call_id.len);
        uint32_t cut = msg->to_value.off + msg->to_value.len;

        snprintf(line, sizeof(line), ";tag=sd%016llx", (unsigned long long) tag);
        put(&ob, in->buf + msg->to_header.off, cut - msg->to_header.off);
        puts_(&ob, line);
        put(&ob, in->buf + cut, msg->to_header.off + msg->to_header.len - cut);
    }
    put(&ob, in->buf + msg->call_id_header.off, msg->call_id_header.len);
    put(&ob, in->buf + msg->cseq_header.off, msg->cseq_header.len);
    if (code == 503) {
        snprintf(line, sizeof(line), "Retry-After: %d%s", ctx->retry_after_s, eol);
        puts_(&ob, line);
    }
    snprintf(line, sizeof(line), "Server: sipha-dispatcher%sContent-Length: 0%s%s", eol, eol,
             eol);
    puts_(&ob, line);
    if (ob.overflow) {
        ctx->stats->drop_too_big++;
        return FWD_DROP;
    }
    out->len = ob.len;
    out->proxy = NULL;
    return FWD_SEND;
}

/* Is the Request-URI one of our own addresses ("sip:IP[:PORT]", no user)? */
static bool
addressed_to_us(const struct fwd_in *in, const struct sip_msg *msg)
{
    const char *u = in->buf + msg->ruri.off;
    size_t n = msg->ruri.len, host_len, i;
    char ip[ADDR_STRLEN];
    size_t ip_len = addr_ip_str(&in->local, ip, sizeof(ip));
    const char *host, *end;
    int port = 0;

    if (n < 4 || strncasecmp(u, "sip:", 4) != 0) {
        return false;
    }
    host = u + 4;
    for (i = 0; i < n - 4 && strchr(";?>", host[i]) == NULL; i++) {
        if (host[i] == '@') {
            return false;
        }
    }
    end = host + i;
    if (host < end && host[0] == '[') {
        const char *close = memchr(host, ']', (size_t) (end - host));

        if (close == NULL) {
            return false;
        }
        host++;
        host_len = (size_t) (close - host);
    } else {
        const char *colon = memchr(host, ':', (size_t) (end - host));

        host_len = (size_t) ((colon != NULL ? colon : end) - host);
    }
    if (host_len != ip_len || strncasecmp(host, ip, ip_len) != 0) {
        return false;
    }
    for (const char *p = host + host_len + (host[-1] == '[' ? 1 : 0); p < end; p++) {
        if (*p >= '0' && *p <= '9' && port < 100000) {
            port = port * 10 + (*p - '0');
        }
    }
    return (port == 0 ? 5060 : port) == addr_port(&in->local);
}

/* Would sending to ADDR reach this dispatcher again? */
static bool
is_own_address(const struct fwd_ctx *ctx, const struct fwd_in *in,
               const struct sockaddr_storage *addr)
{
    return addr_equal(addr, &in->local)
        || (ctx->self != NULL && self_addrs_has(ctx->self, addr, ctx->now_s));
}

/* Both top Vias ours: the request came straight back through us. */
static bool
looped(const char *buf, const struct sip_msg *msg)
{
    return msg->via_count >= 2 && via_branch_is_ours(buf, msg->via[0].branch)
        && via_branch_is_ours(buf, msg->via[1].branch);
}

/* Is the method one of an INVITE transaction (RFC 3261 17.1.1, 9.1)? */
static bool
invite_transaction(const char *buf, const struct sip_msg *msg)
{
    return sip_span_eq(buf, msg->method, "INVITE") || sip_span_eq(buf, msg->method, "CANCEL")
        || sip_span_eq(buf, msg->method, "ACK");
}

/* The proxy for MSG: where its INVITE went, if remembered and still in
 * the set, else the rendezvous hash of the Call-ID (a request without a
 * To tag avoids draining proxies); the INVITE's choice is remembered. */
static const struct proxy *
choose_proxy(const struct fwd_ctx *ctx, const struct fwd_in *in, const struct sip_msg *msg,
             uint64_t txn)
{
    const char *buf = in->buf;
    int family = in->local.ss_family;
    const struct proxy *proxy = NULL;
    bool remembered = ctx->affinity != NULL && invite_transaction(buf, msg);
    uint64_t seed;

    if (remembered && affinity_get(ctx->affinity, txn, ctx->now_s, &seed)) {
        proxy = proxyset_find_active(ctx->proxies, seed, family);
    }
    if (proxy == NULL) {
        /* only a proxy we can send to from the arrival address */
        proxy = proxyset_pick_family(ctx->proxies,
                                     hrw_call_hash(ctx->keys, buf + msg->call_id.off,
                                                   msg->call_id.len),
                                     !msg->to_tag, family);
    }
    if (proxy != NULL && remembered && sip_span_eq(buf, msg->method, "INVITE")) {
        affinity_put(ctx->affinity, txn, proxy->seed, ctx->now_s);
    }
    return proxy;
}

static enum fwd_action
forward_request(const struct fwd_ctx *ctx, const struct fwd_in *in, const struct sip_msg *msg,
                struct fwd_out *out)
{
    const char *buf = in->buf;
    struct obuf ob = { out->buf, 0, FWD_OUT_MAX, false };
    struct edit edits[MAX_EDITS];
    char scratch[2][ADDR_STRLEN + 16];
    char via_line[ADDR_STRLEN + VIA_BRANCH_LEN + 64];
    char branch[VIA_BRANCH_LEN + 1];
    char local[ADDR_STRLEN];
    char mf[16];
    struct sockaddr_storage next_hop;
    const struct proxy *proxy;
    uint64_t txn;
    int n = 0, k;
    bool is_ack = sip_span_eq(buf, msg->method, "ACK");

    if (sip_span_eq(buf, msg->method, "OPTIONS")
        && (msg->max_forwards == 0 || addressed_to_us(in, msg))) {
        ctx->stats->reply_options++;
        return reply(ctx, in, msg, 200, "OK", out);
    }
    if (msg->max_forwards == 0) {
        ctx->stats->reply_483 += is_ack ? 0 : 1;
        return reply(ctx, in, msg, 483, "Too Many Hops", out);
    }
    if (looped(buf, msg)) {
        ctx->stats->reply_482 += is_ack ? 0 : 1;
        return reply(ctx, in, msg, 482, "Loop Detected", out);
    }
    txn = via_branch_id(ctx->keys, buf, msg);
    proxy = choose_proxy(ctx, in, msg, txn);
    if (proxy == NULL) {
        ctx->stats->reply_503 += is_ack ? 0 : 1;
        return reply(ctx, in, msg, 503, "Service Unavailable", out);
    }
    if (is_own_address(ctx, in, &proxy->addr)) {
        /* learned since the control side last checked the set */
        ctx->stats->reply_482 += is_ack ? 0 : 1;
        return reply(ctx, in, msg, 482, "Loop Detected", out);
    }
    via_request_next_hop(&msg->via[0], &in->src, &next_hop);
    via_branch_format(ctx->keys, via_epoch(ctx->now_s), txn, &next_hop, branch);
    addr_hostport_str(&in->local, local, sizeof(local));
    k = snprintf(via_line, sizeof(via_line), "Via: SIP/2.0/UDP %s;branch=%s%s", local, branch,
                 msg->lf_only ? "\n" : "\r\n");
    edits[n++] = (struct edit) { msg->via[0].header.off, 0, via_line, (size_t) k, 0 };
    n += via_received_edits(buf, &msg->via[0], &in->src, edits + n, scratch);
    if (msg->max_forwards > 0) {
        int capped = msg->max_forwards < FWD_MAX_FORWARDS ? msg->max_forwards : FWD_MAX_FORWARDS;

        k = snprintf(mf, sizeof(mf), "%d", capped - 1);
        edits[n++] = (struct edit) { msg->max_forwards_value.off, msg->max_forwards_value.len,
                                     mf, (size_t) k, 0 };
    } else {
        const char *add_mf = msg->lf_only ? "Max-Forwards: 70\n" : "Max-Forwards: 70\r\n";

        edits[n++] = (struct edit) { msg->headers_end, 0, add_mf, strlen(add_mf), 0 };
    }
    copy_edited(&ob, buf, 0, body_end(msg, in->len), edits, n);
    if (ob.overflow) {
        ctx->stats->drop_too_big++;
        return FWD_DROP;
    }
    out->len = ob.len;
    out->dst = proxy->addr;
    out->proxy = proxy;     /* counted by the caller: the set is read-only here */
    ctx->stats->fwd_requests++;
    return FWD_SEND;
}

static enum fwd_action
forward_response(const struct fwd_ctx *ctx, const struct fwd_in *in, const struct sip_msg *msg,
                 struct fwd_out *out)
{
    const struct sip_via *top = &msg->via[0];
    struct obuf ob = { out->buf, 0, FWD_OUT_MAX, false };
    struct edit strip;

    if (!via_branch_is_ours(in->buf, top->branch)) {
        ctx->stats->drop_not_ours++;
        return FWD_DROP;
    }
    if (!proxyset_is_proxy_addr(ctx->proxies, &in->src)) {
        ctx->stats->drop_not_proxy++;
        return FWD_DROP;
    }
    if (msg->via_count < 2 || via_next_hop(in->buf, &msg->via[1], &out->dst) != 0) {
        ctx->stats->drop_no_next_hop++;
        return FWD_DROP;
    }
    /* our Via again below ours, or a next hop that is us: a loop, of a
     * forged Via stack or of a proxy sending to a SAP */
    if (via_branch_is_ours(in->buf, msg->via[1].branch)
        || is_own_address(ctx, in, &out->dst)) {
        ctx->stats->drop_loop++;
        return FWD_DROP;
    }
    if (!via_branch_verify(ctx->keys, via_epoch(ctx->now_s), in->buf, top->branch, &out->dst)) {
        ctx->stats->drop_bad_mac++;
        return FWD_DROP;
    }
    if (top->header_has_more) {
        strip = (struct edit) { top->value.off, top->next_value_off - top->value.off, "", 0, 0 };
    } else {
        strip = (struct edit) { top->header.off, top->header.len, "", 0, 0 };
    }
    copy_edited(&ob, in->buf, 0, body_end(msg, in->len), &strip, 1);
    if (ob.overflow) {
        ctx->stats->drop_too_big++;
        return FWD_DROP;
    }
    out->len = ob.len;
    out->proxy = NULL;
    ctx->stats->fwd_responses++;
    return FWD_SEND;
}

enum fwd_action
fwd_process(const struct fwd_ctx *ctx, const struct fwd_in *in, struct fwd_out *out)
{
    struct sip_msg msg;
    int rc;

    ctx->stats->rx_packets++;
    if (ctx->self != NULL) {
        self_addrs_learn(ctx->self, &in->local, ctx->now_s);
    }
    rc = sip_scan(in->buf, in->len, &msg);
    if (rc == SIP_SCAN_EMPTY) {
        ctx->stats->drop_keepalive++;
        return FWD_DROP;
    }
    if (rc != SIP_SCAN_OK) {
        ctx->stats->drop_parse++;
        return FWD_DROP;
    }
    if (msg.is_request) {
        ctx->stats->rx_requests++;
        return forward_request(ctx, in, &msg, out);
    }
    ctx->stats->rx_responses++;
    return forward_response(ctx, in, &msg, out);
}
