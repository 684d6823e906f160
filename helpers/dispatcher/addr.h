/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.h: socket address helpers (numeric only: a stateless forwarder
 * does no DNS on its hot path).
 */
#ifndef SIPHA_DISPATCHER_ADDR_H
#define SIPHA_DISPATCHER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* INET6_ADDRSTRLEN + brackets + ":65535" */
#define ADDR_STRLEN 64

/* Parse a numeric IP (IPv6 with or without brackets) of N bytes and a port
 * into SS.  Returns 0 or -EINVAL. */
int addr_from_ip(const char *ip, size_t n, int port, struct sockaddr_storage *ss);

/* Parse "host[:port]" or "[v6]:port" with DEFAULT_PORT. */
int addr_parse(const char *text, int default_port, struct sockaddr_storage *ss);

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
