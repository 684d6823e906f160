/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.c: pktinfo-aware UDP receive and send (see udp.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "udp.h"

int
udp_open(const struct sockaddr_storage *addr, int rcvbuf_bytes)
{
    int one = 1;
    int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc;

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
        rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (rc == 0 && rcvbuf_bytes > 0) {
        /* SO_RCVBUFFORCE passes rmem_max when we are root; fall back */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_bytes, sizeof(rcvbuf_bytes)) != 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
        }
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

ssize_t
udp_recv(int fd, int port, char *buf, size_t size, struct sockaddr_storage *src,
         struct sockaddr_storage *local)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { buf, size };
    struct msghdr mh = {
        .msg_name = src, .msg_namelen = sizeof(*src),
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    ssize_t n = recvmsg(fd, &mh, 0);

    if (n < 0) {
        return -errno;
    }
    memset(local, 0, sizeof(*local));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            struct sockaddr_in *s4 = (struct sockaddr_in *) local;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            s4->sin_family = AF_INET;
            s4->sin_addr = pi.ipi_addr;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) local;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            s6->sin6_family = AF_INET6;
            s6->sin6_addr = pi.ipi6_addr;
        }
    }
    if (local->ss_family == 0) {
        return -EPROTO;   /* no pktinfo: cannot answer from the right address */
    }
    addr_set_port(local, port);
    if (n >= 0 && (mh.msg_flags & MSG_TRUNC)) {
        return -EMSGSIZE;
    }
    return n;
}

int
udp_send(int fd, const struct sockaddr_storage *local, const struct sockaddr_storage *dst,
         const char *buf, size_t len)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { (void *) buf, len };
    struct msghdr mh = {
        .msg_name = (void *) dst, .msg_namelen = addr_len(dst),
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf,
    };
    struct cmsghdr *c;

    memset(&control, 0, sizeof(control));
    c = (struct cmsghdr *) control.buf;
    if (local->ss_family == AF_INET6) {
        struct in6_pktinfo pi = { .ipi6_addr = ((const struct sockaddr_in6 *) local)->sin6_addr };

        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    } else {
        struct in_pktinfo pi = { .ipi_spec_dst = ((const struct sockaddr_in *) local)->sin_addr };

        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    }
    if (sendmsg(fd, &mh, 0) < 0) {
        return -errno;
    }
    return 0;
}
