/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_watch.h: the heartbeat watcher (see docs/heartbeat.md).
 *
 * Joins the Corosync CPG group that sipha-beat daemons multicast into and
 * keeps one entry per proxy: its counter, when it last increased, and a
 * verdict UP / DOWN / UNKNOWN / CONFLICT with a reason.  A proxy is DOWN
 * when its counter has not increased for down_after_ms (ring-live time, see
 * below), at once when its beat daemon leaves the group or reports that the
 * local OPTIONS probe failed; it is UP again after up_after_increases
 * consecutive increases.  Two senders announcing the same proxy name put the
 * entry in CONFLICT until one of them goes away.
 *
 * Ring stalls: the watcher multicasts its own tick every tick_interval_ms.
 * While a tick of its own has not come back for stall_after_ms, Totem is not
 * delivering (token loss, ring re-formation) and no proxy is judged on its
 * counter; after the ring resumes, every proxy gets a fresh down_after_ms.
 *
 * Use from a GLib program:
 *
 *   sipha_watch_opts_t opts;
 *   sipha_watch_opts_init(&opts);          // defaults
 *   sipha_watch_t *w = sipha_watch_new(&opts, NULL, on_change, data);
 *   sipha_watch_start(w);                  // attaches to the context
 *   ... g_main_loop_run() ...
 *   sipha_watch_free(w);
 *
 * Link: helpers/lib/libsipha_watch.a helpers/lib/libsipha.a $(CPG_LIBS) $(GLIB_LIBS)
 * (the probe library is NOT needed by the watcher).  Single-threaded: call
 * everything from the thread that runs the context.
 */
#ifndef SIPHA_WATCH_H
#define SIPHA_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "beat/sipha_beat_auth.h"

typedef enum sipha_proxy_state {
    SIPHA_PROXY_UNKNOWN = 0,    /* not judged yet (new, or watcher lost CPG) */
    SIPHA_PROXY_UP,             /* counter increasing */
    SIPHA_PROXY_DOWN,           /* counter stalled, beat left, or probe failed */
    SIPHA_PROXY_CONFLICT,       /* two senders announce this proxy name */
} sipha_proxy_state_t;

/* "unknown", "up", "down", "conflict": also the node attribute values. */
const char *sipha_proxy_state_str(sipha_proxy_state_t state);

/* One proxy as the watcher sees it.  Pointers stay valid until the next
 * return to the main loop; copy what you keep. */
typedef struct sipha_proxy_info {
    const char *name;           /* proxy name announced by sipha-beat */
    const char *sip_address;    /* normalized "udp:127.0.0.1:5060" */
    sipha_proxy_state_t state;
    const char *reason;         /* human readable: why this state */
    /* DOWN only because the counter stopped arriving for down_after_ms: no
     * report from the beat itself (a failed probe, a stop, its process
     * gone).  A consumer with a direct view of the proxy may weigh it. */
    bool silent;
    uint64_t counter;           /* last counter received */
    uint64_t last_increase_ms;  /* sipha_now_ms() of the last increase, 0 = never */
    uint64_t last_heard_ms;     /* sipha_now_ms() of the last beat received */
    uint32_t nodeid;            /* Corosync node id of the sender */
    uint32_t pid;               /* process id of the sender */
    uint64_t boot_id;           /* random per sipha-beat start */
    const char *beat_state;     /* what the beat daemon says: "ok", "probe-timeout", ... */
    bool has_load;              /* the load figures below were sent */
    uint32_t load_active;       /* e.g. active transactions (operator-defined) */
    uint16_t load_cpu_permille; /* proxy CPU use, 0..1000 per core */
} sipha_proxy_info_t;

/* A proxy a membership source has, and where it runs (see
 * sipha_watch_set_members). */
typedef struct sipha_watch_member {
    const char *sip_address;    /* normalized "udp:127.0.0.1:5060" */
    uint32_t nodeid;            /* Corosync node id it runs on; 0: any node */
} sipha_watch_member_t;

typedef struct sipha_watch_opts {
    const char *group;              /* CPG group name, default "sipha" */
    uint32_t down_after_ms;         /* default 300 */
    uint32_t up_after_increases;    /* default 3 */
    uint32_t tick_interval_ms;      /* own ring tick, default 50 */
    uint32_t stall_after_ms;        /* own tick late => ring stalled, default 100 */
    uint32_t reconnect_max_ms;      /* CPG reconnect backoff cap, default 2000 */
    uint32_t max_proxies;           /* table bound, default 1024 (0: none) */
    uint32_t forget_after_ms;       /* drop an entry gone this long, default 60000 */
    /* NULL (default): every beat counts; else only beats whose MAC verifies
     * with this key (copied; sipha_beat_key_load) */
    const sipha_beat_key_t *key;
} sipha_watch_opts_t;

/* Counters of what was received; malformed and foreign input is counted,
 * never trusted. */
typedef struct sipha_watch_stats {
    uint64_t rx_messages;       /* every CPG delivery */
    uint64_t rx_beats;          /* valid beats */
    uint64_t rx_own_ticks;      /* own ring ticks that came back */
    uint64_t rx_other_ticks;    /* ticks of other watchers (ignored) */
    uint64_t rx_malformed;      /* bad magic, version, length or field */
    uint64_t rx_unknown_sender; /* sender not a member, or its boot id changed */
    uint64_t rx_not_member;     /* beat for an address no membership source has */
    uint64_t rx_wrong_node;     /* beat for a proxy that runs on another node */
    uint64_t rx_table_full;     /* beat of a new name refused: table full */
    uint64_t rx_unauthenticated; /* beat without a MAC that verifies (a key is set) */
    uint64_t reclaimed;         /* entries removed (gone, or no longer members) */
    uint64_t ring_stalls;       /* times the ring was seen stalled */
    uint64_t conflicts;         /* times an entry entered CONFLICT */
    uint64_t cpg_disconnects;   /* CPG connection losses */
    bool ring_stalled;          /* now */
    bool connected;             /* CPG joined now */
} sipha_watch_stats_t;

typedef struct sipha_watch sipha_watch_t;

/* Called on every state change of a proxy (old_state -> info->state), and
 * when a DOWN proxy's silent flag changes (then old_state == info->state). */
typedef void (*sipha_watch_change_fn)(const sipha_proxy_info_t *info,
                                      sipha_proxy_state_t old_state,
                                      void *user_data);

/* Called when the CPG connection is established (true) or lost (false).
 * On loss every proxy becomes UNKNOWN (reported through the change callback)
 * and the watcher reconnects by itself with backoff. */
typedef void (*sipha_watch_conn_fn)(bool connected, void *user_data);

typedef void (*sipha_watch_foreach_fn)(const sipha_proxy_info_t *info,
                                       void *user_data);

void sipha_watch_opts_init(sipha_watch_opts_t *opts);

/* ctx NULL = the default main context.  on_change may be NULL. */
sipha_watch_t *sipha_watch_new(const sipha_watch_opts_t *opts, GMainContext *ctx,
                               sipha_watch_change_fn on_change, void *user_data);
void sipha_watch_set_conn_callback(sipha_watch_t *watch, sipha_watch_conn_fn fn,
                                   void *user_data);

/* Connect and join, then keep reconnecting on loss.  Returns 0, or -errno
 * for a bad configuration; a CPG that is not up yet is not an error (the
 * watcher keeps retrying and reports through the conn callback). */
int sipha_watch_start(sipha_watch_t *watch);
void sipha_watch_free(sipha_watch_t *watch);

/* Iterate over the table, in name order. */
void sipha_watch_foreach(sipha_watch_t *watch, sipha_watch_foreach_fn fn,
                         void *user_data);
size_t sipha_watch_count(sipha_watch_t *watch);

/* Look up one proxy by normalized SIP address or by name; NULL if absent.
 * Valid until the next return to the main loop. */
const sipha_proxy_info_t *sipha_watch_lookup_address(sipha_watch_t *watch,
                                                     const char *sip_address);
const sipha_proxy_info_t *sipha_watch_lookup_name(sipha_watch_t *watch,
                                                  const char *name);

void sipha_watch_get_stats(sipha_watch_t *watch, sipha_watch_stats_t *stats);

/* Health may only be said of proxies a membership source has: from now on
 * only beats for these addresses count, each from the node given (0: any
 * node), and entries that do not match are removed.  Call again whenever
 * the membership changes (the list is copied); NULL, 0 lifts the filter. */
void sipha_watch_set_members(sipha_watch_t *watch, const sipha_watch_member_t *members,
                             size_t n_members);

#endif
