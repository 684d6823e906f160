/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * source_adapters.h: one small adapter per proxy-set source; each turns its
 * library's callbacks into proxyset_report() + proxyset_update().
 */
#ifndef SIPHA_DISPATCHER_SOURCE_ADAPTERS_H
#define SIPHA_DISPATCHER_SOURCE_ADAPTERS_H

#include "disp_config.h"
#include "proxyset.h"

struct source_probe;
struct source_probe *source_probe_new(struct proxyset *ps, const struct disp_config *cfg);
void source_probe_free(struct source_probe *sp);

struct source_watch;
struct source_watch *source_watch_new(struct proxyset *ps, const struct disp_config *cfg);
void source_watch_free(struct source_watch *sw);
/* The watcher's table and counters for Prometheus (metrics.h). */
void source_watch_metrics(struct source_watch *sw, GString *out);

/* Where the CIB source tells of every read of the CIB (sources.h). */
struct disp_cib_hook {
    void (*fn)(void *data);
    void *data;
};

struct source_cib;
struct source_cib *source_cib_new(struct proxyset *ps, const struct disp_config *cfg,
                                  const struct disp_cib_hook *hook);
void source_cib_free(struct source_cib *sc);
/* The CIB connection's state and reconnects for Prometheus (metrics.h). */
void source_cib_metrics(const struct source_cib *sc, GString *out);

#endif
