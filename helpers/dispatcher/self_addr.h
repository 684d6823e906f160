/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * self_addr.h: the addresses a datagram sent to reaches this dispatcher.
 *
 * Relaying a response to one of them, or forwarding a request to one, is
 * a loop: a forged Via stack naming the dispatcher 40 times used to be
 * relayed 41 times.  The table holds
 *   - the listen addresses (a wildcard one stands for any address at its
 *     port that only the dispatcher serves: the unspecified address and
 *     loopback);
 *   - every address a datagram arrived on (learned per datagram from
 *     IP_PKTINFO: the SAPs the node holds and its own addresses that
 *     reach the wildcard socket), forgotten after SELF_LEARNED_TTL_S
 *     without traffic.  Learning beats listing the interfaces: on a node
 *     with both roles a proxy bound to the node's own address takes that
 *     address from the dispatcher's wildcard socket, and it is no loop.
 * Fixed size, no allocation: it is read and learned on the packet path.
 */
#ifndef SIPHA_DISPATCHER_SELF_ADDR_H
#define SIPHA_DISPATCHER_SELF_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SELF_ADDR_MAX 64
#define SELF_LEARNED_TTL_S 300

struct self_entry {
    struct sockaddr_storage addr;
    uint64_t seen_s;            /* learned: last arrival; 0 = configured */
};

struct self_addrs {
    struct self_entry entries[SELF_ADDR_MAX];
    int count;
    int last;                   /* the entry learned last: the usual hit */
};

void self_addrs_init(struct self_addrs *s);

/* A listen address (wildcard or not).  Returns 0 or -ENOSPC. */
int self_addrs_add_listen(struct self_addrs *s, const struct sockaddr_storage *addr);

/* ADDR (address and port) was the arrival address of a datagram at NOW_S.
 * When the table is full the stalest learned entry makes room. */
void self_addrs_learn(struct self_addrs *s, const struct sockaddr_storage *addr,
                      uint64_t now_s);

/* Would a datagram sent to ADDR reach this dispatcher (as far as the table
 * knows at NOW_S)? */
bool self_addrs_has(const struct self_addrs *s, const struct sockaddr_storage *addr,
                    uint64_t now_s);

#endif
