/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_dispatcher_scan.c: differential fuzz target, the dispatcher's
 * minimal scanner against libosip2.
 *
 * The rule: whatever the scanner accepts, libosip2 accepts too and reads
 * the same start line, Call-ID, CSeq, Max-Forwards and top Via (host, port,
 * branch).  The scanner may reject more (it drops what it cannot read
 * exactly); it must never accept a message and read it differently.
 * libosip2 parses every header it knows (Contact, Route, Content-Type...)
 * and rejects the whole message for one it dislikes; a stateless forwarder
 * passes those through untouched, so the comparison is made on the message
 * reduced to the start line, the headers the scanner reads (Via, Call-ID,
 * CSeq, Max-Forwards, Content-Length, To, From) and the body.  libosip2
 * 5.3 also refuses a horizontal tab in some linear white space that RFC 3261
 * allows (LWS = [*WSP CRLF] 1*WSP, WSP = SP / HTAB), e.g. between a quoted
 * display name and "<sip:...>": the oracle gets the reduced message with
 * every HTAB of the headers turned into SP.  The fields compared are taken
 * from the scanner's reading of the reduced message as it is, so a tab the
 * scanner read into a Call-ID, a CSeq or a Via would still disagree.  Then
 * the whole forwarding path runs on the input, and whatever it sends must
 * scan again.  The scanner accepts any absoluteURI as Request-URI and
 * forwards a request whose To or From it cannot read exactly (issue 14:
 * urn:service:sos, unknown schemes, RFC 4475's intmeth and unksm2); it
 * says so (ruri_strict, to_readable, from_readable), and the oracle then
 * gets a canonical sip: Request-URI, or no such To or From, since it is
 * the fields a forwarder reads that must agree.  A disagreement aborts (libFuzzer reports it with the input).
 *
 * Build: ./configure CC=clang --enable-fuzzers; run:
 *   tests/fuzz/fuzz_dispatcher_scan tests/fuzz/corpus/dispatcher
 * Without libFuzzer, tests/unit/test-dispatcher-corpus replays the corpus.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>

#include "addr.h"
#include "forward.h"
#include "sip_scan.h"
#include "util/sipha_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
disagree(const char *what)
{
    fprintf(stderr, "scanner and libosip2 disagree: %s\n", what);
    abort();
}

static bool
span_is(const char *buf, struct sip_span s, const char *text)
{
    return text != NULL && s.len == strlen(text) && memcmp(buf + s.off, text, s.len) == 0;
}

static bool
span_is_ci(const char *buf, struct sip_span s, const char *text)
{
    return text != NULL && s.len == strlen(text) && strncasecmp(buf + s.off, text, s.len) == 0;
}

static void
compare_via(const char *buf, const struct sip_msg *msg, osip_message_t *om)
{
    osip_via_t *via = NULL;
    osip_generic_param_t *branch = NULL;
    int port;

    if (osip_message_get_via(om, 0, &via) < 0 || via == NULL) {
        disagree("top Via");
    }
    if (!span_is_ci(buf, msg->via[0].host, via->host)) {
        disagree("Via host");
    }
    port = via->port != NULL ? atoi(via->port) : 0;
    if (port != msg->via[0].port) {
        disagree("Via port");
    }
    if (!span_is_ci(buf, msg->via[0].transport, via->protocol)) {
        disagree("Via transport");
    }
    osip_via_param_get_byname(via, "branch", &branch);
    if ((branch != NULL && branch->gvalue != NULL) != (msg->via[0].branch.len > 0)) {
        disagree("Via branch present");
    }
    if (branch != NULL && branch->gvalue != NULL && !span_is(buf, msg->via[0].branch, branch->gvalue)) {
        disagree("Via branch");
    }
}

static void
compare(const char *buf, const struct sip_msg *msg, osip_message_t *om)
{
    osip_call_id_t *cid = osip_message_get_call_id(om);
    osip_cseq_t *cseq = osip_message_get_cseq(om);
    osip_header_t *mf = NULL;
    char callid[4096];

    if (msg->is_request != (MSG_IS_REQUEST(om) != 0)) {
        disagree("request or response");
    }
    if (msg->is_request && !span_is(buf, msg->method, om->sip_method)) {
        disagree("method");
    }
    if (!msg->is_request && msg->status != om->status_code) {
        disagree("status code");
    }
    if (cid == NULL || cid->number == NULL) {
        disagree("Call-ID missing");
    }
    snprintf(callid, sizeof(callid), "%s%s%s", cid->number, cid->host ? "@" : "",
             cid->host ? cid->host : "");
    if (!span_is(buf, msg->call_id, callid)) {
        disagree("Call-ID");
    }
    if (cseq == NULL || cseq->number == NULL || (uint32_t) strtoul(cseq->number, NULL, 10) != msg->cseq_number
        || !span_is(buf, msg->cseq_method, cseq->method)) {
        disagree("CSeq");
    }
    osip_message_get_max_forwards(om, 0, &mf);
    if ((mf != NULL) != (msg->max_forwards >= 0)) {
        disagree("Max-Forwards present");
    }
    if (mf != NULL && mf->hvalue != NULL && atoi(mf->hvalue) != msg->max_forwards) {
        disagree("Max-Forwards");
    }
    compare_via(buf, msg, om);
}

/* The forwarding path on the same input: no crash, and what it sends scans. */
static void
forward_it(const char *buf, size_t len)
{
    static struct disp_keys keys;
    static struct proxyset ps;
    static struct disp_stats stats;
    static struct fwd_out out;
    static bool ready;
    struct fwd_ctx ctx = { .keys = &keys, .proxies = &ps, .stats = &stats, .retry_after_s = 5 };
    struct fwd_in in = { buf, len, { 0 }, { 0 } };
    struct sip_msg again;

    if (!ready) {
        disp_keys_derive("fuzzing secret, 16+ bytes", 25, &keys);
        proxyset_init(&ps, 1u << PS_SRC_STATIC);
        proxyset_report(&ps, PS_SRC_STATIC, "127.0.0.1:22091", "a", 0, PS_UP);
        proxyset_report(&ps, PS_SRC_STATIC, "127.0.0.1:22092", "b", 0, PS_UP);
        proxyset_update(&ps);
        ready = true;
    }
    /* from a proxy of the set: responses go the whole way */
    sipha_sockaddr_parse("127.0.0.1:22091", 0, &in.src);
    sipha_sockaddr_parse("127.0.0.1:5060", 0, &in.local);
    if (fwd_process(&ctx, &in, &out) == FWD_SEND
        && sip_scan(out.buf, out.len, &again) != SIP_SCAN_OK) {
        disagree("the dispatcher sent what it cannot scan");
    }
}

/* Is the header line starting at P (N bytes) one the scanner reads? */
static bool
read_by_scanner(const char *p, size_t n)
{
    static const char *const names[] = {
        "via", "v", "call-id", "i", "cseq", "max-forwards", "content-length", "l", "to", "t",
        "from", "f", NULL,
    };
    size_t len = 0;

    while (len < n && p[len] != ':' && p[len] != ' ' && p[len] != '\t') {
        len++;
    }
    for (const char *const *name = names; *name != NULL; name++) {
        if (strlen(*name) == len && strncasecmp(p, *name, len) == 0) {
            return true;
        }
    }
    return false;
}

/* The oracle's copy of the reduced message: HTAB as SP in the headers. */
static char *
tabs_to_spaces(const char *reduced, size_t len)
{
    char *oracle = malloc(len + 1);
    const char *body = strstr(reduced, "\r\n\r\n");
    size_t headers_len = body != NULL ? (size_t) (body - reduced) : len;

    memcpy(oracle, reduced, len + 1);
    for (size_t i = 0; i < headers_len; i++) {
        if (oracle[i] == '\t') {
            oracle[i] = ' ';
        }
    }
    return oracle;
}

/* BUF reduced to its start line, the headers the scanner reads (with their
 * folded lines) and the body.  Splits lines on LF on its own, independent
 * of the scanner.  Returns a malloc'ed copy, *OUT_LEN its length. */
static char *
reduce(const char *buf, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    size_t o = 0, i = 0;
    bool keep = true, first = true;

    while (i < len && (buf[i] == '\r' || buf[i] == '\n')) {
        i++;                                     /* RFC 3261 7.5 */
    }
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t) (nl - buf) + 1 : len;
        size_t content = end - i - (nl != NULL ? 1 : 0);

        if (content > 0 && buf[i + content - 1] == '\r') {
            content--;
        }
        if (!first && content == 0) {
            memcpy(out + o, buf + i, len - i);     /* empty line and body */
            o += len - i;
            break;
        }
        if (first) {
            keep = true;
        } else if (buf[i] != ' ' && buf[i] != '\t') {
            keep = read_by_scanner(buf + i, content);
        }
        if (keep) {
            memcpy(out + o, buf + i, end - i);
            o += end - i;
        }
        first = false;
        i = end;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The oracle's copy of the reduced message MSG was read from (same
 * offsets) without what the scanner reads loosely: a Request-URI outside
 * the strict rules becomes a canonical sip: one, an unreadable To or From
 * goes.  Returns a malloc'ed copy, *LEN updated. */
static char *
without_unread(const char *oracle, size_t *len, const struct sip_msg *msg)
{
    static const char canonical[] = "sip:x@example.com";
    char *out = malloc(*len + sizeof(canonical));
    size_t o = 0;

    for (size_t i = 0; i < *len;) {
        const struct sip_span *skip = NULL;

        if (!msg->to_readable && i == msg->to_header.off) {
            skip = &msg->to_header;
        } else if (!msg->from_readable && i == msg->from_header.off) {
            skip = &msg->from_header;
        } else if (msg->is_request && !msg->ruri_strict && i == msg->ruri.off) {
            memcpy(out + o, canonical, sizeof(canonical) - 1);
            o += sizeof(canonical) - 1;
            skip = &msg->ruri;
        }
        if (skip != NULL) {
            i += skip->len;
            continue;
        }
        out[o++] = oracle[i++];
    }
    out[o] = '\0';
    *len = o;
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool osip_ready;
    struct sip_msg msg;
    char *buf;
    int rc;

    if (size > 65535) {
        return 0;
    }
    if (!osip_ready) {
        parser_init();
        /* libosip2 reports every parse error on stderr: quiet */
        for (int level = 0; level < END_TRACE_LEVEL; level++) {
            osip_trace_disable_level((osip_trace_level_t) level);
        }
        sipha_log_init("fuzz-dispatcher", SIPHA_LOG_STDERR, LOG_WARNING);
        osip_ready = true;
    }
    buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    rc = sip_scan(buf, size, &msg);
    if (rc == SIP_SCAN_OK) {
        osip_message_t *om = NULL;
        size_t rlen;
        char *reduced = reduce(buf, size, &rlen);
        struct sip_msg rmsg;

        if (sip_scan(reduced, rlen, &rmsg) != SIP_SCAN_OK) {
            disagree("the scanner rejects the reduced message");
        }
        char *tabbed = tabs_to_spaces(reduced, rlen);
        size_t olen = rlen;
        char *oracle = without_unread(tabbed, &olen, &rmsg);

        free(tabbed);
        osip_message_init(&om);
        if (osip_message_parse(om, oracle, olen) != 0) {
            disagree("scanner accepted what libosip2 rejects");
        }
        compare(reduced, &rmsg, om);
        osip_message_free(om);
        free(oracle);
        free(reduced);
    }
    forward_it(buf, size);
    free(buf);
    return 0;
}
