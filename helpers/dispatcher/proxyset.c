/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxyset.c: merging the sources into the set in use (see proxyset.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "hash.h"
#include "metrics.h"
#include "proxyset.h"
#include "util/sipha_log.h"

/* Marks a proxy not yet seen in a running snapshot. */
#define PS_UNSEEN 0x80

static const char *const source_names[PS_SRC_COUNT] = { "static", "cib", "probe", "watch" };
static const char *const state_names[] = { "-", "up", "down", "drain", "silent" };

void
proxyset_init(struct proxyset *ps, unsigned enabled_sources)
{
    memset(ps, 0, sizeof(*ps));
    ps->enabled = enabled_sources;
}

int
proxyset_key(const char *text, char key[PROXY_KEY_LEN], struct sockaddr_storage *addr)
{
    struct sipha_sip_addr parsed;

    /* The dispatcher forwards over UDP to numeric addresses: a proxy named
     * with TCP or by a host name is not one it can send to. */
    if (text == NULL || sipha_sip_addr_parse(text, SIPHA_SIP_UDP, &parsed) != 0
        || parsed.transport != SIPHA_SIP_UDP || sipha_sip_addr_sockaddr(&parsed, addr) != 0
        || sipha_sip_addr_format(&parsed, key, PROXY_KEY_LEN) < 0) {
        return -EINVAL;
    }
    return 0;
}

static struct proxy *
find(struct proxyset *ps, const char *key)
{
    for (int i = 0; i < ps->count; i++) {
        if (strcmp(ps->proxies[i].key, key) == 0) {
            return &ps->proxies[i];
        }
    }
    return NULL;
}

struct proxy *
proxyset_report(struct proxyset *ps, enum ps_source source, const char *key_text,
                const char *name, double weight, enum ps_state state)
{
    char key[PROXY_KEY_LEN];
    struct sockaddr_storage addr;
    struct proxy *p;

    if (proxyset_key(key_text, key, &addr) != 0) {
        return NULL;
    }
    p = find(ps, key);
    if (p == NULL) {
        if (ps->count == PROXYSET_MAX) {
            sipha_err("Proxy set full (%d): ignoring %s", PROXYSET_MAX, key);
            return NULL;
        }
        p = &ps->proxies[ps->count];
        memset(p, 0, sizeof(*p));
        p->slot = ps->count++;
        g_strlcpy(p->key, key, sizeof(p->key));
        g_strlcpy(p->name, key, sizeof(p->name));
        p->addr = addr;
        p->weight = 1.0;
        p->seed = hrw_hash(p->key, strlen(p->key));
        p->changed_s = (uint64_t) time(NULL);
        /* a proxy appearing in the middle of another source's snapshot is
         * simply absent from that source */
    }
    if (name != NULL && name[0] != '\0') {
        g_strlcpy(p->name, name, sizeof(p->name));
    }
    if (weight > 0) {
        p->weight = weight;
    }
    if ((p->state[source] & ~PS_UNSEEN) != state) {
        p->changed_s = (uint64_t) time(NULL);
    }
    p->state[source] = (uint8_t) state;
    return p;
}

void
proxyset_snapshot_begin(struct proxyset *ps, enum ps_source source)
{
    for (int i = 0; i < ps->count; i++) {
        ps->proxies[i].state[source] |= PS_UNSEEN;
    }
}

void
proxyset_snapshot_end(struct proxyset *ps, enum ps_source source)
{
    for (int i = 0; i < ps->count; i++) {
        if (ps->proxies[i].state[source] & PS_UNSEEN) {
            if (ps->proxies[i].state[source] != (PS_UNSEEN | PS_ABSENT)) {
                ps->proxies[i].changed_s = (uint64_t) time(NULL);
            }
            ps->proxies[i].state[source] = PS_ABSENT;
        }
    }
}

struct proxy *
proxyset_drain(struct proxyset *ps, const char *key_or_name, bool drain)
{
    char key[PROXY_KEY_LEN];
    struct sockaddr_storage addr;
    bool is_key = proxyset_key(key_or_name, key, &addr) == 0;

    for (int i = 0; i < ps->count; i++) {
        struct proxy *p = &ps->proxies[i];

        if (strcmp(p->name, key_or_name) == 0 || (is_key && strcmp(p->key, key) == 0)) {
            p->drain_cmd = drain;
            return p;
        }
    }
    return NULL;
}

static bool
enabled(const struct proxyset *ps, enum ps_source s)
{
    return (ps->enabled & (1u << s)) != 0;
}

static bool
healthy(uint8_t state)
{
    return state == PS_UP || state == PS_DRAIN;
}

/* The rule of proxyset.h, for one proxy. */
static bool
usable(const struct proxyset *ps, const struct proxy *p)
{
    bool from_static = enabled(ps, PS_SRC_STATIC) && healthy(p->state[PS_SRC_STATIC]);
    bool from_cib = enabled(ps, PS_SRC_CIB) && healthy(p->state[PS_SRC_CIB]);

    bool probed_up = enabled(ps, PS_SRC_PROBE) && p->state[PS_SRC_PROBE] == PS_UP;

    if ((!from_static && !from_cib) || p->is_self) {
        return false;
    }
    for (int s = 0; s < PS_SRC_COUNT; s++) {
        if (enabled(ps, s) && (p->state[s] == PS_DOWN || (p->state[s] == PS_SILENT && !probed_up))) {
            return false;
        }
    }
    if (enabled(ps, PS_SRC_PROBE) && !healthy(p->state[PS_SRC_PROBE])) {
        return false;
    }
    if (from_cib && enabled(ps, PS_SRC_WATCH) && !healthy(p->state[PS_SRC_WATCH])
        && !(p->state[PS_SRC_WATCH] == PS_SILENT && probed_up)) {
        return false;
    }
    return true;
}

static bool
draining(const struct proxyset *ps, const struct proxy *p)
{
    if (p->drain_cmd) {
        return true;
    }
    for (int s = 0; s < PS_SRC_COUNT; s++) {
        if (enabled(ps, s) && p->state[s] == PS_DRAIN) {
            return true;
        }
    }
    return false;
}

static void
describe(const struct proxyset *ps, const struct proxy *p, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int s = 0; s < PS_SRC_COUNT; s++) {
        if (enabled(ps, s)) {
            int n = snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "",
                             source_names[s], state_names[p->state[s] & ~PS_UNSEEN]);

            if (n < 0 || (size_t) n >= size - used) {
                return;
            }
            used += (size_t) n;
        }
    }
}

/* Refuse a proxy at one of our own addresses, saying so once. */
static void
check_self(struct proxyset *ps, struct proxy *p, uint64_t now_s)
{
    bool is_self = ps->self != NULL && self_addrs_has(ps->self, &p->addr, now_s);

    if (is_self && !p->is_self) {
        sipha_err("Proxy %s (%s) is one of this dispatcher's own addresses: not used "
                  "(forwarding to it would loop)", p->name, p->key);
    }
    p->is_self = is_self;
}

void
proxyset_update(struct proxyset *ps)
{
    proxyset_update_at(ps, (uint64_t) time(NULL));
}

void
proxyset_update_at(struct proxyset *ps, uint64_t now_s)
{
    bool changed = false;
    int in_use = 0;

    ps->active_count = 0;
    for (int i = 0; i < ps->count; i++) {
        struct proxy *p = &ps->proxies[i];
        bool use;

        check_self(ps, p, now_s);
        use = usable(ps, p);
        bool drain = use && draining(ps, p);

        if (use != p->in_use || drain != p->draining) {
            char why[128];

            describe(ps, p, why, sizeof(why));
            sipha_notice("Proxy %s (%s) %s (%s)", p->name, p->key,
                         !use ? "left the set" : drain ? "is draining" : "is in the set", why);
            changed = true;
            p->changed_s = now_s;
        }
        p->in_use = use;
        p->draining = drain;
        if (use) {
            ps->active[ps->active_count++] = p;
            in_use += drain ? 0 : 1;
        }
    }
    if (changed) {
        ps->generation++;
        sipha_notice("Proxy set: %d in use (%d draining)", ps->active_count,
                     ps->active_count - in_use);
    }
    if (ps->on_update != NULL) {
        ps->on_update(ps->on_update_data);
    }
}

const struct proxy *
proxyset_pick(const struct proxyset *ps, uint64_t call_hash, bool new_dialog)
{
    return proxyset_pick_family(ps, call_hash, new_dialog, AF_UNSPEC);
}

const struct proxy *
proxyset_pick_family(const struct proxyset *ps, uint64_t call_hash, bool new_dialog, int family)
{
    const struct proxy *best = NULL, *best_open = NULL;
    double best_score = -1.0, best_open_score = -1.0;

    for (int i = 0; i < ps->active_count; i++) {
        const struct proxy *p = ps->active[i];
        double score;

        if (family != AF_UNSPEC && p->addr.ss_family != family) {
            continue;
        }
        score = hrw_score(call_hash, p->seed, p->weight);

        if (score > best_score) {
            best_score = score;
            best = p;
        }
        if (!p->draining && score > best_open_score) {
            best_open_score = score;
            best_open = p;
        }
    }
    /* A dialog keeps its proxy while it drains; a new one avoids it.  By
     * rendezvous hashing, best_open is where the dialog will go once the
     * draining proxy is gone, so nothing moves twice. */
    return (new_dialog && best != NULL && best->draining) ? best_open : best;
}

const struct proxy *
proxyset_find_active(const struct proxyset *ps, uint64_t seed, int family)
{
    for (int i = 0; i < ps->active_count; i++) {
        const struct proxy *p = ps->active[i];

        if (p->seed == seed && (family == AF_UNSPEC || p->addr.ss_family == family)) {
            return p;
        }
    }
    return NULL;
}

bool
proxyset_is_proxy_addr(const struct proxyset *ps, const struct sockaddr_storage *addr)
{
    for (int i = 0; i < ps->count; i++) {
        const struct proxy *p = &ps->proxies[i];

        if ((p->state[PS_SRC_STATIC] != PS_ABSENT || p->state[PS_SRC_CIB] != PS_ABSENT)
            && addr_equal(&p->addr, addr)) {
            return true;
        }
    }
    return false;
}

void
proxyset_dump(const struct proxyset *ps, const uint64_t *requests, GString *out)
{
    g_string_append_printf(out, "%-20s %-28s %-8s %6s %12s  %s\n", "name", "address", "use",
                           "weight", "requests", "sources");
    for (int i = 0; i < ps->count; i++) {
        const struct proxy *p = &ps->proxies[i];
        char why[128];

        describe(ps, p, why, sizeof(why));
        g_string_append_printf(out, "%-20s %-28s %-8s %6.2f %12" G_GUINT64_FORMAT "  %s%s%s\n",
                               p->name, p->key,
                               !p->in_use ? "no" : p->draining ? "drain" : "yes",
                               p->weight, requests != NULL ? requests[p->slot] : 0, why,
                               p->drain_cmd ? " ctl=drain" : "", p->is_self ? " self" : "");
    }
}

/* One sample per proxy of the gauge NAME, VALUE_OF giving its value. */
static void
proxy_gauge(const struct proxyset *ps, GString *out, const char *name, const char *help,
            double (*value_of)(const struct proxy *p, const void *arg), const void *arg)
{
    metrics_family(out, name, "gauge", help);
    for (int i = 0; i < ps->count; i++) {
        const struct proxy *p = &ps->proxies[i];

        metrics_sample(out, name, value_of(p, arg), "proxy", p->name, "address", p->key, NULL);
    }
}

static double
in_use_of(const struct proxy *p, const void *arg)
{
    return p->in_use ? 1 : 0;
}

static double
draining_of(const struct proxy *p, const void *arg)
{
    return p->draining ? 1 : 0;
}

static double
weight_of(const struct proxy *p, const void *arg)
{
    return p->weight;
}

static double
age_of(const struct proxy *p, const void *arg)
{
    return (double) metrics_age_s(*(const uint64_t *) arg, p->changed_s);
}

static double
changed_of(const struct proxy *p, const void *arg)
{
    return (double) p->changed_s;
}

/* Each enabled source's verdict, as a state set: one series per state,
 * 1 for the one it says. */
static void
source_states(const struct proxyset *ps, GString *out)
{
    static const char name[] = "sipha_dispatcher_proxy_source_state";
    static const char *const states[] = { "absent", "up", "down", "drain", "silent" };

    metrics_family(out, name, "gauge", "What each enabled source says of the proxy "
                   "(1 for its verdict, 0 for the other states)");
    for (int i = 0; i < ps->count; i++) {
        const struct proxy *p = &ps->proxies[i];

        for (int s = 0; s < PS_SRC_COUNT; s++) {
            if (!enabled(ps, s)) {
                continue;
            }
            for (int v = 0; v < (int) G_N_ELEMENTS(states); v++) {
                metrics_sample(out, name, (p->state[s] & ~PS_UNSEEN) == v ? 1 : 0,
                               "proxy", p->name, "address", p->key, "source", source_names[s],
                               "state", states[v], NULL);
            }
        }
    }
}

void
proxyset_metrics(const struct proxyset *ps, const uint64_t *requests, uint64_t now_s,
                 GString *out)
{
    static const char fwd[] = "sipha_dispatcher_requests_forwarded_total";
    int draining_count = 0;

    for (int i = 0; i < ps->active_count; i++) {
        draining_count += ps->active[i]->draining ? 1 : 0;
    }
    metrics_single(out, "sipha_dispatcher_proxies", "gauge",
                   "Proxies in the table (any membership source has them)", ps->count);
    metrics_single(out, "sipha_dispatcher_proxies_in_use", "gauge",
                   "Proxies new dialogs go to (in use and not draining)",
                   ps->active_count - draining_count);
    metrics_single(out, "sipha_dispatcher_proxies_draining", "gauge",
                   "Proxies in use for dialogs in progress only", draining_count);
    proxy_gauge(ps, out, "sipha_dispatcher_proxy_in_use",
                "Whether the proxy is in use (1), draining included", in_use_of, NULL);
    proxy_gauge(ps, out, "sipha_dispatcher_proxy_draining",
                "Whether the proxy gets no new dialogs (1)", draining_of, NULL);
    proxy_gauge(ps, out, "sipha_dispatcher_proxy_weight", "The proxy's weight in the hash",
                weight_of, NULL);
    metrics_family(out, fwd, "counter", "Requests forwarded to the proxy");
    for (int i = 0; i < ps->count; i++) {
        const struct proxy *p = &ps->proxies[i];

        metrics_sample_u64(out, fwd, requests != NULL ? requests[p->slot] : 0,
                           "proxy", p->name, "address", p->key, NULL);
    }
    source_states(ps, out);
    proxy_gauge(ps, out, "sipha_dispatcher_proxy_last_change_timestamp_seconds",
                "When a source's verdict on the proxy or its use last changed (Unix time)",
                changed_of, NULL);
    proxy_gauge(ps, out, "sipha_dispatcher_proxy_seconds_since_last_change",
                "Seconds since a source's verdict on the proxy or its use last changed",
                age_of, &now_s);
}
