/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_forward_guard.c: unit tests of the forwarding core against abuse
 * and loops (issue 14): responses never relayed back to the dispatcher
 * or from anyone but a proxy, expiring branches, a keyed rendezvous hash,
 * 482 / Max-Forwards cap, the dispatcher's own addresses refused as
 * proxies, SipHash known answers, long branches hashed whole.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "forward.h"
#include "hash.h"
#include "mac.h"
#include "proxyset.h"
#include "sip_scan.h"
#include "util/sipha_log.h"
#include "via.h"

static struct disp_keys keys;
static struct proxyset ps;
static struct disp_stats stats;
static struct self_addrs self;
static struct fwd_ctx ctx;
static struct fwd_out out;
static struct fwd_in in;

static const char secret[] = "0123456789abcdef-shared-secret";

/* an arbitrary wall-clock time in the middle of an epoch */
#define T0 1800000300ULL

static void
setup(void)
{
    sipha_log_init("test-forward-guard", SIPHA_LOG_STDERR, LOG_CRIT);
    ck_assert_int_eq(disp_keys_derive(secret, sizeof(secret) - 1, &keys), 0);
    proxyset_init(&ps, 1u << PS_SRC_STATIC);
    memset(&stats, 0, sizeof(stats));
    self_addrs_init(&self);
    ps.self = &self;
    ctx = (struct fwd_ctx) { &keys, &ps, &stats, 7, &self, T0, affinity_new(),
                             reply_limit_new(&keys) };
    memset(&in, 0, sizeof(in));
    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.10:5070", 0, &in.src), 0);
    ck_assert_int_eq(sipha_sockaddr_parse("198.51.100.1:5060", 0, &in.local), 0);
}

static void
teardown(void)
{
    affinity_free(ctx.affinity);
    reply_limit_free(ctx.reply_limit);
}

static void
add_proxy(const char *addr)
{
    ck_assert_ptr_nonnull(proxyset_report(&ps, PS_SRC_STATIC, addr, NULL, 0, PS_UP));
    proxyset_update(&ps);
}

static enum fwd_action
process(const char *msg, size_t len)
{
    in.buf = msg;
    in.len = len;
    memset(&out, 0, sizeof(out));
    return fwd_process(&ctx, &in, &out);
}

static enum fwd_action
process_str(const char *msg)
{
    return process(msg, strlen(msg));
}

static const char *
out_str(void)
{
    out.buf[out.len] = '\0';
    return out.buf;
}

/* The dispatcher's branch in the request it just forwarded. */
static void
forwarded_branch(char branch[VIA_BRANCH_LEN + 1])
{
    const char *p = strstr(out_str(), "branch=z9hG4bKsd");

    ck_assert_ptr_nonnull(p);
    memcpy(branch, p + 7, VIA_BRANCH_LEN);
    branch[VIA_BRANCH_LEN] = '\0';
}

/* Have the dispatcher forward a request from SRC whose Via names SENT_BY
 * (no rport): its branch is then good for responses to SRC's address at
 * SENT_BY's port.  What a proxy, or anyone on the path to one, sees. */
static void
harvest(const char *src, const char *sent_by, int n, char branch[VIA_BRANCH_LEN + 1])
{
    char msg[1024];
    struct sockaddr_storage saved = in.src;

    snprintf(msg, sizeof(msg),
             "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP %s;branch=z9hG4bKharvest%d\r\n"
             "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"
             "From: <sip:eve@example.com>;tag=1\r\nCall-ID: harvest-%d\r\n"
             "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", sent_by, n, n);
    ck_assert_int_eq(sipha_sockaddr_parse(src, 0, &in.src), 0);
    ck_assert_int_eq(process_str(msg), FWD_SEND);
    forwarded_branch(branch);
    in.src = saved;
}

/* A 200 whose Via stack is VIAS (each "host:port;branch=..." line). */
static size_t
response(char *buf, size_t size, const char *vias)
{
    int n = snprintf(buf, size, "SIP/2.0 200 OK\r\n%s"
                     "To: <sip:bob@example.com>;tag=b\r\nFrom: <sip:eve@example.com>;tag=1\r\n"
                     "Call-ID: harvest-0\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", vias);

    ck_assert_int_lt(n, (int) size);
    return (size_t) n;
}

static char resp_buf[4096];

/* With one proxy: harvest a branch from a request spoofed from SRC, then
 * the proxy's 200 into MSG, with our Via (sent-by TOP) carrying it above
 * the Via NEXT ("host:port;params").  Returns its length. */
static size_t
harvested_response(const char *src, const char *top, const char *next)
{
    char branch[VIA_BRANCH_LEN + 1], vias[512];
    size_t len;

    add_proxy("10.0.0.1:5060");
    harvest(src, src, 0, branch);
    snprintf(vias, sizeof(vias), "Via: SIP/2.0/UDP %s;branch=%s\r\nVia: SIP/2.0/UDP %s\r\n",
             top, branch, next);
    len = response(resp_buf, sizeof(resp_buf), vias);
    in.src = ps.proxies[0].addr;
    return len;
}

/* ---- item 1: response loops ---- */

/* The reproduction of issue 14: one forged response whose Via stack names
 * the dispatcher itself 40 times was relayed 41 times. */
START_TEST(test_forged_self_via_stack_not_amplified)
{
    static char vias[40 * 128 + 256], msg[sizeof(vias) + 512], again[sizeof(msg)];
    char self_branch[VIA_BRANCH_LEN + 1], client_branch[VIA_BRANCH_LEN + 1];
    size_t used = 0, len;
    int relays = 0;

    add_proxy("10.0.0.1:5060");
    /* branches for "back to the dispatcher" (a request spoofed from its own
     * address) and for the victim client */
    harvest("198.51.100.1:5060", "198.51.100.1:5060", 0, self_branch);
    harvest("192.0.2.10:5070", "192.0.2.10:5070", 1, client_branch);
    for (int i = 0; i < 40; i++) {
        used += (size_t) snprintf(vias + used, sizeof(vias) - used,
                                  "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n",
                                  self_branch);
    }
    used += (size_t) snprintf(vias + used, sizeof(vias) - used,
                              "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n", client_branch);
    snprintf(vias + used, sizeof(vias) - used,
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKharvest1\r\n");
    len = response(msg, sizeof(msg), vias);
    /* it comes from the proxy; whatever the dispatcher sends to itself
     * arrives again from its own address */
    in.src = ps.proxies[0].addr;
    while (process(msg, len) == FWD_SEND) {
        relays++;
        if (!addr_equal(&out.dst, &in.local) || relays > 100) {
            break;
        }
        memcpy(again, out.buf, out.len);
        memcpy(msg, again, out.len);
        len = out.len;
        in.src = in.local;
    }
    ck_assert_msg(relays == 0, "relayed %d times", relays);
}
END_TEST

/* A harvested branch good for our own address: the relay is refused even
 * when the Via stack holds nothing else of ours. */
START_TEST(test_response_to_own_address_dropped)
{
    size_t len = harvested_response("198.51.100.1:5060", "198.51.100.1:5060",
                                     "198.51.100.1:5060;branch=z9hG4bKharvest0");

    ck_assert_int_eq(process(resp_buf, len), FWD_DROP);
    ck_assert_int_eq(stats.drop_loop, 1);
}
END_TEST

/* Another of our addresses (a SAP learned when a datagram arrived on
 * it) is refused too, when the response arrives on a second SAP. */
START_TEST(test_response_to_other_own_address_dropped)
{
    /* arrives on SAP 1 (learned), spoofed from SAP 1: a branch for SAP 1 */
    size_t len = harvested_response("198.51.100.1:5060", "198.51.100.2:5060",
                                     "198.51.100.1:5060;branch=z9hG4bKharvest0");

    ck_assert_int_eq(sipha_sockaddr_parse("198.51.100.2:5060", 0, &in.local), 0);
    ck_assert_int_eq(process(resp_buf, len), FWD_DROP);
    ck_assert_int_eq(stats.drop_loop, 1);
    ck_assert_int_eq(stats.fwd_responses, 0);
}
END_TEST

/* An honest response for the client, but sent by someone who is not a
 * proxy of the set. */
START_TEST(test_response_from_non_proxy_dropped)
{
    size_t len = harvested_response("192.0.2.10:5070", "198.51.100.1:5060",
                                     "192.0.2.10:5070;branch=z9hG4bKharvest0");

    ck_assert_int_eq(sipha_sockaddr_parse("203.0.113.66:5060", 0, &in.src), 0);
    ck_assert_int_eq(process(resp_buf, len), FWD_DROP);
    ck_assert_int_eq(stats.drop_not_proxy, 1);
    /* the same from the proxy is relayed to the client */
    in.src = ps.proxies[0].addr;
    ck_assert_int_eq(process(resp_buf, len), FWD_SEND);
    ck_assert_int_eq(stats.fwd_responses, 1);
}
END_TEST

/* Our Via under ours: relaying would hand it to a dispatcher again. */
START_TEST(test_response_next_via_ours_dropped)
{
    char next[128];
    size_t len;

    snprintf(next, sizeof(next), "192.0.2.10:5070;branch=%s", VIA_BRANCH_PREFIX
             "0123456789abcdef0123456789abcdef");
    len = harvested_response("192.0.2.10:5070", "198.51.100.1:5060", next);
    ck_assert_int_eq(process(resp_buf, len), FWD_DROP);
    ck_assert_int_eq(stats.drop_loop, 1);
}
END_TEST

/* Branches expire: good in the epoch they were made in and the next one
 * (a transaction across the change), not two epochs later. */
START_TEST(test_branch_epoch)
{
    uint64_t end_of_epoch = (T0 / VIA_EPOCH_S + 1) * VIA_EPOCH_S - 1;
    size_t len;

    ctx.now_s = end_of_epoch;
    len = harvested_response("192.0.2.10:5070", "198.51.100.1:5060",
                             "192.0.2.10:5070;branch=z9hG4bKharvest0");
    /* 2 s later, in the next epoch: relayed */
    ctx.now_s = end_of_epoch + 2;
    ck_assert_int_eq(process(resp_buf, len), FWD_SEND);
    /* a node whose clock is a little behind (previous epoch) relays too */
    ctx.now_s = end_of_epoch - 5;
    ck_assert_int_eq(process(resp_buf, len), FWD_SEND);
    /* one epoch and more later: expired */
    ctx.now_s = end_of_epoch + 1 + VIA_EPOCH_S + 1;
    ck_assert_int_eq(process(resp_buf, len), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 1);
}
END_TEST

/* The Call-ID hash is keyed by the secret: another secret, another
 * mapping (with a public key anyone could aim a flood at one proxy). */
START_TEST(test_rendezvous_keyed_by_secret)
{
    enum { CALLS = 200 };
    struct disp_keys other;
    struct sockaddr_storage first[CALLS];
    char msg[1024];
    int differ = 0;

    add_proxy("10.0.0.1:5060");
    add_proxy("10.0.0.2:5060");
    add_proxy("10.0.0.3:5060");
    add_proxy("10.0.0.4:5060");
    ck_assert_int_eq(disp_keys_derive("another secret of 16+ bytes", 27, &other), 0);
    for (int pass = 0; pass < 2; pass++) {
        ctx.keys = pass == 0 ? &keys : &other;
        for (int i = 0; i < CALLS; i++) {
            snprintf(msg, sizeof(msg),
                     "INVITE sip:bob@example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKk%d\r\n"
                     "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
                     "Call-ID: keyed-%d\r\nCSeq: 1 INVITE\r\n\r\n", i, i);
            ck_assert_int_eq(process_str(msg), FWD_SEND);
            if (pass == 0) {
                first[i] = out.dst;
            } else {
                differ += addr_equal(&first[i], &out.dst) ? 0 : 1;
            }
        }
    }
    /* 3 in 4 move by chance; far fewer only if the key does not matter */
    ck_assert_msg(differ > CALLS / 2, "%d of %d moved", differ, CALLS);
}
END_TEST

/* ---- item 2: loops and hops ---- */

START_TEST(test_request_loop_482)
{
    char b1[VIA_BRANCH_LEN + 1], msg[2048];
    const char *o;

    add_proxy("10.0.0.1:5060");
    harvest("192.0.2.10:5070", "192.0.2.10:5070", 0, b1);
    /* back through us twice: top two Vias ours */
    snprintf(msg, sizeof(msg),
             "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=%s\r\n"
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKharvest0\r\n"
             "Max-Forwards: 60\r\nTo: <sip:bob@example.com>\r\n"
             "From: <sip:eve@example.com>;tag=1\r\nCall-ID: loop-1\r\n"
             "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", b1, b1);
    ck_assert_int_eq(process_str(msg), FWD_SEND);
    o = out_str();
    ck_assert_msg(strncmp(o, "SIP/2.0 482 Loop Detected\r\n", 27) == 0, "%s", o);
    ck_assert_ptr_null(out.proxy);
    ck_assert_int_eq(stats.fwd_requests, 1);        /* the harvest only */
}
END_TEST

START_TEST(test_max_forwards_capped)
{
    add_proxy("10.0.0.1:5060");
    ck_assert_int_eq(process_str(
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKmf\r\n"
        "Max-Forwards: 255\r\nTo: <sip:bob@example.com>\r\n"
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: mf255\r\n"
        "CSeq: 1 INVITE\r\n\r\n"), FWD_SEND);
    ck_assert_msg(strstr(out_str(), "\r\nMax-Forwards: 69\r\n") != NULL, "%s", out_str());
    ck_assert_int_eq(process_str(
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKmf2\r\n"
        "Max-Forwards: 12\r\nTo: <sip:bob@example.com>\r\n"
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: mf12\r\n"
        "CSeq: 1 INVITE\r\n\r\n"), FWD_SEND);
    ck_assert_ptr_nonnull(strstr(out_str(), "\r\nMax-Forwards: 11\r\n"));
}
END_TEST

/* A proxy at the dispatcher's own address is never sent to. */
START_TEST(test_own_address_as_proxy_not_used)
{
    add_proxy("198.51.100.1:5060");
    ck_assert_int_eq(process_str(
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKself\r\n"
        "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n"
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: self-1\r\n"
        "CSeq: 1 INVITE\r\n\r\n"), FWD_SEND);
    ck_assert_ptr_null(out.proxy);
    ck_assert(!addr_equal(&out.dst, &in.local));
    ck_assert_int_eq(stats.fwd_requests, 0);
}
END_TEST

/* The control side refuses listen addresses (and what the wildcard
 * stands for) as proxies, and says so in the table. */
START_TEST(test_listen_addresses_refused_as_proxies)
{
    struct sockaddr_storage a;
    GString *table = g_string_new(NULL);

    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.50:5060", 0, &a), 0);
    ck_assert_int_eq(self_addrs_add_listen(&self, &a), 0);
    ck_assert_int_eq(sipha_sockaddr_parse("0.0.0.0:5080", 0, &a), 0);
    ck_assert_int_eq(self_addrs_add_listen(&self, &a), 0);
    add_proxy("192.0.2.50:5060");
    add_proxy("127.0.0.1:5080");
    add_proxy("127.0.0.1:5081");          /* another port: a real proxy */
    add_proxy("192.0.2.50:5061");
    ck_assert(ps.proxies[0].is_self && !ps.proxies[0].in_use);
    ck_assert(ps.proxies[1].is_self && !ps.proxies[1].in_use);
    ck_assert(!ps.proxies[2].is_self && ps.proxies[2].in_use);
    ck_assert(!ps.proxies[3].is_self && ps.proxies[3].in_use);
    ck_assert_int_eq(ps.active_count, 2);
    proxyset_dump(&ps, NULL, table);
    ck_assert_ptr_nonnull(strstr(table->str, " self\n"));
    g_string_free(table, TRUE);
}
END_TEST

/* ---- item 9: interop ---- */

/* Forwarded untouched but for our Via and Max-Forwards; returns the
 * forwarded text. */
static const char *
forwarded_intact(const char *request)
{
    const char *o;

    ck_assert_msg(process_str(request) == FWD_SEND, "dropped: %s", request);
    ck_assert_ptr_nonnull(out.proxy);
    o = out_str();
    /* the start line unchanged, our Via right after it */
    ck_assert_msg(strncmp(o, request, (size_t) (strstr(request, "\r\n") - request)) == 0,
                  "%s", o);
    ck_assert_ptr_nonnull(strstr(o, "\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKsd"));
    return o;
}

START_TEST(test_any_absolute_uri_forwarded)
{
    static const char *const ruri[] = {
        "urn:service:sos", "urn:service:sos.fire", "tel:+1-201-555-0123;phone-context=a.example",
        "nobodyKnowsThisScheme:totallyopaquecontent", "soap.beep://192.0.2.103:3002",
        "im:alice@example.com", "sip:a", "sip:user:@example.com",
    };
    char msg[1024];

    add_proxy("10.0.0.1:5060");
    for (size_t i = 0; i < sizeof(ruri) / sizeof(ruri[0]); i++) {
        snprintf(msg, sizeof(msg), "INVITE %s SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKu%zu\r\n"
                 "Max-Forwards: 70\r\nTo: <%s>\r\n"
                 "From: <sip:caller@example.com>;tag=1\r\nCall-ID: uri-%zu\r\n"
                 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", ruri[i], i, ruri[i], i);
        forwarded_intact(msg);
    }
}
END_TEST

START_TEST(test_token_method_and_unknown_to_from)
{
    const char *o;

    add_proxy("10.0.0.1:5060");
    /* RFC 4475 intmeth's method, unksm2's To and From */
    o = forwarded_intact(
        "!interesting-Method0123456789_*+`.%indeed'~ sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKm1\r\n"
        "Max-Forwards: 70\r\nTo: isbn:2983792873\r\n"
        "From: <http://www.example.com>;tag=3234233\r\nCall-ID: m1\r\n"
        "CSeq: 1 !interesting-Method0123456789_*+`.%indeed'~\r\n\r\n");
    ck_assert_ptr_nonnull(strstr(o, "\r\nTo: isbn:2983792873\r\n"));
    /* a display name with a NUL (intmeth's To): forwarded, and its tag
     * still read for routing */
    static const char nul_to[] =
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKm2\r\n"
        "Max-Forwards: 70\r\nTo: \"NUL:\\\0\" <sip:bob@example.com>;tag=x\r\n"
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: m2\r\nCSeq: 1 INVITE\r\n\r\n";
    struct sip_msg m;

    ck_assert_int_eq(process(nul_to, sizeof(nul_to) - 1), FWD_SEND);
    ck_assert_ptr_nonnull(out.proxy);
    ck_assert_int_eq(sip_scan(nul_to, sizeof(nul_to) - 1, &m), SIP_SCAN_OK);
    ck_assert(m.to_tag && !m.to_readable);
}
END_TEST

/* A new call I from the client at SENT_BY (in.src): the family of the
 * proxy it went to. */
static int
call_family(const char *sent_by, int i)
{
    char msg[1024];

    snprintf(msg, sizeof(msg), "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP %s:5070;branch=z9hG4bKf%d\r\n"
             "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
             "Call-ID: fam-%d\r\nCSeq: 1 INVITE\r\n\r\n", sent_by, i, i);
    ck_assert_int_eq(process_str(msg), FWD_SEND);
    return out.proxy != NULL ? out.dst.ss_family : AF_UNSPEC;
}

/* A mixed IPv4/IPv6 set: each request goes to a proxy of its family
 * (it leaves from its arrival address), never dropped for the family. */
START_TEST(test_mixed_family_set)
{
    add_proxy("10.0.0.1:5060");
    add_proxy("[2001:db8::1]:5060");
    add_proxy("[2001:db8::2]:5060");
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(call_family("192.0.2.10", i), AF_INET);
    }
    /* over IPv6, only the IPv6 proxies */
    ck_assert_int_eq(sipha_sockaddr_parse("[2001:db8::99]:5070", 0, &in.src), 0);
    ck_assert_int_eq(sipha_sockaddr_parse("[2001:db8::10]:5060", 0, &in.local), 0);
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(call_family("[2001:db8::99]", i), AF_INET6);
    }
    ck_assert_int_eq(stats.drop_family, 0);
    /* no IPv6 proxy at all: 503, not a silent drop */
    proxyset_report(&ps, PS_SRC_STATIC, "[2001:db8::1]:5060", NULL, 0, PS_DOWN);
    proxyset_report(&ps, PS_SRC_STATIC, "[2001:db8::2]:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert_int_eq(call_family("[2001:db8::99]", 0), AF_UNSPEC);
    ck_assert_int_eq(stats.reply_503, 1);
}
END_TEST

/* ---- item 4: drain ---- */

/* METHOD of call CALL_ID's INVITE transaction (To tag TO_TAG or none):
 * what the dispatcher did. */
static enum fwd_action
txn_request_tagged(const char *method, const char *call_id, const char *to_tag)
{
    char msg[1024];

    snprintf(msg, sizeof(msg), "%s sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-%s\r\n"
             "Max-Forwards: 70\r\nTo: <sip:bob@example.com>%s%s\r\n"
             "From: <sip:a@example.com>;tag=1\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n\r\n",
             method, call_id, to_tag != NULL ? ";tag=" : "", to_tag != NULL ? to_tag : "",
             call_id, method);
    return process_str(msg);
}

static enum fwd_action
txn_request_action(const char *method, const char *call_id)
{
    return txn_request_tagged(method, call_id, NULL);
}

/* The same, forwarded: the proxy it went to. */
static const struct proxy *
txn_request(const char *method, const char *call_id, const char *to_tag)
{
    ck_assert_int_eq(txn_request_tagged(method, call_id, to_tag), FWD_SEND);
    ck_assert_ptr_nonnull(out.proxy);
    return out.proxy;
}

/* The INVITE went to P before P started draining: its CANCEL, its
 * retransmission and the ACK of its error response still go to P. */
START_TEST(test_cancel_ack_follow_invite_into_drain)
{
    const struct proxy *p;

    add_proxy("10.0.0.1:5060");
    add_proxy("10.0.0.2:5060");
    add_proxy("10.0.0.3:5060");
    p = txn_request("INVITE", "drain-1", NULL);
    ck_assert_ptr_nonnull(proxyset_drain(&ps, p->key, true));
    proxyset_update(&ps);
    ck_assert(p->draining);
    ck_assert_ptr_eq(txn_request("CANCEL", "drain-1", NULL), p);
    ck_assert_ptr_eq(txn_request("INVITE", "drain-1", NULL), p);
    ck_assert_ptr_eq(txn_request("ACK", "drain-1", "b7"), p);
}
END_TEST

/* The INVITE arrived while the proxy its Call-ID hashes to was draining
 * (so it went to another one, Q): its ACK (To tag: "in a dialog") goes
 * to Q, not to the draining proxy; and when that proxy returns, the
 * CANCEL and retransmissions still go to Q. */
START_TEST(test_cancel_ack_stay_when_proxy_returns)
{
    const struct proxy *drained = NULL, *q;
    char call_id[32];

    add_proxy("10.0.0.1:5060");
    add_proxy("10.0.0.2:5060");
    add_proxy("10.0.0.3:5060");
    ck_assert_ptr_nonnull(proxyset_drain(&ps, "10.0.0.1:5060", true));
    proxyset_update(&ps);
    /* a Call-ID whose rendezvous winner is the draining proxy */
    for (int i = 0; drained == NULL; i++) {
        const struct proxy *best;

        snprintf(call_id, sizeof(call_id), "ret-%d", i);
        best = proxyset_pick(&ps, hrw_call_hash(&keys, call_id, strlen(call_id)), false);
        drained = best->draining ? best : NULL;
    }
    q = txn_request("INVITE", call_id, NULL);
    ck_assert_ptr_ne(q, drained);
    ck_assert_ptr_eq(txn_request("ACK", call_id, "e1"), q);
    ck_assert_ptr_nonnull(proxyset_drain(&ps, "10.0.0.1:5060", false));
    proxyset_update(&ps);
    ck_assert_ptr_eq(txn_request("CANCEL", call_id, NULL), q);
    ck_assert_ptr_eq(txn_request("INVITE", call_id, NULL), q);
    ck_assert_ptr_eq(txn_request("ACK", call_id, "e1"), q);
}
END_TEST

/* ---- item 8: reflection ---- */

static enum fwd_action
options_ping(int i)
{
    char msg[512];

    snprintf(msg, sizeof(msg), "OPTIONS sip:198.51.100.1:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKp%d\r\n"
             "Max-Forwards: 70\r\nTo: <sip:198.51.100.1>\r\n"
             "From: <sip:mon@192.0.2.10>;tag=9\r\nCall-ID: p%d\r\nCSeq: 1 OPTIONS\r\n\r\n",
             i, i);
    return process_str(msg);
}

/* Our own replies to one source address are limited per second (a forged
 * source makes them a reflector); others, and forwarding, are not. */
START_TEST(test_replies_rate_limited_per_source)
{
    int sent = 0;

    for (int i = 0; i < 1000; i++) {
        sent += options_ping(i) == FWD_SEND;
    }
    ck_assert_int_eq(sent, REPLY_LIMIT_PER_S);
    ck_assert_int_eq(stats.drop_rate_limited, 1000 - REPLY_LIMIT_PER_S);
    /* another port of the same address shares the budget */
    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.10:5071", 0, &in.src), 0);
    ck_assert_int_eq(options_ping(1000), FWD_DROP);
    /* another source is answered */
    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.77:5070", 0, &in.src), 0);
    ck_assert_int_eq(options_ping(1001), FWD_SEND);
    /* 503s too (no proxy) */
    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.10:5070", 0, &in.src), 0);
    ck_assert_int_eq(txn_request_action("INVITE", "no-proxy"), FWD_DROP);
    /* the next second, answered again */
    ctx.now_s++;
    ck_assert_int_eq(options_ping(1002), FWD_SEND);
}
END_TEST

/* ---- item 11 ---- */

/* SipHash-2-4 known answers: the paper's (Aumasson and Bernstein, appendix
 * A: key 00..0f, message 00..0e) and vectors 0, 1, 8 and 63 of the
 * reference implementation's vectors.h (message 00..n-1). */
START_TEST(test_siphash_known_answers)
{
    static const struct {
        size_t len;
        uint64_t want;
    } kat[] = {
        { 15, 0xa129ca6149be45e5ULL },
        { 0, 0x726fdb47dd0e0e31ULL },
        { 1, 0x74f839c593dc67fdULL },
        { 8, 0x93f5f5799a932462ULL },
        { 63, 0x958a324ceb064572ULL },
    };
    struct disp_key key = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
    uint8_t msg[64];

    for (int i = 0; i < 64; i++) {
        msg[i] = (uint8_t) i;
    }
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
        ck_assert_msg(siphash24(msg, kat[i].len, &key) == kat[i].want, "length %zu: %016llx",
                      kat[i].len, (unsigned long long) siphash24(msg, kat[i].len, &key));
    }
}
END_TEST

/* Fed in pieces of every size, the same hash. */
START_TEST(test_siphash_incremental)
{
    struct disp_key key = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
    uint8_t msg[64];

    for (int i = 0; i < 64; i++) {
        msg[i] = (uint8_t) (i * 7 + 3);
    }
    for (size_t len = 0; len <= 64; len++) {
        for (size_t cut = 0; cut <= len; cut++) {
            struct siphash_state st;

            siphash24_init(&st, &key);
            siphash24_update(&st, msg, cut);
            siphash24_update(&st, msg + cut, len - cut);
            ck_assert(siphash24_final(&st) == siphash24(msg, len, &key));
        }
    }
}
END_TEST

/* Two transactions whose client branches differ only after 2 KiB get
 * different branches (a 2 KiB scratch buffer used to cut them). */
START_TEST(test_long_branches_hashed_whole)
{
    static char branch[3001], msg[4096];
    char b1[VIA_BRANCH_LEN + 1], b2[VIA_BRANCH_LEN + 1];

    add_proxy("10.0.0.1:5060");
    memset(branch, 'a', sizeof(branch) - 1);
    for (int pass = 0; pass < 2; pass++) {
        branch[2900] = pass == 0 ? 'x' : 'y';
        snprintf(msg, sizeof(msg),
                 "INVITE sip:bob@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK%s\r\n"
                 "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
                 "Call-ID: long\r\nCSeq: 1 INVITE\r\n\r\n", branch);
        ck_assert_int_eq(process_str(msg), FWD_SEND);
        forwarded_branch(pass == 0 ? b1 : b2);
    }
    ck_assert_str_ne(b1, b2);
}
END_TEST

/* CSeq numbers are below 2^31 (RFC 3261 8.1.1.5); larger ones, and ones
 * that would overflow a 32-bit long, are refused, never wrapped. */
START_TEST(test_cseq_range)
{
    static const char *const cseq[] = { "2147483648", "4294967297", "99999999999",
                                        "18446744073709551617" };
    char msg[512];
    struct sip_msg m;

    for (size_t i = 0; i < sizeof(cseq) / sizeof(cseq[0]); i++) {
        snprintf(msg, sizeof(msg), "INVITE sip:bob@example.com SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKc\r\n"
                 "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
                 "Call-ID: c\r\nCSeq: %s INVITE\r\n\r\n", cseq[i]);
        ck_assert_msg(sip_scan(msg, strlen(msg), &m) != SIP_SCAN_OK, "%s", cseq[i]);
    }
    snprintf(msg, sizeof(msg), "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKc\r\n"
             "To: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\n"
             "Call-ID: c\r\nCSeq: 2147483647 INVITE\r\n\r\n");
    ck_assert_int_eq(sip_scan(msg, strlen(msg), &m), SIP_SCAN_OK);
    ck_assert_uint_eq(m.cseq_number, 2147483647u);
}
END_TEST

/* One test case of TESTS (NULL-terminated), each with the fixture. */
static void
add_case(Suite *s, const char *name, const TTest *const *tests)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup, teardown);
    /* Check's 4 s default is wall-clock: a loaded machine is not a failure */
    tcase_set_timeout(tc, 300);
    for (; *tests != NULL; tests++) {
        tcase_add_test(tc, *tests);
    }
    suite_add_tcase(s, tc);
}

static Suite *
guard_suite(void)
{
    Suite *s = suite_create("forward-guard");
    const TTest *loops[] = {
        test_forged_self_via_stack_not_amplified, test_response_to_own_address_dropped,
        test_response_to_other_own_address_dropped, test_response_from_non_proxy_dropped,
        test_response_next_via_ours_dropped, test_branch_epoch, test_rendezvous_keyed_by_secret,
        NULL,
    };
    const TTest *hops[] = {
        test_request_loop_482, test_max_forwards_capped, test_own_address_as_proxy_not_used,
        test_listen_addresses_refused_as_proxies, NULL,
    };
    const TTest *interop[] = {
        test_any_absolute_uri_forwarded, test_token_method_and_unknown_to_from,
        test_mixed_family_set, NULL,
    };
    const TTest *drain[] = {
        test_cancel_ack_follow_invite_into_drain, test_cancel_ack_stay_when_proxy_returns, NULL,
    };
    const TTest *reflection[] = { test_replies_rate_limited_per_source, NULL };
    const TTest *small[] = {
        test_siphash_known_answers, test_siphash_incremental, test_long_branches_hashed_whole,
        test_cseq_range, NULL,
    };

    add_case(s, "loops", loops);
    add_case(s, "hops", hops);
    add_case(s, "interop", interop);
    add_case(s, "drain", drain);
    add_case(s, "reflection", reflection);
    add_case(s, "small", small);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(guard_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
