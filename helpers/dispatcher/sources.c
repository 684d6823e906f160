/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources.c: starting, restarting and stopping the adapters (see sources.h).
 */
#include "config.h"

#include <errno.h>

#include <glib.h>

#include "metrics.h"
#include "util/sipha_log.h"
#include "source_adapters.h"
#include "sources.h"

/* What one source was started with: a reload restarts it when they change. */
struct source_settings {
    int probe_interval_ms;
    int probe_timeout_ms;
    gchar *cib_resource;
    gchar *cib_address_param;
    bool watch;
    int watch_timeout_ms;
    bool watch_no_auth;
};

struct disp_sources {
    struct proxyset *ps;
    struct source_probe *probe;
    struct source_cib *cib;
    struct disp_cib_hook cib_hook;
    struct source_watch *watch;
    struct source_settings now;
};

unsigned
disp_sources_enabled(const struct disp_config *cfg)
{
    unsigned mask = 1u << PS_SRC_STATIC;

    if (cfg->probe_interval_ms > 0) {
        mask |= 1u << PS_SRC_PROBE;
    }
    if (cfg->cib_resource != NULL) {
        mask |= 1u << PS_SRC_CIB;
    }
    if (cfg->watch) {
        mask |= 1u << PS_SRC_WATCH;
    }
    return mask;
}

/* Forget what SOURCE said: a stopped source has no say, and one started
 * again begins from nothing. */
static void
clear_column(struct proxyset *ps, enum ps_source source)
{
    proxyset_snapshot_begin(ps, source);
    proxyset_snapshot_end(ps, source);
}

static bool
probe_changed(const struct source_settings *s, const struct disp_config *cfg)
{
    return cfg->probe_interval_ms != s->probe_interval_ms
           || (cfg->probe_interval_ms > 0 && cfg->probe_timeout_ms != s->probe_timeout_ms);
}

static bool
cib_changed(const struct source_settings *s, const struct disp_config *cfg)
{
    return g_strcmp0(cfg->cib_resource, s->cib_resource) != 0
           || (cfg->cib_resource != NULL
               && g_strcmp0(cfg->cib_address_param, s->cib_address_param) != 0);
}

static bool
watch_changed(const struct source_settings *s, const struct disp_config *cfg)
{
    return (bool) cfg->watch != s->watch
           || (cfg->watch && (cfg->watch_timeout_ms != s->watch_timeout_ms
                              || (bool) cfg->watch_no_auth != s->watch_no_auth));
}

/* Start the prober as CFG says (nothing when off); false when it cannot. */
static bool
start_probe(struct disp_sources *src, const struct disp_config *cfg)
{
    src->now.probe_interval_ms = cfg->probe_interval_ms;
    src->now.probe_timeout_ms = cfg->probe_timeout_ms;
    if (cfg->probe_interval_ms <= 0) {
        return true;
    }
    src->probe = source_probe_new(src->ps, cfg);
    return src->probe != NULL;
}

static bool
start_cib(struct disp_sources *src, const struct disp_config *cfg)
{
    g_free(src->now.cib_resource);
    g_free(src->now.cib_address_param);
    src->now.cib_resource = g_strdup(cfg->cib_resource);
    src->now.cib_address_param = g_strdup(cfg->cib_address_param);
    if (cfg->cib_resource == NULL) {
        return true;
    }
    src->cib = source_cib_new(src->ps, cfg, &src->cib_hook);
    return src->cib != NULL;
}

static bool
start_watch(struct disp_sources *src, const struct disp_config *cfg)
{
    src->now.watch = cfg->watch;
    src->now.watch_timeout_ms = cfg->watch_timeout_ms;
    src->now.watch_no_auth = cfg->watch_no_auth;
    if (!cfg->watch) {
        return true;
    }
    src->watch = source_watch_new(src->ps, cfg);
    return src->watch != NULL;
}

static void
stop_probe(struct disp_sources *src)
{
    source_probe_free(src->probe);
    src->probe = NULL;
    clear_column(src->ps, PS_SRC_PROBE);
}

static void
stop_cib(struct disp_sources *src)
{
    source_cib_free(src->cib);
    src->cib = NULL;
    clear_column(src->ps, PS_SRC_CIB);
}

static void
stop_watch(struct disp_sources *src)
{
    source_watch_free(src->watch);
    src->watch = NULL;
    clear_column(src->ps, PS_SRC_WATCH);
}

/* Which sources run now (1 << enum ps_source). */
static unsigned
running(const struct disp_sources *src)
{
    return (1u << PS_SRC_STATIC) | (src->probe != NULL ? 1u << PS_SRC_PROBE : 0)
           | (src->cib != NULL ? 1u << PS_SRC_CIB : 0)
           | (src->watch != NULL ? 1u << PS_SRC_WATCH : 0);
}

struct disp_sources *
disp_sources_new(struct proxyset *ps, const struct disp_config *cfg)
{
    struct disp_sources *src = g_new0(struct disp_sources, 1);

    src->ps = ps;
    if (!start_probe(src, cfg) || !start_cib(src, cfg) || !start_watch(src, cfg)) {
        disp_sources_free(src);
        return NULL;
    }
    return src;
}

/* The configuration the sources now run with, in OLD's other fields. */
static void
settings_as_config(const struct source_settings *s, struct disp_config *old)
{
    old->probe_interval_ms = s->probe_interval_ms;
    old->probe_timeout_ms = s->probe_timeout_ms;
    old->cib_resource = s->cib_resource;
    old->cib_address_param = s->cib_address_param;
    old->watch = s->watch;
    old->watch_timeout_ms = s->watch_timeout_ms;
    old->watch_no_auth = s->watch_no_auth;
}

/* The sources, in the order a reload restarts them. */
static const struct {
    const char *what;
    bool (*changed)(const struct source_settings *s, const struct disp_config *cfg);
    bool (*start)(struct disp_sources *src, const struct disp_config *cfg);
    void (*stop)(struct disp_sources *src);
} kinds[] = {
    { "the OPTIONS prober", probe_changed, start_probe, stop_probe },
    { "the CIB source", cib_changed, start_cib, stop_cib },
    { "the heartbeat watcher", watch_changed, start_watch, stop_watch },
};

int
disp_sources_reconfigure(struct disp_sources *src, const struct disp_config *cfg, GString *why)
{
    struct disp_config old = *cfg;
    struct source_settings prev = src->now;
    size_t failed = G_N_ELEMENTS(kinds);

    /* the previous settings stay valid while the new ones start */
    prev.cib_resource = g_strdup(src->now.cib_resource);
    prev.cib_address_param = g_strdup(src->now.cib_address_param);
    settings_as_config(&prev, &old);
    for (size_t k = 0; k < G_N_ELEMENTS(kinds) && failed == G_N_ELEMENTS(kinds); k++) {
        if (kinds[k].changed(&src->now, cfg)) {
            kinds[k].stop(src);
            if (!kinds[k].start(src, cfg)) {
                g_string_printf(why, "%s did not start with the new settings", kinds[k].what);
                failed = k;
            }
        }
    }
    /* all or nothing: what changed goes back, the one that failed too */
    for (size_t k = 0; failed < G_N_ELEMENTS(kinds) && k <= failed; k++) {
        if (kinds[k].changed(&src->now, &old)) {
            kinds[k].stop(src);
            kinds[k].start(src, &old);
        }
    }
    g_free(prev.cib_resource);
    g_free(prev.cib_address_param);
    src->ps->enabled = running(src);
    return failed < G_N_ELEMENTS(kinds) ? -EINVAL : 0;
}

void
disp_sources_free(struct disp_sources *src)
{
    if (src == NULL) {
        return;
    }
    source_probe_free(src->probe);
    source_cib_free(src->cib);
    source_watch_free(src->watch);
    g_free(src->now.cib_resource);
    g_free(src->now.cib_address_param);
    g_free(src);
}

void
disp_sources_on_cib_read(struct disp_sources *src, void (*fn)(void *data), void *data)
{
    src->cib_hook.fn = fn;
    src->cib_hook.data = data;
}

void
disp_sources_metrics(struct disp_sources *src, GString *out)
{
    bool on = src != NULL && src->watch != NULL;

    metrics_single(out, "sipha_dispatcher_watch_enabled", "gauge",
                   "Whether the heartbeat watcher is a health source (1)", on ? 1 : 0);
    if (on) {
        source_watch_metrics(src->watch, out);
    }
    on = src != NULL && src->cib != NULL;
    metrics_single(out, "sipha_dispatcher_cib_enabled", "gauge",
                   "Whether the CIB is a membership source (1)", on ? 1 : 0);
    if (on) {
        source_cib_metrics(src->cib, out);
    }
}
