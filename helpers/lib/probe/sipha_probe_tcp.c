/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe_tcp.c: TCP probes, one connection each: non-blocking connect
 * (ECONNREFUSED is an immediate verdict), write the request, frame the
 * response stream by Content-Length.  No retransmission: TCP does that.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/sipha_probe_int.h"

static void
tcp_flush(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    while (probe->sent_bytes < probe->request_len) {
        ssize_t n = send(probe->fd, probe->request + probe->sent_bytes,
                         probe->request_len - probe->sent_bytes, MSG_NOSIGNAL);

        if (n < 0) {
            if ((errno == EAGAIN) || (errno == EWOULDBLOCK)) {
                return;
            }
            if (errno != EINTR) {
                sipha_probe_finish(probe, sipha_probe_errno_verdict(errno), errno, now_us);
                return;
            }
            continue;
        }
        probe->sent_bytes += (size_t) n;
    }
    probe->result.transmissions = 1;
    if (sipha_probe_watch_fd(prober, EPOLL_CTL_MOD, probe->fd, EPOLLIN, &probe->kind) != 0) {
        sipha_probe_finish(probe, SIPHA_PROBE_ERROR, errno, now_us);
    }
}

/* Frame and match every complete message in the receive buffer. */
static void
tcp_consume(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    while (!probe->done && !probe->discard_input) {
        size_t skip = sipha_sip_stream_skip_crlf(probe->rx, probe->rx_len);
        ssize_t len;

        memmove(probe->rx, probe->rx + skip, probe->rx_len - skip);
        probe->rx_len -= skip;
        len = sipha_sip_stream_message_length(probe->rx, probe->rx_len,
                                              SIPHA_PROBE_MAX_MESSAGE_BYTES);
        if (len == 0) {
            return;
        }
        if (len < 0) {
            /* No way to find the next message boundary: count it and only
             * wait for the deadline (or the peer closing). */
            if (len == -EMSGSIZE) {
                probe->result.ignored_oversized++;
            } else {
                probe->result.ignored_malformed++;
            }
            probe->discard_input = true;
            probe->rx_len = 0;
            return;
        }
        sipha_probe_on_message(prober, probe, probe->rx, (size_t) len, now_us);
        memmove(probe->rx, probe->rx + len, probe->rx_len - (size_t) len);
        probe->rx_len -= (size_t) len;
    }
}

static void
tcp_read(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    while (!probe->done) {
        char *dst = prober->udp_buf;
        size_t room = sizeof(prober->udp_buf);
        ssize_t n;

        if (!probe->discard_input) {
            if (probe->rx == NULL) {
                probe->rx = g_malloc(SIPHA_PROBE_MAX_MESSAGE_BYTES + 1);
            }
            dst = probe->rx + probe->rx_len;
            room = SIPHA_PROBE_MAX_MESSAGE_BYTES + 1 - probe->rx_len;
        }
        n = recv(probe->fd, dst, room, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if ((errno != EAGAIN) && (errno != EWOULDBLOCK)) {
                sipha_probe_finish(probe, sipha_probe_errno_verdict(errno), errno, now_us);
            }
            return;
        }
        if (n == 0) {
            if (probe->rx_len > 0) {
                probe->result.ignored_malformed++;      /* truncated */
            }
            sipha_probe_finish(probe, SIPHA_PROBE_CLOSED, 0, now_us);
            return;
        }
        if (!probe->discard_input) {
            probe->rx_len += (size_t) n;
            tcp_consume(prober, probe, now_us);
        }
    }
}

static void
tcp_connected(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    int error = 0;
    socklen_t len = sizeof(error);

    if (getsockopt(probe->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) {
        error = errno;
    }
    if (error != 0) {
        sipha_probe_finish(probe, sipha_probe_errno_verdict(error), error, now_us);
        return;
    }
    probe->connecting = false;
    tcp_flush(prober, probe, now_us);
}

void
sipha_probe_tcp_io(sipha_prober_t *prober, struct probe *probe, GIOCondition revents, int64_t now_us)
{
    if (probe->connecting) {
        tcp_connected(prober, probe, now_us);
        return;
    }
    if (probe->sent_bytes < probe->request_len) {
        tcp_flush(prober, probe, now_us);
    }
    if (!probe->done && (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
        tcp_read(prober, probe, now_us);
    }
}

int
sipha_probe_tcp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    char local_host[INET6_ADDRSTRLEN];
    uint16_t local_port = 0;
    int rc = sipha_probe_open_connected(&probe->target, SOCK_STREAM, &probe->fd, &probe->connecting);

    if (rc == 0) {
        /* connect() bound the local address already, even in progress. */
        rc = sipha_probe_local_address(probe->fd, local_host, sizeof(local_host), &local_port);
    }
    if (rc == 0) {
        rc = sipha_sip_build_options(&probe->target, local_host, local_port, &probe->ids,
                                     &probe->request, &probe->request_len);
    }
    if (rc != 0) {
        return rc;
    }
    rc = sipha_probe_watch_fd(prober, EPOLL_CTL_ADD, probe->fd, EPOLLOUT, &probe->kind);
    if (rc != 0) {
        return rc;
    }
    if (!probe->connecting) {
        tcp_flush(prober, probe, now_us);
    }
    return 0;
}
