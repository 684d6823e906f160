/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.c: pktinfo-aware UDP receive and send (see udp.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "udp.h"

/* The kernel's text for ADDR in /proc/net/udp{,6}: the raw address words
 * in hex, then the port ("0100007F:13C4" is 127.0.0.1:5060 here). */
static void
proc_net_key(const struct sockaddr_storage *addr, char *key, size_t size)
{
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) addr;
        uint32_t w[4];

        memcpy(w, &s6->sin6_addr, sizeof(w));
        snprintf(key, size, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
                 ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *) addr;

        snprintf(key, size, "%08X:%04X", s4->sin_addr.s_addr, ntohs(s4->sin_port));
    }
}

/* Whether a socket of this network namespace is bound to exactly ADDR.
 * SO_REUSEADDR (below) would let a second one bind the same address and
 * silently share its datagrams: a second dispatcher, or a proxy on the same
 * node listening on the wildcard too, must be an error instead. */
static bool
exact_bind_exists(const struct sockaddr_storage *addr)
{
    const char *path = addr->ss_family == AF_INET6 ? "/proc/net/udp6" : "/proc/net/udp";
    char key[64], line[512];
    bool found = false;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        return false;           /* no procfs: let bind() decide */
    }
    proc_net_key(addr, key, sizeof(key));
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        char local[64];

        /* "  sl  local_address rem_address ..." */
        found = sscanf(line, " %*s %63s", local) == 1 && strcmp(local, key) == 0;
    }
    fclose(f);
    return found;
}

int
udp_open(const struct sockaddr_storage *addr, int rcvbuf_bytes)
{
    int one = 1;
    int fd;
    int rc;

    if (exact_bind_exists(addr)) {
        return -EADDRINUSE;
    }
    fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (addr->ss_family == AF_INET6) {
        /* one socket per family: v4-mapped sources would complicate pktinfo */
        rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (rc == 0) {
            rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
        }
    } else {
        rc = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    }
    if (rc == 0) {
        /* lets the wildcard socket coexist with a proxy on the same node
         * bound to the node's own address (nodes with both roles) */
        rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (rc == 0 && rcvbuf_bytes > 0) {
        /* capped by net.core.rmem_max, which the administrator sets
         * (udp_rcvbuf() tells what was granted): not SO_RCVBUFFORCE,
         * which would need CAP_NET_ADMIN and override the host's limit */
        rc = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
    }
    if (rc == 0) {
        rc = bind(fd, (const struct sockaddr *) addr, addr_len(addr));
    }
    if (rc != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

int
udp_rcvbuf(int fd)
{
    int bytes = 0;
    socklen_t len = sizeof(bytes);

    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) != 0) {
        return -errno;
    }
    return bytes / 2;   /* the kernel doubles what it grants, for its overhead */
}

union pktinfo_cmsg {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
};

struct udp_batch {
    size_t size;
    int port;                   /* of the socket last received on */
    int received;
    int queued;
    char *rx_buf[UDP_BATCH];
    struct iovec rx_iov[UDP_BATCH];
    union pktinfo_cmsg rx_ctl[UDP_BATCH];
    struct mmsghdr rx[UDP_BATCH];
    struct sockaddr_storage src[UDP_BATCH];
    struct sockaddr_storage local[UDP_BATCH];
    struct iovec tx_iov[UDP_BATCH];
    union pktinfo_cmsg tx_ctl[UDP_BATCH];
    struct mmsghdr tx[UDP_BATCH];
    struct sockaddr_storage dst[UDP_BATCH];
};

struct udp_batch *
udp_batch_new(size_t size)
{
    struct udp_batch *b = calloc(1, sizeof(*b));

    if (b == NULL) {
        return NULL;
    }
    b->size = size;
    for (int i = 0; i < UDP_BATCH; i++) {
        b->rx_buf[i] = malloc(size + 1);
        if (b->rx_buf[i] == NULL) {
            udp_batch_free(b);
            return NULL;
        }
    }
    return b;
}

void
udp_batch_free(struct udp_batch *b)
{
    if (b == NULL) {
        return;
    }
    for (int i = 0; i < UDP_BATCH; i++) {
        free(b->rx_buf[i]);
    }
    free(b);
}

/* The arrival address from a received message's pktinfo; false if none. */
static bool
arrival(struct msghdr *mh, int port, struct sockaddr_storage *local)
{
    memset(local, 0, sizeof(*local));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            ((struct sockaddr_in *) local)->sin_family = AF_INET;
            ((struct sockaddr_in *) local)->sin_addr = pi.ipi_addr;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            ((struct sockaddr_in6 *) local)->sin6_family = AF_INET6;
            ((struct sockaddr_in6 *) local)->sin6_addr = pi.ipi6_addr;
        }
    }
    if (local->ss_family == 0) {
        return false;
    }
    addr_set_port(local, port);
    return true;
}

int
udp_recv_batch(int fd, int port, struct udp_batch *b)
{
    int n;

    for (int i = 0; i < UDP_BATCH; i++) {
        struct msghdr *mh = &b->rx[i].msg_hdr;

        b->rx_iov[i] = (struct iovec) { b->rx_buf[i], b->size };
        memset(mh, 0, sizeof(*mh));
        mh->msg_name = &b->src[i];
        mh->msg_namelen = sizeof(b->src[i]);
        mh->msg_iov = &b->rx_iov[i];
        mh->msg_iovlen = 1;
        mh->msg_control = b->rx_ctl[i].buf;
        mh->msg_controllen = sizeof(b->rx_ctl[i].buf);
    }
    b->queued = 0;
    b->port = port;
    n = recvmmsg(fd, b->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
        b->received = 0;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    }
    b->received = n;
    return n;
}

ssize_t
udp_batch_get(struct udp_batch *b, int i, const char **buf, struct sockaddr_storage **src,
              struct sockaddr_storage **local)
{
    struct msghdr *mh = &b->rx[i].msg_hdr;
    size_t len = b->rx[i].msg_len;

    *buf = b->rx_buf[i];
    *src = &b->src[i];
    *local = &b->local[i];
    if (mh->msg_flags & MSG_TRUNC) {
        return -EMSGSIZE;
    }
    if (!arrival(mh, b->port, &b->local[i])) {
        return -EPROTO;
    }
    b->rx_buf[i][len] = '\0';
    return (ssize_t) len;
}

void
udp_batch_queue(struct udp_batch *b, const struct sockaddr_storage *local,
                const struct sockaddr_storage *dst, const char *buf, size_t len)
{
    int k = b->queued++;
    struct msghdr *mh = &b->tx[k].msg_hdr;
    struct cmsghdr *c;

    b->dst[k] = *dst;
    b->tx_iov[k] = (struct iovec) { (void *) buf, len };
    memset(mh, 0, sizeof(*mh));
    memset(&b->tx_ctl[k], 0, sizeof(b->tx_ctl[k]));
    mh->msg_name = &b->dst[k];
    mh->msg_namelen = addr_len(dst);
    mh->msg_iov = &b->tx_iov[k];
    mh->msg_iovlen = 1;
    mh->msg_control = b->tx_ctl[k].buf;
    c = (struct cmsghdr *) b->tx_ctl[k].buf;
    if (local->ss_family == AF_INET6) {
        struct in6_pktinfo pi = { .ipi6_addr = ((const struct sockaddr_in6 *) local)->sin6_addr };

        mh->msg_controllen = CMSG_SPACE(sizeof(pi));
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    } else {
        struct in_pktinfo pi = { .ipi_spec_dst = ((const struct sockaddr_in *) local)->sin_addr };

        mh->msg_controllen = CMSG_SPACE(sizeof(pi));
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    }
}

int
udp_send_batch(int fd, struct udp_batch *b)
{
    int sent = 0, failed = 0;

    while (sent < b->queued) {
        int n = sendmmsg(fd, b->tx + sent, (unsigned) (b->queued - sent), 0);

        if (n <= 0) {
            failed++;                     /* skip the one that failed */
            sent++;
            continue;
        }
        sent += n;
    }
    b->queued = 0;
    return failed;
}
