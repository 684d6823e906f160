/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs.h: what the dispatcher keeps of root once its sockets are bound.
 *
 * It starts as root to bind port 5060, create the control socket and the pid
 * file; with --user it then becomes that user (and its groups: haclient for
 * the CIB), keeping only the capabilities the fast takeover needs to add a
 * SAP address and announce it (CAP_NET_ADMIN, CAP_NET_RAW, also ambient so
 * that `ip` and send_arp run by it have them) and to run its heartbeat
 * sender at real-time priority (CAP_SYS_NICE).  Never dumpable: a core
 * file would hold the secret.
 */
#ifndef SIPHA_DISPATCHER_PRIVS_H
#define SIPHA_DISPATCHER_PRIVS_H

#include <stdbool.h>

/* No core dumps, no ptrace by the same user. */
void privs_no_core(void);

/* Become USER keeping the takeover's capabilities when TAKEOVER (and
 * CAP_SYS_NICE when RT too).  Must run before any other thread starts (the
 * capabilities are per thread).  Returns 0 or -errno after logging why. */
int privs_drop(const char *user, bool takeover, bool rt);

#endif
