/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_watch.c: the watcher's I/O: CPG membership and messages in, own ring
 * ticks out, a timer that asks the state machine (sipha_watch_table.c) for
 * verdicts.  Everything that judges lives in the table; this file only
 * validates input and keeps the clock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "beat/sipha_beat_msg.h"
#include "beat/sipha_cpg.h"
#include "util/sipha_log.h"
#include "util/sipha_time.h"
#include "watch/sipha_watch.h"
#include "watch/sipha_watch_table.h"

#define EVAL_INTERVAL_MS 20
/* A loaded node's ring can stall and resume dozens of times a minute: the
 * first stall of a window is logged with its end; later ones are logged
 * only once they last RING_LOG_LONG_MS, the others are counted and summed
 * up once the window is over. */
#define RING_LOG_WINDOW_MS 60000
#define RING_LOG_LONG_MS 1000

/* What the log has said about ring stalls in the current window. */
struct ring_log {
    uint64_t window_end_ms;     /* 0: no window open */
    uint64_t stall_start_ms;
    bool logged;                /* the current stall was logged */
    uint64_t quiet_stalls;      /* stalls counted, not logged */
    uint64_t quiet_longest_ms;
};

struct sipha_watch {
    sipha_watch_opts_t opts;
    char group[CPG_MAX_NAME_LENGTH];
    GMainContext *ctx;
    sipha_cpg_t *cpg;
    sipha_watch_table_t *table;
    sipha_ring_t ring;
    struct ring_log ring_log;
    GSource *timer;
    uint64_t last_tick_ms;
    uint64_t boot_id;
    GHashTable *members;        /* (nodeid << 32 | pid) -> boot id, 0 = not seen */
    sipha_watch_stats_t stats;
    bool authenticate;          /* only beats whose MAC verifies with key */
    sipha_beat_key_t key;
    sipha_watch_conn_fn conn_fn;
    void *conn_data;
};

const char *sipha_proxy_state_str(sipha_proxy_state_t state)
{
    switch (state) {
        case SIPHA_PROXY_UP:
            return "up";
        case SIPHA_PROXY_DOWN:
            return "down";
        case SIPHA_PROXY_CONFLICT:
            return "conflict";
        default:
            return "unknown";
    }
}

void sipha_watch_opts_init(sipha_watch_opts_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->group = "sipha";
    opts->down_after_ms = 300;
    opts->up_after_increases = 3;
    opts->tick_interval_ms = 50;
    opts->stall_after_ms = 100;
    opts->reconnect_max_ms = 2000;
    opts->max_proxies = 1024;
    opts->forget_after_ms = 60000;
}

static uint64_t random_boot_id(void)
{
    uint64_t id = 0;

    while (id == 0) {
        if (getrandom(&id, sizeof(id), 0) != (ssize_t) sizeof(id)) {
            id = ((uint64_t) g_random_int() << 32) | g_random_int();
        }
    }
    return id;
}

static guint64 member_key(uint32_t nodeid, uint32_t pid)
{
    return ((guint64) nodeid << 32) | pid;
}

/* Members are pinned to the first boot id they use: a second one from the
 * same process is a forgery or a bug, and is not trusted. */
static bool sender_trusted(sipha_watch_t *w, uint32_t nodeid, uint32_t pid, uint64_t boot_id)
{
    guint64 key = member_key(nodeid, pid);
    gpointer value;
    guint64 *pinned;

    if (!g_hash_table_lookup_extended(w->members, &key, NULL, &value)) {
        return false;
    }
    pinned = value;
    if (*pinned == 0) {
        *pinned = boot_id;
    }
    return *pinned == boot_id;
}

/* A valid beat the table did not take is counted, and said once per kind
 * in debug: a flood must not flood the log too. */
static void count_admission(sipha_watch_t *w, uint32_t nodeid, const sipha_beat_msg_t *msg,
                            sipha_watch_admit_t admit)
{
    switch (admit) {
        case SIPHA_WATCH_ADMITTED:
            w->stats.rx_beats++;
            return;
        case SIPHA_WATCH_NOT_MEMBER:
            w->stats.rx_not_member++;
            break;
        case SIPHA_WATCH_WRONG_NODE:
            w->stats.rx_wrong_node++;
            break;
        case SIPHA_WATCH_TABLE_FULL:
            w->stats.rx_table_full++;
            break;
    }
    sipha_debug("ignored beat of '%s' (%s) from node %u: %s", msg->name, msg->sip_address,
                nodeid, admit == SIPHA_WATCH_NOT_MEMBER ? "not a member's address"
                : admit == SIPHA_WATCH_WRONG_NODE ? "the proxy runs on another node"
                : "table full");
}

static void on_deliver(uint32_t nodeid, uint32_t pid, const void *buf, size_t len,
                       void *data)
{
    sipha_watch_t *w = data;
    sipha_beat_msg_t msg;
    sipha_sender_t sender;
    int rc;

    w->stats.rx_messages++;
    rc = sipha_beat_msg_decode(buf, len, &msg);
    if (rc != 0) {
        w->stats.rx_malformed++;
        sipha_debug("ignored message from node %u pid %u (%zu bytes): %s",
                    nodeid, pid, len, sipha_beat_msg_strerror(rc));
        return;
    }
    if (msg.type == SIPHA_BEAT_TYPE_TICK && msg.boot_id == w->boot_id
        && nodeid == sipha_cpg_local_nodeid(w->cpg)) {
        w->stats.rx_own_ticks++;
        sipha_ring_tick_back(&w->ring, msg.seq);
        return;
    }
    if (!sender_trusted(w, nodeid, pid, msg.boot_id)) {
        w->stats.rx_unknown_sender++;
        sipha_debug("ignored message from node %u pid %u: unknown sender or boot id",
                    nodeid, pid);
        return;
    }
    if (msg.type == SIPHA_BEAT_TYPE_TICK) {
        w->stats.rx_other_ticks++;
        return;
    }
    if (w->authenticate && !sipha_beat_verify(buf, len, nodeid, &w->key)) {
        w->stats.rx_unauthenticated++;
        sipha_debug("ignored beat of '%s' from node %u pid %u: no valid MAC", msg.name,
                    nodeid, pid);
        return;
    }
    sender.nodeid = nodeid;
    sender.pid = pid;
    sender.boot_id = msg.boot_id;
    count_admission(w, nodeid, &msg,
                    sipha_watch_table_beat(w->table, sipha_now_ms(), &sender, &msg));
}

static void on_confchg(const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined, void *data)
{
    sipha_watch_t *w = data;
    uint64_t now_ms = sipha_now_ms();

    for (size_t i = 0; i < n_left; i++) {
        guint64 key = member_key(left[i].nodeid, left[i].pid);

        g_hash_table_remove(w->members, &key);
        sipha_watch_table_leave(w->table, now_ms, left[i].nodeid, left[i].pid,
                                sipha_cpg_reason_str(left[i].reason));
    }
    /* The full list: members we have not seen join (the first confchg
     * after our own join lists everyone already there). */
    for (size_t i = 0; i < n_members; i++) {
        guint64 key = member_key(members[i].nodeid, members[i].pid);

        if (!g_hash_table_contains(w->members, &key)) {
            guint64 *k = g_new(guint64, 1);
            guint64 *v = g_new0(guint64, 1);

            *k = key;
            g_hash_table_insert(w->members, k, v);
        }
    }
}

static void on_connection(bool connected, void *data)
{
    sipha_watch_t *w = data;

    w->stats.connected = connected;
    if (connected) {
        sipha_ring_reset(&w->ring);
        sipha_watch_table_resume(w->table, sipha_now_ms());
    } else {
        w->stats.cpg_disconnects++;
        g_hash_table_remove_all(w->members);
        sipha_watch_table_reset(w->table, "watcher lost its CPG connection");
    }
    if (w->conn_fn != NULL) {
        w->conn_fn(connected, w->conn_data);
    }
}

static void send_tick(sipha_watch_t *w, uint64_t now_ms)
{
    sipha_beat_msg_t msg;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    int len;

    memset(&msg, 0, sizeof(msg));
    msg.type = SIPHA_BEAT_TYPE_TICK;
    msg.boot_id = w->boot_id;
    msg.seq = sipha_ring_tick_sent(&w->ring, now_ms);
    if (msg.seq == 0) {
        return;     /* too many outstanding: the ring is stalled anyway */
    }
    len = sipha_beat_msg_encode(&msg, buf, sizeof(buf));
    if (len > 0) {
        (void) sipha_cpg_send(w->cpg, buf, (size_t) len);
    }
}

/* The log's side of a ring change (-1 stalled, +1 delivers again, 0 none):
 * see RING_LOG_WINDOW_MS. */
static void log_ring_change(sipha_watch_t *w, int ring_change, uint64_t now_ms)
{
    struct ring_log *log = &w->ring_log;

    if (ring_change < 0) {
        log->stall_start_ms = now_ms;
        log->logged = log->window_end_ms == 0;
        if (log->logged) {
            log->window_end_ms = now_ms + RING_LOG_WINDOW_MS;
            sipha_warn("CPG ring stalled (own tick not back after %u ms): holding judgement",
                       w->opts.stall_after_ms);
        } else {
            log->quiet_stalls++;
        }
    } else if (ring_change == 0 && w->ring.stalled && !log->logged
               && now_ms - log->stall_start_ms >= RING_LOG_LONG_MS) {
        log->logged = true;
        log->quiet_stalls--;
        sipha_warn("CPG ring stalled (own tick not back after %" PRIu64 " ms): holding "
                   "judgement", w->opts.stall_after_ms + (now_ms - log->stall_start_ms));
    } else if (ring_change > 0) {
        /* from the tick that did not come back */
        uint64_t stalled_ms = w->opts.stall_after_ms + (now_ms - log->stall_start_ms);

        if (log->logged) {
            sipha_notice("CPG ring delivers again after %" PRIu64 " ms: judging counters "
                         "from now on", stalled_ms);
        } else if (stalled_ms > log->quiet_longest_ms) {
            log->quiet_longest_ms = stalled_ms;
        }
        log->logged = false;
    }
    if (log->window_end_ms != 0 && now_ms >= log->window_end_ms && !w->ring.stalled) {
        if (log->quiet_stalls > 0) {
            sipha_warn("CPG ring stalled %" PRIu64 " more time(s) in the last %d s (longest "
                       "%" PRIu64 " ms), judgement held each time: is this node overloaded?",
                       log->quiet_stalls, RING_LOG_WINDOW_MS / 1000, log->quiet_longest_ms);
        }
        *log = (struct ring_log) { 0 };
    }
}

static gboolean on_timer(gpointer data)
{
    sipha_watch_t *w = data;
    uint64_t now_ms = sipha_now_ms();
    int ring_change;

    if (!sipha_cpg_connected(w->cpg)) {
        return G_SOURCE_CONTINUE;
    }
    if (now_ms - w->last_tick_ms >= w->opts.tick_interval_ms) {
        w->last_tick_ms = now_ms;
        send_tick(w, now_ms);
    }
    ring_change = sipha_ring_check(&w->ring, now_ms);
    log_ring_change(w, ring_change, now_ms);
    if (ring_change > 0) {
        sipha_watch_table_resume(w->table, now_ms);
    }
    w->stats.ring_stalled = w->ring.stalled;
    sipha_watch_table_evaluate(w->table, now_ms, w->ring.stalled);
    return G_SOURCE_CONTINUE;
}

sipha_watch_t *sipha_watch_new(const sipha_watch_opts_t *opts, GMainContext *ctx,
                               sipha_watch_change_fn on_change, void *user_data)
{
    static const sipha_cpg_callbacks_t callbacks = {
        .deliver = on_deliver,
        .confchg = on_confchg,
        .connection = on_connection,
    };
    sipha_watch_t *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        return NULL;
    }
    if (opts != NULL) {
        w->opts = *opts;
    } else {
        sipha_watch_opts_init(&w->opts);
    }
    g_strlcpy(w->group, w->opts.group != NULL ? w->opts.group : "sipha", sizeof(w->group));
    w->opts.group = w->group;
    if (w->opts.key != NULL) {
        w->authenticate = true;
        w->key = *w->opts.key;
        w->opts.key = &w->key;
    }
    w->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    w->boot_id = random_boot_id();
    w->members = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    sipha_ring_init(&w->ring, w->opts.stall_after_ms);
    w->table = sipha_watch_table_new(w->opts.down_after_ms, w->opts.up_after_increases,
                                     on_change, user_data);
    w->cpg = sipha_cpg_new(w->group, w->ctx, w->opts.reconnect_max_ms, &callbacks, w);
    if (w->table == NULL || w->cpg == NULL) {
        sipha_watch_free(w);
        return NULL;
    }
    sipha_watch_table_set_limits(w->table, w->opts.max_proxies, w->opts.forget_after_ms);
    return w;
}

void sipha_watch_set_conn_callback(sipha_watch_t *watch, sipha_watch_conn_fn fn,
                                   void *user_data)
{
    watch->conn_fn = fn;
    watch->conn_data = user_data;
}

int sipha_watch_start(sipha_watch_t *w)
{
    if (w == NULL || w->opts.down_after_ms == 0 || w->opts.tick_interval_ms == 0
        || w->opts.stall_after_ms == 0) {
        return -EINVAL;
    }
    if (w->timer != NULL) {
        return 0;
    }
    if (w->opts.tick_interval_ms + w->opts.stall_after_ms >= w->opts.down_after_ms) {
        /* a stall would be seen only after counters were already judged */
        sipha_warn("tick %u ms + stall %u ms >= down after %u ms: a ring stall may"
                   " be taken for dead proxies", w->opts.tick_interval_ms,
                   w->opts.stall_after_ms, w->opts.down_after_ms);
    }
    w->timer = g_timeout_source_new(MIN(EVAL_INTERVAL_MS, w->opts.tick_interval_ms));
    g_source_set_callback(w->timer, on_timer, w, NULL);
    g_source_set_priority(w->timer, G_PRIORITY_HIGH);
    g_source_attach(w->timer, w->ctx);
    return sipha_cpg_start(w->cpg);
}

void sipha_watch_free(sipha_watch_t *w)
{
    if (w == NULL) {
        return;
    }
    if (w->timer != NULL) {
        g_source_destroy(w->timer);
        g_source_unref(w->timer);
    }
    w->conn_fn = NULL;
    sipha_cpg_free(w->cpg);
    sipha_watch_table_free(w->table);
    g_hash_table_destroy(w->members);
    g_main_context_unref(w->ctx);
    free(w);
}

void sipha_watch_foreach(sipha_watch_t *w, sipha_watch_foreach_fn fn, void *user_data)
{
    sipha_watch_table_foreach(w->table, fn, user_data);
}

size_t sipha_watch_count(sipha_watch_t *w)
{
    return sipha_watch_table_count(w->table);
}

const sipha_proxy_info_t *sipha_watch_lookup_address(sipha_watch_t *w,
                                                     const char *sip_address)
{
    return sipha_watch_table_lookup_address(w->table, sip_address);
}

const sipha_proxy_info_t *sipha_watch_lookup_name(sipha_watch_t *w, const char *name)
{
    return sipha_watch_table_lookup_name(w->table, name);
}

void sipha_watch_get_stats(sipha_watch_t *w, sipha_watch_stats_t *stats)
{
    *stats = w->stats;
    stats->ring_stalls = w->ring.stalls;
    stats->conflicts = sipha_watch_table_conflicts(w->table);
    stats->reclaimed = sipha_watch_table_reclaimed(w->table);
    stats->connected = sipha_cpg_connected(w->cpg);
}

void sipha_watch_set_members(sipha_watch_t *w, const sipha_watch_member_t *members,
                             size_t n_members)
{
    sipha_watch_table_set_members(w->table, members, n_members);
}
