/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_dispatcher.c: unit tests of the dispatcher's forwarding core:
 * rendezvous hashing, Via branch and MAC, Max-Forwards, request and
 * response rules, drain, the sources' rules, the probe verdicts, the
 * scanner.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "forward.h"
#include "hash.h"
#include "probe_health.h"
#include "proxyset.h"
#include "sip_scan.h"
#include "util/sipha_log.h"
#include "via.h"

/* ---- fixtures ---- */

static struct disp_keys keys;
static struct proxyset ps;
static struct disp_stats stats;
static struct fwd_ctx ctx;
static struct fwd_out out;
static struct fwd_in in;

static const char secret[] = "0123456789abcdef-shared-secret";

static void
setup(void)
{
    sipha_log_init("test-dispatcher", SIPHA_LOG_STDERR, LOG_WARNING);
    ck_assert_int_eq(disp_keys_derive(secret, sizeof(secret) - 1, &keys), 0);
    proxyset_init(&ps, 1u << PS_SRC_STATIC);
    memset(&stats, 0, sizeof(stats));
    ctx = (struct fwd_ctx) { .keys = &keys, .proxies = &ps, .stats = &stats, .retry_after_s = 7 };
    memset(&in, 0, sizeof(in));
    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.10:5070", 0, &in.src), 0);
    ck_assert_int_eq(sipha_sockaddr_parse("198.51.100.1:5060", 0, &in.local), 0);
}

static void
add_proxies(int n)
{
    char addr[64];

    for (int i = 0; i < n; i++) {
        snprintf(addr, sizeof(addr), "10.0.0.%d:5060", i + 1);
        ck_assert_ptr_nonnull(proxyset_report(&ps, PS_SRC_STATIC, addr, NULL, 0, PS_UP));
    }
    proxyset_update(&ps);
}

static enum fwd_action
process(const char *msg)
{
    in.buf = msg;
    in.len = strlen(msg);
    memset(&out, 0, sizeof(out));
    return fwd_process(&ctx, &in, &out);
}

/* The output as a NUL-terminated string. */
static const char *
out_str(void)
{
    out.buf[out.len] = '\0';
    return out.buf;
}

#define INVITE(via_params, mf_line, callid) \
    "INVITE sip:bob@example.com SIP/2.0\r\n" \
    "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK776asdhds" via_params "\r\n" \
    mf_line \
    "To: Bob <sip:bob@example.com>\r\n" \
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n" \
    "Call-ID: " callid "\r\n" \
    "CSeq: 314159 INVITE\r\n" \
    "Contact: <sip:alice@192.0.2.10:5070>\r\n" \
    "Content-Type: application/sdp\r\n" \
    "Content-Length: 4\r\n" \
    "\r\n" \
    "v=0\n"

/* ---- hashing ---- */

START_TEST(test_hash_spread)
{
    enum { CALLS = 100000, M = 5 };
    int hits[M] = { 0 };
    char callid[64];

    add_proxies(M);
    for (int i = 0; i < CALLS; i++) {
        int n = snprintf(callid, sizeof(callid), "%08x-%d@192.0.2.%d", i * 2654435761u, i,
                         i % 250);
        const struct proxy *p = proxyset_pick(&ps, hrw_hash(callid, (size_t) n), true);

        hits[p - ps.proxies]++;
    }
    for (int k = 0; k < M; k++) {
        double share = (double) hits[k] / CALLS;

        /* even is 20%; allow 3% of it either way (~8 sigma) */
        ck_assert_msg(fabs(share - 1.0 / M) < 0.03 / M, "proxy %d got %.4f", k, share);
    }
}
END_TEST

START_TEST(test_hash_remove_one_moves_only_its_own)
{
    enum { CALLS = 100000, M = 4 };
    static int before[CALLS];
    char callid[64];
    int moved = 0, removed_had = 0;

    add_proxies(M);
    for (int i = 0; i < CALLS; i++) {
        int n = snprintf(callid, sizeof(callid), "call-%d", i);

        before[i] = (int) (proxyset_pick(&ps, hrw_hash(callid, (size_t) n), true) - ps.proxies);
    }
    /* proxy 2 leaves */
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.3:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    for (int i = 0; i < CALLS; i++) {
        int n = snprintf(callid, sizeof(callid), "call-%d", i);
        int now = (int) (proxyset_pick(&ps, hrw_hash(callid, (size_t) n), true) - ps.proxies);

        ck_assert_int_ne(now, 2);
        if (before[i] == 2) {
            removed_had++;
        } else {
            ck_assert_msg(now == before[i], "call %d moved from %d to %d", i, before[i], now);
        }
        moved += now != before[i];
    }
    ck_assert_int_eq(moved, removed_had);
    ck_assert_msg(fabs((double) moved / CALLS - 1.0 / M) < 0.01, "moved %d", moved);
}
END_TEST

/* A proxy's address in the forms the sources give (static list, CIB keys,
 * heartbeats) becomes one key; what the dispatcher cannot send to is
 * refused, not mangled (a TCP proxy was taken for a UDP one). */
START_TEST(test_proxy_keys)
{
    static const char *const same[] = {
        "10.0.0.9", "10.0.0.9:5060", "udp:10.0.0.9:5060", "sip:10.0.0.9",
        "sip:alice@10.0.0.9:5060;lr;transport=udp", " SIP:10.0.0.9 ",
    };
    static const char *const refused[] = {
        "", "tcp:10.0.0.9:5060", "sip:10.0.0.9;transport=tcp", "sips:10.0.0.9",
        "proxy.example:5060", "10.0.0.9:0", "10.0.0.9:+5060", "10.0.0.9:5060:1",
        "[10.0.0.9]:5060", "[::1", "fe80::1%eth0",
    };
    char key[PROXY_KEY_LEN];
    struct sockaddr_storage addr;

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        ck_assert_msg(proxyset_key(same[i], key, &addr) == 0, "'%s' refused", same[i]);
        ck_assert_str_eq(key, "udp:10.0.0.9:5060");
        ck_assert_int_eq(addr.ss_family, AF_INET);
        ck_assert_int_eq(addr_port(&addr), 5060);
    }
    ck_assert_int_eq(proxyset_key("[2001:DB8::9]:5070", key, &addr), 0);
    ck_assert_str_eq(key, "udp:[2001:db8::9]:5070");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ck_assert_msg(proxyset_key(refused[i], key, &addr) == -EINVAL, "'%s' taken", refused[i]);
        ck_assert_ptr_null(proxyset_report(&ps, PS_SRC_STATIC, refused[i], NULL, 0, PS_UP));
    }
    ck_assert_int_eq(ps.count, 0);
}
END_TEST

START_TEST(test_hash_weights)
{
    enum { CALLS = 60000 };
    int hits[2] = { 0 };
    char callid[64];

    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.1", NULL, 1.0, PS_UP);
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.2", NULL, 2.0, PS_UP);
    proxyset_update(&ps);
    for (int i = 0; i < CALLS; i++) {
        int n = snprintf(callid, sizeof(callid), "w-%d", i);

        hits[proxyset_pick(&ps, hrw_hash(callid, (size_t) n), true) - ps.proxies]++;
    }
    ck_assert_msg(fabs((double) hits[1] / CALLS - 2.0 / 3) < 0.02, "weight 2 got %d", hits[1]);
}
END_TEST

START_TEST(test_hash_order_independent)
{
    /* two dispatchers that learned the proxies in a different order agree */
    static struct proxyset other;
    char callid[32];

    add_proxies(3);
    proxyset_init(&other, 1u << PS_SRC_STATIC);
    proxyset_report(&other, PS_SRC_STATIC, "10.0.0.3:5060", NULL, 0, PS_UP);
    proxyset_report(&other, PS_SRC_STATIC, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_report(&other, PS_SRC_STATIC, "sip:10.0.0.2", NULL, 0, PS_UP);
    proxyset_update(&other);
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(callid, sizeof(callid), "o-%d", i);
        uint64_t h = hrw_hash(callid, (size_t) n);

        ck_assert_str_eq(proxyset_pick(&ps, h, true)->key, proxyset_pick(&other, h, true)->key);
    }
}
END_TEST

START_TEST(test_drain)
{
    char callid[32];
    int on_drained_in_dialog = 0;

    add_proxies(3);
    ck_assert_ptr_nonnull(proxyset_drain(&ps, "udp:10.0.0.2:5060", true));
    proxyset_update(&ps);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(callid, sizeof(callid), "d-%d", i);
        uint64_t h = hrw_hash(callid, (size_t) n);
        const struct proxy *fresh = proxyset_pick(&ps, h, true);
        const struct proxy *dialog = proxyset_pick(&ps, h, false);

        ck_assert_ptr_ne(fresh, &ps.proxies[1]);
        on_drained_in_dialog += dialog == &ps.proxies[1];
    }
    /* in-dialog requests still reach it: about a third */
    ck_assert_int_gt(on_drained_in_dialog, 800);
}
END_TEST

START_TEST(test_sources_all_must_agree)
{
    proxyset_init(&ps, (1u << PS_SRC_CIB) | (1u << PS_SRC_WATCH));
    proxyset_report(&ps, PS_SRC_CIB, "udp:10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* watcher not heard yet */
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_update(&ps);
    ck_assert(ps.proxies[0].in_use);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* heartbeat stopped: out at once */
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_report(&ps, PS_SRC_CIB, "udp:10.0.0.1:5060", "p1", 0, PS_DRAIN);
    proxyset_update(&ps);
    ck_assert(ps.proxies[0].in_use && ps.proxies[0].draining);
    proxyset_snapshot_begin(&ps, PS_SRC_CIB);
    proxyset_snapshot_end(&ps, PS_SRC_CIB);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* gone from the CIB */
}
END_TEST

/* The prober covers CIB proxies too: it catches what the watcher cannot see
 * while Corosync's ring is stalled (a proxy host without power). */
START_TEST(test_probe_covers_cib_proxies)
{
    proxyset_init(&ps, (1u << PS_SRC_CIB) | (1u << PS_SRC_WATCH) | (1u << PS_SRC_PROBE));
    proxyset_report(&ps, PS_SRC_CIB, "udp:10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* not probed yet: required */
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_update(&ps);
    ck_assert(ps.proxies[0].in_use);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* watcher still says up */
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* and the other way round */
}
END_TEST

/* A heartbeat that only went silent does not outweigh a proxy answering
 * this dispatcher's probes; anything the beat reported does. */
START_TEST(test_silent_heartbeat_and_probes)
{
    proxyset_init(&ps, (1u << PS_SRC_CIB) | (1u << PS_SRC_WATCH) | (1u << PS_SRC_PROBE));
    proxyset_report(&ps, PS_SRC_CIB, "udp:10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_SILENT);
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_update(&ps);
    ck_assert(ps.proxies[0].in_use);              /* answers us: late heartbeat */
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* silent and not answering */
    proxyset_report(&ps, PS_SRC_PROBE, "10.0.0.1:5060", NULL, 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_DOWN);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);             /* the beat reported a failure */

    /* without the prober, silence is down as before */
    proxyset_init(&ps, (1u << PS_SRC_CIB) | (1u << PS_SRC_WATCH));
    proxyset_report(&ps, PS_SRC_CIB, "udp:10.0.0.1:5060", "p1", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.1:5060", NULL, 0, PS_SILENT);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);
    /* a static proxy the watcher heard of: silence vetoes it too */
    proxyset_init(&ps, (1u << PS_SRC_STATIC) | (1u << PS_SRC_WATCH));
    proxyset_report(&ps, PS_SRC_STATIC, "10.0.0.2:5060", "s1", 0, PS_UP);
    proxyset_report(&ps, PS_SRC_WATCH, "10.0.0.2:5060", NULL, 0, PS_SILENT);
    proxyset_update(&ps);
    ck_assert(!ps.proxies[0].in_use);
}
END_TEST

/* The probe stream: silence for the timeout is down, one late probe is not. */
START_TEST(test_probe_health)
{
    struct probe_health h = { 0 };
    const uint64_t ms = 1000;

    /* never answered: down, whatever the verdict */
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_TIMEOUT, 0, 200 * ms));
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 150 * ms, 210 * ms));
    /* probes every 50 ms, 200 ms deadline: the one sent at 200 ms times out
     * at 400 ms, but the one sent at 250 ms was answered at 300 ms */
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 250 * ms, 300 * ms));
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_TIMEOUT, 200 * ms, 400 * ms));
    /* a code the prober does not count as alive still proves a SIP stack */
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_BAD_CODE, 350 * ms, 351 * ms));
    /* silence: the probe sent at 400 ms times out at 600 ms, nothing since */
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_TIMEOUT, 400 * ms, 600 * ms));
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_TIMEOUT, 450 * ms, 650 * ms));
    /* answered again: up at once */
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 700 * ms, 701 * ms));
    /* an answer of an old probe arriving late still counts as an answer */
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 500 * ms, 720 * ms));
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_TIMEOUT, 710 * ms, 910 * ms));
    /* a refusal (ICMP port unreachable: the proxy crashed) is down at once */
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_REFUSED, 920 * ms, 921 * ms));
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 970 * ms, 971 * ms));
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_UNREACHABLE, 1020 * ms, 1021 * ms));
    ck_assert(probe_health_fold(&h, SIPHA_PROBE_ALIVE, 1070 * ms, 1071 * ms));
    ck_assert(!probe_health_fold(&h, SIPHA_PROBE_ERROR, 1120 * ms, 1120 * ms));
}
END_TEST

/* ---- requests ---- */

START_TEST(test_request_forwarded)
{
    const char *o;
    char via[256];

    add_proxies(3);
    ck_assert_int_eq(process(INVITE("", "Max-Forwards: 70\r\n", "a84b4c76e66710@pc33")), FWD_SEND);
    o = out_str();
    ck_assert_ptr_nonnull(out.proxy);
    ck_assert(addr_equal(&out.dst, &out.proxy->addr));
    /* our Via on top, from the arrival address */
    ck_assert_msg(strstr(o, "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP "
                         "198.51.100.1:5060;branch=z9hG4bKsd") == o, "%s", o);
    /* the client's Via next, unchanged (sent-by equals the source) */
    snprintf(via, sizeof(via), "\r\nVia: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK776asdhds\r\n");
    ck_assert_ptr_nonnull(strstr(o, via));
    ck_assert_ptr_nonnull(strstr(o, "\r\nMax-Forwards: 69\r\n"));
    /* body intact */
    ck_assert_str_eq(o + strlen(o) - 8, "\r\n\r\nv=0\n");
    ck_assert_int_eq(stats.fwd_requests, 1);
}
END_TEST

START_TEST(test_request_branch_deterministic)
{
    char b1[VIA_BRANCH_LEN + 1], b2[VIA_BRANCH_LEN + 1];
    const char *p;
    const char *cancel =
        "CANCEL sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK776asdhds\r\n"
        "Max-Forwards: 70\r\n"
        "To: Bob <sip:bob@example.com>\r\n"
        "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33\r\n"
        "CSeq: 314159 CANCEL\r\n"
        "Content-Length: 0\r\n\r\n";
    struct sockaddr_storage first;

    add_proxies(3);
    ck_assert_int_eq(process(INVITE("", "Max-Forwards: 70\r\n", "a84b4c76e66710@pc33")), FWD_SEND);
    p = strstr(out_str(), "branch=z9hG4bKsd");
    memcpy(b1, p + 7, VIA_BRANCH_LEN);
    b1[VIA_BRANCH_LEN] = '\0';
    first = out.dst;
    /* a retransmission and the CANCEL get the same branch and proxy */
    ck_assert_int_eq(process(cancel), FWD_SEND);
    p = strstr(out_str(), "branch=z9hG4bKsd");
    memcpy(b2, p + 7, VIA_BRANCH_LEN);
    b2[VIA_BRANCH_LEN] = '\0';
    ck_assert_str_eq(b1, b2);
    ck_assert(addr_equal(&first, &out.dst));
    /* another client branch: another branch */
    ck_assert_int_eq(process(INVITE("x", "Max-Forwards: 70\r\n", "a84b4c76e66710@pc33")), FWD_SEND);
    ck_assert_ptr_null(strstr(out_str(), b1));
}
END_TEST

START_TEST(test_request_received_rport)
{
    const char *o;

    add_proxies(1);
    /* sent-by is a name, rport asked for: received and rport filled in */
    ck_assert_int_eq(process(
        "OPTIONS sip:carol@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP pc33.example.com;rport;branch=z9hG4bKnashds8\r\n"
        "To: <sip:carol@example.com>\r\n"
        "From: <sip:alice@example.com>;tag=1\r\n"
        "Call-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n"), FWD_SEND);
    o = out_str();
    ck_assert_msg(strstr(o, "Via: SIP/2.0/UDP pc33.example.com;rport=5070;"
                         "branch=z9hG4bKnashds8;received=192.0.2.10\r\n") != NULL, "%s", o);
    /* Max-Forwards was missing: added */
    ck_assert_ptr_nonnull(strstr(o, "\r\nMax-Forwards: 70\r\n\r\n"));
}
END_TEST

START_TEST(test_max_forwards_zero_483)
{
    const char *o;

    add_proxies(2);
    ck_assert_int_eq(process(INVITE("", "Max-Forwards: 0\r\n", "mf0")), FWD_SEND);
    o = out_str();
    ck_assert_msg(strncmp(o, "SIP/2.0 483 Too Many Hops\r\n", 27) == 0, "%s", o);
    /* back to the client, not to a proxy */
    ck_assert_ptr_null(out.proxy);
    ck_assert(addr_equal(&out.dst, &in.src));
    ck_assert_ptr_nonnull(strstr(o, "\r\nTo: Bob <sip:bob@example.com>;tag=sd"));
    ck_assert_ptr_nonnull(strstr(o, "\r\nCall-ID: mf0\r\n"));
    ck_assert_ptr_nonnull(strstr(o, "\r\nCSeq: 314159 INVITE\r\n"));
    ck_assert_int_eq(stats.reply_483, 1);
    /* Max-Forwards 1 is still forwarded, with 0 */
    ck_assert_int_eq(process(INVITE("", "Max-Forwards: 1\r\n", "mf1")), FWD_SEND);
    ck_assert_ptr_nonnull(strstr(out_str(), "\r\nMax-Forwards: 0\r\n"));
    ck_assert_ptr_nonnull(out.proxy);
}
END_TEST

START_TEST(test_no_proxy_503)
{
    const char *o;
    const char *ack =
        "ACK sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK776asdhds\r\n"
        "Max-Forwards: 70\r\nTo: <sip:bob@example.com>;tag=x\r\n"
        "From: <sip:alice@example.com>;tag=1\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n";

    ck_assert_int_eq(process(INVITE("", "Max-Forwards: 70\r\n", "none")), FWD_SEND);
    o = out_str();
    ck_assert_msg(strncmp(o, "SIP/2.0 503 Service Unavailable\r\n", 33) == 0, "%s", o);
    ck_assert_ptr_nonnull(strstr(o, "\r\nRetry-After: 7\r\n"));
    ck_assert_int_eq(stats.reply_503, 1);
    /* never a response to an ACK */
    ck_assert_int_eq(process(ack), FWD_DROP);
    ck_assert_int_eq(stats.drop_ack, 1);
}
END_TEST

START_TEST(test_options_to_self)
{
    const char *o;

    add_proxies(1);
    ck_assert_int_eq(process(
        "OPTIONS sip:198.51.100.1:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKping\r\n"
        "Max-Forwards: 70\r\nTo: <sip:198.51.100.1>\r\n"
        "From: <sip:mon@192.0.2.10>;tag=9\r\nCall-ID: ping1\r\nCSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"), FWD_SEND);
    o = out_str();
    ck_assert_msg(strncmp(o, "SIP/2.0 200 OK\r\n", 16) == 0, "%s", o);
    ck_assert_ptr_null(out.proxy);
    ck_assert_int_eq(stats.reply_options, 1);
    /* OPTIONS for a user goes to a proxy */
    ck_assert_int_eq(process(
        "OPTIONS sip:bob@198.51.100.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKping2\r\n"
        "Max-Forwards: 70\r\nTo: <sip:bob@198.51.100.1>\r\n"
        "From: <sip:mon@192.0.2.10>;tag=9\r\nCall-ID: ping2\r\nCSeq: 1 OPTIONS\r\n\r\n"),
        FWD_SEND);
    ck_assert_ptr_nonnull(out.proxy);
}
END_TEST

/* ---- responses ---- */

/* Forward an INVITE, then build the proxy's 200 from what it received. */
static char *
response_to_forwarded(const char *status_line, const char *mangle_from, const char *mangle_to)
{
    static char resp[4096];
    char fwd[4096];
    const char *via_start, *hdrs_end;
    char *p;

    ck_assert_int_eq(sipha_sockaddr_parse("192.0.2.10:5070", 0, &in.src), 0);
    ck_assert_int_eq(process(INVITE(";rport", "Max-Forwards: 70\r\n", "resp-1")), FWD_SEND);
    g_strlcpy(fwd, out_str(), sizeof(fwd));
    via_start = strstr(fwd, "\r\nVia:") + 2;
    hdrs_end = strstr(fwd, "\r\nTo:") + 2;
    snprintf(resp, sizeof(resp), "%s\r\n%.*sTo: Bob <sip:bob@example.com>;tag=b1\r\n"
             "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
             "Call-ID: resp-1\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
             status_line, (int) (hdrs_end - via_start), via_start);
    if (mangle_from != NULL && (p = strstr(resp, mangle_from)) != NULL) {
        memcpy(p, mangle_to, strlen(mangle_to));
    }
    /* the response comes from the proxy, to our Via address */
    in.src = out.dst;
    return resp;
}

START_TEST(test_response_relayed)
{
    const char *o;
    struct sockaddr_storage client;

    add_proxies(2);
    client = in.src;
    o = response_to_forwarded("SIP/2.0 200 OK", NULL, NULL);
    ck_assert_msg(process(o) == FWD_SEND, "%s\nnot_ours %d parse %d nohop %d mac %d", o,
                  (int) stats.drop_not_ours, (int) stats.drop_parse,
                  (int) stats.drop_no_next_hop, (int) stats.drop_bad_mac);
    o = out_str();
    /* our Via stripped; the client's is now on top; sent to received/rport */
    ck_assert_msg(strncmp(o, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5070;branch="
                          "z9hG4bK776asdhds;rport=5070;received=192.0.2.10\r\nTo:", 97) == 0,
                  "%s", o);
    ck_assert_ptr_null(strstr(o, "z9hG4bKsd"));
    ck_assert(addr_equal(&out.dst, &client));
    ck_assert_int_eq(stats.fwd_responses, 1);
}
END_TEST

START_TEST(test_response_forged_mac)
{
    char *r;

    add_proxies(2);
    /* flip one hex digit of the MAC */
    r = response_to_forwarded("SIP/2.0 200 OK", NULL, NULL);
    r[strstr(r, "branch=z9hG4bKsd") - r + 16 + 31] ^= 1;
    ck_assert_int_eq(process(r), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 1);
}
END_TEST

START_TEST(test_response_redirected_dropped)
{
    add_proxies(2);
    /* a proxy (or attacker) rewrites where the response should go: the MAC
     * covers the next hop, so the dispatcher is no reflector */
    ck_assert_int_eq(process(response_to_forwarded("SIP/2.0 180 Ringing", "rport=5070",
                                                   "rport=5071")), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 1);
    ck_assert_int_eq(process(response_to_forwarded("SIP/2.0 180 Ringing",
                                                   "received=192.0.2.10",
                                                   "received=192.0.2.11")), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 2);
}
END_TEST

START_TEST(test_response_other_key_dropped)
{
    char *r;
    struct disp_keys other;

    add_proxies(2);
    r = response_to_forwarded("SIP/2.0 200 OK", NULL, NULL);
    ck_assert_int_eq(disp_keys_derive("another secret of 16+ bytes", 27, &other), 0);
    ctx.keys = &other;
    ck_assert_int_eq(process(r), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 1);
}
END_TEST

/* A key rotation's grace period: a branch made with the previous secret
 * verifies while that secret is accepted (mac_accept), and only then. */
START_TEST(test_response_accepted_key_relayed)
{
    char *r;
    struct disp_keys next;

    add_proxies(2);
    r = response_to_forwarded("SIP/2.0 200 OK", NULL, NULL);
    ck_assert_int_eq(disp_keys_derive("the next secret, 16+ bytes", 26, &next), 0);
    next.mac_accept = keys.mac;
    ctx.keys = &next;
    ck_assert_int_eq(process(r), FWD_SEND);
    ck_assert_int_eq(stats.drop_bad_mac, 0);
    memset(&next.mac_accept, 0, sizeof(next.mac_accept));
    ck_assert_int_eq(process(r), FWD_DROP);
    ck_assert_int_eq(stats.drop_bad_mac, 1);
}
END_TEST

START_TEST(test_response_not_ours_dropped)
{
    add_proxies(1);
    in.src = ps.proxies[0].addr;
    ck_assert_int_eq(process(
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKabc\r\n"
        "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKvictim\r\n"
        "To: <sip:x@y>;tag=1\r\nFrom: <sip:a@b>;tag=2\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\n\r\n"),
        FWD_DROP);
    ck_assert_int_eq(stats.drop_not_ours, 1);
}
END_TEST

START_TEST(test_response_multi_value_via)
{
    char *r, *p;
    const char *o;

    add_proxies(2);
    /* the proxy folds the Vias into one header: strip only our value */
    r = response_to_forwarded("SIP/2.0 200 OK", NULL, NULL);
    p = strstr(r, "\r\nVia: SIP/2.0/UDP 192.0.2.10");
    memcpy(p, ", ", 2);
    memmove(p + 2, p + 6, strlen(p + 6) + 1);
    ck_assert_int_eq(process(r), FWD_SEND);
    o = out_str();
    ck_assert_msg(strncmp(o, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5070;", 49) == 0,
                  "%s", o);
}
END_TEST

/* ---- scanner ---- */

START_TEST(test_scan_compact_and_folding)
{
    static const char m[] =
        "\r\nREGISTER sip:example.com SIP/2.0\r\n"
        "v: SIP/2.0/UDP 192.0.2.1:5060 ;branch = z9hG4bK1\r\n"
        "  ;rport , SIP / 2.0 / UDP [2001:db8::9]:5061;received=2001:db8::10\r\n"
        "t: <sip:a@example.com>\r\nf: <sip:a@example.com>;tag=x\r\n"
        "i: abc@def\r\nCSeq:\t7 REGISTER\r\nl: 0\r\nMax-Forwards: 5\r\n\r\n";
    struct sip_msg msg;

    ck_assert_int_eq(sip_scan(m, sizeof(m) - 1, &msg), SIP_SCAN_OK);
    ck_assert(msg.is_request);
    ck_assert(sip_span_eq(m, msg.method, "REGISTER"));
    ck_assert_int_eq(msg.via_count, 2);
    ck_assert(sip_span_eq(m, msg.via[0].branch, "z9hG4bK1"));
    ck_assert(msg.via[0].rport_present);
    ck_assert(msg.via[0].header_has_more);
    ck_assert(sip_span_eq(m, msg.via[1].host, "2001:db8::9"));
    ck_assert_int_eq(msg.via[1].port, 5061);
    ck_assert(sip_span_eq(m, msg.via[1].received, "2001:db8::10"));
    ck_assert(sip_span_eq(m, msg.call_id, "abc@def"));
    ck_assert_int_eq(msg.cseq_number, 7);
    ck_assert_int_eq(msg.max_forwards, 5);
    ck_assert_int_eq(msg.content_length, 0);
    ck_assert(!msg.to_tag);
}
END_TEST

START_TEST(test_scan_rejects)
{
    static const char *const bad[] = {
        "",                                                       /* empty */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n",       /* no end of headers */
        "INVITE sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",                   /* version */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",                  /* CSeq method */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "CSeq: 1 INVITE\r\n\r\n",                                 /* no Call-ID */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "Call-ID: x\r\nCSeq: 1 INVITE\r\nMax-Forwards: 300\r\n\r\n", /* MF > 255 */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 10\r\n\r\nabc",  /* short body */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:99999\r\nTo: <sip:a@b>\r\n"
        "From: <sip:a@b>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",  /* port */
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=a;branch=b\r\nTo: <sip:a@b>\r\n"
        "From: <sip:a@b>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",  /* two branches */
        "SIP/2.0 20 OK\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\n"
        "Call-ID: x\r\nCSeq: 1 INVITE\r\n\r\n",                   /* status */
    };
    struct sip_msg msg;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sip_scan(bad[i], strlen(bad[i]), &msg) != SIP_SCAN_OK, "case %zu", i);
    }
}
END_TEST

static Suite *
dispatcher_suite(void)
{
    Suite *s = suite_create("dispatcher");
    TCase *tc;

    tc = tcase_create("hash");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hash_spread);
    tcase_add_test(tc, test_hash_remove_one_moves_only_its_own);
    tcase_add_test(tc, test_proxy_keys);
    tcase_add_test(tc, test_hash_weights);
    tcase_add_test(tc, test_hash_order_independent);
    tcase_add_test(tc, test_drain);
    tcase_add_test(tc, test_sources_all_must_agree);
    tcase_add_test(tc, test_probe_covers_cib_proxies);
    tcase_add_test(tc, test_probe_health);
    tcase_add_test(tc, test_silent_heartbeat_and_probes);
    suite_add_tcase(s, tc);

    tc = tcase_create("request");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_request_forwarded);
    tcase_add_test(tc, test_request_branch_deterministic);
    tcase_add_test(tc, test_request_received_rport);
    tcase_add_test(tc, test_max_forwards_zero_483);
    tcase_add_test(tc, test_no_proxy_503);
    tcase_add_test(tc, test_options_to_self);
    suite_add_tcase(s, tc);

    tc = tcase_create("response");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_response_relayed);
    tcase_add_test(tc, test_response_forged_mac);
    tcase_add_test(tc, test_response_redirected_dropped);
    tcase_add_test(tc, test_response_other_key_dropped);
    tcase_add_test(tc, test_response_accepted_key_relayed);
    tcase_add_test(tc, test_response_not_ours_dropped);
    tcase_add_test(tc, test_response_multi_value_via);
    suite_add_tcase(s, tc);

    tc = tcase_create("scan");
    tcase_add_test(tc, test_scan_compact_and_folding);
    tcase_add_test(tc, test_scan_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dispatcher_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
