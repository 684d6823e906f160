/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_beat.c: the heartbeat sender thread (takeover_beat.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <glib.h>

#include "addr.h"
#include "pulse.h"
#include "util/sipha_log.h"
#include "takeover_beat.h"

#define LEAVING_BEATS 3

struct takeover_beat {
    pthread_t thread;
    pthread_mutex_t lock;           /* guards self, peers, peer_count */
    int fd;
    struct disp_key key;
    int interval_ms;
    int loop_stall_ms;
    atomic_bool stop;
    char self[TAKEOVER_NAME_MAX + 1];
    struct sockaddr_storage peers[TAKEOVER_PEERS_MAX];
    int peer_count;
    uint64_t boot_id;
    uint64_t seq;                   /* the sender thread's, then stop()'s */
    /* for the operator (takeover_beat_stats), written by the sender only */
    atomic_uint_fast64_t sent;
    atomic_uint_fast64_t held;
    atomic_uint_fast64_t late_wakeups;
    atomic_uint_fast64_t max_late_us;
};

static bool
loop_alive(const struct takeover_beat *b)
{
    return pulse_alive(&pulse_worker, (uint64_t) b->loop_stall_ms);
}

static void
send_all(struct takeover_beat *b, uint8_t flags)
{
    struct takeover_msg msg = { .flags = flags, .boot_id = b->boot_id };
    uint8_t buf[TAKEOVER_MSG_MAX];
    int len;

    pthread_mutex_lock(&b->lock);
    if (b->self[0] != '\0') {
        msg.seq = ++b->seq;
        msg.sent_ms = (uint64_t) g_get_real_time() / 1000;
        memcpy(msg.name, b->self, sizeof(msg.name));
        len = takeover_msg_encode(&msg, &b->key, buf, sizeof(buf));
        for (int i = 0; len > 0 && i < b->peer_count; i++) {
            /* a full buffer or an unreachable peer: the next beat tries again */
            (void) sendto(b->fd, buf, (size_t) len, MSG_DONTWAIT,
                          (const struct sockaddr *) &b->peers[i], addr_len(&b->peers[i]));
        }
    }
    pthread_mutex_unlock(&b->lock);
}

/* How late this thread woke for the beat due at DUE: a sender that does
 * not get the CPU on time (no real-time priority, a higher priority hog)
 * makes its holder look silent to the peers. */
static void
note_wakeup(struct takeover_beat *b, const struct timespec *due)
{
    struct timespec now;
    int64_t late_us;

    clock_gettime(CLOCK_MONOTONIC, &now);
    late_us = (int64_t) (now.tv_sec - due->tv_sec) * 1000000
        + (now.tv_nsec - due->tv_nsec) / 1000;
    if (late_us <= (int64_t) b->interval_ms * 1000) {
        return;
    }
    atomic_fetch_add(&b->late_wakeups, 1);
    if ((uint64_t) late_us > atomic_load(&b->max_late_us)) {
        atomic_store(&b->max_late_us, (uint64_t) late_us);
    }
}

static void *
run(void *data)
{
    struct takeover_beat *b = data;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&b->stop)) {
        if (loop_alive(b)) {
            send_all(b, 0);
            atomic_fetch_add(&b->sent, 1);
        } else {
            atomic_fetch_add(&b->held, 1);
        }
        next.tv_nsec += (long) b->interval_ms * 1000000L;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
            continue;
        }
        note_wakeup(b, &next);
    }
    return NULL;
}

struct takeover_beat *
takeover_beat_start(int fd, const struct disp_key *key, int interval_ms, int loop_stall_ms,
                    int rt_priority)
{
    struct takeover_beat *b = g_new0(struct takeover_beat, 1);
    pthread_attr_t attr;
    int rc;

    b->fd = fd;
    b->key = *key;
    b->interval_ms = interval_ms;
    b->loop_stall_ms = loop_stall_ms;
    pthread_mutex_init(&b->lock, NULL);
    if (getrandom(&b->boot_id, sizeof(b->boot_id), 0) != (ssize_t) sizeof(b->boot_id)) {
        b->boot_id = (uint64_t) g_get_real_time();
    }
    pthread_attr_init(&attr);
    if (rt_priority > 0) {
        struct sched_param sp = { .sched_priority = rt_priority };

        pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
        pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
        pthread_attr_setschedparam(&attr, &sp);
    }
    rc = pthread_create(&b->thread, &attr, run, b);
    if (rc == EPERM && rt_priority > 0) {
        sipha_warn("Fast takeover: no real-time priority %d for the heartbeat sender (%s): "
                   "a holder starved of CPU may be taken over", rt_priority, strerror(rc));
        pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
        rc = pthread_create(&b->thread, &attr, run, b);
    }
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        sipha_err("Fast takeover: cannot start the heartbeat sender: %s", strerror(rc));
        pthread_mutex_destroy(&b->lock);
        g_free(b);
        return NULL;
    }
    return b;
}

void
takeover_beat_set_peers(struct takeover_beat *b, const char *self,
                        const struct sockaddr_storage *peers, int count)
{
    pthread_mutex_lock(&b->lock);
    snprintf(b->self, sizeof(b->self), "%s", self);
    b->peer_count = 0;
    for (int i = 0; i < count && i < TAKEOVER_PEERS_MAX; i++) {
        if (peers[i].ss_family == AF_INET) {
            b->peers[b->peer_count++] = peers[i];
        }
    }
    pthread_mutex_unlock(&b->lock);
}

void
takeover_beat_stats(struct takeover_beat *b, struct takeover_beat_stats *out)
{
    out->sent = atomic_load(&b->sent);
    out->held = atomic_load(&b->held);
    out->late_wakeups = atomic_load(&b->late_wakeups);
    out->max_late_us = atomic_load(&b->max_late_us);
}

void
takeover_beat_stop(struct takeover_beat *b, bool leaving)
{
    if (b == NULL) {
        return;
    }
    atomic_store(&b->stop, true);
    pthread_join(b->thread, NULL);
    for (int i = 0; leaving && i < LEAVING_BEATS; i++) {
        send_all(b, TAKEOVER_MSG_LEAVING);
    }
    pthread_mutex_destroy(&b->lock);
    g_free(b);
}
