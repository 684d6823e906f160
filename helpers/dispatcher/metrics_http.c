/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_http.c: the Prometheus listener (see metrics_http.h).
 *
 * Every client is a small state machine on the control thread's main loop,
 * as the control socket's (control.c): read one chunk per wake-up and parse
 * all that came so far (http_req.h), answer, write what the socket takes,
 * then half-close and read until the client closes (closing with unread
 * bytes would reset the connection and could cut the answer short).  One
 * deadline covers all of it.
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "addr.h"
#include "http_req.h"
#include "metrics.h"
#include "metrics_http.h"
#include "sipha_log.h"

enum http_code {
    HTTP_200, HTTP_400, HTTP_404, HTTP_405, HTTP_CODES,
};

static const struct {
    int code;
    const char *text;
} http_codes[HTTP_CODES] = {
    { 200, "200 OK" }, { 400, "400 Bad Request" }, { 404, "404 Not Found" },
    { 405, "405 Method Not Allowed" },
};

struct metrics_http {
    int fd;
    metrics_render_fn render;
    gpointer user_data;
    guint source_id;
    int clients;
    GList *client_list;
    uint64_t responses[HTTP_CODES];
    uint64_t malformed;             /* answered 400, or left mid-request */
    uint64_t refused;               /* over METRICS_HTTP_CLIENTS_MAX */
    uint64_t timeouts;              /* request or answer not done in time */
};

enum client_phase {
    PHASE_REQUEST, PHASE_ANSWER, PHASE_LINGER,
};

struct http_client {
    struct metrics_http *mh;
    int fd;
    enum client_phase phase;
    char buf[HTTP_REQ_MAX];
    size_t used;
    GString *out;
    size_t off;
    guint io_id;
    guint timeout_id;
};

static void
client_free(struct http_client *c)
{
    if (c->io_id != 0) {
        g_source_remove(c->io_id);
    }
    if (c->timeout_id != 0) {
        g_source_remove(c->timeout_id);
    }
    close(c->fd);
    if (c->out != NULL) {
        g_string_free(c->out, TRUE);
    }
    c->mh->clients--;
    c->mh->client_list = g_list_remove(c->mh->client_list, c);
    g_free(c);
}

static gboolean
on_client_timeout(gpointer data)
{
    struct http_client *c = data;

    c->timeout_id = 0;
    if (c->phase != PHASE_LINGER) {
        c->mh->timeouts++;
        sipha_info("Metrics client too slow: closed");
    }
    client_free(c);
    return G_SOURCE_REMOVE;
}

/* Answered: wait for the client to close, discarding what it sends. */
static gboolean
on_client_linger(gint fd, GIOCondition condition, gpointer data)
{
    struct http_client *c = data;
    char sink[512];
    ssize_t n = read(fd, sink, sizeof(sink));

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n > 0) {
        return G_SOURCE_CONTINUE;
    }
    c->io_id = 0;
    client_free(c);
    return G_SOURCE_REMOVE;
}

static gboolean
on_client_writable(gint fd, GIOCondition condition, gpointer data)
{
    struct http_client *c = data;

    while (c->off < c->out->len) {
        ssize_t n = send(fd, c->out->str + c->off, c->out->len - c->off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n <= 0) {
            c->io_id = 0;
            client_free(c);     /* gone */
            return G_SOURCE_REMOVE;
        }
        c->off += (size_t) n;
    }
    shutdown(fd, SHUT_WR);
    c->phase = PHASE_LINGER;
    c->io_id = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_linger, c);
    return G_SOURCE_REMOVE;
}

static void
answer(struct http_client *c, enum http_code code, const char *body, size_t body_len,
       bool head)
{
    c->mh->responses[code]++;
    c->out = g_string_new(NULL);
    g_string_append_printf(c->out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n%s\r\n", http_codes[code].text,
                           code == HTTP_200 ? METRICS_CONTENT_TYPE : "text/plain; charset=utf-8",
                           body_len, code == HTTP_405 ? "Allow: GET, HEAD\r\n" : "");
    if (!head) {
        g_string_append_len(c->out, body, (gssize) body_len);
    }
    c->phase = PHASE_ANSWER;
    c->io_id = g_unix_fd_add(c->fd, G_IO_OUT, on_client_writable, c);
}

static void
answer_text(struct http_client *c, enum http_code code, const char *text, bool head)
{
    answer(c, code, text, strlen(text), head);
}

/* A complete request: route it. */
static void
serve(struct http_client *c, const struct http_req *req)
{
    bool head = strcmp(req->method, "HEAD") == 0;
    GString *body;

    if (!http_req_path_is(req, "/metrics")) {
        answer_text(c, HTTP_404, "not found: the metrics are at /metrics\n", head);
        return;
    }
    if (!head && strcmp(req->method, "GET") != 0) {
        answer_text(c, HTTP_405, "method not allowed: GET or HEAD\n", false);
        return;
    }
    body = g_string_sized_new(16384);
    c->mh->render(body, c->mh->user_data);
    answer(c, HTTP_200, body->str, body->len, head);
    g_string_free(body, TRUE);
}

static gboolean
on_client_readable(gint fd, GIOCondition condition, gpointer data)
{
    struct http_client *c = data;
    struct http_req req;
    enum http_req_result result;
    ssize_t n = read(fd, c->buf + c->used, sizeof(c->buf) - c->used);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        if (c->used > 0) {
            c->mh->malformed++;         /* left in the middle of a request */
        }
        c->io_id = 0;
        client_free(c);
        return G_SOURCE_REMOVE;
    }
    c->used += (size_t) n;
    result = http_req_parse(c->buf, c->used, &req);
    if (result == HTTP_REQ_INCOMPLETE) {
        return G_SOURCE_CONTINUE;
    }
    c->io_id = 0;
    if (result == HTTP_REQ_BAD) {
        c->mh->malformed++;
        answer_text(c, HTTP_400, "bad request\n", false);
    } else {
        serve(c, &req);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
on_connection(gint fd, GIOCondition condition, gpointer data)
{
    struct metrics_http *mh = data;
    struct http_client *c;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    if (mh->clients >= METRICS_HTTP_CLIENTS_MAX) {
        mh->refused++;
        sipha_info("Metrics listener: %d clients already, one more closed", mh->clients);
        close(client);
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(struct http_client, 1);
    c->mh = mh;
    c->fd = client;
    mh->clients++;
    mh->client_list = g_list_prepend(mh->client_list, c);
    c->io_id = g_unix_fd_add(client, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_readable, c);
    c->timeout_id = g_timeout_add(METRICS_HTTP_TIMEOUT_MS, on_client_timeout, c);
    return G_SOURCE_CONTINUE;
}

static int
open_socket(const struct sockaddr_storage *addr)
{
    int one = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        return -errno;
    }
    if (addr->ss_family == AF_INET6) {
        /* [::]:PORT means IPv6 only, as the SIP listeners' "[::]" */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *) addr, addr_len(addr)) != 0
        || listen(fd, METRICS_HTTP_CLIENTS_MAX) != 0) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    return fd;
}

struct metrics_http *
metrics_http_listen(const char *text, metrics_render_fn render, gpointer user_data)
{
    struct sockaddr_storage addr;
    struct metrics_http *mh;
    int fd;

    if (addr_parse(text, 0, &addr) != 0 || addr_port(&addr) == 0) {
        sipha_err("Bad metrics listen address '%s' (want ADDR:PORT)", text);
        return NULL;
    }
    fd = open_socket(&addr);
    if (fd < 0) {
        sipha_err("Cannot listen for metrics on %s: %s", text, strerror(-fd));
        return NULL;
    }
    mh = g_new0(struct metrics_http, 1);
    mh->fd = fd;
    mh->render = render;
    mh->user_data = user_data;
    mh->source_id = g_unix_fd_add(fd, G_IO_IN, on_connection, mh);
    sipha_notice("Serving metrics on http://%s/metrics", text);
    return mh;
}

void
metrics_http_metrics(const struct metrics_http *mh, GString *out)
{
    static const char responses[] = "sipha_dispatcher_metrics_http_responses_total";

    metrics_family(out, responses, "counter", "Answers of the metrics listener, by status code");
    for (int i = 0; i < HTTP_CODES; i++) {
        char code[8];

        g_snprintf(code, sizeof(code), "%d", http_codes[i].code);
        metrics_sample_u64(out, responses, mh->responses[i], "code", code, NULL);
    }
    metrics_family(out, "sipha_dispatcher_metrics_http_malformed_total", "counter",
                   "Metrics requests malformed or too long (answered 400), or cut short");
    metrics_sample_u64(out, "sipha_dispatcher_metrics_http_malformed_total", mh->malformed, NULL);
    metrics_family(out, "sipha_dispatcher_metrics_http_refused_total", "counter",
                   "Metrics connections closed at once: too many at the same time");
    metrics_sample_u64(out, "sipha_dispatcher_metrics_http_refused_total", mh->refused, NULL);
    metrics_family(out, "sipha_dispatcher_metrics_http_timeouts_total", "counter",
                   "Metrics clients closed for not sending or reading in time");
    metrics_sample_u64(out, "sipha_dispatcher_metrics_http_timeouts_total", mh->timeouts, NULL);
    metrics_single(out, "sipha_dispatcher_metrics_http_connections", "gauge",
                   "Metrics connections open now", mh->clients);
}

void
metrics_http_close(struct metrics_http *mh)
{
    if (mh == NULL) {
        return;
    }
    while (mh->client_list != NULL) {
        client_free(mh->client_list->data);
    }
    g_source_remove(mh->source_id);
    close(mh->fd);
    g_free(mh);
}
