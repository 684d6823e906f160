/* SPDX-License-Identifier: GPL-2.0-or-later */
/* http_req.c: the metrics listener's request parser (see http_req.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "http_req.h"

/* RFC 9110 tchar */
static bool
is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A header value's byte: visible, space, tab or obs-text; no CR, LF, NUL. */
static bool
is_value_char(unsigned char c)
{
    return c == '\t' || c >= ' ' ? c != 0x7f : false;
}

static size_t
token_len(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && is_tchar((unsigned char) s[i])) {
        i++;
    }
    return i;
}

/* "METHOD SP TARGET SP HTTP/1.D", exactly. */
static bool
parse_request_line(const char *s, size_t n, struct http_req *req)
{
    size_t m = token_len(s, n), t = 0;
    const char *target;
    static const char version[] = "HTTP/1.";

    if (m == 0 || m > HTTP_METHOD_MAX || m == n || s[m] != ' ') {
        return false;
    }
    target = s + m + 1;
    while (target + t < s + n && (unsigned char) target[t] > ' '
           && (unsigned char) target[t] < 0x7f) {
        t++;
    }
    if (t == 0 || t > HTTP_TARGET_MAX) {
        return false;
    }
    /* what is left: " HTTP/1.D" */
    if ((size_t) (s + n - (target + t)) != sizeof(version) + 1 || target[t] != ' '
        || memcmp(target + t + 1, version, sizeof(version) - 1) != 0
        || target[t + sizeof(version)] < '0' || target[t + sizeof(version)] > '9') {
        return false;
    }
    memcpy(req->method, s, m);
    req->method[m] = '\0';
    memcpy(req->target, target, t);
    req->target[t] = '\0';
    req->minor_version = target[t + sizeof(version)] - '0';
    return true;
}

/* "NAME: value"; no obsolete line folding. */
static bool
valid_header(const char *s, size_t n)
{
    size_t name = token_len(s, n);

    if (name == 0 || name == n || s[name] != ':') {
        return false;
    }
    for (size_t i = name + 1; i < n; i++) {
        if (!is_value_char((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

enum http_req_result
http_req_parse(const char *buf, size_t len, struct http_req *req)
{
    size_t limit = len < HTTP_REQ_MAX ? len : HTTP_REQ_MAX;
    size_t pos = 0;
    int lines = 0;

    memset(req, 0, sizeof(*req));
    /* RFC 9112 2.2: empty lines before the request line are ignored */
    while (pos < limit && (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < limit
                                                && buf[pos + 1] == '\n'))) {
        pos += buf[pos] == '\r' ? 2 : 1;
    }
    for (;;) {
        const char *nl = memchr(buf + pos, '\n', limit - pos);
        size_t n;

        if (nl == NULL) {
            return len >= HTTP_REQ_MAX ? HTTP_REQ_BAD : HTTP_REQ_INCOMPLETE;
        }
        n = (size_t) (nl - (buf + pos));
        if (n > 0 && buf[pos + n - 1] == '\r') {
            n--;
        }
        if (lines == 0) {
            if (!parse_request_line(buf + pos, n, req)) {
                return HTTP_REQ_BAD;
            }
        } else if (n == 0) {
            req->length = (size_t) (nl - buf) + 1;
            return HTTP_REQ_OK;
        } else if (lines > HTTP_HEADERS_MAX || !valid_header(buf + pos, n)) {
            return HTTP_REQ_BAD;
        }
        lines++;
        pos = (size_t) (nl - buf) + 1;
    }
}

int
http_req_path_is(const struct http_req *req, const char *path)
{
    size_t n = strcspn(req->target, "?");

    return strlen(path) == n && memcmp(req->target, path, n) == 0;
}
