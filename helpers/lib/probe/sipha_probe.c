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
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe/sipha_probe_int.h"

struct prober_source {
    GSource base;
    sipha_prober_t *prober;
};

/* Add (EPOLL_CTL_ADD) or change (EPOLL_CTL_MOD) what fd is watched for. */
int
sipha_probe_watch_fd(sipha_prober_t *prober, int op, int fd, uint32_t events, enum fd_kind *owner)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = owner;
    return (epoll_ctl(prober->epfd, op, fd, &ev) == 0) ? 0 : -errno;
}

static void
probe_free(sipha_prober_t *prober, struct probe *probe)
{
    if (probe->sock != NULL) {
        sipha_probe_sock_release(prober, probe->sock, g_get_monotonic_time());
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
void
sipha_probe_finish(struct probe *probe, enum sipha_probe_verdict verdict, int error, int64_t now_us)
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

enum sipha_probe_verdict
sipha_probe_errno_verdict(int error)
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

void
sipha_probe_on_message(sipha_prober_t *prober, struct probe *probe, const char *buf, size_t len,
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
    sipha_probe_finish(probe, sipha_probe_code_is_alive(&prober->cfg, resp.status_code)
                  ? SIPHA_PROBE_ALIVE : SIPHA_PROBE_BAD_CODE, 0, now_us);
}

static void
probe_timers(struct probe *probe, int64_t now_us)
{
    if (probe->done) {
        return;
    }
    if (now_us >= probe->deadline_us) {
        sipha_probe_finish(probe, SIPHA_PROBE_TIMEOUT, 0, now_us);
        return;
    }
    if ((probe->next_tx_us != 0) && (now_us >= probe->next_tx_us)) {
        sipha_probe_udp_send(probe, now_us);
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
        sipha_probe_sock_close(prober, g_ptr_array_index(prober->socks, i));
    }
    g_ptr_array_free(prober->socks, TRUE);
    g_hash_table_destroy(prober->idle_socks);
    close(prober->epfd);
    g_source_destroy(prober->source);
    g_source_unref(prober->source);
    g_free(prober);
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
            sipha_probe_udp_input(prober, (struct psock *) kind, now_us);
        } else {
            struct probe *probe = (struct probe *) kind;

            if (!probe->done) {
                sipha_probe_tcp_io(prober, probe, gio_condition(events[i].events), now_us);
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
    sipha_probe_sweep_idle_socks(prober, now_us);
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
    rc = probe->tcp ? sipha_probe_tcp_start(prober, probe, now_us) : sipha_probe_udp_start(prober, probe, now_us);
    if (rc != 0) {
        /* Reported through the callback like any verdict, at the next
         * dispatch (ready time "now"), never from inside this call. */
        sipha_probe_finish(probe, sipha_probe_errno_verdict(-rc), -rc, now_us);
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
