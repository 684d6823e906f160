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
 * RCVBUF_BYTES > 0 asks for that SO_RCVBUF (the kernel caps it at
 * net.core.rmem_max).  Returns the fd or -errno. */
int udp_open(const struct sockaddr_storage *addr, int rcvbuf_bytes);

/* The receive buffer FD got, in the bytes SO_RCVBUF asked for; -errno. */
int udp_rcvbuf(int fd);

#endif

/* Batched I/O for the hot path: one recvmmsg and one sendmmsg per wake-up
 * instead of a recvmsg/sendmsg pair per datagram. */
#define UDP_BATCH 32

struct udp_batch;

/* Buffers for UDP_BATCH datagrams of up to SIZE bytes each (NUL-terminated
 * on receive: SIZE + 1 bytes are allocated). */
struct udp_batch *udp_batch_new(size_t size);
void udp_batch_free(struct udp_batch *b);

/* Receive up to UDP_BATCH datagrams without blocking.  Returns how many
 * (0 when none is waiting) or -errno. */
int udp_recv_batch(int fd, int port, struct udp_batch *b);

/* Datagram I of the last receive: its bytes, length (-EMSGSIZE when
 * truncated, -EPROTO without pktinfo), sender, arrival address. */
ssize_t udp_batch_get(struct udp_batch *b, int i, const char **buf,
                      struct sockaddr_storage **src, struct sockaddr_storage **local);

/* Queue LEN bytes of BUF (kept by reference until udp_send_batch) to DST
 * from LOCAL. */
void udp_batch_queue(struct udp_batch *b, const struct sockaddr_storage *local,
                     const struct sockaddr_storage *dst, const char *buf, size_t len);

/* Send what was queued; returns how many failed. */
int udp_send_batch(int fd, struct udp_batch *b);
