/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_sip_msg.c: build a probe's OPTIONS request and recognize its response
 * with libosip2.  Everything received is hostile until proven ours: lengths
 * are checked before libosip2 sees the bytes, and only the top Via branch,
 * Call-ID and CSeq (number and method) make a response count.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include "probe/sipha_probe.h"
#include "probe/sipha_sip_msg.h"
#include "util/sipha_time.h"

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void
discard_trace(const char *file, int line, osip_trace_level_t level, const char *fmt, va_list ap)
{
}

static void
parser_init_once(void)
{
    parser_init();
    /* libosip2 prints parse errors to stdout: a hostile peer must not be
     * able to write into a tool's output (e.g. its JSON).  Route its trace
     * to a sink and disable every level. */
    osip_trace_initialize_func(TRACE_LEVEL0, discard_trace);
    for (int level = 0; level < END_TRACE_LEVEL; level++) {
        osip_trace_disable_level((osip_trace_level_t) level);
    }
}

void
sipha_sip_msg_init(void)
{
    pthread_once(&parser_once, parser_init_once);
}

/* Random bytes; a time-seeded mix only when getrandom() fails (the ids must
 * be unique, not secret). */
static void
random_bytes(unsigned char *bytes, size_t n_bytes)
{
    if (getrandom(bytes, n_bytes, GRND_NONBLOCK) != (ssize_t) n_bytes) {
        static uint64_t x;

        x ^= sipha_now_us() ^ ((uint64_t) getpid() << 32);
        for (size_t i = 0; i < n_bytes; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes[i] = (unsigned char) x;
        }
    }
}

static void
hex(const unsigned char *bytes, size_t n_bytes, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n_bytes; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[(2 * i) + 1] = digits[bytes[i] & 0x0f];
    }
    out[2 * n_bytes] = '\0';
}

void
sipha_sip_ids_generate(struct sipha_sip_probe_ids *ids, uint32_t cseq)
{
    unsigned char bytes[32];    /* one getrandom() per probe */
    char text[25];

    memset(ids, 0, sizeof(*ids));
    random_bytes(bytes, sizeof(bytes));
    hex(bytes, 12, text);
    snprintf(ids->branch, sizeof(ids->branch), "z9hG4bK-sipha-%s", text);
    hex(bytes + 12, 12, text);
    snprintf(ids->call_id, sizeof(ids->call_id), "%s@sipha", text);
    hex(bytes + 24, 8, ids->from_tag);
    ids->cseq = cseq;
}

/* "host" or "[v6]" for Via / From / To. */
static void
bracket_host(const char *host, char *out, size_t len)
{
    if (strchr(host, ':') != NULL) {
        snprintf(out, len, "[%s]", host);
    } else {
        snprintf(out, len, "%s", host);
    }
}

static int
set_headers(osip_message_t *msg, const struct sipha_sip_addr *target, const char *local_host,
            uint16_t local_port, const struct sipha_sip_probe_ids *ids)
{
    char uri_text[SIPHA_SIP_URI_MAX];
    char local[SIPHA_SIP_HOST_MAX + 2];
    char line[SIPHA_SIP_URI_MAX + SIPHA_SIP_HOST_MAX + 128];
    osip_uri_t *uri = NULL;
    int rc = 0;

    if ((sipha_sip_addr_uri(target, uri_text, sizeof(uri_text)) < 0)
        || (osip_uri_init(&uri) != OSIP_SUCCESS)) {
        return -ENOMEM;
    }
    if (osip_uri_parse(uri, uri_text) != OSIP_SUCCESS) {
        osip_uri_free(uri);
        return -EINVAL;
    }
    osip_message_set_uri(msg, uri);
    osip_message_set_method(msg, osip_strdup("OPTIONS"));
    osip_message_set_version(msg, osip_strdup("SIP/2.0"));
    bracket_host(local_host, local, sizeof(local));

    snprintf(line, sizeof(line), "SIP/2.0/%s %s:%u;branch=%s;rport",
             (target->transport == SIPHA_SIP_TCP) ? "TCP" : "UDP", local,
             (unsigned) local_port, ids->branch);
    rc |= osip_message_set_via(msg, line);
    snprintf(line, sizeof(line), "<sip:sipha-probe@%s>;tag=%s", local, ids->from_tag);
    rc |= osip_message_set_from(msg, line);
    snprintf(line, sizeof(line), "<%s>", uri_text);
    rc |= osip_message_set_to(msg, line);
    rc |= osip_message_set_call_id(msg, ids->call_id);
    snprintf(line, sizeof(line), "%u OPTIONS", (unsigned) ids->cseq);
    rc |= osip_message_set_cseq(msg, line);
    rc |= osip_message_set_max_forwards(msg, "70");
    rc |= osip_message_set_header(msg, "User-Agent", "sipha-probe/" PACKAGE_VERSION);
    rc |= osip_message_set_accept(msg, "application/sdp");
    rc |= osip_message_set_content_length(msg, "0");
    return (rc == 0) ? 0 : -ENOMEM;
}

int
sipha_sip_build_options(const struct sipha_sip_addr *target, const char *local_host,
                        uint16_t local_port, const struct sipha_sip_probe_ids *ids,
                        char **out, size_t *out_len)
{
    osip_message_t *msg = NULL;
    char *text = NULL;
    size_t text_len = 0;
    int rc;

    sipha_sip_msg_init();
    if ((target == NULL) || (local_host == NULL) || (ids == NULL) || (out == NULL)
        || (out_len == NULL)) {
        return -EINVAL;
    }
    if (osip_message_init(&msg) != OSIP_SUCCESS) {
        return -ENOMEM;
    }
    rc = set_headers(msg, target, local_host, local_port, ids);
    if ((rc == 0) && (osip_message_to_str(msg, &text, &text_len) != OSIP_SUCCESS)) {
        rc = -ENOMEM;
    }
    osip_message_free(msg);
    if (rc != 0) {
        return rc;
    }
    /* osip_message_to_str() allocates with osip_malloc(), which is malloc()
     * unless an application overrides it: hand the caller a plain copy. */
    *out = strndup(text, text_len);
    osip_free(text);
    if (*out == NULL) {
        return -ENOMEM;
    }
    *out_len = text_len;
    return 0;
}

void
sipha_sip_request_clear(struct sipha_sip_request *req)
{
    free(req->text);
    memset(req, 0, sizeof(*req));
}

/* The four fields that change per probe, as text. */
static void
id_fields(const struct sipha_sip_probe_ids *ids, char cseq[16], const char *fields[4])
{
    snprintf(cseq, 16, "%u", (unsigned) ids->cseq);
    fields[0] = ids->branch;
    fields[1] = ids->call_id;
    fields[2] = ids->from_tag;
    fields[3] = cseq;
}

/* Offset of needle in the only occurrence of prefix+needle in text, or 0. */
static size_t
unique_offset(const char *text, const char *prefix, const char *needle)
{
    char pattern[128];
    const char *first, *again;

    snprintf(pattern, sizeof(pattern), "%s%s", prefix, needle);
    first = strstr(text, pattern);
    if (first == NULL) {
        return 0;
    }
    again = strstr(first + 1, pattern);
    return (again == NULL) ? (size_t) (first - text) + strlen(prefix) : 0;
}

int
sipha_sip_request_build(struct sipha_sip_request *req, const struct sipha_sip_addr *target,
                        const char *local_host, uint16_t local_port,
                        const struct sipha_sip_probe_ids *ids)
{
    static const char *prefixes[4] = { "branch=", "Call-ID: ", "tag=", "CSeq: " };
    const char *fields[4];
    char cseq[16];
    int rc;

    sipha_sip_request_clear(req);
    rc = sipha_sip_build_options(target, local_host, local_port, ids, &req->text, &req->len);
    if (rc != 0) {
        return rc;
    }
    id_fields(ids, cseq, fields);
    for (int i = 0; i < 4; i++) {
        req->at[i] = unique_offset(req->text, prefixes[i], fields[i]);
        req->width[i] = (req->at[i] > 0) ? strlen(fields[i]) : 0;
    }
    return 0;
}

int
sipha_sip_request_update(struct sipha_sip_request *req, const struct sipha_sip_probe_ids *ids)
{
    const char *fields[4];
    char cseq[16];

    if (req->text == NULL) {
        return -EAGAIN;
    }
    id_fields(ids, cseq, fields);
    for (int i = 0; i < 4; i++) {
        if ((req->width[i] == 0) || (strlen(fields[i]) != req->width[i])) {
            return -EAGAIN;
        }
    }
    for (int i = 0; i < 4; i++) {
        memcpy(req->text + req->at[i], fields[i], req->width[i]);
    }
    return 0;
}

/* Offset just past the blank line ending the headers, or 0 if none yet. */
static size_t
header_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] != '\n') {
            continue;
        }
        if (buf[i + 1] == '\n') {
            return i + 2;
        }
        if ((i + 2 < len) && (buf[i + 1] == '\r') && (buf[i + 2] == '\n')) {
            return i + 3;
        }
    }
    return 0;
}

/*
 * Content-Length ("Content-Length:" or compact "l:") of the header block
 * buf[0..hdr_len): 0 when absent, -1 when invalid or repeated differently.
 */
static long
content_length(const char *buf, size_t hdr_len)
{
    long found = -2;
    size_t i = 0;

    while (i < hdr_len) {
        const char *line = buf + i;
        const char *eol = memchr(line, '\n', hdr_len - i);
        size_t line_len = (eol != NULL) ? (size_t) (eol - line) : hdr_len - i;
        size_t name_len = 0;

        if ((line_len > 15) && (strncasecmp(line, "Content-Length", 14) == 0)) {
            name_len = 14;
        } else if ((line_len > 2) && (strncasecmp(line, "l", 1) == 0)
                   && ((line[1] == ':') || (line[1] == ' ') || (line[1] == '\t'))) {
            name_len = 1;
        }
        if (name_len > 0) {
            const char *p = line + name_len;
            const char *end = line + line_len;
            long value = 0;
            int digits = 0;

            while ((p < end) && ((*p == ' ') || (*p == '\t'))) {
                p++;
            }
            if ((p < end) && (*p == ':')) {
                p++;
                while ((p < end) && ((*p == ' ') || (*p == '\t'))) {
                    p++;
                }
                while ((p < end) && isdigit((unsigned char) *p) && (digits < 9)) {
                    value = (value * 10) + (*p - '0');
                    p++;
                    digits++;
                }
                while ((p < end) && ((*p == ' ') || (*p == '\t') || (*p == '\r'))) {
                    p++;
                }
                if ((digits == 0) || (p != end) || ((found >= 0) && (found != value))) {
                    return -1;
                }
                found = value;
            }
        }
        i += line_len + 1;
    }
    return (found < 0) ? 0 : found;
}

size_t
sipha_sip_stream_skip_crlf(const char *buf, size_t len)
{
    size_t n = 0;

    while ((n < len) && ((buf[n] == '\r') || (buf[n] == '\n'))) {
        n++;
    }
    return n;
}

ssize_t
sipha_sip_stream_message_length(const char *buf, size_t len, size_t max_bytes)
{
    size_t scan = (len < max_bytes) ? len : max_bytes;
    size_t hdr_len = header_end(buf, scan);
    long body_len;

    if (hdr_len == 0) {
        return (len >= max_bytes) ? -EMSGSIZE : 0;
    }
    body_len = content_length(buf, hdr_len);
    if (body_len < 0) {
        return -EBADMSG;
    }
    if (hdr_len + (size_t) body_len > max_bytes) {
        return -EMSGSIZE;
    }
    if (len < hdr_len + (size_t) body_len) {
        return 0;
    }
    return (ssize_t) (hdr_len + (size_t) body_len);
}

static void
copy_reason(const char *reason, char *out, size_t len)
{
    size_t n = 0;

    if (reason != NULL) {
        for (; (reason[n] != '\0') && (n + 1 < len); n++) {
            unsigned char c = (unsigned char) reason[n];

            /* Peer text goes to terminals and JSON: printable ASCII only. */
            out[n] = ((c >= 0x20) && (c < 0x7f)) ? (char) c : '?';
        }
    }
    out[n] = '\0';
}

/* Top Via branch, Call-ID and CSeq equal to ours? */
static bool
is_ours(osip_message_t *msg, const struct sipha_sip_probe_ids *ids)
{
    osip_via_t *via = NULL;
    osip_generic_param_t *branch = NULL;
    osip_call_id_t *call_id = osip_message_get_call_id(msg);
    osip_cseq_t *cseq = osip_message_get_cseq(msg);
    char *call_id_text = NULL;
    char cseq_text[16];
    bool same_call;

    if ((osip_message_get_via(msg, 0, &via) < 0) || (via == NULL)
        || (osip_via_param_get_byname(via, "branch", &branch) != OSIP_SUCCESS)
        || (branch == NULL) || (branch->gvalue == NULL)
        || (strcmp(branch->gvalue, ids->branch) != 0)) {
        return false;
    }
    if ((call_id == NULL) || (osip_call_id_to_str(call_id, &call_id_text) != OSIP_SUCCESS)) {
        return false;
    }
    same_call = (strcmp(call_id_text, ids->call_id) == 0);
    osip_free(call_id_text);
    if (!same_call || (cseq == NULL) || (cseq->number == NULL) || (cseq->method == NULL)) {
        return false;
    }
    snprintf(cseq_text, sizeof(cseq_text), "%u", (unsigned) ids->cseq);
    return (strcmp(cseq->number, cseq_text) == 0) && (strcmp(cseq->method, "OPTIONS") == 0);
}

enum sipha_sip_match
sipha_sip_match_response(const char *buf, size_t len, const struct sipha_sip_probe_ids *ids,
                         struct sipha_sip_response *resp)
{
    osip_message_t *msg = NULL;
    enum sipha_sip_match match;
    size_t hdr_len;
    long body_len;

    sipha_sip_msg_init();
    if (len > SIPHA_PROBE_MAX_MESSAGE_BYTES) {
        return SIPHA_SIP_OVERSIZED;
    }
    /* Complete header block and the whole announced body, or truncated. */
    hdr_len = header_end(buf, len);
    if (hdr_len == 0) {
        return SIPHA_SIP_MALFORMED;
    }
    body_len = content_length(buf, hdr_len);
    if ((body_len < 0) || (len - hdr_len < (size_t) body_len)) {
        return SIPHA_SIP_MALFORMED;
    }
    if (memchr(buf, '\0', hdr_len) != NULL) {
        return SIPHA_SIP_MALFORMED;     /* libosip2 would stop at the NUL */
    }
    if (osip_message_init(&msg) != OSIP_SUCCESS) {
        return SIPHA_SIP_MALFORMED;
    }
    if (osip_message_parse(msg, buf, len) != OSIP_SUCCESS) {
        match = SIPHA_SIP_MALFORMED;
    } else if (!MSG_IS_RESPONSE(msg)) {
        match = SIPHA_SIP_FOREIGN;      /* a request is never our answer */
    } else if ((msg->status_code < 100) || (msg->status_code > 699)) {
        match = SIPHA_SIP_MALFORMED;
    } else if (!is_ours(msg, ids)) {
        match = SIPHA_SIP_FOREIGN;
    } else {
        match = SIPHA_SIP_MATCH;
        if (resp != NULL) {
            resp->status_code = msg->status_code;
            copy_reason(msg->reason_phrase, resp->reason, sizeof(resp->reason));
        }
    }
    osip_message_free(msg);
    return match;
}
