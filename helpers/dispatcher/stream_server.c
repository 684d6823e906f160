/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream_server.c: the clients of a stream socket (see stream_server.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "util/sipha_log.h"
#include "stream_server.h"

struct stream_server {
    int fd;
    const struct stream_server_ops *ops;
    void *data;
    guint source_id;
    int clients;
    GList *client_list;
    uint64_t refused;
    uint64_t timeouts;
};

struct client {
    struct stream_client pub;
    struct stream_server *srv;
    size_t off;
    bool lingering;
    guint io_id;
    guint timeout_id;
};

static void
client_free(struct client *c)
{
    if (c->io_id != 0) {
        g_source_remove(c->io_id);
    }
    if (c->timeout_id != 0) {
        g_source_remove(c->timeout_id);
    }
    close(c->pub.fd);
    if (c->pub.out != NULL) {
        g_string_free(c->pub.out, TRUE);
    }
    g_free(c->pub.buf);
    c->srv->clients--;
    c->srv->client_list = g_list_remove(c->srv->client_list, c);
    g_free(c);
}

static gboolean
on_client_timeout(gpointer data)
{
    struct client *c = data;

    c->timeout_id = 0;
    if (!c->lingering) {
        c->srv->timeouts++;
        sipha_info("%s client too slow: closed", c->srv->ops->what);
    }
    client_free(c);
    return G_SOURCE_REMOVE;
}

/* Answered: wait for the client to close, discarding what it sends. */
static gboolean
on_client_linger(gint fd, GIOCondition condition, gpointer data)
{
    struct client *c = data;
    char sink[512];
    ssize_t n = read(fd, sink, sizeof(sink));

    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
        return G_SOURCE_CONTINUE;
    }
    c->io_id = 0;
    client_free(c);
    return G_SOURCE_REMOVE;
}

static gboolean
on_client_writable(gint fd, GIOCondition condition, gpointer data)
{
    struct client *c = data;
    GString *out = c->pub.out;

    while (c->off < out->len) {
        ssize_t n = send(fd, out->str + c->off, out->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n <= 0) {
            break;              /* gone */
        }
        c->off += (size_t) n;
    }
    if (c->off == out->len && c->srv->ops->linger) {
        shutdown(fd, SHUT_WR);
        c->lingering = true;
        c->io_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_linger, c);
        return G_SOURCE_REMOVE;
    }
    c->io_id = 0;
    client_free(c);
    return G_SOURCE_REMOVE;
}

static gboolean
on_client_readable(gint fd, GIOCondition condition, gpointer data)
{
    struct client *c = data;
    const struct stream_server_ops *ops = c->srv->ops;
    enum stream_verdict verdict = STREAM_MORE;

    while (verdict == STREAM_MORE) {
        bool ended = c->pub.used == ops->request_max;

        if (!ended) {
            ssize_t n = read(fd, c->pub.buf + c->pub.used, ops->request_max - c->pub.used);

            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                return G_SOURCE_CONTINUE;
            }
            ended = n <= 0;     /* end of the request, or an error */
            c->pub.used += n > 0 ? (size_t) n : 0;
            c->pub.buf[c->pub.used] = '\0';
        }
        verdict = ops->received(&c->pub, ended, c->srv->data);
        if (ended && verdict == STREAM_MORE) {
            verdict = STREAM_CLOSE;
        }
    }
    c->io_id = 0;
    if (verdict == STREAM_CLOSE || c->pub.out == NULL) {
        client_free(c);
    } else {
        c->io_id = g_unix_fd_add(fd, G_IO_OUT, on_client_writable, c);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
on_connection(gint fd, GIOCondition condition, gpointer data)
{
    struct stream_server *srv = data;
    struct client *c;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    if (srv->clients >= srv->ops->clients_max) {
        srv->refused++;
        sipha_info("%s socket: %d clients already, one more closed", srv->ops->what,
                   srv->clients);
        close(client);
        return G_SOURCE_CONTINUE;
    }
    if (srv->ops->accepted != NULL && !srv->ops->accepted(client, srv->data)) {
        close(client);
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(struct client, 1);
    c->srv = srv;
    c->pub.fd = client;
    c->pub.buf = g_malloc0(srv->ops->request_max + 1);
    srv->clients++;
    srv->client_list = g_list_prepend(srv->client_list, c);
    c->io_id = g_unix_fd_add(client, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_readable, c);
    c->timeout_id = g_timeout_add(srv->ops->timeout_ms, on_client_timeout, c);
    return G_SOURCE_CONTINUE;
}

struct stream_server *
stream_server_new(int fd, const struct stream_server_ops *ops, void *data)
{
    struct stream_server *srv = g_new0(struct stream_server, 1);

    srv->fd = fd;
    srv->ops = ops;
    srv->data = data;
    srv->source_id = g_unix_fd_add(fd, G_IO_IN, on_connection, srv);
    return srv;
}

int
stream_server_clients(const struct stream_server *srv)
{
    return srv->clients;
}

uint64_t
stream_server_refused(const struct stream_server *srv)
{
    return srv->refused;
}

uint64_t
stream_server_timeouts(const struct stream_server *srv)
{
    return srv->timeouts;
}

void
stream_server_free(struct stream_server *srv)
{
    if (srv == NULL) {
        return;
    }
    while (srv->client_list != NULL) {
        client_free(srv->client_list->data);
    }
    g_source_remove(srv->source_id);
    close(srv->fd);
    g_free(srv);
}
