/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover.c: the fast SAP takeover's I/O on the main loop (takeover.h):
 * the heartbeat socket, the timers, the successor table's refresh.  The
 * decisions are takeover_state.c's, the address work takeover_addr.c's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "addr.h"
#include "metrics.h"
#include "util/sipha_log.h"
#include "util/sipha_spawn.h"
#include "util/sipha_time.h"
#include "takeover.h"
#include "takeover_addr.h"
#include "takeover_beat.h"
#include "takeover_state.h"

#define RX_PER_WAKEUP 64
#define TABLE_OUTPUT_MAX (256 * 1024)
/* A run of sipha-successors that takes longer is killed.  On a loaded node
 * that had just rejoined the lab a run took over 20 s: killed at 20 s, it
 * never finished and the node had no table (no takeover). */
#define REFRESH_KILL_MS 60000
/* Runs of sipha-successors at least this far apart.  A CIB that changes
 * all the time (a cluster starting, attribute updates) otherwise keeps a
 * python and its crm_simulate running back to back on every dispatcher
 * node; the table matters for the next failure, so half a second late is
 * fine. */
#define REFRESH_MIN_GAP_MS 500
#define CLAIM_RETRY_US (1000 * 1000)

struct takeover {
    struct takeover_state st;
    struct disp_key key;
    struct takeover_addr_tools tools;
    int fd;
    struct takeover_beat *beat;
    gchar *successors_cmd;
    gchar *sap_resource;
    guint rx_id;
    guint tick_id;
    guint refresh_id;
    guint gap_id;                   /* a run waiting for REFRESH_MIN_GAP_MS */
    /* the running sipha-successors, if any */
    GPid child;
    guint child_watch_id;
    guint out_id;
    int out_fd;
    GString *out;
    bool child_exited;
    bool out_closed;
    bool refresh_again;             /* the CIB changed while a run was under way */
    int child_status;
    uint64_t child_started_ms;
    uint64_t table_ms;              /* when the table in use was read */
    gchar *table_error;             /* the last refusal, logged once */
    bool held_sap;                  /* the last table placed a SAP here */
    uint64_t claim_failed_us[TAKEOVER_SAPS_MAX];
};

/* --- heartbeats: received here, sent by takeover_beat.c's thread ------ */

/* When the kernel received the datagram, on the monotonic clock: a loop
 * that reads its socket late (a busy host) must not see a dead holder's
 * last heartbeat as recent. */
static uint64_t
arrival_us(struct msghdr *mh, uint64_t now_us)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts, real;
            int64_t age_us;

            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            clock_gettime(CLOCK_REALTIME, &real);
            age_us = (int64_t) (real.tv_sec - ts.tv_sec) * 1000000
                + (real.tv_nsec - ts.tv_nsec) / 1000;
            if (age_us > 0 && (uint64_t) age_us < now_us) {
                return now_us - (uint64_t) age_us;
            }
        }
    }
    return now_us;
}

/* Log a heartbeat that came after more than half the timeout, taken apart
 * (takeover_state.h): the evidence an operator needs to tell a holder that
 * stalled from a network or a host that delayed its heartbeats. */
static void
log_late(const struct takeover *to, const struct takeover_peer *p)
{
    const struct takeover_gap *g = &p->last_late;
    bool over = g->gap_us > to->st.params.timeout_us;

    sipha_log(over ? LOG_NOTICE : LOG_INFO,
              "Heartbeat of %s after %" G_GUINT64_FORMAT " ms of silence%s: sent %" G_GINT64_FORMAT
              " ms after the previous one, %" G_GUINT64_FORMAT " lost on the way, %" G_GINT64_FORMAT
              " ms in transit", p->name, g->gap_us / 1000, over ? " (over the timeout)" : "",
              g->sent_gap_ms, g->lost, g->transit_ms);
}

/* One authenticated heartbeat, read at NOW_US, that the kernel received at
 * ARRIVAL_US (both monotonic). */
static void
receive(struct takeover *to, const struct takeover_msg *msg,
        const struct sockaddr_storage *src, uint64_t now_us, uint64_t arrival_us)
{
    uint64_t arrival_wall_ms = ((uint64_t) g_get_real_time() - (now_us - arrival_us)) / 1000;

    if (takeover_state_receive(&to->st, msg, src, arrival_us, arrival_wall_ms) == 1) {
        log_late(to, takeover_state_peer(&to->st, msg->name));
    }
}

/* Read what waits in the socket (at most RX_PER_WAKEUP datagrams). */
static void
drain(struct takeover *to)
{
    for (int i = 0; i < RX_PER_WAKEUP; i++) {
        uint8_t buf[TAKEOVER_MSG_MAX + 1];
        char control[CMSG_SPACE(sizeof(struct timespec))];
        struct sockaddr_storage src;
        struct iovec iov = { buf, sizeof(buf) };
        struct msghdr mh = {
            .msg_name = &src, .msg_namelen = sizeof(src), .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control, .msg_controllen = sizeof(control),
        };
        struct takeover_msg msg;
        ssize_t n = recvmsg(to->fd, &mh, MSG_DONTWAIT);
        int rc;

        if (n < 0) {
            break;
        }
        rc = takeover_msg_decode(buf, (size_t) n, &to->key, &msg);
        if (rc == TAKEOVER_MSG_MALFORMED) {
            to->st.counters.rx_malformed++;
        } else if (rc == TAKEOVER_MSG_BAD_MAC) {
            to->st.counters.rx_bad_mac++;
        } else {
            uint64_t now_us = sipha_now_us();

            receive(to, &msg, &src, now_us, arrival_us(&mh, now_us));
        }
    }
}

static gboolean
on_readable(gint fd, GIOCondition condition, gpointer data)
{
    drain(data);
    return G_SOURCE_CONTINUE;
}

/* --- claims ---------------------------------------------------------- */

static void
claim(struct takeover *to, int index, uint64_t now_us)
{
    struct takeover_sap *s = &to->st.table.saps[index];
    const struct takeover_peer *holder = takeover_state_peer(&to->st, s->holder);
    uint64_t silent_ms = holder != NULL ? (now_us - holder->last_heard_us) / 1000 : 0;

    if (now_us - to->claim_failed_us[index] < CLAIM_RETRY_US) {
        return;
    }
    if (takeover_addr_resolve(s->address, s->nic, &s->prefix) != 0) {
        sipha_err("Cannot take over SAP %s from %s: no local interface is on its network "
                  "(set nic and cidr_netmask on the SAP resource)", s->address, s->holder);
        to->claim_failed_us[index] = now_us;
        return;
    }
    if (takeover_addr_claim(&to->tools, s->address, s->prefix, s->nic) != 0) {
        to->claim_failed_us[index] = now_us;
        return;
    }
    takeover_state_claimed(&to->st, index, now_us);
    takeover_addr_attribute(&to->tools, s->holder, TAKEOVER_ATTRIBUTE, to->st.table.self);
    sipha_notice("Took over SAP %s/%d on %s from %s (silent for %" G_GUINT64_FORMAT " ms): "
                 "Pacemaker asked to confirm", s->address, s->prefix, s->nic, s->holder,
                 silent_ms);
}

static gboolean
on_tick(gpointer data)
{
    struct takeover *to = data;
    uint64_t now_us;
    int due[TAKEOVER_SAPS_MAX];
    int n;

    /* Heartbeats that arrived while this loop was not running count first
     * (with their arrival times): silence is judged on what came, not on
     * when we got round to reading it. */
    drain(to);
    now_us = sipha_now_us();
    n = takeover_state_tick(&to->st, now_us, due);

    for (int i = 0; i < n; i++) {
        claim(to, due[i], now_us);
    }
    return G_SOURCE_CONTINUE;
}

static void
end_claim(struct takeover *to, int slot, enum takeover_release why)
{
    struct takeover_claim *c = &to->st.claims[slot];

    if (why == TAKEOVER_CONFIRMED) {
        sipha_notice("SAP %s: %s", c->address, takeover_release_str(why));
        to->st.counters.confirmed++;
    } else {
        sipha_notice("Letting SAP %s go: %s", c->address, takeover_release_str(why));
        takeover_addr_release(&to->tools, c->address, c->prefix, c->nic);
        to->st.counters.released++;
    }
    c->active = false;
}

/* --- the successor table --------------------------------------------- */

static void start_refresh(struct takeover *to);
static void request_refresh(struct takeover *to);

static bool
table_holds_self(const struct takeover_table *t)
{
    for (int i = 0; i < t->sap_count; i++) {
        if (strcmp(t->saps[i].holder, t->self) == 0) {
            return true;
        }
    }
    return false;
}

static void
apply_table(struct takeover *to, const struct takeover_table *t)
{
    int released[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];
    bool first = !to->st.have_table;
    bool holds;
    int n;

    if (first) {
        sipha_notice("Fast takeover: this node is %s, %d peer(s), %d SAP(s)", t->self,
                     t->peer_count, t->sap_count);
    }
    n = takeover_state_set_table(&to->st, t, sipha_now_us(), released, why);
    {
        struct sockaddr_storage peers[TAKEOVER_PEERS_MAX];

        for (int i = 0; i < to->st.peer_count; i++) {
            peers[i] = to->st.peers[i].addr;
        }
        takeover_beat_set_peers(to->beat, t->self, peers, to->st.peer_count);
    }
    for (int i = 0; i < n; i++) {
        end_claim(to, released[i], why[i]);
    }
    memset(to->claim_failed_us, 0, sizeof(to->claim_failed_us));
    to->table_ms = sipha_now_ms();
    /* This node's own mark goes once Pacemaker has moved its SAPs away. */
    holds = table_holds_self(t);
    if (!holds && (first || to->held_sap)) {
        takeover_addr_attribute(&to->tools, NULL, TAKEOVER_ATTRIBUTE, NULL);
    }
    to->held_sap = holds;
}

static void
table_error(struct takeover *to, const char *text)
{
    if (to->table_error == NULL || strcmp(to->table_error, text) != 0) {
        sipha_warn("Successor table not updated: %s", text);
        g_free(to->table_error);
        to->table_error = g_strdup(text);
    }
}

/* The last non-empty line of a failed run's output: its message (it
 * prints one line on stderr, merged into the output by merge_stderr). */
static const char *
last_line(GString *out)
{
    char *end = out->str + out->len;
    char *start;

    while (end > out->str && (end[-1] == '\n' || end[-1] == '\r')) {
        end--;
    }
    *end = '\0';
    start = strrchr(out->str, '\n');
    start = (start == NULL) ? out->str : start + 1;
    return (*start == '\0') ? "no message" : start;
}

static void
finish_refresh(struct takeover *to)
{
    struct takeover_table *t;
    char err[160];

    if (!to->child_exited || !to->out_closed) {
        return;
    }
    if (!g_spawn_check_wait_status(to->child_status, NULL)) {
        gchar *text = g_strdup_printf("%s exited with status %d: %s", to->successors_cmd,
                                      WIFEXITED(to->child_status)
                                      ? WEXITSTATUS(to->child_status) : -1,
                                      last_line(to->out));

        table_error(to, text);
        g_free(text);
    } else {
        t = g_new0(struct takeover_table, 1);
        if (takeover_table_parse(to->out->str, to->out->len, t, err, sizeof(err)) != 0) {
            table_error(to, err);
        } else {
            g_clear_pointer(&to->table_error, g_free);
            apply_table(to, t);
        }
        g_free(t);
    }
    g_string_truncate(to->out, 0);
    to->child = 0;
    if (to->refresh_again) {
        to->refresh_again = false;
        request_refresh(to);
    }
}

static void
on_child_exit(GPid pid, gint status, gpointer data)
{
    struct takeover *to = data;

    g_spawn_close_pid(pid);
    to->child_watch_id = 0;
    to->child_exited = true;
    to->child_status = status;
    finish_refresh(to);
}

static gboolean
on_child_output(gint fd, GIOCondition condition, gpointer data)
{
    struct takeover *to = data;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n > 0) {
        if (to->out->len + (size_t) n <= TABLE_OUTPUT_MAX) {
            g_string_append_len(to->out, buf, n);
        }
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    close(fd);
    to->out_fd = -1;
    to->out_id = 0;
    to->out_closed = true;
    finish_refresh(to);
    return G_SOURCE_REMOVE;
}

/* sipha-successors runs with its stderr in the stdout pipe, so that the
 * reason of a failed run reaches the log instead of /dev/null (the program
 * writes to stderr only when it fails, then nothing on stdout).  It is
 * started with posix_spawn, not fork (util/sipha_spawn.h: a fork stalls
 * the real-time heartbeat sender). */
static void
start_refresh(struct takeover *to)
{
    char *argv[4] = { to->successors_cmd, NULL, NULL, NULL };
    int pipe_fds[2];
    pid_t pid;
    int rc;

    if (to->sap_resource != NULL) {
        argv[1] = "--sap-resource";
        argv[2] = to->sap_resource;
    }
    if (!g_unix_open_pipe(pipe_fds, FD_CLOEXEC, NULL)) {
        table_error(to, strerror(errno));
        return;
    }
    rc = sipha_spawn(argv, pipe_fds[1], pipe_fds[1], &pid);
    close(pipe_fds[1]);
    if (rc != 0) {
        char *text = g_strdup_printf("cannot run %s: %s", argv[0], strerror(-rc));

        close(pipe_fds[0]);
        table_error(to, text);
        g_free(text);
        to->child = 0;
        return;
    }
    to->child = pid;
    to->out_fd = pipe_fds[0];
    g_unix_set_fd_nonblocking(to->out_fd, TRUE, NULL);
    to->child_exited = false;
    to->out_closed = false;
    to->child_started_ms = sipha_now_ms();
    to->child_watch_id = g_child_watch_add(to->child, on_child_exit, to);
    to->out_id = g_unix_fd_add(to->out_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_child_output, to);
}

static gboolean
on_gap_over(gpointer data)
{
    struct takeover *to = data;

    to->gap_id = 0;
    request_refresh(to);
    return G_SOURCE_REMOVE;
}

/* A run now, after the one under way, or once REFRESH_MIN_GAP_MS have
 * passed since the last one started. */
static void
request_refresh(struct takeover *to)
{
    uint64_t since_ms = sipha_now_ms() - to->child_started_ms;

    if (to->child != 0) {
        to->refresh_again = true;
    } else if (to->gap_id != 0) {
        return;
    } else if (to->child_started_ms != 0 && since_ms < REFRESH_MIN_GAP_MS) {
        to->gap_id = g_timeout_add((guint) (REFRESH_MIN_GAP_MS - since_ms), on_gap_over, to);
    } else {
        start_refresh(to);
    }
}

void
takeover_cib_changed(struct takeover *to)
{
    if (to == NULL) {
        return;
    }
    request_refresh(to);
}

static gboolean
on_refresh(gpointer data)
{
    struct takeover *to = data;

    if (to->child == 0) {
        start_refresh(to);
    } else if (sipha_now_ms() - to->child_started_ms > REFRESH_KILL_MS) {
        table_error(to, "sipha-successors hangs: killed");
        kill(to->child, SIGKILL);
    }
    return G_SOURCE_CONTINUE;
}

/* --- life cycle ------------------------------------------------------ */

static int
open_socket(int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;

    if (fd < 0) {
        return -errno;
    }
    /* the kernel's arrival time of each heartbeat (arrival_us) */
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) != 0
        || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return fd;
}

struct takeover *
takeover_new(const struct disp_config *cfg, const struct disp_keys *keys)
{
    struct takeover *to = g_new0(struct takeover, 1);
    struct takeover_params params = {
        .port = cfg->takeover_port,
        .timeout_us = (uint64_t) cfg->takeover_timeout_ms * 1000,
        .skew_ms = 2000,
        .confirm_timeout_us = (uint64_t) cfg->takeover_confirm_ms * 1000,
        .require_witness = !cfg->takeover_no_witness,
        /* three heartbeats: one late or lost datagram does not block a claim */
        .witness_fresh_us = (uint64_t) cfg->takeover_interval_ms * 3 * 1000,
    };
    int tick_ms = MAX(1, MIN(10, cfg->takeover_interval_ms / 2));

    takeover_state_init(&to->st, &params);
    to->key = keys->peer;
    to->tools = (struct takeover_addr_tools) {
        "ip", "/usr/libexec/heartbeat/send_arp", "/usr/libexec/heartbeat/send_ua",
        "/run/resource-agents", "attrd_updater",
    };
    to->successors_cmd = g_strdup(cfg->successors_cmd);
    to->sap_resource = g_strdup(cfg->sap_resource);
    to->out = g_string_new(NULL);
    to->out_fd = -1;
    to->fd = open_socket(cfg->takeover_port);
    if (to->fd < 0) {
        sipha_err("Fast takeover: cannot bind UDP port %d: %s", cfg->takeover_port,
                  strerror(-to->fd));
        takeover_free(to);
        return NULL;
    }
    to->beat = takeover_beat_start(to->fd, &to->key, cfg->takeover_interval_ms,
                                   cfg->takeover_loop_stall_ms, cfg->takeover_rt_priority);
    if (to->beat == NULL) {
        takeover_free(to);
        return NULL;
    }
    to->rx_id = g_unix_fd_add(to->fd, G_IO_IN, on_readable, to);
    to->tick_id = g_timeout_add(tick_ms, on_tick, to);
    to->refresh_id = g_timeout_add(cfg->takeover_refresh_ms, on_refresh, to);
    start_refresh(to);
    sipha_notice("Fast takeover on: heartbeats on udp port %d every %d ms, holder dead after "
                 "%d ms of silence%s", cfg->takeover_port, cfg->takeover_interval_ms,
                 cfg->takeover_timeout_ms, params.require_witness ? "" : " (no witness needed)");
    return to;
}

static const char *
peer_state(const struct takeover_state *st, const struct takeover_peer *p, uint64_t now_us)
{
    if (!p->heard) {
        return "unheard";
    }
    if (p->leaving) {
        return "leaving";
    }
    return takeover_peer_alive(st, p, now_us) ? "alive" : "silent";
}

/* This node's own sender: whether its beats leave on time. */
static void
dump_beat(const struct takeover *to, GString *out)
{
    struct takeover_beat_stats b;

    takeover_beat_stats(to->beat, &b);
    g_string_append_printf(out, "beat sent %" G_GUINT64_FORMAT " held %" G_GUINT64_FORMAT
                           " late_wakeups %" G_GUINT64_FORMAT " max_late_ms %" G_GUINT64_FORMAT
                           "\n", b.sent, b.held, b.late_wakeups, b.max_late_us / 1000);
}

void
takeover_dump(const struct takeover *to, GString *out)
{
    const struct takeover_state *st = &to->st;
    const struct takeover_counters *c = &st->counters;
    uint64_t now_us = sipha_now_us();
    char text[ADDR_STRLEN];

    if (!st->have_table) {
        g_string_append_printf(out, "takeover waiting for the successor table%s%s\n",
                               to->table_error != NULL ? ": " : "",
                               to->table_error != NULL ? to->table_error : "");
        return;
    }
    g_string_append_printf(out, "takeover self %s quorum %d table_age_ms %" G_GUINT64_FORMAT "\n",
                           st->table.self, st->table.quorum, sipha_now_ms() - to->table_ms);
    for (int i = 0; i < st->peer_count; i++) {
        const struct takeover_peer *p = &st->peers[i];

        addr_ip_str(&p->addr, text, sizeof(text));
        g_string_append_printf(out, "peer %s %s %s", p->name, text, peer_state(st, p, now_us));
        if (p->heard) {
            g_string_append_printf(out, " last_heard_ms %" G_GUINT64_FORMAT
                                   " max_gap_ms %" G_GUINT64_FORMAT " late %" G_GUINT64_FORMAT,
                                   (now_us - p->last_heard_us) / 1000, p->max_gap_us / 1000,
                                   p->late);
        }
        if (p->late > 0) {
            g_string_append_printf(out, " last_late gap_ms %" G_GUINT64_FORMAT " sent_gap_ms %"
                                   G_GINT64_FORMAT " lost %" G_GUINT64_FORMAT " transit_ms %"
                                   G_GINT64_FORMAT, p->last_late.gap_us / 1000,
                                   p->last_late.sent_gap_ms, p->last_late.lost,
                                   p->last_late.transit_ms);
        }
        g_string_append_c(out, '\n');
    }
    dump_beat(to, out);
    for (int i = 0; i < st->table.sap_count; i++) {
        const struct takeover_sap *s = &st->table.saps[i];

        g_string_append_printf(out, "sap %d %s holder %s successor %s\n", s->instance,
                               s->address, s->holder[0] != '\0' ? s->holder : "-",
                               s->successor[0] != '\0' ? s->successor : "-");
    }
    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        const struct takeover_claim *cl = &st->claims[i];

        if (cl->active) {
            g_string_append_printf(out, "claim %s from %s age_ms %" G_GUINT64_FORMAT "\n",
                                   cl->address, cl->old_holder, (now_us - cl->claimed_us) / 1000);
        }
    }
    g_string_append_printf(out, "takeover_counters rx_ok %" G_GUINT64_FORMAT
                           " rx_malformed %" G_GUINT64_FORMAT " rx_bad_mac %" G_GUINT64_FORMAT
                           " rx_unknown_peer %" G_GUINT64_FORMAT " rx_stale %" G_GUINT64_FORMAT
                           " claims %" G_GUINT64_FORMAT " confirmed %" G_GUINT64_FORMAT
                           " released %" G_GUINT64_FORMAT " stalls %" G_GUINT64_FORMAT "\n",
                           c->rx_ok, c->rx_malformed, c->rx_bad_mac, c->rx_unknown_peer,
                           c->rx_stale, c->claims, c->confirmed, c->released, c->stalls);
}

/* Whether the node NAME is heard now: this node, or a peer alive. */
static bool
node_alive(const struct takeover_state *st, const char *name, uint64_t now_us)
{
    const struct takeover_peer *peer;

    if (name[0] == '\0') {
        return false;
    }
    if (strcmp(name, st->table.self) == 0) {
        return true;
    }
    peer = takeover_state_peer(st, name);
    return peer != NULL && takeover_peer_alive(st, peer, now_us);
}

static void
peer_metrics(const struct takeover_state *st, uint64_t now_us, GString *out)
{
    static const char alive[] = "sipha_dispatcher_takeover_peer_alive";
    static const char heard[] = "sipha_dispatcher_takeover_peer_seconds_since_heard";
    int alive_count = 0;

    metrics_family(out, alive, "gauge", "Whether the peer dispatcher's heartbeats arrive (1)");
    for (int i = 0; i < st->peer_count; i++) {
        bool up = takeover_peer_alive(st, &st->peers[i], now_us);

        alive_count += up ? 1 : 0;
        metrics_sample(out, alive, up ? 1 : 0, "peer", st->peers[i].name, NULL);
    }
    metrics_family(out, heard, "gauge", "Seconds since the peer's last heartbeat "
                   "(absent: never heard)");
    for (int i = 0; i < st->peer_count; i++) {
        const struct takeover_peer *p = &st->peers[i];

        if (p->heard) {
            metrics_sample(out, heard, (double) (now_us - p->last_heard_us) / 1e6,
                           "peer", p->name, NULL);
        }
    }
    metrics_single(out, "sipha_dispatcher_takeover_peers", "gauge",
                   "Peer dispatchers in the successor table", st->peer_count);
    metrics_single(out, "sipha_dispatcher_takeover_peers_alive", "gauge",
                   "Peer dispatchers whose heartbeats arrive", alive_count);
}

static void
sap_metrics(const struct takeover_state *st, uint64_t now_us, GString *out)
{
    static const char served[] = "sipha_dispatcher_sap_served";
    int claims = 0;

    metrics_family(out, served, "gauge", "Whether the SAP has a holder that is alive: "
                   "this node, or a peer whose heartbeats arrive (1)");
    for (int i = 0; i < st->table.sap_count; i++) {
        const struct takeover_sap *s = &st->table.saps[i];

        metrics_sample(out, served, node_alive(st, s->holder, now_us) ? 1 : 0,
                       "sap", s->address, "holder", s->holder, "successor", s->successor,
                       NULL);
    }
    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        claims += st->claims[i].active ? 1 : 0;
    }
    metrics_single(out, "sipha_dispatcher_takeover_claims", "gauge",
                   "SAPs this node claimed that Pacemaker has not confirmed yet", claims);
}

/* The gaps between heartbeats per peer, a Prometheus histogram whose
 * buckets are fractions of the timeout (takeover_state.h). */
static void
gap_metrics(const struct takeover_state *st, GString *out)
{
    static const char gap[] = "sipha_dispatcher_takeover_heartbeat_gap_seconds";
    char bucket[sizeof(gap) + 8];
    char sum[sizeof(gap) + 8];
    char count[sizeof(gap) + 8];

    g_snprintf(bucket, sizeof(bucket), "%s_bucket", gap);
    g_snprintf(sum, sizeof(sum), "%s_sum", gap);
    g_snprintf(count, sizeof(count), "%s_count", gap);
    metrics_family(out, gap, "histogram", "Time between two heartbeats of the peer "
                   "(buckets: fractions of the takeover timeout)");
    for (int i = 0; i < st->peer_count; i++) {
        const struct takeover_peer *p = &st->peers[i];
        uint64_t total = 0;

        for (int b = 0; b < TAKEOVER_GAP_BUCKETS; b++) {
            uint64_t le_us = takeover_gap_bucket_us(st, b);
            char le[32];

            total += p->gap_buckets[b];
            if (le_us == UINT64_MAX) {
                g_strlcpy(le, "+Inf", sizeof(le));
            } else {
                g_snprintf(le, sizeof(le), "%g", (double) le_us / 1e6);
            }
            metrics_sample_u64(out, bucket, total, "peer", p->name, "le", le, NULL);
        }
        metrics_sample(out, sum, (double) p->gap_sum_us / 1e6, "peer", p->name, NULL);
        metrics_sample_u64(out, count, total, "peer", p->name, NULL);
    }
}

/* This node's heartbeat sender (takeover_beat.h). */
static void
beat_metrics(struct takeover_beat *beat, GString *out)
{
    static const char beats[] = "sipha_dispatcher_takeover_heartbeats_sent_total";
    struct takeover_beat_stats b;

    takeover_beat_stats(beat, &b);
    metrics_family(out, beats, "counter", "Heartbeat rounds of this node, sent or held back "
                   "because the packet worker stalled");
    metrics_sample_u64(out, beats, b.sent, "result", "sent", NULL);
    metrics_sample_u64(out, beats, b.held, "result", "held", NULL);
    metrics_single(out, "sipha_dispatcher_takeover_sender_late_wakeups_total", "counter",
                   "Times the heartbeat sender woke more than an interval late",
                   (double) b.late_wakeups);
    metrics_single(out, "sipha_dispatcher_takeover_sender_max_late_seconds", "gauge",
                   "Longest delay of the heartbeat sender's wakeup since start",
                   (double) b.max_late_us / 1e6);
}

static void
counter_metrics(const struct takeover_counters *c, GString *out)
{
    static const char rx[] = "sipha_dispatcher_takeover_heartbeats_received_total";
    const struct {
        const char *name;
        const char *help;
        uint64_t value;
    } counters[] = {
        { "sipha_dispatcher_takeover_claims_total", "SAPs claimed from a silent holder",
          c->claims },
        { "sipha_dispatcher_takeover_claims_confirmed_total", "Claims Pacemaker confirmed",
          c->confirmed },
        { "sipha_dispatcher_takeover_claims_released_total", "Claims let go", c->released },
        { "sipha_dispatcher_takeover_loop_stalls_total",
          "Times this node's own loop stalled (silences reset)", c->stalls },
    };

    metrics_family(out, rx, "counter", "Peer heartbeats received, by what became of them");
    metrics_sample_u64(out, rx, c->rx_ok, "result", "ok", NULL);
    metrics_sample_u64(out, rx, c->rx_malformed, "result", "malformed", NULL);
    metrics_sample_u64(out, rx, c->rx_bad_mac, "result", "bad_mac", NULL);
    metrics_sample_u64(out, rx, c->rx_unknown_peer, "result", "unknown_peer", NULL);
    metrics_sample_u64(out, rx, c->rx_stale, "result", "stale", NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(counters); i++) {
        metrics_family(out, counters[i].name, "counter", counters[i].help);
        metrics_sample_u64(out, counters[i].name, counters[i].value, NULL);
    }
}

void
takeover_metrics(const struct takeover *to, GString *out)
{
    const struct takeover_state *st;
    uint64_t now_us = sipha_now_us();

    metrics_single(out, "sipha_dispatcher_takeover_enabled", "gauge",
                   "Whether the fast SAP takeover runs (1)", to != NULL ? 1 : 0);
    if (to == NULL) {
        return;
    }
    st = &to->st;
    metrics_single(out, "sipha_dispatcher_takeover_table_loaded", "gauge",
                   "Whether a successor table is in use (1)", st->have_table ? 1 : 0);
    counter_metrics(&st->counters, out);
    beat_metrics(to->beat, out);
    if (!st->have_table) {
        return;
    }
    metrics_single(out, "sipha_dispatcher_takeover_quorum", "gauge",
                   "Whether the partition has quorum, per the last table (1)",
                   st->table.quorum ? 1 : 0);
    metrics_single(out, "sipha_dispatcher_takeover_table_age_seconds", "gauge",
                   "Seconds since the successor table in use was read",
                   (double) (sipha_now_ms() - to->table_ms) / 1e3);
    peer_metrics(st, now_us, out);
    gap_metrics(st, out);
    sap_metrics(st, now_us, out);
}

static void
remove_source(guint *id)
{
    if (*id != 0) {
        g_source_remove(*id);
        *id = 0;
    }
}

void
takeover_free(struct takeover *to)
{
    if (to == NULL) {
        return;
    }
    takeover_beat_stop(to->beat, true);
    to->beat = NULL;
    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        if (to->st.claims[i].active) {
            end_claim(to, i, TAKEOVER_STOPPING);
        }
    }
    remove_source(&to->rx_id);
    remove_source(&to->tick_id);
    remove_source(&to->refresh_id);
    remove_source(&to->gap_id);
    remove_source(&to->child_watch_id);
    remove_source(&to->out_id);
    if (to->child != 0) {
        kill(to->child, SIGKILL);
        waitpid(to->child, NULL, 0);
        g_spawn_close_pid(to->child);
    }
    if (to->out_fd >= 0) {
        close(to->out_fd);
    }
    if (to->fd >= 0) {
        close(to->fd);
    }
    g_string_free(to->out, TRUE);
    g_free(to->table_error);
    g_free(to->successors_cmd);
    g_free(to->sap_resource);
    g_free(to);
}
