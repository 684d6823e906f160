/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream_server.h: the clients of a listening stream socket on the control
 * thread's main loop, shared by the control socket (control.c) and the
 * metrics listener (metrics_http.c).
 *
 * Every client is a small state machine: read what is there, hand it to
 * the owner after every read until it has an answer, write what the socket
 * takes, then close (or half-close and wait for the client to close:
 * closing with unread bytes resets the connection and can cut the answer
 * short).  Nothing waits on a client: one that sends a byte a second, or
 * never reads its answer, costs a file descriptor until its deadline, and
 * the other clients (and the rest of the control side) go on.  Beyond the
 * bound on clients, new connections are closed at once.
 */
#ifndef SIPHA_DISPATCHER_STREAM_SERVER_H
#define SIPHA_DISPATCHER_STREAM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

struct stream_client {
    int fd;
    char *buf;                  /* what it sent, NUL-terminated */
    size_t used;
    GString *out;               /* the answer, once there is one */
};

enum stream_verdict {
    STREAM_MORE,                /* read more */
    STREAM_ANSWER,              /* write C->out, then close */
    STREAM_CLOSE,               /* close now */
};

struct stream_server_ops {
    const char *what;           /* for the log: "Control", "Metrics" */
    int clients_max;
    guint timeout_ms;           /* for the request and the answer */
    size_t request_max;         /* bytes kept of a request */
    bool linger;                /* half-close after the answer */
    /* a new connection: false closes it (after saying why, if it wants) */
    bool (*accepted)(int fd, void *data);
    /* bytes arrived, or (ENDED) the client stopped sending or the buffer
     * is full: whether there is an answer */
    enum stream_verdict (*received)(struct stream_client *c, bool ended, void *data);
};

struct stream_server;

/* Serve the clients of the listening socket FD (non-blocking; taken over,
 * closed by stream_server_free()) on the default main context. */
struct stream_server *stream_server_new(int fd, const struct stream_server_ops *ops,
                                        void *data);

/* Clients now, connections closed over the bound, clients too slow. */
int stream_server_clients(const struct stream_server *srv);
uint64_t stream_server_refused(const struct stream_server *srv);
uint64_t stream_server_timeouts(const struct stream_server *srv);

/* Drop every client, stop listening and close the socket (NULL is fine). */
void stream_server_free(struct stream_server *srv);

#endif
