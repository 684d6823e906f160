/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe_udp.c: UDP probes.  One connected socket per target is kept
 * between probes: connected, it reports ICMP port unreachable as
 * ECONNREFUSED (an immediate verdict); kept, it saves socket(), connect() and
 * close() per probe, and its request is built by libosip2 once and only
 * rewritten per probe.  A late answer to an earlier probe then reaches the
 * next one and is counted as foreign: it cannot match a new branch/Call-ID.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/sipha_probe_int.h"

void
sipha_probe_sock_close(sipha_prober_t *prober, struct psock *sock)
{
    close(sock->fd);            /* also leaves the epoll set */
    sipha_sip_request_clear(&sock->request);
    g_free(sock);
}

/* The probe is done with its UDP socket: keep it for the next probe of the
 * same target, unless one is kept already or too many are. */
void
sipha_probe_sock_release(sipha_prober_t *prober, struct psock *sock, int64_t now_us)
{
    sock->owner = NULL;
    sock->idle_since_us = now_us;
    if (!sock->broken && (g_hash_table_size(prober->idle_socks) < SOCK_IDLE_MAX_COUNT)
        && !g_hash_table_contains(prober->idle_socks, sock->key)) {
        g_hash_table_insert(prober->idle_socks, sock->key, sock);
        return;
    }
    g_ptr_array_remove_fast(prober->socks, sock);
    sipha_probe_sock_close(prober, sock);
}

void
sipha_probe_udp_send(struct probe *probe, int64_t now_us)
{
    ssize_t n = send(probe->fd, probe->request, probe->request_len, MSG_NOSIGNAL);

    if (n < 0) {
        if ((errno != EAGAIN) && (errno != EWOULDBLOCK) && (errno != ENOBUFS)) {
            sipha_probe_finish(probe, sipha_probe_errno_verdict(errno), errno, now_us);
        }
        return;                 /* a full buffer is like a lost packet */
    }
    probe->result.transmissions++;
}

static void
udp_read(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    while (!probe->done) {
        ssize_t n = recv(probe->fd, prober->udp_buf, sizeof(prober->udp_buf), MSG_TRUNC);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if ((errno != EAGAIN) && (errno != EWOULDBLOCK)) {
                sipha_probe_finish(probe, sipha_probe_errno_verdict(errno), errno, now_us);
            }
            return;
        }
        if ((size_t) n > SIPHA_PROBE_MAX_MESSAGE_BYTES) {
            probe->result.ignored_oversized++;  /* MSG_TRUNC: real length */
            continue;
        }
        sipha_probe_on_message(prober, probe, prober->udp_buf, (size_t) n, now_us);
    }
}

/* Discard what an idle socket receives: late answers to finished probes,
 * ICMP errors for them. */
static void
sock_drain(sipha_prober_t *prober, struct psock *sock)
{
    for (int i = 0; i < 64; i++) {
        if ((recv(sock->fd, prober->udp_buf, sizeof(prober->udp_buf), MSG_TRUNC) < 0)
            && ((errno == EAGAIN) || (errno == EWOULDBLOCK))) {
            return;
        }
    }
}

/* Input on a UDP socket: its probe's answer, or leftovers while idle. */
void
sipha_probe_udp_input(sipha_prober_t *prober, struct psock *sock, int64_t now_us)
{
    if ((sock->owner != NULL) && !sock->owner->done) {
        udp_read(prober, sock->owner, now_us);
    } else {
        sock_drain(prober, sock);
    }
}

/* Close UDP sockets idle for long (targets no longer probed); at most
 * once a second. */
void
sipha_probe_sweep_idle_socks(sipha_prober_t *prober, int64_t now_us)
{
    guint i = 0;

    if (now_us - prober->last_sweep_us < G_USEC_PER_SEC) {
        return;
    }
    prober->last_sweep_us = now_us;
    while (i < prober->socks->len) {
        struct psock *sock = g_ptr_array_index(prober->socks, i);

        if ((sock->owner == NULL) && (now_us - sock->idle_since_us > SOCK_IDLE_MAX_US)) {
            g_hash_table_remove(prober->idle_socks, sock->key);
            g_ptr_array_remove_index_fast(prober->socks, i);
            sipha_probe_sock_close(prober, sock);
            continue;
        }
        i++;
    }
}

/* The target's idle UDP socket, or a new one.  0 or -errno. */
static int
sock_acquire(sipha_prober_t *prober, struct probe *probe)
{
    char key[SIPHA_SIP_ADDR_KEY_MAX];
    struct psock *sock;
    bool unused = false;
    int fd = -1;
    int rc;

    sipha_sip_addr_format(&probe->target, key, sizeof(key));
    sock = g_hash_table_lookup(prober->idle_socks, key);
    if (sock != NULL) {
        g_hash_table_remove(prober->idle_socks, key);
    } else {
        rc = sipha_probe_open_connected(&probe->target, SOCK_DGRAM, &fd, &unused);
        sock = g_new0(struct psock, 1);
        sock->fd = fd;
        g_strlcpy(sock->key, key, sizeof(sock->key));
        if (rc == 0) {
            rc = sipha_probe_local_address(fd, sock->local_host, sizeof(sock->local_host), &sock->local_port);
        }
        if (rc != 0) {
            if (fd >= 0) {
                close(fd);
            }
            g_free(sock);
            return rc;
        }
        sock->kind = FD_UDP_SOCK;
        rc = sipha_probe_watch_fd(prober, EPOLL_CTL_ADD, fd, EPOLLIN, &sock->kind);
        if (rc != 0) {
            close(fd);
            g_free(sock);
            return rc;
        }
        g_ptr_array_add(prober->socks, sock);
    }
    sock->owner = probe;
    probe->sock = sock;
    probe->fd = sock->fd;
    return 0;
}

int
sipha_probe_udp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    struct psock *sock;
    int rc = sock_acquire(prober, probe);

    if (rc != 0) {
        return rc;
    }
    sock = probe->sock;
    if (sipha_sip_request_update(&sock->request, &probe->ids) != 0) {
        rc = sipha_sip_request_build(&sock->request, &probe->target, sock->local_host,
                                     sock->local_port, &probe->ids);
        if (rc != 0) {
            return rc;
        }
    }
    probe->request = sock->request.text;
    probe->request_len = sock->request.len;
    sipha_probe_udp_send(probe, now_us);
    if (prober->cfg.retransmit_ms > 0) {
        probe->retransmit_us = (int64_t) prober->cfg.retransmit_ms * 1000;
        probe->next_tx_us = now_us + probe->retransmit_us;
    }
    return 0;
}
