/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_netlink.h: the two things of a takeover that must not wait for
 * a fork on a loaded host: adding (or removing) the address, through
 * rtnetlink, and the first gratuitous ARP, through a packet socket.  The
 * result is what "ip addr add ADDR/PREFIX brd BRD dev NIC" gives; the
 * repeated ARPs are then resource-agents' send_arp, as IPaddr2 runs it.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_NETLINK_H
#define SIPHA_DISPATCHER_TAKEOVER_NETLINK_H

#include <stdbool.h>

/* Add (ADD true) or delete ADDRESS/PREFIX on NIC; IPv4 with the broadcast
 * address of the prefix, IPv6 with IFA_F_NODAD.  Returns 0, or -errno
 * (-EEXIST when it is already there). */
int takeover_netlink_addr(bool add, const char *address, int prefix, const char *nic);

/* One gratuitous ARP request for the IPv4 ADDRESS from NIC's MAC.
 * Returns 0 or -errno. */
int takeover_netlink_garp(const char *address, const char *nic);

#endif
