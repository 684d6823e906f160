/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.c: numeric socket address helpers (parsing text is
 * sipha_sip_addr.h's). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Decimal digits of V (< 100000) at OUT; returns how many. */
static size_t
put_decimal(unsigned v, char *out)
{
    char tmp[8];
    size_t n = 0;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (size_t i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

/* IPv4 by hand: this runs for every forwarded message, and inet_ntop()
 * goes through the printf machinery (a tenth of the forwarding cost). */
static size_t
ipv4_str(const struct in_addr *a, char *buf, size_t size)
{
    const unsigned char *b = (const unsigned char *) &a->s_addr;
    char tmp[INET_ADDRSTRLEN];
    size_t n = 0;

    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            tmp[n++] = '.';
        }
        n += put_decimal(b[i], tmp + n);
    }
    if (n >= size) {
        buf[0] = '\0';
        return 0;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return n;
}

size_t
addr_ip_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) ss;

    if (size == 0) {
        return 0;
    }
    if (ss->ss_family != AF_INET6) {
        return ipv4_str(&((const struct sockaddr_in *) ss)->sin_addr, buf, size);
    }
    if (inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t) size) == NULL) {
        buf[0] = '\0';
        return 0;
    }
    return strlen(buf);
}

size_t
addr_hostport_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char tmp[INET6_ADDRSTRLEN + 10];
    bool v6 = ss->ss_family == AF_INET6;
    size_t n = v6 ? 1 : 0;

    tmp[0] = '[';
    n += addr_ip_str(ss, tmp + n, INET6_ADDRSTRLEN);
    if (v6) {
        tmp[n++] = ']';
    }
    tmp[n++] = ':';
    n += put_decimal((unsigned) addr_port(ss), tmp + n);
    if (size == 0 || n >= size) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return 0;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return n;
}

int
addr_port(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6
        ? ntohs(((const struct sockaddr_in6 *) ss)->sin6_port)
        : ntohs(((const struct sockaddr_in *) ss)->sin_port);
}

void
addr_set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET6) {
        ((struct sockaddr_in6 *) ss)->sin6_port = htons((uint16_t) port);
    } else {
        ((struct sockaddr_in *) ss)->sin_port = htons((uint16_t) port);
    }
}

socklen_t
addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

size_t
addr_bytes(const struct sockaddr_storage *ss, unsigned char out[19])
{
    int port = addr_port(ss);

    out[0] = (unsigned char) ss->ss_family;
    out[1] = (unsigned char) (port >> 8);
    out[2] = (unsigned char) port;
    if (ss->ss_family == AF_INET6) {
        memcpy(out + 3, &((const struct sockaddr_in6 *) ss)->sin6_addr, 16);
        return 19;
    }
    memcpy(out + 3, &((const struct sockaddr_in *) ss)->sin_addr, 4);
    return 7;
}

/* Field by field: it runs for every datagram (self_addr.c). */
bool
addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family) {
        return false;
    }
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *) a;
        const struct sockaddr_in *y = (const struct sockaddr_in *) b;

        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *) b;

        return x->sin6_port == y->sin6_port
            && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return false;
}
