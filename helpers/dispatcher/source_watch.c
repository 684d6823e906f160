/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_watch.c: the heartbeat watcher (sipha_watch.h) as a health source.
 * UP is UP; DOWN (beat daemon gone, its probe failed) and CONFLICT take the
 * proxy out at once, whatever the CIB says.  A DOWN for silence alone (the
 * counter stopped arriving, nothing reported) is SILENT: out too, unless
 * this dispatcher's own probes say the proxy answers (proxyset.h).  UNKNOWN
 * keeps the last verdict: it is what every proxy becomes when the watcher
 * loses CPG, and a dispatcher that loses its own view should keep routing
 * on the last good one rather than answer 503 to everything.  A proxy never
 * heard of is not usable (the watcher is required for CIB proxies).
 *
 * Health may only be said of proxies a membership source (static list,
 * CIB) has: the watcher is told the members' addresses, so a beat naming
 * any other address creates neither a watcher entry nor a proxy-set slot
 * (a forger could otherwise fill the set's 256 slots and have real
 * proxies refused).  The members are re-read from the set every
 * MEMBERS_SYNC_MS; when they change, the watcher's verdicts on the new
 * members are reported at once.
 *
 * Beats count only when their MAC verifies with the key derived from the
 * dispatcher's own secret (sipha_beat_auth.h): whoever can join the CPG
 * group but does not hold the secret can mark no proxy up or down.  Beats
 * that do not verify are counted and logged (a beat node without the key,
 * or with another one), at most once a minute.  Without a secret file (a
 * lone dispatcher run by hand, random key) or with --watch-no-auth, beats
 * are taken unsigned, and a warning says so.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "metrics.h"
#include "util/sipha_log.h"
#include "util/sipha_time.h"
#include "watch/sipha_watch.h"
#include "source_adapters.h"

#define MEMBERS_SYNC_MS 100
/* How often beats that did not verify are reported. */
#define UNAUTH_REPORT_MS 60000

struct source_watch {
    struct proxyset *ps;
    sipha_watch_t *watch;
    guint sync_timer;
    GString *members_seen;      /* the member keys last given to the watcher */
    guint unauth_timer;
    uint64_t unauth_reported;   /* rx_unauthenticated when last reported */
};

static bool
is_member(const struct proxy *p)
{
    return p->state[PS_SRC_STATIC] != PS_ABSENT || p->state[PS_SRC_CIB] != PS_ABSENT;
}

/* The proxy-set slot of a member's address, never a new one. */
static struct proxy *
member_slot(struct proxyset *ps, const char *address)
{
    char key[PROXY_KEY_LEN];
    struct sockaddr_storage addr;

    if (proxyset_key(address, key, &addr) != 0) {
        return NULL;
    }
    for (int i = 0; i < ps->count; i++) {
        if (strcmp(ps->proxies[i].key, key) == 0 && is_member(&ps->proxies[i])) {
            return &ps->proxies[i];
        }
    }
    return NULL;
}

/* The set's view of a verdict; false for UNKNOWN (keep the last one). */
static bool
set_state_of(const sipha_proxy_info_t *info, enum ps_state *state)
{
    switch (info->state) {
        case SIPHA_PROXY_UP:
            *state = PS_UP;
            return true;
        case SIPHA_PROXY_DOWN:
            *state = info->silent ? PS_SILENT : PS_DOWN;
            return true;
        case SIPHA_PROXY_CONFLICT:
            *state = PS_DOWN;
            return true;
        default:
            return false;
    }
}

static void
on_change(const sipha_proxy_info_t *info, sipha_proxy_state_t old_state, void *data)
{
    struct source_watch *sw = data;
    enum ps_state state;

    if (!set_state_of(info, &state)) {
        return;
    }
    /* a DOWN is worth a notice: the "left the set" line that follows does
     * not say why the heartbeat said so */
    sipha_log(state == PS_UP ? LOG_INFO : LOG_NOTICE, "Heartbeat of %s (%s): %s (%s)",
              info->name, info->sip_address, sipha_proxy_state_str(info->state),
              info->reason ? info->reason : "");
    if (member_slot(sw->ps, info->sip_address) == NULL) {
        return;     /* not a member (any more): nothing to say about it */
    }
    if (proxyset_report(sw->ps, PS_SRC_WATCH, info->sip_address, NULL, 0, state) != NULL) {
        proxyset_update(sw->ps);
    }
}

/* After the members changed: a new member's verdict, if the watcher has one. */
static void
report_known(const sipha_proxy_info_t *info, void *data)
{
    struct source_watch *sw = data;
    struct proxy *p = member_slot(sw->ps, info->sip_address);
    enum ps_state state;

    if (p != NULL && set_state_of(info, &state) && p->state[PS_SRC_WATCH] != state) {
        on_change(info, SIPHA_PROXY_UNKNOWN, sw);
    }
}

/* Give the watcher the members' addresses when they changed (beats carry
 * the "udp:host:port" keys the set uses).  Any node: the set does not know
 * where a proxy runs (sipha-watch --member ADDR@NODEID does). */
static gboolean
sync_members(gpointer data)
{
    struct source_watch *sw = data;
    sipha_watch_member_t *members = g_new0(sipha_watch_member_t, sw->ps->count + 1);
    GString *seen = g_string_new(NULL);
    size_t n = 0;

    for (int i = 0; i < sw->ps->count; i++) {
        if (is_member(&sw->ps->proxies[i])) {
            members[n++].sip_address = sw->ps->proxies[i].key;
            g_string_append(seen, sw->ps->proxies[i].key);
            g_string_append_c(seen, ' ');
        }
    }
    if (sw->members_seen == NULL || !g_string_equal(seen, sw->members_seen)) {
        sipha_watch_set_members(sw->watch, members, n);
        if (sw->members_seen != NULL) {
            g_string_free(sw->members_seen, TRUE);
        }
        sw->members_seen = seen;
        seen = NULL;
        sipha_watch_foreach(sw->watch, report_known, sw);
    }
    if (seen != NULL) {
        g_string_free(seen, TRUE);
    }
    g_free(members);
    return G_SOURCE_CONTINUE;
}

static void
on_conn(bool connected, void *data)
{
    if (connected) {
        sipha_notice("Heartbeat watcher joined its CPG group");
    } else {
        sipha_warn("Heartbeat watcher lost CPG: keeping the last verdicts");
    }
}

/* Beats ignored since the last report: say so, they may be a proxy's. */
static gboolean
report_unauthenticated(gpointer data)
{
    struct source_watch *sw = data;
    sipha_watch_stats_t stats;

    sipha_watch_get_stats(sw->watch, &stats);
    if (stats.rx_unauthenticated > sw->unauth_reported) {
        sipha_warn("Heartbeats: %" G_GUINT64_FORMAT " beat(s) ignored in the last minute: "
                   "no MAC that verifies with this dispatcher's secret (a beat node "
                   "without the key, or with another one: sipha-topology key --distribute)",
                   stats.rx_unauthenticated - sw->unauth_reported);
        sw->unauth_reported = stats.rx_unauthenticated;
    }
    return G_SOURCE_CONTINUE;
}

/* The beats' key, derived from the dispatcher's secret file; NULL (beats
 * taken unsigned) without one or with --watch-no-auth, logged. */
static const sipha_beat_key_t *
watch_key(const struct disp_config *cfg, sipha_beat_key_t *key)
{
    const char *path = cfg->secret_file != NULL ? cfg->secret_file : DISP_DEFAULT_SECRET;
    int rc;

    if (cfg->watch_no_auth) {
        sipha_warn("Heartbeats not authenticated (watch-no-auth): any process in the CPG "
                   "group can mark a proxy up or down");
        return NULL;
    }
    rc = sipha_beat_key_load(path, key);
    if (rc != 0) {
        sipha_warn("Heartbeats not authenticated: no usable secret file %s (%s): any "
                   "process in the CPG group can mark a proxy up or down", path,
                   rc == -EINVAL ? "fewer than 16 bytes" : g_strerror(-rc));
        return NULL;
    }
    sipha_notice("Heartbeats: only beats signed with the key of %s count", path);
    return key;
}

struct source_watch *
source_watch_new(struct proxyset *ps, const struct disp_config *cfg)
{
    sipha_watch_opts_t opts;
    sipha_beat_key_t key;
    struct source_watch *sw = g_new0(struct source_watch, 1);
    int rc;

    sipha_watch_opts_init(&opts);
    opts.down_after_ms = (uint32_t) cfg->watch_timeout_ms;
    opts.key = watch_key(cfg, &key);     /* copied by sipha_watch_new */
    sw->ps = ps;
    sw->watch = sipha_watch_new(&opts, NULL, on_change, sw);
    if (sw->watch == NULL) {
        g_free(sw);
        return NULL;
    }
    sipha_watch_set_conn_callback(sw->watch, on_conn, sw);
    /* the first sync sets the filter even while no proxy is a member */
    sync_members(sw);
    sw->sync_timer = g_timeout_add(MEMBERS_SYNC_MS, sync_members, sw);
    if (opts.key != NULL) {
        sw->unauth_timer = g_timeout_add(UNAUTH_REPORT_MS, report_unauthenticated, sw);
    }
    rc = sipha_watch_start(sw->watch);
    if (rc != 0) {
        sipha_err("Cannot start the heartbeat watcher: %s", g_strerror(-rc));
        source_watch_free(sw);
        return NULL;
    }
    return sw;
}

void
source_watch_free(struct source_watch *sw)
{
    if (sw != NULL) {
        if (sw->sync_timer != 0) {
            g_source_remove(sw->sync_timer);
        }
        if (sw->unauth_timer != 0) {
            g_source_remove(sw->unauth_timer);
        }
        sipha_watch_free(sw->watch);
        if (sw->members_seen != NULL) {
            g_string_free(sw->members_seen, TRUE);
        }
        g_free(sw);
    }
}

/* --- metrics ------------------------------------------------------------ */

struct watch_metrics {
    GString *out;
    const char *family;
    uint64_t now_ms;
};

static void
entry_state(const sipha_proxy_info_t *info, void *data)
{
    struct watch_metrics *m = data;
    static const sipha_proxy_state_t states[] = {
        SIPHA_PROXY_UNKNOWN, SIPHA_PROXY_UP, SIPHA_PROXY_DOWN, SIPHA_PROXY_CONFLICT,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(states); i++) {
        metrics_sample(m->out, m->family, info->state == states[i] ? 1 : 0, "proxy", info->name,
                       "address", info->sip_address, "state", sipha_proxy_state_str(states[i]),
                       NULL);
    }
}

static void
entry_heard(const sipha_proxy_info_t *info, void *data)
{
    struct watch_metrics *m = data;

    if (info->last_heard_ms != 0) {
        metrics_sample(m->out, m->family, (double) metrics_age_s(m->now_ms, info->last_heard_ms)
                       / 1e3, "proxy", info->name, "address", info->sip_address, NULL);
    }
}

static void
entry_increase(const sipha_proxy_info_t *info, void *data)
{
    struct watch_metrics *m = data;

    if (info->last_increase_ms != 0) {
        metrics_sample(m->out, m->family,
                       (double) metrics_age_s(m->now_ms, info->last_increase_ms) / 1e3,
                       "proxy", info->name, "address", info->sip_address, NULL);
    }
}

static void
watch_counter(GString *out, const char *name, const char *help, uint64_t value)
{
    metrics_family(out, name, "counter", help);
    metrics_sample_u64(out, name, value, NULL);
}

void
source_watch_metrics(struct source_watch *sw, GString *out)
{
    struct watch_metrics m = { .out = out, .now_ms = sipha_now_ms() };
    sipha_watch_stats_t st;

    sipha_watch_get_stats(sw->watch, &st);
    metrics_single(out, "sipha_dispatcher_watch_connected", "gauge",
                   "Whether the watcher is in its CPG group (1)", st.connected ? 1 : 0);
    metrics_single(out, "sipha_dispatcher_watch_ring_stalled", "gauge",
                   "Whether the watcher sees its own ring stalled (1)", st.ring_stalled ? 1 : 0);
    metrics_single(out, "sipha_dispatcher_watch_proxies", "gauge",
                   "Proxies in the watcher's table", (double) sipha_watch_count(sw->watch));
    m.family = "sipha_dispatcher_watch_proxy_state";
    metrics_family(out, m.family, "gauge", "The heartbeat's verdict on the proxy "
                   "(1 for its state, 0 for the others)");
    sipha_watch_foreach(sw->watch, entry_state, &m);
    m.family = "sipha_dispatcher_watch_proxy_seconds_since_heard";
    metrics_family(out, m.family, "gauge", "Seconds since the proxy's last heartbeat");
    sipha_watch_foreach(sw->watch, entry_heard, &m);
    m.family = "sipha_dispatcher_watch_proxy_seconds_since_increase";
    metrics_family(out, m.family, "gauge", "Seconds since the proxy's heartbeat counter last "
                   "increased");
    sipha_watch_foreach(sw->watch, entry_increase, &m);
    watch_counter(out, "sipha_dispatcher_watch_beats_received_total", "Valid heartbeats received",
                  st.rx_beats);
    watch_counter(out, "sipha_dispatcher_watch_malformed_total",
                  "Heartbeat messages dropped: bad magic, version, length or field",
                  st.rx_malformed);
    watch_counter(out, "sipha_dispatcher_watch_unauthenticated_total",
                  "Heartbeats dropped: no MAC that verifies", st.rx_unauthenticated);
    watch_counter(out, "sipha_dispatcher_watch_ring_stalls_total",
                  "Times the watcher saw its ring stalled", st.ring_stalls);
    watch_counter(out, "sipha_dispatcher_watch_conflicts_total",
                  "Times a proxy name was announced by two senders", st.conflicts);
    watch_counter(out, "sipha_dispatcher_watch_cpg_disconnects_total", "CPG connection losses",
                  st.cpg_disconnects);
}
