/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.h: the dispatcher's control socket (a Unix stream socket).
 *
 * One request per connection: a line "status", "stats", "proxies",
 * "drain NAME|ADDR", "undrain NAME|ADDR" or "reload"; the answer is text,
 * its first line "ok" or "error: why".  sipha-dispatcherctl speaks it.
 */
#ifndef SIPHA_DISPATCHER_CONTROL_H
#define SIPHA_DISPATCHER_CONTROL_H

#include <glib.h>

/* Handle one command line, writing the answer to OUT (first line "ok" or
 * "error: ..."). */
typedef void (*control_handler_fn)(const char *command, GString *out, gpointer user_data);

/* Listen on PATH (replacing a stale socket).  Returns the GSource id or 0. */
guint control_listen(const char *path, control_handler_fn handler, gpointer user_data);

void control_close(guint source_id, const char *path);

#endif
