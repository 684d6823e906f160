/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxyset.h: the proxies the dispatcher may use, merged from sources.
 *
 * Each source is a small adapter that reports, per proxy key
 * ("udp:127.0.0.1:5060"), ABSENT, UP, DOWN or DRAIN:
 *   - membership sources (static list, CIB) make a proxy exist;
 *   - health sources (OPTIONS prober, heartbeat watcher) can only veto;
 *     they are required for the proxies they cover (the prober for every
 *     proxy, the watcher for CIB proxies), so "unknown" is not "healthy".
 * A proxy is in use when at least one membership source has it and every
 * enabled source that covers it says UP or DRAIN (or the watcher says
 * SILENT while the prober says UP).  Draining proxies get no
 * new dialogs; requests inside a dialog still reach them.
 */
#ifndef SIPHA_DISPATCHER_PROXYSET_H
#define SIPHA_DISPATCHER_PROXYSET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <glib.h>

#include "self_addr.h"

#define PROXYSET_MAX 256
#define PROXY_KEY_LEN 72
#define PROXY_NAME_LEN 64

enum ps_source {
    PS_SRC_STATIC = 0,  /* --proxy / config file */
    PS_SRC_CIB,         /* CIB follower */
    PS_SRC_PROBE,       /* OPTIONS prober over every proxy */
    PS_SRC_WATCH,       /* heartbeat watcher */
    PS_SRC_COUNT,
};

enum ps_state {
    PS_ABSENT = 0,
    PS_UP,
    PS_DOWN,
    PS_DRAIN,
    /* the heartbeat went silent (nothing reported, only the counter stopped
     * arriving): DOWN, unless the prober is on and says UP, i.e. the proxy
     * answers this dispatcher and only its heartbeat is late (CPG flow
     * control on a busy node delays it) */
    PS_SILENT,
};

struct proxy {
    char key[PROXY_KEY_LEN];        /* "udp:127.0.0.1:5060" */
    char name[PROXY_NAME_LEN];
    struct sockaddr_storage addr;
    double weight;
    uint64_t seed;                  /* hrw_hash(key) */
    uint8_t state[PS_SRC_COUNT];
    bool drain_cmd;                 /* drained by the control socket */
    bool is_self;                   /* one of the dispatcher's own addresses: never used */
    bool in_use;
    bool draining;
    int slot;                       /* its row in the control side's table */
    /* wall-clock second of the last change of a source's verdict or of
     * its use (only ever changed with one of those, so a snapshot is
     * still republished only when forwarding may change) */
    uint64_t changed_s;
};

struct proxyset {
    struct proxy proxies[PROXYSET_MAX];
    int count;
    struct proxy *active[PROXYSET_MAX];   /* in use, draining included */
    int active_count;
    unsigned enabled;                     /* 1 << enum ps_source */
    uint64_t generation;                  /* bumped on every change of use */
    const struct self_addrs *self;        /* refused as proxies; may be NULL */
    /* called at the end of every proxyset_update(): the daemon publishes
     * a new forwarding snapshot from it (snapshot.h) */
    void (*on_update)(void *data);
    void *on_update_data;
};

void proxyset_init(struct proxyset *ps, unsigned enabled_sources);

/* Normalize an address (any form sipha_sip_addr_parse() takes: "sip:host:port",
 * "host:port", "[v6]:port", a key) of a numeric UDP proxy into KEY and ADDR.
 * Returns 0 or -EINVAL (also for TCP and host names). */
int proxyset_key(const char *text, char key[PROXY_KEY_LEN], struct sockaddr_storage *addr);

/* Report STATE of proxy KEY from SOURCE (NAME may be NULL; WEIGHT <= 0
 * keeps the current one).  Returns the proxy or NULL when the set is full
 * or the key is not an address. */
struct proxy *proxyset_report(struct proxyset *ps, enum ps_source source, const char *key,
                              const char *name, double weight, enum ps_state state);

/* A full snapshot from SOURCE: begin, report each, end; what was not
 * reported becomes ABSENT. */
void proxyset_snapshot_begin(struct proxyset *ps, enum ps_source source);
void proxyset_snapshot_end(struct proxyset *ps, enum ps_source source);

/* Drain by the control socket (KEY or NAME); returns the proxy or NULL. */
struct proxy *proxyset_drain(struct proxyset *ps, const char *key_or_name, bool drain);

/* Recompute which proxies are in use; logs each change.  A proxy at one
 * of the dispatcher's own addresses (PS->self, as known at NOW_S) is
 * refused: forwarding to it would loop. */
void proxyset_update(struct proxyset *ps);
void proxyset_update_at(struct proxyset *ps, uint64_t now_s);

/* Is ADDR (address and port) the address of a proxy of the table (a
 * membership source has it, whether in use or not: responses of
 * transactions it had still come back after it left)? */
bool proxyset_is_proxy_addr(const struct proxyset *ps, const struct sockaddr_storage *addr);

/* The proxy for a Call-ID hash; NEW_DIALOG skips draining proxies.
 * NULL when none is usable. */
const struct proxy *proxyset_pick(const struct proxyset *ps, uint64_t call_hash,
                                  bool new_dialog);

/* The same among the proxies of FAMILY only (AF_UNSPEC: any): a request
 * goes out from the address it arrived on, so an IPv4 request needs an
 * IPv4 proxy even when the IPv6 one would have won. */
const struct proxy *proxyset_pick_family(const struct proxyset *ps, uint64_t call_hash,
                                         bool new_dialog, int family);

/* The proxy of SEED among those in use (draining included) of FAMILY
 * (AF_UNSPEC: any), or NULL. */
const struct proxy *proxyset_find_active(const struct proxyset *ps, uint64_t seed, int family);

/* The live table, for the control socket; REQUESTS[slot] is how many
 * requests went to each proxy (NULL: not shown). */
void proxyset_dump(const struct proxyset *ps, const uint64_t *requests, GString *out);

/* The table for Prometheus (metrics.h): per proxy its use, weight,
 * requests (REQUESTS[slot]), each enabled source's verdict and the
 * seconds since the last change at NOW_S; the set's sizes. */
void proxyset_metrics(const struct proxyset *ps, const uint64_t *requests, uint64_t now_s,
                      GString *out);

#endif
