/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sipha_probe_net.c: resolve a target and open a connected socket to it. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/sipha_probe_int.h"

/* The target's socket address; host names through a blocking lookup. */
static int
resolve(const struct sipha_sip_addr *target, struct sockaddr_storage *ss, socklen_t *ss_len)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = target->family;
    hints.ai_socktype = (target->transport == SIPHA_SIP_TCP) ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = (target->family == AF_UNSPEC) ? AI_ADDRCONFIG : AI_NUMERICHOST;
    g_snprintf(port, sizeof(port), "%u", (unsigned) target->port);
    hints.ai_flags |= AI_NUMERICSERV;
    rc = getaddrinfo(target->host, port, &hints, &res);
    if ((rc != 0) || (res == NULL)) {
        return (rc == EAI_MEMORY) ? -ENOMEM : -ENOENT;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *ss_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Local address literal and port of the connected socket, for the Via. */
int
sipha_probe_local_address(int fd, char *host, size_t host_len, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
        return -errno;
    }
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, (socklen_t) host_len);
        *port = ntohs(sin6->sin6_port);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

        inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t) host_len);
        *port = ntohs(sin->sin_port);
    }
    return 0;
}

/* A connected socket of type to the target; 0 or -errno.  On error *fd may
 * be open (the caller owns it). */
int
sipha_probe_open_connected(const struct sipha_sip_addr *target, int type, int *fd, bool *in_progress)
{
    struct sockaddr_storage ss;
    socklen_t ss_len = 0;
    int rc = resolve(target, &ss, &ss_len);

    if (rc != 0) {
        return rc;
    }
    *fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fd < 0) {
        return -errno;
    }
    if (connect(*fd, (struct sockaddr *) &ss, ss_len) < 0) {
        if ((type != SOCK_STREAM) || (errno != EINPROGRESS)) {
            return -errno;
        }
        *in_progress = true;
    }
    return 0;
}
