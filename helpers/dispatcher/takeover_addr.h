/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_addr.h: claim and let go of a SAP address as IPaddr2 does it,
 * so that Pacemaker's later start of the SAP on this node finds the address
 * served and succeeds without touching it.  The address is added through
 * rtnetlink with what "ip -f inet addr add ADDR/PREFIX brd BROADCAST dev
 * NIC" sends (a fork and exec of ip took 100 ms on a loaded 2-core lab
 * host), the first gratuitous ARP goes out at once from a packet socket,
 * and the rest are resource-agents' send_arp -i 200 -r 5 with IPaddr2's pid
 * file.  IPv6: IFA_F_NODAD (the holder is gone, and duplicate address
 * detection would hold the address for a second) and send_ua.  The
 * interface and prefix, when the SAP resource does not set them, are those
 * of the interface whose own address's network holds the SAP, as IPaddr2's
 * findif picks them.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_ADDR_H
#define SIPHA_DISPATCHER_TAKEOVER_ADDR_H

#include <net/if.h>

struct takeover_addr_tools {
    const char *ip;             /* "ip" */
    const char *send_arp;       /* resource-agents' send_arp */
    const char *send_ua;        /* resource-agents' send_ua */
    const char *rsctmp;         /* IPaddr2's pid directory of send_arp */
    const char *attrd_updater;
};

/* Fill an unknown NIC ("") and PREFIX (-1) for ADDRESS from the local
 * interfaces.  Returns 0 or -ENOENT (no interface's network holds it). */
int takeover_addr_resolve(const char *address, char nic[IF_NAMESIZE], int *prefix);

/* Add ADDRESS/PREFIX on NIC (synchronously: a few ms) and start the
 * gratuitous ARPs / unsolicited NAs in the background.  Returns 0 or
 * -errno with the reason logged. */
int takeover_addr_claim(const struct takeover_addr_tools *tools, const char *address,
                        int prefix, const char *nic);

/* Remove it again.  Returns 0 or -errno (logged). */
int takeover_addr_release(const struct takeover_addr_tools *tools, const char *address,
                          int prefix, const char *nic);

/* Set (VALUE != NULL) or delete the transient node attribute NAME of NODE
 * (NULL: this node), in the background. */
void takeover_addr_attribute(const struct takeover_addr_tools *tools, const char *node,
                             const char *name, const char *value);

#endif
