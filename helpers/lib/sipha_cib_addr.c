/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_addr.c: proxy identity key of a SIP address (see the header).
 * Kept to one function so it can be replaced by the probe library's parser.
 */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipha_cib_addr.h"

#define HOST_MAX 256

/* Lowercase copy of [start, start+n) into out (size HOST_MAX). */
static int copy_lower(const char *start, size_t n, char *out)
{
    if (n == 0 || n >= HOST_MAX) {
        return n == 0 ? -EINVAL : -ENOSPC;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (char) tolower((unsigned char) start[i]);
    }
    out[n] = '\0';
    return 0;
}

/* Find ";transport=X" among URI parameters starting at params. */
static int uri_transport(const char *params, char *transport, size_t len)
{
    for (const char *p = params; p != NULL && *p != '\0'; p = strchr(p + 1, ';')) {
        if (*p == ';' && strncasecmp(p + 1, "transport=", 10) == 0) {
            size_t n = strcspn(p + 11, ";?>");
            if (n == 0 || n >= len) {
                return -EINVAL;
            }
            for (size_t i = 0; i < n; i++) {
                transport[i] = (char) tolower((unsigned char) p[11 + i]);
            }
            transport[n] = '\0';
        }
    }
    return 0;
}

/* Split "host[:port]" / "[v6][:port]" / bare v6 in [s, s+n). */
static int split_hostport(const char *s, size_t n, char *host, long *port)
{
    const char *end = s + n;
    const char *colon = NULL;
    int rc;

    *port = -1;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            return -EINVAL;
        }
        rc = copy_lower(s + 1, (size_t) (close - s - 1), host);
        if (rc < 0) {
            return rc;
        }
        if (close + 1 == end) {
            return 0;
        }
        if (close[1] != ':') {
            return -EINVAL;
        }
        colon = close + 1;
    } else {
        const char *first = memchr(s, ':', n);
        const char *last = first;
        for (const char *p = first; p != NULL && p < end; p = memchr(p + 1, ':', (size_t) (end - p - 1))) {
            last = p;
        }
        if (first != NULL && first != last) {
            /* more than one colon without brackets: a bare IPv6 literal */
            return copy_lower(s, n, host);
        }
        colon = first;
        rc = copy_lower(s, colon != NULL ? (size_t) (colon - s) : n, host);
        if (rc < 0) {
            return rc;
        }
        if (colon == NULL) {
            return 0;
        }
    }
    char digits[8];
    size_t nd = (size_t) (end - colon - 1);
    if (nd == 0 || nd >= sizeof(digits)) {
        return -EINVAL;
    }
    memcpy(digits, colon + 1, nd);
    digits[nd] = '\0';
    char *stop = NULL;
    *port = strtol(digits, &stop, 10);
    if (*stop != '\0' || !isdigit((unsigned char) digits[0]) || *port < 1 || *port > 65535) {
        return -EINVAL;
    }
    return 0;
}

int sipha_cib_address_key(const char *text, const char *default_transport,
                          char *buf, size_t len)
{
    char transport[16] = "";
    char host[HOST_MAX];
    const char *s;
    size_t n;
    long port = -1;
    int rc;

    if (text == NULL || buf == NULL) {
        return -EINVAL;
    }
    while (isspace((unsigned char) *text)) {
        text++;
    }
    s = text;
    if (strncasecmp(s, "sips:", 5) == 0) {
        return -EPROTONOSUPPORT;
    }
    if (strncasecmp(s, "sip:", 4) == 0) {
        s += 4;
        const char *at = strchr(s, '@');
        n = strcspn(s, ";?> \t");
        if (at != NULL && (size_t) (at - s) < n) {
            s = at + 1;
            n = strcspn(s, ";?> \t");
        }
        rc = uri_transport(s + n, transport, sizeof(transport));
        if (rc < 0) {
            return rc;
        }
    } else {
        if (strncasecmp(s, "udp:", 4) == 0 || strncasecmp(s, "tcp:", 4) == 0) {
            snprintf(transport, sizeof(transport), "%c%cp", tolower((unsigned char) s[0]),
                     tolower((unsigned char) s[1]));
            s += 4;
        }
        n = strcspn(s, " \t\r\n");
        if (s[n] != '\0' && s[n + strspn(s + n, " \t\r\n")] != '\0') {
            return -EINVAL;
        }
    }
    rc = split_hostport(s, n, host, &port);
    if (rc < 0) {
        return rc;
    }
    if (transport[0] == '\0') {
        snprintf(transport, sizeof(transport), "%s",
                 default_transport != NULL ? default_transport : "udp");
    }
    if (strcmp(transport, "udp") != 0 && strcmp(transport, "tcp") != 0) {
        return -EPROTONOSUPPORT;
    }
    if (strpbrk(host, " \t;@/?<>[]") != NULL) {
        return -EINVAL;
    }
    bool v6 = strchr(host, ':') != NULL;
    if (v6) {
        /* canonical text form, so "::0001" and "::1" are one proxy */
        struct in6_addr a6;
        if (inet_pton(AF_INET6, host, &a6) != 1
            || inet_ntop(AF_INET6, &a6, host, sizeof(host)) == NULL) {
            return -EINVAL;
        }
    }
    rc = snprintf(buf, len, v6 ? "%s:[%s]:%ld" : "%s:%s:%ld", transport, host,
                  port < 0 ? 5060L : port);
    if (rc < 0 || (size_t) rc >= len) {
        return -ENOSPC;
    }
    return rc;
}
