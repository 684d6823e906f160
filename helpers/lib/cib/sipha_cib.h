/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib.h: the CIB follower.  Learns from Pacemaker's CIB which SIP
 * proxies exist, on which node each runs and at which SIP address, and
 * reports every change of that set through a callback.
 *
 * Usage (the follower attaches to the default GMainContext):
 *
 *     struct sipha_cib_options opts;
 *     sipha_cib_options_init(&opts);
 *     opts.resource = "proxies";              // primitive, clone, group or tag id
 *     struct sipha_cib *cib = sipha_cib_new(&opts, on_set, my_data);
 *     sipha_cib_start(cib);                   // connects now or retries later
 *     g_main_loop_run(loop);                  // on_set() runs on every change
 *     sipha_cib_free(cib);
 *
 * The set passed to the callback is complete (not a delta) and sorted by
 * proxy id; the change lists tell what differs from the previous report.
 * Both are valid only during the callback: copy what you keep.
 *
 * What counts as a proxy, running, draining: docs/cib.md.
 */
#ifndef SIPHA_CIB_H
#define SIPHA_CIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One running proxy instance. */
struct sipha_proxy {
    char *id;           /* identity: normalized "transport:host:port" */
    char *address;      /* the SIP address as configured (parameter/attribute) */
    char *resource;     /* configured id of the primitive or group */
    char *node;         /* uname of the node it runs on */
    bool draining;      /* no new dialogs; in-dialog requests still go there */
};

/* A whole proxy set, sorted by id, ids unique. */
struct sipha_proxy_set {
    struct sipha_proxy *proxies;
    size_t n_proxies;
};

/* What changed between two sets: indexes into the sets. */
struct sipha_proxy_set_change {
    const struct sipha_proxy **added;     /* in the new set only */
    size_t n_added;
    const struct sipha_proxy **removed;   /* in the old set only */
    size_t n_removed;
    const struct sipha_proxy **changed;   /* same id, other node/draining/address (new values) */
    size_t n_changed;
};

/* Why the callback runs. */
enum sipha_cib_event {
    SIPHA_CIB_SET_CHANGED = 0,  /* a new set (the first one too) */
    SIPHA_CIB_DISCONNECTED,     /* connection lost: the set is kept as it was */
    SIPHA_CIB_CONNECTED,        /* reconnected after a DISCONNECTED; a SET_CHANGED
                                 * follows if the set differs */
};

struct sipha_cib_report {
    enum sipha_cib_event event;
    const struct sipha_proxy_set *set;            /* current (last good) set */
    const struct sipha_proxy_set_change *change;  /* SET_CHANGED only, else NULL */
    bool resource_found;    /* the configured resource exists in the CIB */
    uint64_t first_diff_us; /* g_get_real_time() of the first CIB diff notification
                             * behind this report (0: none, e.g. initial read) */
    uint64_t reported_us;   /* g_get_real_time() just before the callback */
};

typedef void (*sipha_cib_cb)(const struct sipha_cib_report *report, void *user_data);

struct sipha_cib_options {
    const char *resource;        /* required: id of a primitive, clone, group or tag */
    const char *address_param;   /* resource parameter; default "sip_address" */
    const char *address_attr;    /* node attribute fallback; default "sipha-sip-address" */
    const char *drain_attr;      /* node attribute / resource meta; default "sipha-drain" */
    const char *default_transport; /* when the address names none; default "udp" */
    unsigned coalesce_ms;        /* wait after the first diff before re-reading; default 20 */
    unsigned reconnect_min_ms;   /* first reconnect delay; default 100, doubling */
    unsigned reconnect_max_ms;   /* reconnect delay cap; default 5000 */
    unsigned poll_ms;            /* re-read period when the CIB backend has no
                                  * notifications (CIB_file); default 500 */
    /* Called after every read of the CIB (a change, coalesced), whether or
     * not the proxy set changed: for a user that follows other parts of the
     * CIB too.  Optional. */
    void (*on_read)(void *user_data);
    void *on_read_data;
};

/* Fill in the defaults (resource stays NULL). */
void sipha_cib_options_init(struct sipha_cib_options *opts);

struct sipha_cib;

/* Create a follower (calls crm_xml_init()).  Options are copied.  The CIB
 * connection comes from libcib's cib_new(): the local cluster, or the
 * CIB_file / CIB_shadow environment variables.  NULL on bad options. */
struct sipha_cib *sipha_cib_new(const struct sipha_cib_options *opts,
                                sipha_cib_cb cb, void *user_data);

/* Connect, read and report the first set.  Returns 0 when connected,
 * or a negative errno-style code when not (the follower keeps retrying
 * with backoff in the main loop either way). */
int sipha_cib_start(struct sipha_cib *cib);

/* The last good set (empty before the first read). */
const struct sipha_proxy_set *sipha_cib_current(const struct sipha_cib *cib);
bool sipha_cib_connected(const struct sipha_cib *cib);

/* Disconnect, remove timers, free everything. NULL is fine. */
void sipha_cib_free(struct sipha_cib *cib);

/* Blocking helper: connect, read the CIB once, fill *set.  0, or
 * -ENOTCONN (CIB unreachable), -ENOENT (resource not in the CIB: *set is
 * empty), -EINVAL (bad options). Free with sipha_proxy_set_clear(). */
int sipha_cib_read_once(const struct sipha_cib_options *opts, struct sipha_proxy_set *set);

/* Set helpers (sipha_cib_set.c). */
void sipha_proxy_set_clear(struct sipha_proxy_set *set);
const struct sipha_proxy *sipha_proxy_set_find(const struct sipha_proxy_set *set,
                                               const char *id);

#endif
