/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.c: the Prometheus text format (see metrics.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>

#include "metrics.h"

/* TEXT with backslash and line feed escaped, and double quotes too when
 * QUOTES (a label value; HELP text keeps them), as the format wants. */
static void
escape(GString *out, const char *text, bool quotes)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' && quotes) {
            g_string_append(out, "\\\"");
        } else if (*p == '\\') {
            g_string_append(out, "\\\\");
        } else if (*p == '\n') {
            g_string_append(out, "\\n");
        } else {
            g_string_append_c(out, *p);
        }
    }
}

void
metrics_escape_label(GString *out, const char *value)
{
    escape(out, value, true);
}

void
metrics_family(GString *out, const char *name, const char *type, const char *help)
{
    g_string_append_printf(out, "# HELP %s ", name);
    escape(out, help, false);
    g_string_append_printf(out, "\n# TYPE %s %s\n", name, type);
}

static void
append_labels(GString *out, va_list ap)
{
    const char *label = va_arg(ap, const char *);
    bool first = true;

    while (label != NULL) {
        const char *value = va_arg(ap, const char *);

        g_string_append_printf(out, "%s%s=\"", first ? "{" : ",", label);
        metrics_escape_label(out, value != NULL ? value : "");
        g_string_append_c(out, '"');
        first = false;
        label = va_arg(ap, const char *);
    }
    if (!first) {
        g_string_append_c(out, '}');
    }
}

void
metrics_sample(GString *out, const char *name, double value, ...)
{
    va_list ap;

    g_string_append(out, name);
    va_start(ap, value);
    append_labels(out, ap);
    va_end(ap);
    if (isnan(value)) {
        g_string_append(out, " NaN\n");
    } else if (isinf(value)) {
        g_string_append(out, value > 0 ? " +Inf\n" : " -Inf\n");
    } else {
        /* %.17g: the double read back is the one written */
        g_string_append_printf(out, " %.17g\n", value);
    }
}

void
metrics_sample_u64(GString *out, const char *name, uint64_t value, ...)
{
    va_list ap;

    g_string_append(out, name);
    va_start(ap, value);
    append_labels(out, ap);
    va_end(ap);
    g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", value);
}

void
metrics_single(GString *out, const char *name, const char *type, const char *help,
               double value)
{
    metrics_family(out, name, type, help);
    metrics_sample(out, name, value, NULL);
}
