/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.h: the dispatcher's control socket (a Unix stream socket).
 *
 * One request per connection: a line "status", "stats", "proxies",
 * "drain NAME|ADDR", "undrain NAME|ADDR", "pick CALL-ID", "takeover" or
 * "reload"; the answer is text, its first line "ok" or "error: why".
 * sipha-dispatcherctl speaks it.
 */
#ifndef SIPHA_DISPATCHER_CONTROL_H
#define SIPHA_DISPATCHER_CONTROL_H

#include <glib.h>

/* Handle one command line, writing the answer to OUT (first line "ok" or
 * "error: ..."). */
typedef void (*control_handler_fn)(const char *command, GString *out, gpointer user_data);

struct control;

/* Listen on PATH (replacing a stale socket) on the default main context:
 * created with mode 0600, then 0660 group haclient when that group exists;
 * a client that is not root, this process's user or in group haclient
 * (SO_PEERCRED, SO_PEERGROUPS) is refused.  Clients are served without
 * ever waiting on one.  NULL after logging why. */
struct control *control_listen(const char *path, control_handler_fn handler,
                               gpointer user_data);

/* Stop listening and remove the socket it created (NULL is fine). */
void control_close(struct control *ctl);

#endif
