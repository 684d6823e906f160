/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_http.c: the Prometheus listener (see metrics_http.h).
 *
 * Its clients are served by stream_server.h, as the control socket's: all
 * that came so far is parsed again after every read (http_req.h); the
 * answer is written, then the connection half-closed until the client
 * closes.  One deadline covers all of it.
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "http_req.h"
#include "metrics.h"
#include "metrics_http.h"
#include "util/sipha_log.h"
#include "stream_server.h"

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
    metrics_render_fn render;
    gpointer user_data;
    struct stream_server *server;
    uint64_t responses[HTTP_CODES];
    uint64_t malformed;             /* answered 400, or left mid-request */
};

static void
answer(struct stream_client *c, struct metrics_http *mh, enum http_code code,
       const char *body, size_t body_len, bool head)
{
    mh->responses[code]++;
    c->out = g_string_new(NULL);
    g_string_append_printf(c->out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                           "Connection: close\r\n%s\r\n", http_codes[code].text,
                           code == HTTP_200 ? METRICS_CONTENT_TYPE : "text/plain; charset=utf-8",
                           body_len, code == HTTP_405 ? "Allow: GET, HEAD\r\n" : "");
    if (!head) {
        g_string_append_len(c->out, body, (gssize) body_len);
    }
}

static void
answer_text(struct stream_client *c, struct metrics_http *mh, enum http_code code,
            const char *text, bool head)
{
    answer(c, mh, code, text, strlen(text), head);
}

/* A complete request: route it. */
static void
serve(struct stream_client *c, struct metrics_http *mh, const struct http_req *req)
{
    bool head = strcmp(req->method, "HEAD") == 0;
    GString *body;

    if (!http_req_path_is(req, "/metrics")) {
        answer_text(c, mh, HTTP_404, "not found: the metrics are at /metrics\n", head);
        return;
    }
    if (!head && strcmp(req->method, "GET") != 0) {
        answer_text(c, mh, HTTP_405, "method not allowed: GET or HEAD\n", false);
        return;
    }
    body = g_string_sized_new(16384);
    mh->render(body, mh->user_data);
    answer(c, mh, HTTP_200, body->str, body->len, head);
    g_string_free(body, TRUE);
}

static enum stream_verdict
on_request(struct stream_client *c, bool ended, void *data)
{
    struct metrics_http *mh = data;
    struct http_req req;

    switch (http_req_parse(c->buf, c->used, &req)) {
        case HTTP_REQ_OK:
            serve(c, mh, &req);
            return STREAM_ANSWER;
        case HTTP_REQ_BAD:
            mh->malformed++;
            answer_text(c, mh, HTTP_400, "bad request\n", false);
            return STREAM_ANSWER;
        default:
            break;
    }
    if (!ended) {
        return STREAM_MORE;
    }
    if (c->used > 0) {
        mh->malformed++;        /* left in the middle of a request */
    }
    return STREAM_CLOSE;
}

static const struct stream_server_ops metrics_ops = {
    .what = "Metrics",
    .clients_max = METRICS_HTTP_CLIENTS_MAX,
    .timeout_ms = METRICS_HTTP_TIMEOUT_MS,
    .request_max = HTTP_REQ_MAX,
    .linger = true,
    .received = on_request,
};

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

    if (sipha_sockaddr_parse(text, 0, &addr) != 0 || addr_port(&addr) == 0) {
        sipha_err("Bad metrics listen address '%s' (want ADDR:PORT)", text);
        return NULL;
    }
    fd = open_socket(&addr);
    if (fd < 0) {
        sipha_err("Cannot listen for metrics on %s: %s", text, strerror(-fd));
        return NULL;
    }
    mh = g_new0(struct metrics_http, 1);
    mh->render = render;
    mh->user_data = user_data;
    mh->server = stream_server_new(fd, &metrics_ops, mh);
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
    metrics_sample_u64(out, "sipha_dispatcher_metrics_http_refused_total",
                       stream_server_refused(mh->server), NULL);
    metrics_family(out, "sipha_dispatcher_metrics_http_timeouts_total", "counter",
                   "Metrics clients closed for not sending or reading in time");
    metrics_sample_u64(out, "sipha_dispatcher_metrics_http_timeouts_total",
                       stream_server_timeouts(mh->server), NULL);
    metrics_single(out, "sipha_dispatcher_metrics_http_connections", "gauge",
                   "Metrics connections open now", stream_server_clients(mh->server));
}

void
metrics_http_close(struct metrics_http *mh)
{
    if (mh == NULL) {
        return;
    }
    stream_server_free(mh->server);
    g_free(mh);
}
