/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources.h: the proxy-set sources other than the static list, each a
 * small adapter that turns a library's callbacks into proxyset_report()
 * calls: the OPTIONS prober over the static list (sipha_probe.h), the CIB
 * follower (sipha_cib.h), the heartbeat watcher (sipha_watch.h).
 */
#ifndef SIPHA_DISPATCHER_SOURCES_H
#define SIPHA_DISPATCHER_SOURCES_H

#include "disp_config.h"
#include "proxyset.h"

struct disp_sources;

/* Which sources CFG enables (1 << enum ps_source). */
unsigned disp_sources_enabled(const struct disp_config *cfg);

/* Start the configured sources on the default main context.  NULL (after
 * logging why) when one is configured but cannot start. */
struct disp_sources *disp_sources_new(struct proxyset *ps, const struct disp_config *cfg);

/* After a reload: restart each source whose settings changed, start the
 * ones CFG turns on, stop the ones it turns off (what a stopped source said
 * is forgotten), and set the proxy set's enabled sources to those running.
 * Returns 0, or -EINVAL with WHY when a source did not start with the new
 * settings: then every source runs as before. */
int disp_sources_reconfigure(struct disp_sources *src, const struct disp_config *cfg,
                             GString *why);

void disp_sources_free(struct disp_sources *src);

/* The sources' own tables for Prometheus (metrics.h): the heartbeat
 * watcher's, with sipha_dispatcher_watch_enabled 0 when it is off. */
void disp_sources_metrics(struct disp_sources *src, GString *out);

/* Call FN(DATA) after every read of the CIB by the CIB source (a change),
 * e.g. to refresh what else depends on the CIB.  No CIB source: never. */
void disp_sources_on_cib_read(struct disp_sources *src, void (*fn)(void *data), void *data);

#endif
