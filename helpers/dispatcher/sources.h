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
 * logging why) when one is configured but cannot start or is not built. */
struct disp_sources *disp_sources_new(struct proxyset *ps, const struct disp_config *cfg);

/* After SIGHUP: pick up the new static list / settings. */
void disp_sources_reconfigure(struct disp_sources *src, const struct disp_config *cfg);

void disp_sources_free(struct disp_sources *src);

/* Call FN(DATA) after every read of the CIB by the CIB source (a change),
 * e.g. to refresh what else depends on the CIB.  No CIB source: never. */
void disp_sources_on_cib_read(struct disp_sources *src, void (*fn)(void *data), void *data);

#endif
