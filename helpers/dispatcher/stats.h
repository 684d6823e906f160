/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats.h: the dispatcher's counters (read through the control socket).
 *
 * Each packet worker counts into its own struct with plain increments and
 * copies it, after each batch, into a shared one with relaxed atomic
 * stores; the control side sums the shared ones with relaxed atomic loads.
 * One writer per counter, no lock, no atomic read-modify-write on the
 * packet path.
 */
#ifndef SIPHA_DISPATCHER_STATS_H
#define SIPHA_DISPATCHER_STATS_H

#include <stdint.h>

#include <glib.h>

#define DISP_STATS(X) \
    X(rx_packets, "datagrams received") \
    X(rx_requests, "requests received") \
    X(rx_responses, "responses received") \
    X(fwd_requests, "requests forwarded to a proxy") \
    X(fwd_responses, "responses forwarded to the previous hop") \
    X(reply_options, "OPTIONS to the dispatcher answered 200 (rate-limited ones included)") \
    X(reply_483, "requests answered 483 Too Many Hops (idem)") \
    X(reply_482, "requests answered 482 Loop Detected (idem)") \
    X(reply_503, "requests answered 503, no proxy (idem)") \
    X(drop_keepalive, "keep-alives (CRLF) ignored") \
    X(drop_parse, "dropped: not a SIP message the scanner accepts") \
    X(drop_ack, "ACKs dropped (no proxy, or Max-Forwards 0)") \
    X(drop_not_ours, "responses dropped: top Via not ours") \
    X(drop_bad_mac, "responses dropped: MAC did not verify (forged, redirected or expired)") \
    X(drop_not_proxy, "responses dropped: not from a proxy of the set") \
    X(drop_loop, "responses dropped: next hop is the dispatcher again") \
    X(drop_no_next_hop, "responses dropped: no usable next Via") \
    X(drop_rate_limited, "replies not sent: over the per-source budget (reply_limit.h)") \
    X(drop_too_big, "dropped: message would exceed a datagram") \
    X(drop_family, "dropped: next hop of another address family than the arrival address") \
    X(tx_errors, "send errors")

struct disp_stats {
#define X(name, what) uint64_t name;
    DISP_STATS(X)
#undef X
};

void disp_stats_dump(const struct disp_stats *st, GString *out);

/* The same counters for Prometheus: sipha_dispatcher_NAME_total. */
void disp_stats_metrics(const struct disp_stats *st, GString *out);

/* Worker side: copy FROM into SHARED (relaxed atomic stores). */
void disp_stats_publish(struct disp_stats *shared, const struct disp_stats *from);

/* Control side: add SHARED (relaxed atomic loads) into SUM. */
void disp_stats_add(struct disp_stats *sum, const struct disp_stats *shared);

#endif
