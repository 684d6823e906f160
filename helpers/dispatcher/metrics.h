/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics.h: writing the Prometheus text exposition format (version 0.0.4).
 *
 * A family is announced once with metrics_family() (its # HELP and # TYPE
 * lines), then each of its samples follows with metrics_sample(): a name,
 * a value and label pairs (name, value, ..., NULL).  Label values are
 * escaped here (backslash, double quote, line feed), so any proxy or node
 * name can be passed as it is.
 */
#ifndef SIPHA_DISPATCHER_METRICS_H
#define SIPHA_DISPATCHER_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP NAME HELP" and "# TYPE NAME TYPE" (counter, gauge...). */
void metrics_family(GString *out, const char *name, const char *type, const char *help);

/* "NAME{L1="V1",...} VALUE": label pairs end with NULL. */
void metrics_sample(GString *out, const char *name, double value, ...) G_GNUC_NULL_TERMINATED;

/* The same for an integer (exact beyond 2^53) */
void metrics_sample_u64(GString *out, const char *name, uint64_t value, ...)
    G_GNUC_NULL_TERMINATED;

/* A family with one sample and no labels. */
void metrics_single(GString *out, const char *name, const char *type, const char *help,
                    double value);

/* VALUE escaped as a label value is (\\, \", \n). */
void metrics_escape_label(GString *out, const char *value);

/* Seconds from THEN_S to NOW_S, 0 when the clock went back. */
static inline uint64_t
metrics_age_s(uint64_t now_s, uint64_t then_s)
{
    return now_s > then_s ? now_s - then_s : 0;
}

#endif
