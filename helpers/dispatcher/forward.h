/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * forward.h: what the dispatcher does with one datagram (RFC 3261 16.11).
 *
 * Pure: bytes and addresses in, bytes and a destination out, no I/O, so
 * the unit tests drive it directly.
 */
#ifndef SIPHA_DISPATCHER_FORWARD_H
#define SIPHA_DISPATCHER_FORWARD_H

#include <stddef.h>
#include <sys/socket.h>

#include "affinity.h"
#include "mac.h"
#include "proxyset.h"
#include "reply_limit.h"
#include "self_addr.h"
#include "stats.h"

/* The largest UDP payload we build. */
#define FWD_OUT_MAX 65507

struct fwd_ctx {
    const struct disp_keys *keys;
    const struct proxyset *proxies;
    struct disp_stats *stats;
    int retry_after_s;          /* in 503s */
    /* Our own addresses (never a next hop), learned from each datagram's
     * arrival address; NULL: only the arrival address itself. */
    struct self_addrs *self;
    /* Wall-clock seconds, set by the caller once per batch (no clock read
     * per datagram): the branch MAC's epoch, the learned addresses' age. */
    uint64_t now_s;
    /* Where recent INVITE transactions went, so their CANCEL, ACK and
     * retransmissions follow across drains and returns; NULL: off. */
    struct fwd_affinity *affinity;
    /* Budget of our own replies per source address; NULL: unlimited. */
    struct reply_limit *reply_limit;
};

/* Max-Forwards of what we forward is at most this (RFC 3261 16.6 step 3's
 * recommended initial value, Kamailio's maxfwd limit): a request arriving
 * with 255 cannot make 255 more hops through loops of our making. */
#define FWD_MAX_FORWARDS 70

struct fwd_in {
    const char *buf;
    size_t len;
    struct sockaddr_storage src;     /* who sent it */
    struct sockaddr_storage local;   /* address and port it arrived on */
};

struct fwd_out {
    char buf[FWD_OUT_MAX + 1];
    size_t len;
    struct sockaddr_storage dst;     /* send from fwd_in.local to here */
    const struct proxy *proxy;       /* requests: the proxy chosen */
};

enum fwd_action {
    FWD_DROP = 0,
    FWD_SEND,
};

enum fwd_action fwd_process(const struct fwd_ctx *ctx, const struct fwd_in *in,
                            struct fwd_out *out);

#endif
