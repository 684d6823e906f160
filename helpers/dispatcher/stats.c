/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stats.c: counters as "name value  # what" lines. */
#include "config.h"

#include "metrics.h"
#include "stats.h"

void
disp_stats_dump(const struct disp_stats *st, GString *out)
{
#define X(name, what) \
    g_string_append_printf(out, "%-18s %14" G_GUINT64_FORMAT "  # %s\n", #name, st->name, what);
    DISP_STATS(X)
#undef X
}

void
disp_stats_metrics(const struct disp_stats *st, GString *out)
{
#define X(name, what) \
    metrics_family(out, "sipha_dispatcher_" #name "_total", "counter", what); \
    metrics_sample_u64(out, "sipha_dispatcher_" #name "_total", st->name, NULL);
    DISP_STATS(X)
#undef X
}

void
disp_stats_publish(struct disp_stats *shared, const struct disp_stats *from)
{
#define X(name, what) __atomic_store_n(&shared->name, from->name, __ATOMIC_RELAXED);
    DISP_STATS(X)
#undef X
}

void
disp_stats_add(struct disp_stats *sum, const struct disp_stats *shared)
{
#define X(name, what) sum->name += __atomic_load_n(&shared->name, __ATOMIC_RELAXED);
    DISP_STATS(X)
#undef X
}
