/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat_probe.c: interim OPTIONS probe for sipha-beat (UDP, numeric hosts),
 * used until the probe library (helpers/lib/sipha_probe.h) is on main.
 * One connected socket per beat; a datagram that starts with "SIP/2.0 " and
 * carries the probe's Call-ID is the answer; ICMP port unreachable shows up
 * as ECONNREFUSED on the connected socket.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "beat_probe.h"
#include "sipha_beat_msg.h"
#include "sipha_time.h"

struct beat_probe {
    GMainContext *ctx;
    uint32_t timeout_ms;
    char host[128];
    char uri_host[132];         /* bracketed for IPv6 */
    uint16_t port;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int fd;
    GSource *fd_source;
    GSource *timer;
    uint64_t serial;
    uint64_t start_us;
    char call_id[64];
    beat_probe_done_fn done;
    void *done_data;
};

/* "udp:h:p", "sip:h:p", "h:p", "[v6]:p", "h" -> host and port (UDP only). */
static int parse_target(const char *text, char *host, size_t host_len, uint16_t *port)
{
    const char *p = text, *end;
    char *endp;
    unsigned long v = 5060;
    size_t n;

    if (strncmp(p, "udp:", 4) == 0) {
        p += 4;
    } else if (strncmp(p, "sip:", 4) == 0) {
        p += 4;
        if (strchr(p, '@') != NULL) {
            p = strchr(p, '@') + 1;
        }
    } else if (strncmp(p, "tcp:", 4) == 0 || strncmp(p, "sips:", 5) == 0) {
        return -EINVAL;
    }
    if (*p == '[') {
        end = strchr(p, ']');
        if (end == NULL) {
            return -EINVAL;
        }
        n = (size_t) (end - p - 1);
        if (n == 0 || n >= host_len) {
            return -EINVAL;
        }
        memcpy(host, p + 1, n);
        host[n] = '\0';
        p = end + 1;
    } else {
        end = p + strcspn(p, ":;>");
        n = (size_t) (end - p);
        if (n == 0 || n >= host_len) {
            return -EINVAL;
        }
        memcpy(host, p, n);
        host[n] = '\0';
        p = end;
    }
    if (*p == ':') {
        v = strtoul(p + 1, &endp, 10);
        if (endp == p + 1 || v == 0 || v > 65535 || (*endp != '\0' && *endp != ';')) {
            return -EINVAL;
        }
    } else if (*p != '\0' && *p != ';') {
        return -EINVAL;
    }
    *port = (uint16_t) v;
    return 0;
}

static int resolve(beat_probe_t *probe)
{
    struct addrinfo hints, *res = NULL;
    char port_text[8];

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(port_text, sizeof(port_text), "%u", probe->port);
    if (getaddrinfo(probe->host, port_text, &hints, &res) != 0 || res == NULL) {
        return -EINVAL;
    }
    memcpy(&probe->addr, res->ai_addr, res->ai_addrlen);
    probe->addr_len = res->ai_addrlen;
    snprintf(probe->uri_host, sizeof(probe->uri_host),
             res->ai_family == AF_INET6 ? "[%s]" : "%s", probe->host);
    freeaddrinfo(res);
    return 0;
}

int beat_normalize_address(const char *text, char *buf, size_t len)
{
    beat_probe_t tmp;

    memset(&tmp, 0, sizeof(tmp));
    if (text == NULL || parse_target(text, tmp.host, sizeof(tmp.host), &tmp.port) != 0
        || resolve(&tmp) != 0) {
        return -EINVAL;
    }
    if ((size_t) snprintf(buf, len, "udp:%s:%u", tmp.uri_host, tmp.port) >= len) {
        return -EINVAL;
    }
    return sipha_beat_address_valid(buf) ? 0 : -EINVAL;
}

beat_probe_t *beat_probe_new(GMainContext *ctx, const char *target, uint32_t timeout_ms,
                             const char *alive_codes, const char **error_text)
{
    beat_probe_t *probe = calloc(1, sizeof(*probe));

    if (probe == NULL) {
        *error_text = "out of memory";
        return NULL;
    }
    probe->fd = -1;
    probe->timeout_ms = timeout_ms;
    if (alive_codes != NULL) {
        *error_text = "--alive-codes needs the probe library";
        free(probe);
        return NULL;
    }
    if (parse_target(target, probe->host, sizeof(probe->host), &probe->port) != 0
        || resolve(probe) != 0) {
        *error_text = "probe target must be udp:ADDRESS:PORT, sip:ADDRESS:PORT or ADDRESS:PORT"
                      " with a numeric address";
        free(probe);
        return NULL;
    }
    probe->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    return probe;
}

static void stop(beat_probe_t *probe)
{
    if (probe->fd_source != NULL) {
        g_source_destroy(probe->fd_source);
        g_source_unref(probe->fd_source);
        probe->fd_source = NULL;
    }
    if (probe->timer != NULL) {
        g_source_destroy(probe->timer);
        g_source_unref(probe->timer);
        probe->timer = NULL;
    }
    if (probe->fd >= 0) {
        close(probe->fd);
        probe->fd = -1;
    }
}

static void finish(beat_probe_t *probe, uint8_t state)
{
    beat_probe_done_fn done = probe->done;
    uint64_t rtt_us = sipha_now_us() - probe->start_us;

    stop(probe);
    probe->done = NULL;
    if (done != NULL) {
        done(state, rtt_us, probe->done_data);
    }
}

static gboolean on_timeout(gpointer data)
{
    finish(data, SIPHA_BEAT_PROBE_TIMEOUT);
    return G_SOURCE_REMOVE;
}

static gboolean on_readable(GIOChannel *channel, GIOCondition cond, gpointer data)
{
    beat_probe_t *probe = data;
    char buf[4096];
    ssize_t n;

    for (;;) {
        n = recv(probe->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ECONNREFUSED) {
                finish(probe, SIPHA_BEAT_PROBE_REFUSED);
                return G_SOURCE_CONTINUE;   /* source already destroyed */
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return G_SOURCE_CONTINUE;
            }
            finish(probe, SIPHA_BEAT_PROBE_ERROR);
            return G_SOURCE_CONTINUE;
        }
        buf[n] = '\0';
        /* a final response (not 1xx) to this probe */
        if (n > 12 && strncmp(buf, "SIP/2.0 ", 8) == 0 && buf[8] >= '2' && buf[8] <= '6'
            && strstr(buf, probe->call_id) != NULL) {
            finish(probe, SIPHA_BEAT_OK);
            return G_SOURCE_CONTINUE;
        }
    }
}

static int send_options(beat_probe_t *probe)
{
    struct sockaddr_storage local;
    socklen_t local_len = sizeof(local);
    char local_host[INET6_ADDRSTRLEN + 2] = "127.0.0.1", host[INET6_ADDRSTRLEN];
    char msg[1024];
    uint16_t local_port = 0;
    int len;

    if (getsockname(probe->fd, (struct sockaddr *) &local, &local_len) == 0) {
        if (local.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *) &local;

            inet_ntop(AF_INET, &a->sin_addr, local_host, sizeof(local_host));
            local_port = ntohs(a->sin_port);
        } else if (local.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *) &local;

            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
            snprintf(local_host, sizeof(local_host), "[%s]", host);
            local_port = ntohs(a->sin6_port);
        }
    }
    len = snprintf(msg, sizeof(msg),
                   "OPTIONS sip:%s:%u SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-sb-%s;rport\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:sipha-beat@%s>;tag=sb%u\r\n"
                   "To: <sip:%s:%u>\r\n"
                   "Call-ID: %s\r\n"
                   "CSeq: %" G_GUINT64_FORMAT " OPTIONS\r\n"
                   "Accept: application/sdp\r\n"
                   "Content-Length: 0\r\n\r\n",
                   probe->uri_host, probe->port, local_host, local_port, probe->call_id,
                   local_host, (unsigned) getpid(), probe->uri_host, probe->port,
                   probe->call_id, probe->serial);
    if (len <= 0 || (size_t) len >= sizeof(msg)) {
        return -EINVAL;
    }
    return send(probe->fd, msg, (size_t) len, 0) == len ? 0 : -errno;
}

int beat_probe_start(beat_probe_t *probe, beat_probe_done_fn done, void *user_data)
{
    GIOChannel *channel;
    int rc;

    if (probe->done != NULL) {
        finish(probe, SIPHA_BEAT_PROBE_TIMEOUT);
    }
    probe->done = done;
    probe->done_data = user_data;
    probe->serial++;
    probe->start_us = sipha_now_us();
    snprintf(probe->call_id, sizeof(probe->call_id), "sb-%u-%" G_GUINT64_FORMAT "-%08x",
             (unsigned) getpid(), probe->serial, g_random_int());

    probe->fd = socket(probe->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (probe->fd < 0 || connect(probe->fd, (struct sockaddr *) &probe->addr,
                                 probe->addr_len) != 0) {
        rc = errno == ECONNREFUSED ? SIPHA_BEAT_PROBE_REFUSED : SIPHA_BEAT_PROBE_ERROR;
        probe->timer = g_timeout_source_new(0);     /* report later, never inline */
        g_source_set_callback(probe->timer, on_timeout, probe, NULL);
        g_source_attach(probe->timer, probe->ctx);
        (void) rc;
        return 0;
    }
    channel = g_io_channel_unix_new(probe->fd);
    probe->fd_source = g_io_create_watch(channel, G_IO_IN | G_IO_ERR);
    g_source_set_callback(probe->fd_source, G_SOURCE_FUNC(on_readable), probe, NULL);
    g_source_attach(probe->fd_source, probe->ctx);
    g_io_channel_unref(channel);
    probe->timer = g_timeout_source_new(probe->timeout_ms);
    g_source_set_callback(probe->timer, on_timeout, probe, NULL);
    g_source_attach(probe->timer, probe->ctx);
    if (send_options(probe) != 0 && errno == ECONNREFUSED) {
        /* on_readable reports the refusal */
    }
    return 0;
}

void beat_probe_free(beat_probe_t *probe)
{
    if (probe == NULL) {
        return;
    }
    probe->done = NULL;
    stop(probe);
    g_main_context_unref(probe->ctx);
    free(probe);
}
