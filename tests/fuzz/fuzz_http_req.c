/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_http_req.c: libFuzzer target for the metrics listener's request
 * parser (http_req.h).  The listener parses everything received after
 * every read, so the verdict must not depend on how the bytes arrive:
 * every prefix of the input is parsed too.  Invariants checked: no crash
 * or sanitizer report; a complete request's method is a token and its
 * target has no space or control byte, both terminated; a prefix shorter
 * than a complete request is incomplete, a longer one gives the same
 * request; once malformed, every longer prefix is malformed; more than
 * HTTP_REQ_MAX bytes without a complete request is malformed.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_request(const struct http_req *req, size_t size)
{
    size_t m = strlen(req->method), t = strlen(req->target);

    if (m == 0 || m > HTTP_METHOD_MAX || t == 0 || t > HTTP_TARGET_MAX
        || req->length == 0 || req->length > size || req->length > HTTP_REQ_MAX
        || req->minor_version < 0 || req->minor_version > 9) {
        abort();
    }
    for (size_t i = 0; i < t; i++) {
        if ((unsigned char) req->target[i] <= ' ' || (unsigned char) req->target[i] >= 0x7f) {
            abort();
        }
    }
    if (strpbrk(req->method, " \t\r\n:/") != NULL) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *) data;
    struct http_req full, part;
    enum http_req_result verdict = http_req_parse(buf, size, &full);
    bool bad_seen = false;

    if (size > 2 * HTTP_REQ_MAX) {
        return 0;       /* the prefixes would make it quadratic for nothing */
    }
    if (verdict == HTTP_REQ_OK) {
        check_request(&full, size);
    }
    if (verdict == HTTP_REQ_INCOMPLETE && size >= HTTP_REQ_MAX) {
        abort();
    }
    for (size_t k = 0; k <= size; k++) {
        enum http_req_result r = http_req_parse(buf, k, &part);

        if (bad_seen && r != HTTP_REQ_BAD) {
            abort();
        }
        bad_seen = r == HTTP_REQ_BAD;
        if (verdict == HTTP_REQ_OK) {
            if ((k < full.length && r != HTTP_REQ_INCOMPLETE)
                || (k >= full.length && (r != HTTP_REQ_OK || part.length != full.length
                                         || strcmp(part.target, full.target) != 0))) {
                abort();
            }
        } else if (r == HTTP_REQ_OK || (verdict == HTTP_REQ_INCOMPLETE && r != verdict)) {
            abort();
        }
    }
    return 0;
}
