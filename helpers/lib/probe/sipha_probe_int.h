/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe_int.h: the prober's insides, shared by its files (not for
 * users of the library: they include sipha_probe.h).
 *   sipha_probe.c      GSource, timers, verdicts, public API
 *   sipha_probe_udp.c  UDP: sockets kept per target, send, receive
 *   sipha_probe_tcp.c  TCP: connect, write, frame the stream
 *   sipha_probe_net.c  resolving and connecting sockets
 */
#ifndef SIPHA_PROBE_INT_H
#define SIPHA_PROBE_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "probe/sipha_probe.h"
#include "probe/sipha_sip_msg.h"

#define SOCK_IDLE_MAX_US (60 * G_USEC_PER_SEC)  /* close UDP sockets idle longer */
#define SOCK_IDLE_MAX_COUNT 4096                  /* idle UDP sockets kept at most */

/* What an epoll event points to: the first member of psock and probe. */
enum fd_kind {
    FD_UDP_SOCK,
    FD_TCP_PROBE,
};

/* A connected UDP socket to one target, kept between probes. */
struct psock {
    enum fd_kind kind;          /* FD_UDP_SOCK; first member */
    int fd;
    char key[SIPHA_SIP_ADDR_KEY_MAX];
    char local_host[INET6_ADDRSTRLEN];
    uint16_t local_port;
    struct probe *owner;        /* NULL while idle */
    struct sipha_sip_request request;   /* last probe's, rewritten per probe */
    int64_t idle_since_us;
    bool broken;                /* close instead of keeping */
};

struct probe {
    enum fd_kind kind;          /* FD_TCP_PROBE; first member */
    uint64_t id;
    struct sipha_sip_addr target;
    sipha_probe_cb cb;
    void *user_data;

    int fd;                     /* UDP: sock->fd; TCP: its own, in epoll */
    struct psock *sock;         /* UDP */
    bool tcp;
    bool connecting;            /* TCP: connect() in progress */
    bool discard_input;         /* TCP: stream unframeable, only wait */
    bool done;

    struct sipha_sip_probe_ids ids;
    char *request;              /* TCP: own; UDP: the socket's */
    size_t request_len;
    size_t sent_bytes;          /* TCP: how much of request is written */
    char *rx;                   /* TCP: receive buffer */
    size_t rx_len;

    int64_t start_us;           /* g_get_monotonic_time() of the first send */
    int64_t deadline_us;
    int64_t next_tx_us;         /* UDP retransmission; 0: none */
    int64_t retransmit_us;      /* current interval, doubling */

    struct sipha_probe_result result;
};

struct sipha_prober {
    GSource *source;
    int epfd;                   /* every socket; GLib polls this one fd */
    int64_t last_sweep_us;      /* idle UDP sockets last checked */
    struct sipha_probe_config cfg;
    GPtrArray *probes;          /* struct probe *, in start order */
    GPtrArray *socks;           /* struct psock *, busy and idle */
    GHashTable *idle_socks;     /* key -> idle struct psock * */
    uint64_t last_id;
    uint32_t last_cseq;
    bool dispatching;
    bool free_requested;
    char udp_buf[SIPHA_PROBE_MAX_MESSAGE_BYTES + 1];
};

/* sipha_probe.c */
int sipha_probe_watch_fd(sipha_prober_t *prober, int op, int fd, uint32_t events,
                         enum fd_kind *owner);
void sipha_probe_finish(struct probe *probe, enum sipha_probe_verdict verdict, int error,
                        int64_t now_us);
enum sipha_probe_verdict sipha_probe_errno_verdict(int error);
void sipha_probe_on_message(sipha_prober_t *prober, struct probe *probe, const char *buf,
                            size_t len, int64_t now_us);

/* sipha_probe_udp.c */
int sipha_probe_udp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us);
void sipha_probe_udp_send(struct probe *probe, int64_t now_us);
void sipha_probe_udp_input(sipha_prober_t *prober, struct psock *sock, int64_t now_us);
void sipha_probe_sock_release(sipha_prober_t *prober, struct psock *sock, int64_t now_us);
void sipha_probe_sock_close(sipha_prober_t *prober, struct psock *sock);
void sipha_probe_sweep_idle_socks(sipha_prober_t *prober, int64_t now_us);

/* sipha_probe_tcp.c */
int sipha_probe_tcp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us);
void sipha_probe_tcp_io(sipha_prober_t *prober, struct probe *probe, GIOCondition revents,
                        int64_t now_us);

/* sipha_probe_net.c: 0 or -errno; on error *fd may be open (caller closes). */
int sipha_probe_open_connected(const struct sipha_sip_addr *target, int type, int *fd,
                               bool *in_progress);
int sipha_probe_local_address(int fd, char *host, size_t host_len, uint16_t *port);

#endif
