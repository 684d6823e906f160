/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_probe_prober.c: the prober on a GLib context against in-process UDP
 * peers on loopback (ports 20900-20999): answering, silent, lying (wrong
 * branch), sending junk first, closed.  Asserts verdicts and counters, never
 * speed (timeouts are generous where an answer is expected).
 */
#include <config.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "probe_support.h"
#include "probe/sipha_probe.h"

enum peer_mode {
    PEER_OK,            /* 200 OK */
    PEER_404,           /* 404 Not Found */
    PEER_SILENT,        /* reads, never answers */
    PEER_WRONG_BRANCH,  /* 200 with another branch */
    PEER_WRONG_CALLID,  /* 200 with another Call-ID */
    PEER_JUNK_FIRST,    /* junk, oversized, foreign, 100 Trying, then 200 */
    PEER_TWICE,         /* 200 OK, sent twice (a duplicate arrives late) */
};

struct peer {
    int fd;
    uint16_t port;
    enum peer_mode mode;
    unsigned requests;
    uint16_t last_from_port;
    GSource *source;
};

struct outcome {
    bool called;
    unsigned calls;
    struct sipha_probe_result result;
    char key[SIPHA_SIP_ADDR_KEY_MAX];
};

static GMainContext *ctx;

static void
setup(void)
{
    ctx = g_main_context_new();
}

static void
teardown(void)
{
    while (g_main_context_iteration(ctx, FALSE)) {
        ;
    }
    g_main_context_unref(ctx);
}

static void
peer_reply(struct peer *peer, const char *request, const struct sockaddr *from, socklen_t from_len)
{
    char *reply = NULL;

    switch (peer->mode) {
        case PEER_SILENT:
            return;
        case PEER_OK:
            reply = probe_test_response(request, 200, "OK");
            break;
        case PEER_TWICE:
            reply = probe_test_response(request, 200, "OK");
            sendto(peer->fd, reply, strlen(reply), 0, from, from_len);
            break;
        case PEER_404:
            reply = probe_test_response(request, 404, "Not Found");
            break;
        case PEER_WRONG_BRANCH:
            reply = probe_test_response(request, 200, "OK");
            probe_test_replace(reply, "z9hG4bK-sipha-", "z9hG4bK-other-");
            break;
        case PEER_WRONG_CALLID:
            reply = probe_test_response(request, 200, "OK");
            probe_test_replace(reply, "@sipha", "@other");
            break;
        case PEER_JUNK_FIRST: {
            char *big = g_malloc0(SIPHA_PROBE_MAX_MESSAGE_BYTES + 100);
            char *foreign = probe_test_response(request, 200, "OK");
            char *trying = probe_test_response(request, 100, "Trying");

            memset(big, 'x', SIPHA_PROBE_MAX_MESSAGE_BYTES + 100);
            probe_test_replace(foreign, "@sipha", "@other");
            sendto(peer->fd, "junk\r\n\r\n", 8, 0, from, from_len);
            sendto(peer->fd, big, SIPHA_PROBE_MAX_MESSAGE_BYTES + 100, 0, from, from_len);
            sendto(peer->fd, foreign, strlen(foreign), 0, from, from_len);
            sendto(peer->fd, trying, strlen(trying), 0, from, from_len);
            g_free(big);
            g_free(foreign);
            g_free(trying);
            reply = probe_test_response(request, 200, "OK");
            break;
        }
    }
    sendto(peer->fd, reply, strlen(reply), 0, from, from_len);
    g_free(reply);
}

static gboolean
peer_readable(gint fd, GIOCondition cond, gpointer user_data)
{
    struct peer *peer = user_data;
    char buf[4096];
    struct sockaddr_storage from;
    socklen_t from_len = sizeof(from);
    ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *) &from,
                         &from_len);

    if (n > 0) {
        buf[n] = '\0';
        peer->requests++;
        peer->last_from_port = ntohs(((struct sockaddr_in *) &from)->sin_port);
        peer_reply(peer, buf, (struct sockaddr *) &from, from_len);
    }
    return G_SOURCE_CONTINUE;
}

/* A UDP peer on the first free port of 20900-20999. */
static void
peer_start(struct peer *peer, enum peer_mode mode)
{
    struct sockaddr_in sin;

    memset(peer, 0, sizeof(*peer));
    peer->mode = mode;
    peer->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(peer->fd, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (peer->port = 20900; peer->port < 21000; peer->port++) {
        sin.sin_port = htons(peer->port);
        if (bind(peer->fd, (struct sockaddr *) &sin, sizeof(sin)) == 0) {
            break;
        }
    }
    ck_assert_int_lt(peer->port, 21000);
    peer->source = g_unix_fd_source_new(peer->fd, G_IO_IN);
    g_source_set_callback(peer->source, (GSourceFunc) (void (*)(void)) peer_readable, peer, NULL);
    g_source_attach(peer->source, ctx);
}

static void
peer_stop(struct peer *peer)
{
    g_source_destroy(peer->source);
    g_source_unref(peer->source);
    close(peer->fd);
}

static void
on_result(const struct sipha_sip_addr *target, const struct sipha_probe_result *result,
          void *user_data)
{
    struct outcome *out = user_data;

    out->called = true;
    out->calls++;
    out->result = *result;
    sipha_sip_addr_format(target, out->key, sizeof(out->key));
}

static void
target_of(uint16_t port, struct sipha_sip_addr *target)
{
    char text[32];

    g_snprintf(text, sizeof(text), "127.0.0.1:%u", (unsigned) port);
    ck_assert_int_eq(sipha_sip_addr_parse(text, SIPHA_SIP_UDP, target), 0);
}

/* Probe one peer, run the context until the verdict. */
static void
probe_peer(const struct sipha_probe_config *cfg, uint16_t port, struct outcome *out)
{
    sipha_prober_t *prober = sipha_prober_new(cfg, ctx);
    struct sipha_sip_addr target;

    memset(out, 0, sizeof(*out));
    target_of(port, &target);
    ck_assert_ptr_nonnull(prober);
    ck_assert_int_eq(sipha_prober_probe(prober, &target, on_result, out, NULL), 0);
    ck_assert(!out->called);                    /* never from inside the call */
    ck_assert_uint_eq(sipha_prober_pending(prober), 1);
    while (!out->called) {
        g_main_context_iteration(ctx, TRUE);
    }
    ck_assert_uint_eq(sipha_prober_pending(prober), 0);
    sipha_prober_free(prober);
}

static void
generous(struct sipha_probe_config *cfg)
{
    sipha_probe_config_init(cfg);
    cfg->timeout_ms = 5000;     /* an answer is expected: never flaky */
}

START_TEST(test_alive)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;
    char key[32];

    generous(&cfg);
    peer_start(&peer, PEER_OK);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_ALIVE);
    ck_assert_int_eq(out.result.status_code, 200);
    ck_assert_str_eq(out.result.reason, "OK");
    ck_assert_uint_ge(out.result.transmissions, 1);
    ck_assert_uint_gt(out.result.rtt_us, 0);
    g_snprintf(key, sizeof(key), "udp:127.0.0.1:%u", (unsigned) peer.port);
    ck_assert_str_eq(out.key, key);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_alive_codes_narrowed)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    generous(&cfg);
    peer_start(&peer, PEER_404);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_ALIVE);   /* any final code */
    ck_assert_int_eq(out.result.status_code, 404);
    ck_assert_int_eq(sipha_probe_config_set_alive_codes(&cfg, "200"), 0);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_BAD_CODE);
    ck_assert_int_eq(out.result.status_code, 404);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_black_hole_times_out_with_retransmissions)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = 300;
    cfg.retransmit_ms = 20;
    peer_start(&peer, PEER_SILENT);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_TIMEOUT);
    ck_assert_uint_ge(out.result.rtt_us, 300 * 1000);
    ck_assert_uint_ge(out.result.transmissions, 2);
    ck_assert_uint_le(out.result.transmissions, 5);     /* 0 20 60 140 300: doubling */
    ck_assert_int_eq(out.result.status_code, 0);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_no_retransmission)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = 150;
    cfg.retransmit_ms = 0;
    peer_start(&peer, PEER_SILENT);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_TIMEOUT);
    ck_assert_uint_eq(out.result.transmissions, 1);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_wrong_branch_is_down)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = 300;
    peer_start(&peer, PEER_WRONG_BRANCH);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_TIMEOUT);
    ck_assert_uint_ge(out.result.ignored_foreign, 1);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_wrong_call_id_is_down)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = 300;
    peer_start(&peer, PEER_WRONG_CALLID);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_TIMEOUT);
    ck_assert_uint_ge(out.result.ignored_foreign, 1);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_junk_is_counted_then_alive)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;

    generous(&cfg);
    cfg.retransmit_ms = 0;      /* exactly one request: exact counts */
    peer_start(&peer, PEER_JUNK_FIRST);
    probe_peer(&cfg, peer.port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_ALIVE);
    ck_assert_uint_eq(out.result.ignored_malformed, 1);
    ck_assert_uint_eq(out.result.ignored_oversized, 1);
    ck_assert_uint_eq(out.result.ignored_foreign, 1);
    ck_assert_uint_eq(out.result.provisional, 1);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_closed_port_refused)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;
    uint16_t port;

    generous(&cfg);
    peer_start(&peer, PEER_SILENT);     /* take a port, then free it */
    port = peer.port;
    peer_stop(&peer);
    probe_peer(&cfg, port, &out);
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_REFUSED);
    ck_assert_int_eq(out.result.error, ECONNREFUSED);
    ck_assert_uint_lt(out.result.rtt_us, 5000 * 1000);  /* before the deadline */
}
END_TEST

START_TEST(test_tcp_closed_port_refused)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct outcome out;
    sipha_prober_t *prober;
    struct sipha_sip_addr target;
    char text[48];

    generous(&cfg);
    peer_start(&peer, PEER_SILENT);     /* a UDP port: nothing listens on TCP */
    g_snprintf(text, sizeof(text), "sip:127.0.0.1:%u;transport=tcp", (unsigned) peer.port);
    ck_assert_int_eq(sipha_sip_addr_parse(text, SIPHA_SIP_UDP, &target), 0);
    memset(&out, 0, sizeof(out));
    prober = sipha_prober_new(&cfg, ctx);
    ck_assert_int_eq(sipha_prober_probe(prober, &target, on_result, &out, NULL), 0);
    while (!out.called) {
        g_main_context_iteration(ctx, TRUE);
    }
    ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_REFUSED);
    ck_assert_int_eq(peer.requests, 0);
    sipha_prober_free(prober);
    peer_stop(&peer);
}
END_TEST

struct peer_thread {
    GMainContext *ctx;
    gint stop;
};

static gpointer
run_peers(gpointer data)
{
    struct peer_thread *pt = data;

    while (!g_atomic_int_get(&pt->stop)) {
        g_main_context_iteration(pt->ctx, TRUE);
    }
    return NULL;
}

START_TEST(test_many_targets_blocking)
{
    struct sipha_probe_config cfg;
    struct peer peers[3];
    struct sipha_sip_addr targets[4];
    struct sipha_probe_result results[4];
    struct peer_thread pt = { .stop = 0 };
    GThread *thread;

    /* sipha_probe_run() runs its own private context; the peers answer
     * from another thread running ctx meanwhile. */
    generous(&cfg);
    cfg.timeout_ms = 1000;
    peer_start(&peers[0], PEER_OK);
    peer_start(&peers[1], PEER_404);
    peer_start(&peers[2], PEER_SILENT);
    for (int i = 0; i < 3; i++) {
        target_of(peers[i].port, &targets[i]);
    }
    ck_assert_int_eq(sipha_sip_addr_parse("127.0.0.1:20999", SIPHA_SIP_TCP, &targets[3]), 0);
    pt.ctx = ctx;
    thread = g_thread_new("peers", run_peers, &pt);
    ck_assert_int_eq(sipha_probe_run(&cfg, targets, 4, results), 0);
    g_atomic_int_set(&pt.stop, 1);
    g_main_context_wakeup(ctx);
    g_thread_join(thread);

    ck_assert_int_eq(results[0].verdict, SIPHA_PROBE_ALIVE);
    ck_assert_int_eq(results[0].status_code, 200);
    ck_assert_int_eq(results[1].verdict, SIPHA_PROBE_ALIVE);
    ck_assert_int_eq(results[1].status_code, 404);
    ck_assert_int_eq(results[2].verdict, SIPHA_PROBE_TIMEOUT);
    ck_assert_int_eq(results[3].verdict, SIPHA_PROBE_REFUSED);
    for (int i = 0; i < 3; i++) {
        peer_stop(&peers[i]);
    }
}
END_TEST

/* Cancel one probe, free the prober from a callback with others pending. */
static void
free_from_callback(const struct sipha_sip_addr *target, const struct sipha_probe_result *result,
                   void *user_data)
{
    sipha_prober_t **prober = user_data;

    sipha_prober_free(*prober);
    *prober = NULL;
}

START_TEST(test_cancel_and_free_in_callback)
{
    struct sipha_probe_config cfg;
    struct peer ok, silent;
    struct sipha_sip_addr t_ok, t_silent;
    struct outcome cancelled = { 0 }, dropped = { 0 };
    sipha_prober_t *prober;
    uint64_t id = 0;

    generous(&cfg);
    peer_start(&ok, PEER_OK);
    peer_start(&silent, PEER_SILENT);
    target_of(ok.port, &t_ok);
    target_of(silent.port, &t_silent);
    prober = sipha_prober_new(&cfg, ctx);
    ck_assert_int_eq(sipha_prober_probe(prober, &t_silent, on_result, &cancelled, &id), 0);
    ck_assert_uint_gt(id, 0);
    ck_assert_int_eq(sipha_prober_cancel(prober, id), 0);
    ck_assert_int_eq(sipha_prober_cancel(prober, id), -ENOENT);
    ck_assert_int_eq(sipha_prober_probe(prober, &t_silent, on_result, &dropped, NULL), 0);
    ck_assert_int_eq(sipha_prober_probe(prober, &t_ok, free_from_callback, &prober, NULL), 0);
    while (prober != NULL) {
        g_main_context_iteration(ctx, TRUE);
    }
    ck_assert(!cancelled.called);
    ck_assert(!dropped.called);
    peer_stop(&ok);
    peer_stop(&silent);
}
END_TEST

/* Chained probes: each callback starts the next probe (a watch loop). */
struct chain {
    sipha_prober_t *prober;
    struct sipha_sip_addr target;
    unsigned alive;
    unsigned done;
};

static void
chain_next(const struct sipha_sip_addr *target, const struct sipha_probe_result *result,
           void *user_data)
{
    struct chain *c = user_data;

    c->done++;
    if (result->verdict == SIPHA_PROBE_ALIVE) {
        c->alive++;
    }
    if (c->done < 20) {
        ck_assert_int_eq(sipha_prober_probe(c->prober, &c->target, chain_next, c, NULL), 0);
    }
}

START_TEST(test_chained_probes)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct chain c = { 0 };

    generous(&cfg);
    peer_start(&peer, PEER_OK);
    target_of(peer.port, &c.target);
    c.prober = sipha_prober_new(&cfg, ctx);
    ck_assert_int_eq(sipha_prober_probe(c.prober, &c.target, chain_next, &c, NULL), 0);
    while (c.done < 20) {
        g_main_context_iteration(ctx, TRUE);
    }
    ck_assert_uint_eq(c.alive, 20);
    ck_assert_uint_eq(peer.requests, 20);
    ck_assert_uint_eq(sipha_prober_pending(c.prober), 0);
    sipha_prober_free(c.prober);
    peer_stop(&peer);
}
END_TEST

/* Probes of one target reuse its UDP socket; a duplicate answer to an
 * earlier probe never counts for a later one. */
START_TEST(test_socket_reuse_and_late_duplicates)
{
    struct sipha_probe_config cfg;
    struct peer peer;
    struct sipha_sip_addr target;
    sipha_prober_t *prober;
    uint16_t first_port = 0;

    generous(&cfg);
    peer_start(&peer, PEER_TWICE);
    target_of(peer.port, &target);
    prober = sipha_prober_new(&cfg, ctx);
    for (int i = 0; i < 5; i++) {
        struct outcome out = { 0 };

        ck_assert_int_eq(sipha_prober_probe(prober, &target, on_result, &out, NULL), 0);
        while (!out.called) {
            g_main_context_iteration(ctx, TRUE);
        }
        ck_assert_int_eq(out.result.verdict, SIPHA_PROBE_ALIVE);
        ck_assert_int_eq(out.result.status_code, 200);
        if (i == 0) {
            first_port = peer.last_from_port;
        }
        ck_assert_uint_eq(peer.last_from_port, first_port);     /* same socket */
    }
    sipha_prober_free(prober);
    peer_stop(&peer);
}
END_TEST

START_TEST(test_bad_arguments)
{
    struct sipha_probe_config cfg;
    struct sipha_sip_addr target;
    sipha_prober_t *prober;

    sipha_probe_config_init(&cfg);
    cfg.timeout_ms = 0;
    ck_assert_ptr_null(sipha_prober_new(&cfg, ctx));
    ck_assert_ptr_null(sipha_prober_new(NULL, ctx));
    sipha_probe_config_init(&cfg);
    prober = sipha_prober_new(&cfg, ctx);
    target_of(20998, &target);
    ck_assert_int_eq(sipha_prober_probe(prober, &target, NULL, NULL, NULL), -EINVAL);
    ck_assert_int_eq(sipha_prober_probe(NULL, &target, on_result, NULL, NULL), -EINVAL);
    target.port = 0;
    ck_assert_int_eq(sipha_prober_probe(prober, &target, on_result, NULL, NULL), -EINVAL);
    ck_assert_uint_eq(sipha_prober_pending(prober), 0);
    ck_assert_int_eq(sipha_probe_run(NULL, &target, 1, NULL), -EINVAL);
    sipha_prober_free(prober);
    sipha_prober_free(NULL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("probe-prober");
    TCase *tc = tcase_create("prober");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_alive);
    tcase_add_test(tc, test_alive_codes_narrowed);
    tcase_add_test(tc, test_black_hole_times_out_with_retransmissions);
    tcase_add_test(tc, test_no_retransmission);
    tcase_add_test(tc, test_wrong_branch_is_down);
    tcase_add_test(tc, test_wrong_call_id_is_down);
    tcase_add_test(tc, test_junk_is_counted_then_alive);
    tcase_add_test(tc, test_closed_port_refused);
    tcase_add_test(tc, test_tcp_closed_port_refused);
    tcase_add_test(tc, test_many_targets_blocking);
    tcase_add_test(tc, test_cancel_and_free_in_callback);
    tcase_add_test(tc, test_chained_probes);
    tcase_add_test(tc, test_socket_reuse_and_late_duplicates);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
