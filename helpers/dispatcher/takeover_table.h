/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_table.h: the successor table, as sipha-successors prints it.
 *
 *   self NODE
 *   quorum 1|0
 *   peer NODE ADDRESS
 *   sap INSTANCE ADDRESS PREFIX NIC HOLDER SUCCESSOR
 *
 * One record a line, '#' starts a comment, "-" is "unknown / none".  The
 * successor is the node Pacemaker's own scheduler places the SAP on when
 * its holder goes down, so that a fast takeover is what Pacemaker confirms.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_TABLE_H
#define SIPHA_DISPATCHER_TAKEOVER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <net/if.h>
#include <netinet/in.h>

#include "takeover_msg.h"

#define TAKEOVER_PEERS_MAX 32
#define TAKEOVER_SAPS_MAX 64

struct takeover_table_peer {
    char name[TAKEOVER_NAME_MAX + 1];
    char address[INET6_ADDRSTRLEN];
};

struct takeover_sap {
    int instance;
    char address[INET6_ADDRSTRLEN];
    int prefix;                             /* -1: unknown */
    char nic[IF_NAMESIZE];                  /* "": unknown */
    char holder[TAKEOVER_NAME_MAX + 1];     /* "": not running */
    char successor[TAKEOVER_NAME_MAX + 1];  /* "": would stay stopped */
};

struct takeover_table {
    char self[TAKEOVER_NAME_MAX + 1];
    bool quorum;
    int peer_count;
    struct takeover_table_peer peers[TAKEOVER_PEERS_MAX];
    int sap_count;
    struct takeover_sap saps[TAKEOVER_SAPS_MAX];
};

/* Parse LEN bytes of TEXT into T.  Returns 0, or -EINVAL with a one-line
 * reason in ERR (T then undefined).  Records of unknown types are skipped,
 * so that a newer sipha-successors can add some. */
int takeover_table_parse(const char *text, size_t len, struct takeover_table *t,
                         char *err, size_t err_size);

const struct takeover_sap *takeover_table_find_sap(const struct takeover_table *t,
                                                   const char *address);

#endif
