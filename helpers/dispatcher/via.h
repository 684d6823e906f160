/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * via.h: the dispatcher's Via branch.
 *
 * branch = "z9hG4bK" "sd" <16 hex: id> <16 hex: mac>
 *   id  = SipHash(key_id, what identifies the transaction: the client's
 *         branch and sent-by, or for RFC 2543 clients Call-ID, CSeq number,
 *         Request-URI and top Via), so retransmissions, the CANCEL and the
 *         ACK of a non-2xx get the same branch as their INVITE (RFC 3261 16.11);
 *   mac = SipHash(key_mac, id || epoch || where the response must go
 *         next), so a response is relayed only to the address the request
 *         came from, only by a dispatcher that knows the shared secret, and
 *         only for a while: epoch = wall-clock seconds / VIA_EPOCH_S, and
 *         a response verifies in the epoch its request was forwarded in
 *         and the next one (plus the previous one, for clocks a little
 *         apart between the nodes), so a branch harvested by a proxy or
 *         an eavesdropper stops working after VIA_EPOCH_S to
 *         2 x VIA_EPOCH_S seconds, while a transaction in flight across
 *         an epoch change still relays.
 */
#ifndef SIPHA_DISPATCHER_VIA_H
#define SIPHA_DISPATCHER_VIA_H

#include <stdbool.h>
#include <sys/socket.h>

#include "mac.h"
#include "sip_scan.h"

#define VIA_BRANCH_PREFIX "z9hG4bKsd"
#define VIA_BRANCH_LEN (sizeof(VIA_BRANCH_PREFIX) - 1 + 32)

/* 10 minutes: longer than any transaction (an INVITE's Timer C is 3
 * minutes, a non-INVITE transaction 32 s), so a response arrives at most
 * one epoch after its request; a branch is good for 10 to 20 minutes. */
#define VIA_EPOCH_S 600

/* The epoch of wall-clock time NOW_S (seconds since 1970). */
uint32_t via_epoch(uint64_t now_s);

/* The transaction's identity (the branch's id half): the same for an
 * INVITE, its retransmissions, its CANCEL and the ACK of its non-2xx. */
uint64_t via_branch_id(const struct disp_keys *keys, const char *buf, const struct sip_msg *msg);

/* The branch of transaction ID whose response must go to NEXT_HOP. */
void via_branch_format(const struct disp_keys *keys, uint32_t epoch, uint64_t id,
                       const struct sockaddr_storage *next_hop, char out[VIA_BRANCH_LEN + 1]);

/* Does BRANCH (a span of BUF) look like ours? */
bool via_branch_is_ours(const char *buf, struct sip_span branch);

/* Does BRANCH carry a valid MAC for NEXT_HOP, made in EPOCH - 1, EPOCH
 * or EPOCH + 1? */
bool via_branch_verify(const struct disp_keys *keys, uint32_t epoch, const char *buf,
                       struct sip_span branch, const struct sockaddr_storage *next_hop);

/* Where a response goes according to Via V (RFC 3261 18.2.2, RFC 3581):
 * received (or the host when numeric), rport or the sent-by port or 5060.
 * Returns 0, or -EINVAL when the host is a name with no received. */
int via_next_hop(const char *buf, const struct sip_via *v, struct sockaddr_storage *out);

/* Where a response to a request from SRC whose top Via is V must go,
 * after we added received/rport to V. */
void via_request_next_hop(const struct sip_via *v, const struct sockaddr_storage *src,
                          struct sockaddr_storage *out);

#endif
