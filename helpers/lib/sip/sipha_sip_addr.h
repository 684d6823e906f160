/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_sip_addr.h: addresses, parsed and normalized: the one module that
 * reads an address an operator, the CIB, a heartbeat or a Via gives.
 *
 * Every sipha component identifies a proxy by the same key,
 * "transport:host:port", e.g. "udp:127.0.0.1:5060", "tcp:[::1]:5070",
 * "udp:proxy1.example:5060".  Parse whatever an operator wrote (a SIP URI,
 * host[:port], [v6]:port, or a key) with sipha_sip_addr_parse(), then compare
 * or print the key from sipha_sip_addr_format().
 *
 * Socket addresses (numeric only) come from the same parser:
 * sipha_sip_addr_sockaddr() for a proxy, sipha_sockaddr_parse() for a
 * daemon's own listen addresses, sipha_sockaddr_from_ip() for an address
 * inside a message (a Via's host or received=).
 *
 * Included by sipha_probe.h; no I/O, no DNS.
 */
#ifndef SIPHA_SIP_ADDR_H
#define SIPHA_SIP_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SIPHA_SIP_DEFAULT_PORT 5060
#define SIPHA_SIP_HOST_MAX 256          /* host text incl. NUL, no brackets */
/* Enough for any key: "tcp:" + "[" host "]" + ":65535" + NUL. */
#define SIPHA_SIP_ADDR_KEY_MAX (4 + SIPHA_SIP_HOST_MAX + 2 + 6 + 1)
/* Enough for any request URI: "sip:[host]:65535;transport=tcp" + NUL. */
#define SIPHA_SIP_URI_MAX (4 + SIPHA_SIP_HOST_MAX + 2 + 6 + 14 + 1)

enum sipha_sip_transport {
    SIPHA_SIP_UDP = 0,
    SIPHA_SIP_TCP = 1,
};

struct sipha_sip_addr {
    enum sipha_sip_transport transport;
    int family;                     /* AF_INET or AF_INET6 for address
                                     * literals, AF_UNSPEC for host names */
    char host[SIPHA_SIP_HOST_MAX];  /* normalized: literals in inet_ntop()
                                     * form, names lowercased, no brackets */
    uint16_t port;                  /* SIPHA_SIP_DEFAULT_PORT when not given */
};

/*
 * Parse a proxy address.  Accepted forms (case-insensitive scheme, host and
 * parameters):
 *   sip:host  sip:user@host:port;transport=tcp  sip:[::1]:5060;lr
 *   host  host:port  127.0.0.1:5060  [::1]  [::1]:5060  ::1 (bare IPv6, no port)
 *   udp:127.0.0.1:5060  tcp:[::1]:5060            (the key itself round-trips)
 * default_transport applies when the text names none (no ";transport=" and
 * no "udp:"/"tcp:" prefix).  Other URI parameters and headers are ignored.
 *
 * Returns 0, -EINVAL (syntax, bad port, empty host), -EPROTONOSUPPORT
 * (sips:, tls, sctp, ws...) or -ENAMETOOLONG.  *addr is untouched on error.
 */
int sipha_sip_addr_parse(const char *text, enum sipha_sip_transport default_transport,
                         struct sipha_sip_addr *addr);

/*
 * Write the normalized key "udp:127.0.0.1:5060" / "tcp:[::1]:5060" into buf.
 * Returns the key's length (without NUL), or -ENOSPC when len is too small.
 * Two addresses denote the same proxy exactly when their keys are equal.
 */
int sipha_sip_addr_format(const struct sipha_sip_addr *addr, char *buf, size_t len);

/* Write the request URI "sip:127.0.0.1:5060" (";transport=tcp" for TCP).
 * Returns its length, or -ENOSPC. */
int sipha_sip_addr_uri(const struct sipha_sip_addr *addr, char *buf, size_t len);

/* "udp" / "tcp". */
const char *sipha_sip_transport_name(enum sipha_sip_transport transport);

/* "udp" or "tcp" (NULL: udp) into *transport.  Returns 0 or
 * -EPROTONOSUPPORT. */
int sipha_sip_transport_parse(const char *name, enum sipha_sip_transport *transport);

/* The key of text: sipha_sip_addr_parse() then sipha_sip_addr_format().
 * Returns the key's length or the error of either. */
int sipha_sip_addr_key(const char *text, enum sipha_sip_transport default_transport,
                       char *buf, size_t len);

/* The socket address (port included) of a parsed address.  Returns 0, or
 * -EINVAL for a host name (no DNS here).  *ss untouched on error. */
int sipha_sip_addr_sockaddr(const struct sipha_sip_addr *addr, struct sockaddr_storage *ss);

/*
 * A numeric socket address as a daemon's option gives it (a listen
 * address): "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address,
 * blanks around it ignored; default_port (0-65535) when none is given.  No
 * scheme, transport or host name.  Returns 0 or -EINVAL (also for a port
 * outside 1-65535 or with anything but digits); *ss untouched on error.
 */
int sipha_sockaddr_parse(const char *text, int default_port, struct sockaddr_storage *ss);

/*
 * The numeric IP in the n bytes at ip (not NUL-terminated: a Via's host or
 * received=; an IPv6 address with or without brackets, only IPv6 in
 * brackets) with port (0-65535).  Returns 0 or -EINVAL.  Runs on the
 * dispatcher's packet path: no allocation.
 */
int sipha_sockaddr_from_ip(const char *ip, size_t n, int port, struct sockaddr_storage *ss);

/*
 * A bare numeric IP (an IPv4 dotted quad or an IPv6 address, no brackets,
 * no port, no blanks), as the takeover's SAP addresses are given.  Sets
 * *family (AF_INET or AF_INET6) and the address in network byte order in
 * bytes (4 or 16 of them used).  Returns 0 or -EINVAL; outputs untouched
 * on error.
 */
int sipha_ip_parse(const char *text, int *family, unsigned char bytes[16]);

#endif
