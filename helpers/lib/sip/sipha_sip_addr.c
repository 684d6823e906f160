/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_sip_addr.c: parse an address and print its key or make its socket
 * address (see the header).  Hand-written on purpose: it must accept
 * "host:port" and the key itself, which are not SIP URIs, and normalize
 * literals so keys compare.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sip/sipha_sip_addr.h"

const char *
sipha_sip_transport_name(enum sipha_sip_transport transport)
{
    return (transport == SIPHA_SIP_TCP) ? "tcp" : "udp";
}

static bool
has_prefix_ci(const char *text, const char *prefix)
{
    return strncasecmp(text, prefix, strlen(prefix)) == 0;
}

static bool
all_digits(const char *start, const char *end)
{
    for (const char *c = start; c < end; c++) {
        if (!isdigit((unsigned char) *c)) {
            return false;
        }
    }
    return true;
}

/* Decimal 1-65535, the whole of [start, end). */
static int
parse_port(const char *start, const char *end, uint16_t *port)
{
    unsigned long value = 0;

    if ((start == end) || ((end - start) > 5)) {
        return -EINVAL;
    }
    for (const char *c = start; c < end; c++) {
        if (!isdigit((unsigned char) *c)) {
            return -EINVAL;
        }
        value = (value * 10) + (unsigned long) (*c - '0');
    }
    if ((value == 0) || (value > 65535)) {
        return -EINVAL;
    }
    *port = (uint16_t) value;
    return 0;
}

/* Normalize the host in [start, end) (brackets already removed). */
static int
parse_host(const char *start, const char *end, bool bracketed, struct sipha_sip_addr *addr)
{
    size_t len = (size_t) (end - start);
    char text[SIPHA_SIP_HOST_MAX];
    unsigned char bin[sizeof(struct in6_addr)];

    if (len == 0) {
        return -EINVAL;
    }
    if (len >= sizeof(text)) {
        return -ENAMETOOLONG;
    }
    memcpy(text, start, len);
    text[len] = '\0';

    if (inet_pton(AF_INET6, text, bin) == 1) {
        addr->family = AF_INET6;
        inet_ntop(AF_INET6, bin, addr->host, sizeof(addr->host));
        return 0;
    }
    if (bracketed) {
        return -EINVAL;             /* only IPv6 goes in brackets */
    }
    if (inet_pton(AF_INET, text, bin) == 1) {
        addr->family = AF_INET;
        inet_ntop(AF_INET, bin, addr->host, sizeof(addr->host));
        return 0;
    }
    /* A host name: letters, digits, '-', '.', '_' (RFC 3261 hostname, plus
     * the underscore some lab setups use).  One trailing dot is dropped. */
    if ((len > 1) && (text[len - 1] == '.')) {
        text[--len] = '\0';
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];

        if (!isalnum(c) && (c != '-') && (c != '.') && (c != '_')) {
            return -EINVAL;
        }
        text[i] = (char) tolower(c);
    }
    /* No empty label: "a..b", ".a" and "a.." would not round-trip. */
    if ((text[0] == '.') || (text[0] == '-') || (strstr(text, "..") != NULL)
        || (text[len - 1] == '.')) {
        return -EINVAL;
    }
    addr->family = AF_UNSPEC;
    memcpy(addr->host, text, len + 1);
    return 0;
}

/* ";transport=xxx" among the URI parameters in [params, end). */
static int
parse_transport_param(const char *params, const char *end, enum sipha_sip_transport *transport)
{
    const char *p = params;

    while (p < end) {
        const char *next = memchr(p, ';', (size_t) (end - p));
        const char *stop = (next != NULL) ? next : end;
        static const char key[] = "transport=";

        if (((size_t) (stop - p) >= sizeof(key) - 1) && has_prefix_ci(p, key)) {
            const char *value = p + sizeof(key) - 1;
            size_t value_len = (size_t) (stop - value);

            if ((value_len == 3) && (strncasecmp(value, "udp", 3) == 0)) {
                *transport = SIPHA_SIP_UDP;
            } else if ((value_len == 3) && (strncasecmp(value, "tcp", 3) == 0)) {
                *transport = SIPHA_SIP_TCP;
            } else {
                return -EPROTONOSUPPORT;
            }
        }
        p = (next != NULL) ? next + 1 : end;
    }
    return 0;
}

/* host, host:port, [v6], [v6]:port, bare v6 in [start, end); port
 * default_port when none is given. */
static int
parse_hostport(const char *start, const char *end, uint16_t default_port,
               struct sipha_sip_addr *addr)
{
    const char *colon;
    int rc;

    addr->port = default_port;
    if ((start < end) && (*start == '[')) {
        const char *close = memchr(start, ']', (size_t) (end - start));

        if (close == NULL) {
            return -EINVAL;
        }
        rc = parse_host(start + 1, close, true, addr);
        if (rc != 0) {
            return rc;
        }
        if (close + 1 == end) {
            return 0;
        }
        if (close[1] != ':') {
            return -EINVAL;
        }
        return parse_port(close + 2, end, &addr->port);
    }

    colon = memchr(start, ':', (size_t) (end - start));
    if ((colon != NULL) && (memchr(colon + 1, ':', (size_t) (end - colon - 1)) != NULL)) {
        /* Two colons and no brackets: only a bare IPv6 address, no port. */
        rc = parse_host(start, end, false, addr);
        return ((rc == 0) && (addr->family != AF_INET6)) ? -EINVAL : rc;
    }
    if (colon == NULL) {
        return parse_host(start, end, false, addr);
    }
    rc = parse_host(start, colon, false, addr);
    if (rc != 0) {
        return rc;
    }
    return parse_port(colon + 1, end, &addr->port);
}

/* [*start, *end): text without the blanks around it. */
static void
trim(const char *text, const char **start, const char **end)
{
    const char *s = text;
    const char *e;

    while (isspace((unsigned char) *s)) {
        s++;
    }
    e = s + strlen(s);
    while ((e > s) && isspace((unsigned char) e[-1])) {
        e--;
    }
    *start = s;
    *end = e;
}

int
sipha_sip_addr_parse(const char *text, enum sipha_sip_transport default_transport,
                     struct sipha_sip_addr *addr)
{
    struct sipha_sip_addr parsed;
    const char *start, *end, *params = NULL;
    int rc;

    if ((text == NULL) || (addr == NULL)) {
        return -EINVAL;
    }
    memset(&parsed, 0, sizeof(parsed));
    parsed.transport = default_transport;
    trim(text, &start, &end);
    if (has_prefix_ci(start, "sips:") || has_prefix_ci(start, "tls:")
        || has_prefix_ci(start, "sctp:") || has_prefix_ci(start, "ws:")
        || has_prefix_ci(start, "wss:")) {
        return -EPROTONOSUPPORT;
    }
    if (has_prefix_ci(start, "sip:")) {
        const char *at, *stop;

        start += 4;
        /* Headers (?...) and parameters (;...) end the hostport. */
        stop = start;
        while ((stop < end) && (*stop != ';') && (*stop != '?')) {
            stop++;
        }
        at = memchr(start, '@', (size_t) (stop - start));
        if (at != NULL) {
            start = at + 1;         /* the user part names no proxy */
        }
        if ((stop < end) && (*stop == ';')) {
            const char *q = memchr(stop, '?', (size_t) (end - stop));

            params = stop + 1;
            rc = parse_transport_param(params, (q != NULL) ? q : end, &parsed.transport);
            if (rc != 0) {
                return rc;
            }
        }
        end = stop;
    } else if ((has_prefix_ci(start, "udp:") || has_prefix_ci(start, "tcp:"))
               && !all_digits(start + 4, end)) {
        /* A key ("udp:127.0.0.1:5060"); "udp:5060" stays host "udp", port 5060. */
        parsed.transport = has_prefix_ci(start, "tcp:") ? SIPHA_SIP_TCP : SIPHA_SIP_UDP;
        start += 4;
    }

    rc = parse_hostport(start, end, SIPHA_SIP_DEFAULT_PORT, &parsed);
    if (rc != 0) {
        return rc;
    }
    *addr = parsed;
    return 0;
}

static int
format_checked(char *buf, size_t len, int written)
{
    if ((written < 0) || ((size_t) written >= len)) {
        if (len > 0) {
            buf[0] = '\0';
        }
        return -ENOSPC;
    }
    return written;
}

int
sipha_sip_addr_format(const struct sipha_sip_addr *addr, char *buf, size_t len)
{
    bool v6 = (addr->family == AF_INET6);

    return format_checked(buf, len, snprintf(buf, len, "%s:%s%s%s:%u",
                                             sipha_sip_transport_name(addr->transport),
                                             v6 ? "[" : "", addr->host, v6 ? "]" : "",
                                             (unsigned) addr->port));
}

int
sipha_sip_addr_uri(const struct sipha_sip_addr *addr, char *buf, size_t len)
{
    bool v6 = (addr->family == AF_INET6);

    return format_checked(buf, len, snprintf(buf, len, "sip:%s%s%s:%u%s",
                                             v6 ? "[" : "", addr->host, v6 ? "]" : "",
                                             (unsigned) addr->port,
                                             (addr->transport == SIPHA_SIP_TCP) ? ";transport=tcp" : ""));
}

int
sipha_sip_transport_parse(const char *name, enum sipha_sip_transport *transport)
{
    if ((name == NULL) || (strcmp(name, "udp") == 0)) {
        *transport = SIPHA_SIP_UDP;
    } else if (strcmp(name, "tcp") == 0) {
        *transport = SIPHA_SIP_TCP;
    } else {
        return -EPROTONOSUPPORT;
    }
    return 0;
}

int
sipha_sip_addr_key(const char *text, enum sipha_sip_transport default_transport,
                   char *buf, size_t len)
{
    struct sipha_sip_addr addr;
    int rc;

    if (buf == NULL) {
        return -EINVAL;
    }
    rc = sipha_sip_addr_parse(text, default_transport, &addr);
    if (rc != 0) {
        return rc;
    }
    return sipha_sip_addr_format(&addr, buf, len);
}

/* A numeric IP (NUL-terminated, no brackets) of family into *ss. */
static int
ip_sockaddr(const char *ip, int family, uint16_t port, struct sockaddr_storage *ss)
{
    struct sockaddr_storage out;

    memset(&out, 0, sizeof(out));
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &out;

        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) {
            return -EINVAL;
        }
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
    } else if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *) &out;

        if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1) {
            return -EINVAL;
        }
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
    } else {
        return -EINVAL;
    }
    *ss = out;
    return 0;
}

int
sipha_sip_addr_sockaddr(const struct sipha_sip_addr *addr, struct sockaddr_storage *ss)
{
    return ip_sockaddr(addr->host, addr->family, addr->port, ss);
}

int
sipha_sockaddr_parse(const char *text, int default_port, struct sockaddr_storage *ss)
{
    struct sipha_sip_addr parsed;
    const char *start, *end;

    if ((text == NULL) || (default_port < 0) || (default_port > 65535)) {
        return -EINVAL;
    }
    memset(&parsed, 0, sizeof(parsed));
    trim(text, &start, &end);
    if (parse_hostport(start, end, (uint16_t) default_port, &parsed) != 0) {
        return -EINVAL;
    }
    return sipha_sip_addr_sockaddr(&parsed, ss);
}

int
sipha_sockaddr_from_ip(const char *ip, size_t n, int port, struct sockaddr_storage *ss)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    int family = AF_INET;

    if ((n >= 2) && (ip[0] == '[') && (ip[n - 1] == ']')) {
        ip++;
        n -= 2;
        family = AF_INET6;          /* only IPv6 goes in brackets */
    }
    if ((n == 0) || (n >= sizeof(tmp)) || (port < 0) || (port > 65535)) {
        return -EINVAL;
    }
    memcpy(tmp, ip, n);
    tmp[n] = '\0';
    if (memchr(tmp, ':', n) != NULL) {
        family = AF_INET6;
    } else if (family == AF_INET6) {
        return -EINVAL;
    }
    return ip_sockaddr(tmp, family, (uint16_t) port, ss);
}

int
sipha_ip_parse(const char *text, int *family, unsigned char bytes[16])
{
    unsigned char buf[16];
    int af = (text != NULL && strchr(text, ':') != NULL) ? AF_INET6 : AF_INET;

    if (text == NULL || inet_pton(af, text, buf) != 1) {
        return -EINVAL;
    }
    memcpy(bytes, buf, af == AF_INET ? 4 : 16);
    *family = af;
    return 0;
}
