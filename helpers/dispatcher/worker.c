/* SPDX-License-Identifier: GPL-2.0-or-later */
/* worker.c: the packet worker thread (see worker.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "forward.h"
#include "pulse.h"
#include "util/sipha_log.h"
#include "udp.h"
#include "worker.h"

/* Batches handled per socket and wake-up before looking at the others. */
#define RX_ROUNDS 4
/* The longest sleep in poll: how often the control side's pulse is
 * looked at when no traffic comes. */
#define IDLE_POLL_MS 250

struct worker {
    pthread_t thread;
    bool started;
    struct snap_domain *dom;
    int index;
    int count;
    int fds[WORKER_FDS_MAX];
    int ports[WORKER_FDS_MAX];
    int stop_fd;                    /* eventfd: worker_stop() wakes it */
    int control_stall_ms;
    bool control_stalled;
    struct udp_batch *batch;
    struct self_addrs self;         /* learned here only */
    struct fwd_affinity *affinity;  /* written here only */
    struct reply_limit *reply_limit;    /* written here only */
    struct disp_stats own;          /* the worker's; copied to shared */
    struct disp_stats shared;       /* read by the control side */
    uint64_t requests[PROXYSET_MAX];    /* per proxy slot, shared */
    struct fwd_out out[UDP_BATCH];
};

/* One proxy's count: this thread is its only writer. */
static void
count_request(struct worker *w, int slot)
{
    if (slot >= 0 && slot < PROXYSET_MAX) {
        uint64_t n = __atomic_load_n(&w->requests[slot], __ATOMIC_RELAXED);

        __atomic_store_n(&w->requests[slot], n + 1, __ATOMIC_RELAXED);
    }
}

/* The rules on each datagram of the batch into its own output buffer. */
static void
forward_batch(struct worker *w, const struct fwd_snapshot *snap, int n)
{
    /* time() is read from the vDSO: no system call */
    struct fwd_ctx ctx = { &snap->keys, &snap->set, &w->own, snap->retry_after_s, &w->self,
                           (uint64_t) time(NULL), w->affinity, w->reply_limit };

    for (int i = 0; i < n; i++) {
        struct fwd_in in;
        struct fwd_out *out = &w->out[i];
        struct sockaddr_storage *src, *local;
        const char *buf;
        ssize_t len = udp_batch_get(w->batch, i, &buf, &src, &local);

        if (len < 0) {
            w->own.drop_too_big += (len == -EMSGSIZE);
            continue;
        }
        in.buf = buf;
        in.len = (size_t) len;
        in.src = *src;
        in.local = *local;
        if (fwd_process(&ctx, &in, out) != FWD_SEND) {
            continue;
        }
        if (out->dst.ss_family != local->ss_family) {
            w->own.drop_family++;
            continue;
        }
        if (out->proxy != NULL) {
            count_request(w, out->proxy->slot);
        }
        udp_batch_queue(w->batch, local, &out->dst, out->buf, out->len);
    }
}

/* The hot path: one recvmmsg, the rules, one sendmmsg per batch. */
static void
on_readable(struct worker *w, int k)
{
    for (int round = 0; round < RX_ROUNDS; round++) {
        int n = udp_recv_batch(w->fds[k], w->ports[k], w->batch);
        const struct fwd_snapshot *snap;

        if (n <= 0) {
            break;
        }
        snap = snap_enter(w->dom, w->index);
        if (snap != NULL) {
            forward_batch(w, snap, n);
        }
        snap_leave(w->dom, w->index);
        w->own.tx_errors += (uint64_t) udp_send_batch(w->fds[k], w->batch);
        disp_stats_publish(&w->shared, &w->own);
        if (n < UDP_BATCH) {
            break;                        /* drained */
        }
    }
}

/* A control side that does not come back stalls reconfiguration, not
 * forwarding: say so once, and when it is back. */
static void
watch_control(struct worker *w)
{
    uint64_t away_ms = pulse_away_ms(&pulse_control);
    bool stalled = w->control_stall_ms > 0 && away_ms > (uint64_t) w->control_stall_ms;

    if (stalled && !w->control_stalled) {
        sipha_warn("The control thread has been busy for %" PRIu64 " ms: forwarding goes on "
                   "with the last proxy set, changes wait", away_ms);
    } else if (!stalled && w->control_stalled) {
        sipha_notice("The control thread is back");
    }
    w->control_stalled = stalled;
}

static void *
run(void *data)
{
    struct worker *w = data;
    struct pollfd pfd[WORKER_FDS_MAX + 1];

    for (int k = 0; k < w->count; k++) {
        pfd[k] = (struct pollfd) { w->fds[k], POLLIN, 0 };
    }
    pfd[w->count] = (struct pollfd) { w->stop_fd, POLLIN, 0 };
    pulse_start(&pulse_worker);
    for (;;) {
        int rc;

        pulse_sleep(&pulse_worker);
        rc = poll(pfd, (nfds_t) w->count + 1, IDLE_POLL_MS);
        pulse_wake(&pulse_worker);
        if (rc < 0 && errno != EINTR) {
            sipha_err("Packet worker: poll: %s", strerror(errno));
            break;
        }
        if (pfd[w->count].revents != 0) {
            break;
        }
        for (int k = 0; rc > 0 && k < w->count; k++) {
            if (pfd[k].revents != 0) {
                on_readable(w, k);
            }
        }
        watch_control(w);
    }
    return NULL;
}

struct worker *
worker_start(struct snap_domain *dom, int index, const int *fds, const int *ports, int count,
             const struct self_addrs *self, const struct disp_keys *keys, int control_stall_ms)
{
    struct worker *w = calloc(1, sizeof(*w));
    sigset_t all, old;
    int rc;

    if (w == NULL || count < 1 || count > WORKER_FDS_MAX) {
        free(w);
        return NULL;
    }
    w->dom = dom;
    w->index = index;
    w->count = count;
    w->control_stall_ms = control_stall_ms;
    memcpy(w->fds, fds, sizeof(*fds) * (size_t) count);
    memcpy(w->ports, ports, sizeof(*ports) * (size_t) count);
    w->self = *self;
    w->batch = udp_batch_new(FWD_OUT_MAX);
    w->affinity = affinity_new();
    w->reply_limit = reply_limit_new(keys);
    w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->batch == NULL || w->affinity == NULL || w->reply_limit == NULL || w->stop_fd < 0) {
        sipha_err("Packet worker: %s", strerror(w->stop_fd < 0 ? errno : ENOMEM));
        worker_stop(w);
        return NULL;
    }
    /* signals are the control thread's (GLib's handlers) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&w->thread, NULL, run, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        sipha_err("Cannot start the packet worker: %s", strerror(rc));
        close(w->stop_fd);
        udp_batch_free(w->batch);
        affinity_free(w->affinity);
        reply_limit_free(w->reply_limit);
        free(w);
        return NULL;
    }
    w->started = true;
    return w;
}

void
worker_stop(struct worker *w)
{
    uint64_t one = 1;

    if (w == NULL) {
        return;
    }
    if (w->started) {
        if (write(w->stop_fd, &one, sizeof(one)) != (ssize_t) sizeof(one)) {
            sipha_err("Cannot wake the packet worker: %s", strerror(errno));
        }
        pthread_join(w->thread, NULL);
    }
    if (w->stop_fd >= 0) {
        close(w->stop_fd);
    }
    udp_batch_free(w->batch);
    affinity_free(w->affinity);
    reply_limit_free(w->reply_limit);
    free(w);
}

void
worker_stats_add(const struct worker *w, struct disp_stats *sum, uint64_t *requests)
{
    disp_stats_add(sum, &w->shared);
    for (int i = 0; i < PROXYSET_MAX; i++) {
        requests[i] += __atomic_load_n(&w->requests[i], __ATOMIC_RELAXED);
    }
}
