/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe.c: many OPTIONS probes in flight on one GLib main context.
 *
 * The prober is a single custom GSource: it polls one epoll fd holding every
 * socket, and its ready time is the earliest retransmission or deadline of
 * all probes, so thousands of probes cost one source and no threads.
 *
 * Each probe uses a connected socket.  Connected UDP sockets receive ICMP
 * port unreachable as ECONNREFUSED, which gives an immediate verdict; TCP
 * gets ECONNREFUSED from the non-blocking connect.  UDP sockets are kept per
 * target between probes (socket(), connect(), close() and the GLib fd
 * bookkeeping were most of a probe's cost): a late answer to an earlier
 * probe then reaches the next one and is counted as foreign, never matched.
 * TCP opens a connection per probe.  A dispatch costs what is ready (one
 * epoll_wait()), not what is open.
 */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sipha_probe.h"
#include "sipha_sip_msg.h"

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

struct prober_source {
    GSource base;
    sipha_prober_t *prober;
};

/* Add (EPOLL_CTL_ADD) or change (EPOLL_CTL_MOD) what fd is watched for. */
static int
watch_fd(sipha_prober_t *prober, int op, int fd, uint32_t events, enum fd_kind *owner)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = owner;
    return (epoll_ctl(prober->epfd, op, fd, &ev) == 0) ? 0 : -errno;
}

static void
sock_close(sipha_prober_t *prober, struct psock *sock)
{
    close(sock->fd);            /* also leaves the epoll set */
    sipha_sip_request_clear(&sock->request);
    g_free(sock);
}

/* The probe is done with its UDP socket: keep it for the next probe of the
 * same target, unless one is kept already or too many are. */
static void
sock_release(sipha_prober_t *prober, struct psock *sock, int64_t now_us)
{
    sock->owner = NULL;
    sock->idle_since_us = now_us;
    if (!sock->broken && (g_hash_table_size(prober->idle_socks) < SOCK_IDLE_MAX_COUNT)
        && !g_hash_table_contains(prober->idle_socks, sock->key)) {
        g_hash_table_insert(prober->idle_socks, sock->key, sock);
        return;
    }
    g_ptr_array_remove_fast(prober->socks, sock);
    sock_close(prober, sock);
}

static void
probe_free(sipha_prober_t *prober, struct probe *probe)
{
    if (probe->sock != NULL) {
        sock_release(prober, probe->sock, g_get_monotonic_time());
    } else if (probe->fd >= 0) {
        close(probe->fd);
    }
    if (probe->tcp) {
        free(probe->request);
    }
    g_free(probe->rx);
    g_free(probe);
}

/* Record the verdict; the callback runs at the end of this dispatch. */
static void
finish(struct probe *probe, enum sipha_probe_verdict verdict, int error, int64_t now_us)
{
    if (probe->done) {
        return;
    }
    probe->done = true;
    if ((probe->sock != NULL) && (verdict != SIPHA_PROBE_ALIVE) && (verdict != SIPHA_PROBE_BAD_CODE)
        && (verdict != SIPHA_PROBE_TIMEOUT) && (verdict != SIPHA_PROBE_REFUSED)) {
        probe->sock->broken = true;     /* route or socket trouble: start afresh */
    }
    probe->result.verdict = verdict;
    probe->result.error = error;
    probe->result.rtt_us = (now_us > probe->start_us) ? (uint64_t) (now_us - probe->start_us) : 0;
}

static enum sipha_probe_verdict
verdict_for_errno(int error)
{
    switch (error) {
        case ECONNREFUSED:
            return SIPHA_PROBE_REFUSED;
        case EHOSTUNREACH:
        case ENETUNREACH:
        case EHOSTDOWN:
        case ENETDOWN:
        case EADDRNOTAVAIL:
        case ETIMEDOUT:
        case EAFNOSUPPORT:
        case ENOENT:                /* unknown host name */
            return SIPHA_PROBE_UNREACHABLE;
        case ECONNRESET:
        case EPIPE:
            return SIPHA_PROBE_CLOSED;
        default:
            return SIPHA_PROBE_ERROR;
    }
}

static void
on_message(sipha_prober_t *prober, struct probe *probe, const char *buf, size_t len,
           int64_t now_us)
{
    struct sipha_sip_response resp;

    switch (sipha_sip_match_response(buf, len, &probe->ids, &resp)) {
        case SIPHA_SIP_MATCH:
            break;
        case SIPHA_SIP_FOREIGN:
            probe->result.ignored_foreign++;
            return;
        case SIPHA_SIP_OVERSIZED:
            probe->result.ignored_oversized++;
            return;
        case SIPHA_SIP_MALFORMED:
        default:
            probe->result.ignored_malformed++;
            return;
    }
    if (resp.status_code < 200) {
        probe->result.provisional++;
        return;
    }
    probe->result.status_code = resp.status_code;
    memcpy(probe->result.reason, resp.reason, sizeof(probe->result.reason));
    finish(probe, sipha_probe_code_is_alive(&prober->cfg, resp.status_code)
                  ? SIPHA_PROBE_ALIVE : SIPHA_PROBE_BAD_CODE, 0, now_us);
}

static void
udp_send(struct probe *probe, int64_t now_us)
{
    ssize_t n = send(probe->fd, probe->request, probe->request_len, MSG_NOSIGNAL);

    if (n < 0) {
        if ((errno != EAGAIN) && (errno != EWOULDBLOCK) && (errno != ENOBUFS)) {
            finish(probe, verdict_for_errno(errno), errno, now_us);
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
                finish(probe, verdict_for_errno(errno), errno, now_us);
            }
            return;
        }
        if ((size_t) n > SIPHA_PROBE_MAX_MESSAGE_BYTES) {
            probe->result.ignored_oversized++;  /* MSG_TRUNC: real length */
            continue;
        }
        on_message(prober, probe, prober->udp_buf, (size_t) n, now_us);
    }
}

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
                finish(probe, verdict_for_errno(errno), errno, now_us);
                return;
            }
            continue;
        }
        probe->sent_bytes += (size_t) n;
    }
    probe->result.transmissions = 1;
    if (watch_fd(prober, EPOLL_CTL_MOD, probe->fd, EPOLLIN, &probe->kind) != 0) {
        finish(probe, SIPHA_PROBE_ERROR, errno, now_us);
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
        on_message(prober, probe, probe->rx, (size_t) len, now_us);
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
                finish(probe, verdict_for_errno(errno), errno, now_us);
            }
            return;
        }
        if (n == 0) {
            if (probe->rx_len > 0) {
                probe->result.ignored_malformed++;      /* truncated */
            }
            finish(probe, SIPHA_PROBE_CLOSED, 0, now_us);
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
        finish(probe, verdict_for_errno(error), error, now_us);
        return;
    }
    probe->connecting = false;
    tcp_flush(prober, probe, now_us);
}

static void
probe_io(sipha_prober_t *prober, struct probe *probe, GIOCondition revents, int64_t now_us)
{
    if (!probe->tcp) {
        udp_read(prober, probe, now_us);
        return;
    }
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

static void
probe_timers(struct probe *probe, int64_t now_us)
{
    if (probe->done) {
        return;
    }
    if (now_us >= probe->deadline_us) {
        finish(probe, SIPHA_PROBE_TIMEOUT, 0, now_us);
        return;
    }
    if ((probe->next_tx_us != 0) && (now_us >= probe->next_tx_us)) {
        udp_send(probe, now_us);
        probe->retransmit_us = MIN(probe->retransmit_us * 2,
                                   (int64_t) SIPHA_PROBE_MAX_RETRANSMIT_MS * 1000);
        probe->next_tx_us = now_us + probe->retransmit_us;
    }
}

/* Earliest time this probe needs the loop: retransmission or deadline;
 * now for a finished probe waiting for its callback. */
static int64_t
probe_next_us(const struct probe *probe)
{
    int64_t t = probe->done ? 0 : probe->deadline_us;

    if ((probe->next_tx_us != 0) && (probe->next_tx_us < t)) {
        t = probe->next_tx_us;
    }
    return t;
}

/* g_source_set_ready_time() wakes the context up (an eventfd write and one
 * more loop iteration) even when nothing changes: only call it on a change. */
static void
set_ready_time(sipha_prober_t *prober, int64_t ready_us)
{
    if (g_source_get_ready_time(prober->source) != ready_us) {
        g_source_set_ready_time(prober->source, ready_us);
    }
}

static void
update_ready_time(sipha_prober_t *prober)
{
    int64_t ready_us = -1;

    for (guint i = 0; i < prober->probes->len; i++) {
        int64_t t = probe_next_us(g_ptr_array_index(prober->probes, i));

        if ((ready_us < 0) || (t < ready_us)) {
            ready_us = t;
        }
    }
    set_ready_time(prober, ready_us);
}

static void
prober_destroy(sipha_prober_t *prober)
{
    for (guint i = 0; i < prober->probes->len; i++) {
        probe_free(prober, g_ptr_array_index(prober->probes, i));
    }
    g_ptr_array_free(prober->probes, TRUE);
    for (guint i = 0; i < prober->socks->len; i++) {
        sock_close(prober, g_ptr_array_index(prober->socks, i));
    }
    g_ptr_array_free(prober->socks, TRUE);
    g_hash_table_destroy(prober->idle_socks);
    close(prober->epfd);
    g_source_destroy(prober->source);
    g_source_unref(prober->source);
    g_free(prober);
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

/* Close UDP sockets idle for long (targets no longer probed); at most
 * once a second. */
static void
sweep_idle_socks(sipha_prober_t *prober, int64_t now_us)
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
            sock_close(prober, sock);
            continue;
        }
        i++;
    }
}

static GIOCondition
gio_condition(uint32_t events)
{
    return ((events & EPOLLIN) ? G_IO_IN : 0) | ((events & EPOLLOUT) ? G_IO_OUT : 0)
           | ((events & EPOLLERR) ? G_IO_ERR : 0) | ((events & EPOLLHUP) ? G_IO_HUP : 0);
}

/* Handle the sockets epoll reports ready.  One epoll_wait() per dispatch:
 * what is left keeps the epoll fd readable for the next one. */
static void
sockets_io(sipha_prober_t *prober, int64_t now_us)
{
    struct epoll_event events[256];
    int n = epoll_wait(prober->epfd, events, G_N_ELEMENTS(events), 0);

    for (int i = 0; i < n; i++) {
        enum fd_kind *kind = events[i].data.ptr;

        if (*kind == FD_UDP_SOCK) {
            struct psock *sock = (struct psock *) kind;

            if ((sock->owner != NULL) && !sock->owner->done) {
                udp_read(prober, sock->owner, now_us);
            } else {
                sock_drain(prober, sock);
            }
        } else {
            struct probe *probe = (struct probe *) kind;

            if (!probe->done) {
                probe_io(prober, probe, gio_condition(events[i].events), now_us);
            }
        }
    }
}

static gboolean
prober_dispatch(GSource *source, GSourceFunc unused_cb, gpointer unused_data)
{
    sipha_prober_t *prober = ((struct prober_source *) source)->prober;
    int64_t now_us = g_get_monotonic_time();
    GPtrArray *finished = g_ptr_array_new();
    guint kept = 0;

    prober->dispatching = true;
    sockets_io(prober, now_us);
    sweep_idle_socks(prober, now_us);
    for (guint i = 0; i < prober->probes->len; i++) {
        struct probe *probe = g_ptr_array_index(prober->probes, i);

        probe_timers(probe, now_us);
        if (probe->done) {
            g_ptr_array_add(finished, probe);
        } else {
            g_ptr_array_index(prober->probes, kept++) = probe;
        }
    }
    g_ptr_array_set_size(prober->probes, kept);
    update_ready_time(prober);

    /* Callbacks last: they may start probes or free the prober. */
    for (guint i = 0; i < finished->len; i++) {
        struct probe *probe = g_ptr_array_index(finished, i);

        if (!prober->free_requested) {
            probe->cb(&probe->target, &probe->result, probe->user_data);
        }
        probe_free(prober, probe);
    }
    g_ptr_array_free(finished, TRUE);
    prober->dispatching = false;
    if (prober->free_requested) {
        prober_destroy(prober);
    } else {
        update_ready_time(prober);      /* probes the callbacks started */
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs prober_funcs = {
    .dispatch = prober_dispatch,
};

sipha_prober_t *
sipha_prober_new(const struct sipha_probe_config *cfg, GMainContext *ctx)
{
    sipha_prober_t *prober;

    if ((cfg == NULL) || (cfg->timeout_ms == 0)) {
        errno = EINVAL;
        return NULL;
    }
    sipha_sip_msg_init();
    prober = g_new0(sipha_prober_t, 1);
    prober->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (prober->epfd < 0) {
        int error = errno;

        g_free(prober);
        errno = error;
        return NULL;
    }
    prober->cfg = *cfg;
    prober->probes = g_ptr_array_new();
    prober->socks = g_ptr_array_new();
    prober->idle_socks = g_hash_table_new(g_str_hash, g_str_equal);
    prober->source = g_source_new(&prober_funcs, sizeof(struct prober_source));
    ((struct prober_source *) prober->source)->prober = prober;
    g_source_set_name(prober->source, "sipha-prober");
    g_source_add_unix_fd(prober->source, prober->epfd, G_IO_IN);
    g_source_attach(prober->source, ctx);
    return prober;
}

void
sipha_prober_free(sipha_prober_t *prober)
{
    if (prober == NULL) {
        return;
    }
    if (prober->dispatching) {
        prober->free_requested = true;      /* done at the end of dispatch */
        return;
    }
    prober_destroy(prober);
}

unsigned
sipha_prober_pending(const sipha_prober_t *prober)
{
    return prober->probes->len;
}

int
sipha_prober_cancel(sipha_prober_t *prober, uint64_t probe_id)
{
    for (guint i = 0; i < prober->probes->len; i++) {
        struct probe *probe = g_ptr_array_index(prober->probes, i);

        if (probe->id == probe_id) {
            g_ptr_array_remove_index(prober->probes, i);
            probe_free(prober, probe);
            update_ready_time(prober);
            return 0;
        }
    }
    return -ENOENT;
}

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
static int
local_address(int fd, char *host, size_t host_len, uint16_t *port)
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
static int
open_connected(const struct sipha_sip_addr *target, int type, int *fd, bool *in_progress)
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
        rc = open_connected(&probe->target, SOCK_DGRAM, &fd, &unused);
        sock = g_new0(struct psock, 1);
        sock->fd = fd;
        g_strlcpy(sock->key, key, sizeof(sock->key));
        if (rc == 0) {
            rc = local_address(fd, sock->local_host, sizeof(sock->local_host), &sock->local_port);
        }
        if (rc != 0) {
            if (fd >= 0) {
                close(fd);
            }
            g_free(sock);
            return rc;
        }
        sock->kind = FD_UDP_SOCK;
        rc = watch_fd(prober, EPOLL_CTL_ADD, fd, EPOLLIN, &sock->kind);
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

static int
udp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
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
    udp_send(probe, now_us);
    if (prober->cfg.retransmit_ms > 0) {
        probe->retransmit_us = (int64_t) prober->cfg.retransmit_ms * 1000;
        probe->next_tx_us = now_us + probe->retransmit_us;
    }
    return 0;
}

static int
tcp_start(sipha_prober_t *prober, struct probe *probe, int64_t now_us)
{
    char local_host[INET6_ADDRSTRLEN];
    uint16_t local_port = 0;
    int rc = open_connected(&probe->target, SOCK_STREAM, &probe->fd, &probe->connecting);

    if (rc == 0) {
        /* connect() bound the local address already, even in progress. */
        rc = local_address(probe->fd, local_host, sizeof(local_host), &local_port);
    }
    if (rc == 0) {
        rc = sipha_sip_build_options(&probe->target, local_host, local_port, &probe->ids,
                                     &probe->request, &probe->request_len);
    }
    if (rc != 0) {
        return rc;
    }
    rc = watch_fd(prober, EPOLL_CTL_ADD, probe->fd, EPOLLOUT, &probe->kind);
    if (rc != 0) {
        return rc;
    }
    if (!probe->connecting) {
        tcp_flush(prober, probe, now_us);
    }
    return 0;
}

int
sipha_prober_probe(sipha_prober_t *prober, const struct sipha_sip_addr *target,
                   sipha_probe_cb cb, void *user_data, uint64_t *probe_id)
{
    struct probe *probe;
    int64_t now_us;
    int rc;

    if ((prober == NULL) || (target == NULL) || (cb == NULL) || prober->free_requested
        || (target->port == 0) || (target->host[0] == '\0')) {
        return -EINVAL;
    }
    probe = g_new0(struct probe, 1);
    probe->id = ++prober->last_id;
    probe->target = *target;
    probe->cb = cb;
    probe->user_data = user_data;
    probe->fd = -1;
    probe->kind = FD_TCP_PROBE;
    probe->tcp = (target->transport == SIPHA_SIP_TCP);
    /* CSeq numbers keep 7 digits, so a socket's request can be rewritten
     * in place (sipha_sip_request_update()). */
    if ((prober->last_cseq < 1000000) || (prober->last_cseq >= 9999999)) {
        prober->last_cseq = 1000000;
    }
    sipha_sip_ids_generate(&probe->ids, ++prober->last_cseq);

    now_us = g_get_monotonic_time();
    probe->start_us = now_us;
    probe->deadline_us = now_us + ((int64_t) prober->cfg.timeout_ms * 1000);
    rc = probe->tcp ? tcp_start(prober, probe, now_us) : udp_start(prober, probe, now_us);
    if (rc != 0) {
        /* Reported through the callback like any verdict, at the next
         * dispatch (ready time "now"), never from inside this call. */
        finish(probe, verdict_for_errno(-rc), -rc, now_us);
    }
    g_ptr_array_add(prober->probes, probe);
    if (!prober->dispatching) {         /* else dispatch does it at its end */
        int64_t current_us = g_source_get_ready_time(prober->source);
        int64_t t = probe_next_us(probe);

        if ((current_us < 0) || (t < current_us)) {
            set_ready_time(prober, t);
        }
    }
    if (probe_id != NULL) {
        *probe_id = probe->id;
    }
    return 0;
}

static void
store_result(const struct sipha_sip_addr *target, const struct sipha_probe_result *result,
             void *user_data)
{
    *(struct sipha_probe_result *) user_data = *result;
}

int
sipha_probe_run(const struct sipha_probe_config *cfg, const struct sipha_sip_addr *targets,
                size_t n_targets, struct sipha_probe_result *results)
{
    GMainContext *ctx;
    sipha_prober_t *prober;

    if ((cfg == NULL) || ((n_targets > 0) && ((targets == NULL) || (results == NULL)))) {
        return -EINVAL;
    }
    ctx = g_main_context_new();
    prober = sipha_prober_new(cfg, ctx);
    if (prober == NULL) {
        g_main_context_unref(ctx);
        return -EINVAL;
    }
    for (size_t i = 0; i < n_targets; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        if (sipha_prober_probe(prober, &targets[i], store_result, &results[i], NULL) != 0) {
            results[i].verdict = SIPHA_PROBE_ERROR;
            results[i].error = EINVAL;
        }
    }
    while (sipha_prober_pending(prober) > 0) {
        g_main_context_iteration(ctx, TRUE);
    }
    sipha_prober_free(prober);
    g_main_context_unref(ctx);
    return 0;
}
