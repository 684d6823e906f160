/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_http.h: the Prometheus listener, a small HTTP/1.x server on the
 * control thread's main loop (never the packet worker's).
 *
 * GET (or HEAD) /metrics is answered 200 with what the render callback
 * writes; other paths 404, other methods 405, malformed or oversized
 * requests 400 (counted).  Every connection is non-blocking and has one
 * deadline for its request and its answer, so a client sending a byte at
 * a time, or never reading, costs a descriptor until then and delays no
 * one; beyond METRICS_HTTP_CLIENTS_MAX connections at once, new ones are
 * closed at once (counted).  One request per connection.
 */
#ifndef SIPHA_DISPATCHER_METRICS_HTTP_H
#define SIPHA_DISPATCHER_METRICS_HTTP_H

#include <glib.h>

#define METRICS_HTTP_CLIENTS_MAX 16
#define METRICS_HTTP_TIMEOUT_MS 5000

/* Write the exposition into OUT (metrics.h). */
typedef void (*metrics_render_fn)(GString *out, gpointer user_data);

struct metrics_http;

/* Listen on ADDR ("host:port", "[v6]:port") on the default main context.
 * NULL after logging why. */
struct metrics_http *metrics_http_listen(const char *addr, metrics_render_fn render,
                                         gpointer user_data);

/* The listener's own counters, for the exposition (metrics.h). */
void metrics_http_metrics(const struct metrics_http *mh, GString *out);

/* Stop listening and drop every client (NULL is fine). */
void metrics_http_close(struct metrics_http *mh);

#endif
