/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_scan.c: minimal SIP scanner (see sip_scan.h).
 *
 * Grammar references are RFC 3261 section 25.  Where the grammar allows
 * more than a forwarder needs (e.g. comments, odd Via forms) the scanner
 * rejects: a message it cannot read exactly is dropped, never forwarded
 * half-understood.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "sip_scan.h"

#define MAX_MSG_LEN 0x7fffffffu

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Inside a header value, folded lines leave CR/LF behind: LWS. */
static bool
is_lws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Character classes by table: the scanner asks for every byte. */
enum {
    C_DIGIT = 1 << 0,
    C_ALPHA = 1 << 1,
    C_TOKEN = 1 << 2,       /* RFC 3261 token punctuation: -.!%*_+`'~ */
    C_V6REF = 1 << 3,       /* inside an IPv6 reference: hex digits, ':' '.' */
};

/* GNU C range initializers: gcc and clang, the compilers this builds with */
static const uint8_t char_class[256] = {
    ['0' ... '9'] = C_DIGIT | C_V6REF,
    ['a' ... 'f'] = C_ALPHA | C_V6REF,
    ['g' ... 'z'] = C_ALPHA,
    ['A' ... 'F'] = C_ALPHA | C_V6REF,
    ['G' ... 'Z'] = C_ALPHA,
    ['-'] = C_TOKEN, ['.'] = C_TOKEN | C_V6REF, ['!'] = C_TOKEN, ['%'] = C_TOKEN,
    ['*'] = C_TOKEN, ['_'] = C_TOKEN, ['+'] = C_TOKEN, ['`'] = C_TOKEN,
    ['\''] = C_TOKEN, ['~'] = C_TOKEN,
    [':'] = C_V6REF,
};

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
    return (char_class[(unsigned char) c] & (C_DIGIT | C_ALPHA)) != 0;
}

static bool
is_token(char c)
{
    return (char_class[(unsigned char) c] & (C_DIGIT | C_ALPHA | C_TOKEN)) != 0;
}

static bool
is_v6ref(char c)
{
    return (char_class[(unsigned char) c] & C_V6REF) != 0;
}

bool
sip_span_eq(const char *buf, struct sip_span s, const char *lit)
{
    size_t n = strlen(lit);

    return s.len == n && memcmp(buf + s.off, lit, n) == 0;
}

bool
sip_span_caseeq(const char *buf, struct sip_span s, const char *lit)
{
    size_t n = strlen(lit);

    return s.len == n && strncasecmp(buf + s.off, lit, n) == 0;
}

static uint32_t
skip_lws(const char *buf, uint32_t i, uint32_t end)
{
    while (i < end && is_lws(buf[i])) {
        i++;
    }
    return i;
}

/* Parse an unsigned decimal of at most MAX_DIGITS (<= 18) digits; -1 on
 * error.  64-bit whatever the platform: a 10-digit CSeq overflowed a
 * 32-bit long. */
static int64_t
parse_uint(const char *buf, uint32_t *pos, uint32_t end, int max_digits)
{
    uint32_t i = *pos;
    int64_t v = 0;
    int n = 0;

    while (i < end && is_digit(buf[i])) {
        if (++n > max_digits) {
            return -1;
        }
        v = v * 10 + (buf[i] - '0');
        i++;
    }
    if (n == 0) {
        return -1;
    }
    *pos = i;
    return v;
}

/* A quoted string starting at buf[i] == '"'; returns the index after the
 * closing quote or 0 when unterminated. */
static uint32_t
skip_quoted(const char *buf, uint32_t i, uint32_t end)
{
    for (i++; i < end; i++) {
        if (buf[i] == '\\') {
            i++;
        } else if (buf[i] == '"') {
            return i + 1;
        }
    }
    return 0;
}

static uint32_t
scan_host(const char *buf, uint32_t i, uint32_t end, struct sip_via *v)
{
    uint32_t start;

    if (i < end && buf[i] == '[') {
        start = ++i;
        while (i < end && is_v6ref(buf[i])) {
            i++;
        }
        if (i == start || i >= end || buf[i] != ']') {
            return 0;
        }
        v->host = (struct sip_span) { start, i - start };
        v->host_is_v6ref = true;
        return i + 1;
    }
    start = i;
    while (i < end && (is_alnum(buf[i]) || buf[i] == '-' || buf[i] == '.')) {
        i++;
    }
    if (i == start) {
        return 0;
    }
    v->host = (struct sip_span) { start, i - start };
    v->host_is_v6ref = false;
    return i;
}

/* One ;name[=value] of a Via.  Returns the index after it, 0 on error. */
static uint32_t
scan_via_param(const char *buf, uint32_t i, uint32_t end, struct sip_via *v)
{
    struct sip_span name, value = { 0, 0 };
    bool has_value = false;

    name.off = i;
    while (i < end && is_token(buf[i])) {
        i++;
    }
    name.len = i - name.off;
    if (name.len == 0) {
        return 0;
    }
    i = skip_lws(buf, i, end);
    if (i < end && buf[i] == '=') {
        has_value = true;
        i = skip_lws(buf, i + 1, end);
        value.off = i;
        if (i < end && buf[i] == '"') {
            i = skip_quoted(buf, i, end);
            if (i == 0) {
                return 0;
            }
        } else {
            while (i < end && (is_token(buf[i]) || buf[i] == ':' || buf[i] == '['
                               || buf[i] == ']')) {
                i++;
            }
        }
        value.len = i - value.off;
        if (value.len == 0) {
            return 0;
        }
    }
    if (sip_span_caseeq(buf, name, "branch")) {
        if (!has_value || v->branch.len != 0) {
            return 0;
        }
        v->branch = value;
    } else if (sip_span_caseeq(buf, name, "received")) {
        if (!has_value || v->received.len != 0) {
            return 0;
        }
        v->received = value;
    } else if (sip_span_caseeq(buf, name, "rport")) {
        uint32_t p = value.off;
        int64_t port = 0;

        if (v->rport_present) {
            return 0;
        }
        v->rport_present = true;
        v->rport_name = name;
        if (has_value) {
            port = parse_uint(buf, &p, value.off + value.len, 5);
            if (port <= 0 || port > 65535 || p != value.off + value.len) {
                return 0;
            }
        }
        v->rport = (int) port;
        v->rport_value = value;
    }
    return i;
}

long
sip_scan_via_value(const char *buf, uint32_t off, uint32_t end, struct sip_via *v)
{
    uint32_t i = skip_lws(buf, off, end);
    static const char *const parts[] = { "SIP", "/", "2.0", "/" };

    memset(v, 0, sizeof(*v));
    v->present = true;
    v->value.off = i;
    for (size_t k = 0; k < 4; k++) {
        size_t n = strlen(parts[k]);

        if (k > 0) {
            i = skip_lws(buf, i, end);
        }
        if (end - i < n || strncasecmp(buf + i, parts[k], n) != 0) {
            return -1;
        }
        i += (uint32_t) n;
    }
    i = skip_lws(buf, i, end);
    v->transport.off = i;
    while (i < end && is_token(buf[i])) {
        i++;
    }
    v->transport.len = i - v->transport.off;
    /* RFC 3261 allows any LWS here; libosip2 wants a space or a fold,
     * not a tab */
    if (v->transport.len == 0 || i >= end || !is_lws(buf[i]) || buf[i] == '\t') {
        return -1;
    }
    i = skip_lws(buf, i, end);
    i = scan_host(buf, i, end, v);
    if (i == 0) {
        return -1;
    }
    if (i < end && buf[i] == ':') {
        int64_t port;

        i++;
        port = parse_uint(buf, &i, end, 5);
        if (port <= 0 || port > 65535) {
            return -1;
        }
        v->port = (int) port;
    }
    for (;;) {
        uint32_t j = skip_lws(buf, i, end);

        if (j < end && buf[j] == ';') {
            i = scan_via_param(buf, skip_lws(buf, j + 1, end), end, v);
            if (i == 0) {
                return -1;
            }
            continue;
        }
        v->value.len = i - v->value.off;
        if (j < end && buf[j] != ',') {
            return -1;
        }
        return j;
    }
}

/* The name of the header a line starts with; compact forms expanded. */
enum hdr_kind {
    H_OTHER, H_VIA, H_CALL_ID, H_CSEQ, H_MAX_FORWARDS, H_CONTENT_LENGTH, H_TO, H_FROM,
};

static enum hdr_kind
header_kind(const char *name, uint32_t n)
{
#define NAME(lit, kind) { lit, sizeof(lit) - 1, kind }
    static const struct {
        const char *name;
        uint32_t len;
        enum hdr_kind kind;
    } names[] = {
        NAME("via", H_VIA), NAME("v", H_VIA),
        NAME("call-id", H_CALL_ID), NAME("i", H_CALL_ID),
        NAME("cseq", H_CSEQ),
        NAME("max-forwards", H_MAX_FORWARDS),
        NAME("content-length", H_CONTENT_LENGTH), NAME("l", H_CONTENT_LENGTH),
        NAME("to", H_TO), NAME("t", H_TO),
        NAME("from", H_FROM), NAME("f", H_FROM),
    };
#undef NAME

    /* no header the scanner reads is longer; most headers fail here */
    if (n == 0 || n > 14) {
        return H_OTHER;
    }
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (names[k].len == n && strncasecmp(name, names[k].name, n) == 0) {
            return names[k].kind;
        }
    }
    return H_OTHER;
}

/* After "sip:": [userinfo "@"] host [":" port] [";" params] ["?" headers],
 * host a name, an IPv4 address or an IPv6 reference. */
static bool
sip_uri_rest_ok(const char *buf, uint32_t i, uint32_t end)
{
    const char *at = memchr(buf + i, '@', end - i);
    uint32_t h;

    if (at != NULL) {
        const char *colon = memchr(buf + i, ':', (size_t) (at - (buf + i)));

        if (at == buf + i || buf[i] == ':' || (colon != NULL && colon + 1 == at)) {
            return false;                 /* a user, and a password if ':' */
        }
        i = (uint32_t) (at - buf) + 1;
    }
    h = i;
    if (i < end && buf[i] == '[') {
        for (i++; i < end && buf[i] != ']'; i++) {
            if (!is_v6ref(buf[i])) {
                return false;
            }
        }
        if (i >= end || i == h + 1) {
            return false;
        }
        i++;
    } else {
        while (i < end && (is_alnum(buf[i]) || buf[i] == '-' || buf[i] == '.')) {
            i++;
        }
        /* libosip2 refuses a one-character host without a user */
        if (i == h || (at == NULL && i == h + 1)) {
            return false;
        }
    }
    if (i < end && buf[i] == ':') {
        int64_t port;

        i++;
        port = parse_uint(buf, &i, end, 5);
        if (port < 0 || port > 65535) {
            return false;
        }
    }
    /* *( ";" pname [ "=" pvalue ] ) */
    while (i < end && buf[i] == ';') {
        uint32_t name = ++i;

        while (i < end && buf[i] != ';' && buf[i] != '?' && buf[i] != '=') {
            i++;
        }
        if (i == name) {
            return false;
        }
        if (i < end && buf[i] == '=') {
            uint32_t value = ++i;

            while (i < end && buf[i] != ';' && buf[i] != '?' && buf[i] != '=') {
                i++;
            }
            if (i == value || (i < end && buf[i] == '=')) {
                return false;
            }
        }
    }
    /* [ "?" hname "=" hvalue *( "&" hname "=" hvalue ) ] */
    if (i < end && buf[i] == '?') {
        do {
            uint32_t name = ++i;

            while (i < end && buf[i] != '=' && buf[i] != '&' && buf[i] != ';' && buf[i] != '?') {
                i++;
            }
            if (i == name || i >= end || buf[i] != '=') {
                return false;
            }
            for (i++; i < end && buf[i] != '&'; i++) {
                if (buf[i] == '=' || buf[i] == ';' || buf[i] == '?') {
                    return false;
                }
            }
        } while (i < end && buf[i] == '&');
    }
    return i == end;
}

/* An absolute URI in BUF[i, end) (RFC 3261 25.1 absoluteURI, RFC 3986):
 * scheme = ALPHA *(ALPHA/DIGIT/+/-/.) ":", then printable ASCII without
 * LWS, quotes or angle brackets (urn:service:sos, tel:, im:, any scheme).
 * Returns the index of the ':' after the scheme, or 0. */
static uint32_t
absolute_uri(const char *buf, uint32_t i, uint32_t end)
{
    uint32_t start = i;

    if (i >= end || !is_alnum(buf[i]) || is_digit(buf[i])) {
        return 0;
    }
    while (i < end && (is_alnum(buf[i]) || buf[i] == '+' || buf[i] == '-' || buf[i] == '.')) {
        i++;
    }
    /* libosip2 wants a scheme of two characters or more; none is shorter */
    if (i >= end || buf[i] != ':' || i + 1 >= end || i - start < 2) {
        return 0;
    }
    for (uint32_t k = i + 1; k < end; k++) {
        unsigned char c = (unsigned char) buf[k];

        if (c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>') {
            return 0;
        }
    }
    return i;
}

/* The strict reading of the absolute URI BUF[start, end) whose scheme
 * ends at I (absolute_uri's result): sip or sips (read whole, as libosip2
 * does) or tel. */
static bool
scheme_ok(const char *buf, uint32_t start, uint32_t i, uint32_t end)
{
    if ((i - start == 3 && strncasecmp(buf + start, "sip", 3) == 0)
        || (i - start == 4 && strncasecmp(buf + start, "sips", 4) == 0)) {
        return sip_uri_rest_ok(buf, i + 1, end);
    }
    /* other schemes: tel only (libosip2's generic URI rules are its own) */
    return i - start == 3 && strncasecmp(buf + start, "tel", 3) == 0;
}

static bool
uri_ok(const char *buf, uint32_t start, uint32_t end)
{
    uint32_t i = absolute_uri(buf, start, end);

    return i != 0 && scheme_ok(buf, start, i, end);
}

/* A ;tag= header parameter in a To value the strict reading refused:
 * outside quoted strings and angle brackets. */
static bool
loose_tag(const char *buf, uint32_t i, uint32_t end)
{
    while (i < end) {
        if (buf[i] == '"') {
            i = skip_quoted(buf, i, end);
            if (i == 0) {
                return false;
            }
            continue;
        }
        if (buf[i] == '<') {
            const char *close = memchr(buf + i, '>', end - i);

            if (close == NULL) {
                return false;
            }
            i = (uint32_t) (close - buf) + 1;
            continue;
        }
        if (buf[i] == ';') {
            uint32_t name = skip_lws(buf, i + 1, end);

            if (end - name >= 3 && strncasecmp(buf + name, "tag", 3) == 0
                && skip_lws(buf, name + 3, end) < end && buf[skip_lws(buf, name + 3, end)] == '=') {
                return true;
            }
        }
        i++;
    }
    return false;
}

/* Check the shape of a To/From value (RFC 3261 20.10/20.20):
 *   [display-name] "<" URI ">" *(;param)  or  addr-spec *(;param)
 * display-name = quoted-string / *(token LWS); no LWS inside <>; an
 * addr-spec has no LWS.  Sets *TAG when a ;tag= parameter is present.
 * The forwarder copies these headers into its replies, so it reads them
 * exactly or not at all.  Returns false when malformed. */
static bool
scan_name_addr(const char *buf, uint32_t i, uint32_t end, bool *tag)
{
    uint32_t j;

    *tag = false;
    if (i >= end) {
        return false;
    }
    if (buf[i] == '"') {
        i = skip_quoted(buf, i, end);
        if (i == 0) {
            return false;
        }
        i = skip_lws(buf, i, end);
        if (i >= end || buf[i] != '<') {
            return false;
        }
    } else {
        /* either tokens then "<", or an addr-spec: look for "<" first */
        j = i;
        /* display-name tokens: libosip2 takes spaces between them, not tabs */
        while (j < end && (is_token(buf[j]) || buf[j] == ' ')) {
            j++;
        }
        if (j < end && buf[j] == '<') {
            i = j;
        }
    }
    if (buf[i] == '<') {
        j = ++i;
        while (i < end && buf[i] != '>') {
            i++;
        }
        if (i >= end || !uri_ok(buf, j, i)) {
            return false;
        }
        i++;
    } else {
        /* addr-spec: up to the first ';' that follows the URI's host part
         * is ambiguous (URI parameters); like libosip2, parameters after
         * an addr-spec belong to the header */
        j = i;
        while (i < end && buf[i] != ';' && !is_lws(buf[i])) {
            if (buf[i] == ',') {
                return false;
            }
            i++;
        }
        if (!uri_ok(buf, j, i)) {
            return false;
        }
    }
    /* header parameters */
    for (;;) {
        uint32_t name;

        i = skip_lws(buf, i, end);
        if (i >= end) {
            return true;
        }
        if (buf[i] != ';') {
            return false;
        }
        i = skip_lws(buf, i + 1, end);
        name = i;
        while (i < end && is_token(buf[i])) {
            i++;
        }
        if (i == name) {
            return false;
        }
        if (i - name == 3 && strncasecmp(buf + name, "tag", 3) == 0) {
            *tag = true;
        }
        i = skip_lws(buf, i, end);
        if (i < end && buf[i] == '=') {
            i = skip_lws(buf, i + 1, end);
            if (i < end && buf[i] == '"') {
                i = skip_quoted(buf, i, end);
                if (i == 0) {
                    return false;
                }
            } else {
                j = i;
                while (i < end && (is_token(buf[i]) || buf[i] == ':' || buf[i] == '['
                                   || buf[i] == ']')) {
                    i++;
                }
                if (i == j) {
                    return false;
                }
            }
        }
    }
}

/* The strict reading of a To/From value, and no NUL in it (libosip2
 * and most C stacks read headers as C strings). */
static bool
readable_name_addr(const char *buf, uint32_t i, uint32_t end, bool *tag)
{
    return memchr(buf + i, '\0', end - i) == NULL && scan_name_addr(buf, i, end, tag);
}

static int
scan_via_header(const char *buf, uint32_t vstart, uint32_t vend, struct sip_span header,
                struct sip_msg *msg)
{
    uint32_t i = vstart;

    for (;;) {
        struct sip_via tmp;
        struct sip_via *v = msg->via_count < 2 ? &msg->via[msg->via_count] : &tmp;
        long next = sip_scan_via_value(buf, i, vend, v);

        if (next < 0) {
            return SIP_SCAN_BAD_VIA;
        }
        v->header = header;
        if (msg->via_count < 3) {
            msg->via_count++;
        }
        i = (uint32_t) next;
        if (i >= vend) {
            return SIP_SCAN_OK;
        }
        /* at ',': another value follows */
        v->header_has_more = true;
        i = skip_lws(buf, i + 1, vend);
        if (i >= vend) {
            return SIP_SCAN_BAD_VIA;
        }
        v->next_value_off = i;
    }
}

static int
scan_call_id(const char *buf, uint32_t vstart, uint32_t vend, struct sip_msg *msg)
{
    if (msg->call_id.len != 0) {
        return SIP_SCAN_BAD_HEADER;    /* two Call-IDs */
    }
    /* callid = word [ "@" word ] */
    const char *at = memchr(buf + vstart, '@', vend - vstart);

    for (uint32_t i = vstart; i < vend; i++) {
        unsigned char c = (unsigned char) buf[i];

        if (c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '=' || c == '&' || c == '#'
            || c == '$' || c == '|' || c == '^' || (c == '@' && buf + i != at)) {
            return SIP_SCAN_BAD_HEADER;
        }
    }
    if (vend == vstart || (at != NULL && (at == buf + vstart || at == buf + vend - 1))) {
        return SIP_SCAN_BAD_HEADER;
    }
    msg->call_id = (struct sip_span) { vstart, vend - vstart };
    return SIP_SCAN_OK;
}

static int
scan_cseq(const char *buf, uint32_t vstart, uint32_t vend, struct sip_msg *msg)
{
    uint32_t i = vstart;
    int64_t num = parse_uint(buf, &i, vend, 10);

    /* LWS between number and method; libosip2 refuses a tab there */
    if (msg->cseq_header.len != 0 || num < 0 || num > 0x7fffffffL || i >= vend
        || !is_lws(buf[i]) || buf[i] == '\t') {
        return SIP_SCAN_BAD_HEADER;
    }
    i = skip_lws(buf, i, vend);
    msg->cseq_method.off = i;
    while (i < vend && is_token(buf[i])) {
        i++;
    }
    msg->cseq_method.len = i - msg->cseq_method.off;
    if (msg->cseq_method.len == 0 || i != vend) {
        return SIP_SCAN_BAD_HEADER;
    }
    msg->cseq_number = (uint32_t) num;
    return SIP_SCAN_OK;
}

static int
scan_number_header(const char *buf, uint32_t vstart, uint32_t vend, long *out,
                   int max_digits)
{
    uint32_t i = vstart;
    int64_t v;

    if (*out >= 0) {
        return SIP_SCAN_BAD_HEADER;    /* duplicate */
    }
    v = parse_uint(buf, &i, vend, max_digits);
    if (v < 0 || i != vend) {
        return SIP_SCAN_BAD_HEADER;
    }
    *out = (long) v;
    return SIP_SCAN_OK;
}

/* One header: name at [start, colon), value [vstart, vend) trimmed.
 * HEADER spans the whole header with its line ends. */
static int
scan_header(const char *buf, uint32_t start, uint32_t name_end, uint32_t vstart,
            uint32_t vend, struct sip_span header, struct sip_msg *msg)
{
    long n;
    int rc;
    bool tag;

    switch (header_kind(buf + start, name_end - start)) {
        case H_VIA:
            if (msg->via_header_count < SIP_MAX_VIA_HEADERS) {
                msg->via_headers[msg->via_header_count] = header;
            }
            msg->via_header_count++;
            return scan_via_header(buf, vstart, vend, header, msg);
        case H_CALL_ID:
            rc = scan_call_id(buf, vstart, vend, msg);
            msg->call_id_header = header;
            return rc;
        case H_CSEQ:
            rc = scan_cseq(buf, vstart, vend, msg);
            msg->cseq_header = header;
            return rc;
        case H_MAX_FORWARDS:
            n = msg->max_forwards;
            rc = scan_number_header(buf, vstart, vend, &n, 9);
            if (rc == SIP_SCAN_OK && n > 255) {
                rc = SIP_SCAN_BAD_HEADER;
            }
            msg->max_forwards = (int) n;
            msg->max_forwards_value = (struct sip_span) { vstart, vend - vstart };
            return rc;
        case H_CONTENT_LENGTH:
            return scan_number_header(buf, vstart, vend, &msg->content_length, 9);
        case H_TO:
            if (msg->to_header.len != 0 || vend == vstart) {
                return SIP_SCAN_BAD_HEADER;
            }
            msg->to_header = header;
            msg->to_value = (struct sip_span) { vstart, vend - vstart };
            msg->to_readable = readable_name_addr(buf, vstart, vend, &msg->to_tag);
            if (!msg->to_readable) {
                msg->to_tag = loose_tag(buf, vstart, vend);
            }
            return SIP_SCAN_OK;
        case H_FROM:
            if (msg->from_header.len != 0 || vend == vstart) {
                return SIP_SCAN_BAD_HEADER;
            }
            msg->from_header = header;
            msg->from_readable = readable_name_addr(buf, vstart, vend, &tag);
            return SIP_SCAN_OK;
        default:
            return SIP_SCAN_OK;
    }
}

/* End of the line starting at I: index of its CR or LF; LEN when none. */
static uint32_t
line_end(const char *buf, uint32_t i, uint32_t len)
{
    const char *p = memchr(buf + i, '\n', len - i);
    uint32_t e;

    if (p == NULL) {
        return len;
    }
    e = (uint32_t) (p - buf);
    if (e > i && buf[e - 1] == '\r') {
        e--;
    }
    return e;
}

/* Index of the next line after the line ending at E (past CRLF or LF). */
static uint32_t
next_line(const char *buf, uint32_t e, uint32_t len)
{
    if (e < len && buf[e] == '\r') {
        e++;
    }
    if (e < len && buf[e] == '\n') {
        e++;
    }
    return e;
}

static int
scan_request_line(const char *buf, uint32_t i, uint32_t e, struct sip_msg *msg)
{
    uint32_t colon;

    msg->is_request = true;
    msg->method.off = i;
    while (i < e && is_token(buf[i])) {
        i++;
    }
    msg->method.len = i - msg->method.off;
    if (msg->method.len == 0 || i >= e || buf[i] != ' ') {
        return SIP_SCAN_BAD_START;
    }
    msg->ruri.off = ++i;
    while (i < e && (unsigned char) buf[i] > ' ' && (unsigned char) buf[i] < 0x7f) {
        i++;
    }
    msg->ruri.len = i - msg->ruri.off;
    if (msg->ruri.len == 0 || i >= e || buf[i] != ' ') {
        return SIP_SCAN_BAD_START;
    }
    i++;
    if (e - i != 7 || strncmp(buf + i, "SIP/2.0", 7) != 0) {
        return SIP_SCAN_BAD_START;
    }
    /* any absoluteURI: a forwarder routes on the Call-ID, not on it */
    colon = absolute_uri(buf, msg->ruri.off, msg->ruri.off + msg->ruri.len);
    if (colon == 0) {
        return SIP_SCAN_BAD_START;
    }
    msg->ruri_strict = scheme_ok(buf, msg->ruri.off, colon, msg->ruri.off + msg->ruri.len);
    return SIP_SCAN_OK;
}

static int
scan_status_line(const char *buf, uint32_t i, uint32_t e, struct sip_msg *msg)
{
    msg->is_request = false;
    i += 8;                               /* "SIP/2.0 " checked by the caller */
    if (e - i < 3 || !is_digit(buf[i]) || !is_digit(buf[i + 1]) || !is_digit(buf[i + 2])) {
        return SIP_SCAN_BAD_START;
    }
    msg->status = (buf[i] - '0') * 100 + (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0');
    if (msg->status < 100 || msg->status > 699) {
        return SIP_SCAN_BAD_START;
    }
    i += 3;
    /* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase: the second
     * SP is there even when the reason is empty (libosip2 misreads the
     * first header otherwise) */
    if (i >= e || buf[i] != ' ') {
        return SIP_SCAN_BAD_START;
    }
    return SIP_SCAN_OK;
}

static int
scan_headers(const char *buf, uint32_t i, uint32_t len, struct sip_msg *msg)
{
    for (;;) {
        uint32_t start = i, e, name_end, vstart, vend;
        struct sip_span header;
        int rc;

        if (i >= len) {
            return SIP_SCAN_BAD_HEADER;   /* no empty line */
        }
        e = line_end(buf, i, len);
        if (e == i) {
            msg->headers_end = i;
            msg->body_off = next_line(buf, e, len);
            return SIP_SCAN_OK;
        }
        if (is_ws(buf[i])) {
            return SIP_SCAN_BAD_HEADER;   /* folding with nothing to fold */
        }
        while (i < e && is_token(buf[i])) {
            i++;
        }
        name_end = i;
        while (i < e && is_ws(buf[i])) {
            i++;                          /* HCOLON = *( SP / HTAB ) ":" */
        }
        if (name_end == start || i >= e || buf[i] != ':') {
            return SIP_SCAN_BAD_HEADER;
        }
        vstart = i + 1;
        /* take the folded continuation lines into the value */
        i = next_line(buf, e, len);
        while (i < len && is_ws(buf[i])) {
            uint32_t k = i;

            e = line_end(buf, i, len);
            while (k < e && is_ws(buf[k])) {
                k++;
            }
            if (k == e) {
                return SIP_SCAN_BAD_HEADER;   /* a folded line of blanks only */
            }
            i = next_line(buf, e, len);
        }
        vend = e;
        header = (struct sip_span) { start, i - start };
        vstart = skip_lws(buf, vstart, vend);
        while (vend > vstart && is_lws(buf[vend - 1])) {
            vend--;
        }
        rc = scan_header(buf, start, name_end, vstart, vend, header, msg);
        if (rc != SIP_SCAN_OK) {
            return rc;
        }
    }
}

/* Every line of the start line and headers (BUF[from, to)) ends the same
 * way, all CRLF or all LF, and no CR stands alone: a message that mixes
 * them is read differently by different parsers. */
static size_t
count_char(const char *p, const char *end, char c)
{
    size_t n = 0;

    while (p < end && (p = memchr(p, c, (size_t) (end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

static bool
line_ends_consistent(const char *buf, uint32_t from, uint32_t to)
{
    const char *start = buf + from, *end = buf + to;
    const char *p = memchr(start, '\n', (size_t) (end - start));
    bool crlf = p != NULL && p > start && p[-1] == '\r';
    size_t lf = 0;

    if (!crlf) {
        return memchr(start, '\r', (size_t) (end - start)) == NULL;
    }
    /* every LF preceded by a CR, and no other CR: as many CRs as LFs
     * (memchr: this runs over every byte of every message) */
    for (; p != NULL; p = memchr(p + 1, '\n', (size_t) (end - p - 1))) {
        if (p == start || p[-1] != '\r') {
            return false;
        }
        lf++;
        if (p + 1 >= end) {
            break;
        }
    }
    return count_char(start, end, '\r') == lf;
}

int
sip_scan(const char *buf, size_t len_in, struct sip_msg *msg)
{
    uint32_t i = 0, e, len;
    int rc;

    memset(msg, 0, sizeof(*msg));
    msg->max_forwards = -1;
    msg->content_length = -1;
    if (len_in >= MAX_MSG_LEN) {
        return SIP_SCAN_BAD_LENGTH;
    }
    len = (uint32_t) len_in;
    /* RFC 3261 7.5: CRLFs before the start line are ignored */
    while (i < len && (buf[i] == '\r' || buf[i] == '\n')) {
        i++;
    }
    if (i == len) {
        return SIP_SCAN_EMPTY;
    }
    e = line_end(buf, i, len);
    /* no NUL in the start line (a Reason-Phrase cannot hold one; C stacks
     * would read a shorter line) */
    if (memchr(buf + i, '\0', e - i) != NULL) {
        return SIP_SCAN_BAD_START;
    }
    if (e - i >= 8 && strncmp(buf + i, "SIP/2.0 ", 8) == 0) {
        rc = scan_status_line(buf, i, e, msg);
    } else {
        rc = scan_request_line(buf, i, e, msg);
    }
    if (rc != SIP_SCAN_OK) {
        return rc;
    }
    msg->first_header_off = next_line(buf, e, len);
    msg->lf_only = e < len && buf[e] == '\n';
    rc = scan_headers(buf, msg->first_header_off, len, msg);
    if (rc != SIP_SCAN_OK) {
        return rc;
    }
    /* a NUL in a header the scanner reads fails its character classes
     * (To and From: unreadable); elsewhere it is forwarded untouched */
    if (!line_ends_consistent(buf, i, msg->body_off)) {
        return SIP_SCAN_BAD_HEADER;
    }
    if (msg->via_count == 0 || msg->call_id.len == 0 || msg->cseq_header.len == 0
        || msg->from_header.len == 0 || msg->to_header.len == 0) {
        return SIP_SCAN_MISSING;
    }
    if (msg->content_length >= 0 && (uint64_t) msg->body_off + msg->content_length > len) {
        return SIP_SCAN_BAD_LENGTH;
    }
    if (msg->is_request
        && (msg->cseq_method.len != msg->method.len
            || memcmp(buf + msg->cseq_method.off, buf + msg->method.off, msg->method.len) != 0)) {
        return SIP_SCAN_BAD_HEADER;       /* CSeq method differs from the method */
    }
    return SIP_SCAN_OK;
}
