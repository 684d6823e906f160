/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h: socket address helpers (numeric only: a stateless forwarder
 * does no DNS on its hot path).  Text into a socket address:
 * sipha_sockaddr_parse() and sipha_sockaddr_from_ip() (sip/sipha_sip_addr.h).
 */
#ifndef SIPHA_DISPATCHER_ADDR_H
#define SIPHA_DISPATCHER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "sip/sipha_sip_addr.h"

/* INET6_ADDRSTRLEN + brackets + ":65535" */
#define ADDR_STRLEN 64

/* "127.0.0.1" / "::1" into BUF (no port, no brackets); returns the length. */
size_t addr_ip_str(const struct sockaddr_storage *ss, char *buf, size_t size);

/* "127.0.0.1:5060" / "[::1]:5060" */
size_t addr_hostport_str(const struct sockaddr_storage *ss, char *buf, size_t size);

int addr_port(const struct sockaddr_storage *ss);
void addr_set_port(struct sockaddr_storage *ss, int port);
socklen_t addr_len(const struct sockaddr_storage *ss);
bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* Bytes that identify address and port, for MACs: returns the length. */
size_t addr_bytes(const struct sockaddr_storage *ss, unsigned char out[19]);

#endif
