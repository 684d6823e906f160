/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udp.h: UDP sockets that learn the address each datagram arrived on
 * (IP_PKTINFO / IPV6_RECVPKTINFO) and send from it, so one wildcard socket
 * serves every SAP that lands on the node without a restart.
 */
#ifndef SIPHA_DISPATCHER_UDP_H
#define SIPHA_DISPATCHER_UDP_H

#include <stddef.h>
#include <sys/socket.h>

/* Open a non-blocking socket bound to ADDR (wildcard or not).
 * RCVBUF_BYTES > 0 sets SO_RCVBUF.  Returns the fd or -errno. */
int udp_open(const struct sockaddr_storage *addr, int rcvbuf_bytes);

/* Receive one datagram: BUF gets up to SIZE bytes; SRC the sender; LOCAL
 * the address it was sent to (port = the socket's port).  Returns the
 * length or -errno (-EAGAIN when nothing is waiting). */
ssize_t udp_recv(int fd, int port, char *buf, size_t size, struct sockaddr_storage *src,
                 struct sockaddr_storage *local);

/* Send LEN bytes to DST with source address LOCAL (its port is ignored:
 * the socket's own).  Returns 0 or -errno. */
int udp_send(int fd, const struct sockaddr_storage *local, const struct sockaddr_storage *dst,
             const char *buf, size_t len);

#endif
