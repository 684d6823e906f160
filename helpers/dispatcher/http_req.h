/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_req.h: the request parser of the metrics listener (metrics_http.h).
 *
 * Only what a scraper sends: a request line "METHOD TARGET HTTP/1.x" and
 * header lines up to the empty line, all of it within HTTP_REQ_MAX bytes.
 * Headers are checked for shape and otherwise ignored (the answer always
 * closes the connection, so a body is never read).  The parser is pure
 * and restartable: the listener runs it again over everything received
 * after every read, so a client sending a byte at a time gets the same
 * verdict as one sending it all at once.
 */
#ifndef SIPHA_DISPATCHER_HTTP_REQ_H
#define SIPHA_DISPATCHER_HTTP_REQ_H

#include <stddef.h>

#define HTTP_REQ_MAX 4096
#define HTTP_METHOD_MAX 16
#define HTTP_TARGET_MAX 1024
#define HTTP_HEADERS_MAX 64

enum http_req_result {
    HTTP_REQ_INCOMPLETE = 0,    /* valid so far: read more */
    HTTP_REQ_OK,                /* complete: METHOD and TARGET are set */
    HTTP_REQ_BAD,               /* malformed, or too long: answer 400 */
};

struct http_req {
    char method[HTTP_METHOD_MAX + 1];
    char target[HTTP_TARGET_MAX + 1];
    int minor_version;              /* HTTP/1.MINOR */
    size_t length;                  /* bytes up to the end of the empty line */
};

/* Parse the LEN bytes of BUF received so far. */
enum http_req_result http_req_parse(const char *buf, size_t len, struct http_req *req);

/* The path of a target, without its query: whether it is PATH. */
int http_req_path_is(const struct http_req *req, const char *path);

#endif
