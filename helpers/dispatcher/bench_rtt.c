/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_rtt.c: sipha-dispatcher-bench, a paced OPTIONS client for
 * scripts/bench-dispatcher.  Sends COUNT OPTIONS requests at RATE per second
 * from one UDP socket to TARGET, matches each final response by Call-ID,
 * and prints the round-trip times: "sent N answered N median_us P p99_us P".
 * The added latency of a forwarder is its RTT minus the RTT straight to
 * the same responder.  Loopback only (127.0.0.1).
 *
 *   sipha-dispatcher-bench TARGET_PORT RATE COUNT [RURI_PORT [DIRECT_PORT]]
 *       with DIRECT_PORT, every other request goes straight to the
 *       responder, and a second line gives those RTTs (same moment, same
 *       load: the difference is what the forwarder adds);
 *   sipha-dispatcher-bench respond PORT
 *       a minimal, fast responder: answers every request with 200 OK
 *       (Via, From, To, Call-ID, CSeq copied), so that the responder, not
 *       the forwarder, is never the limit.
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

/* Answer: which request (its index in the Call-ID "bench-<run>-<index>"). */
static long
answered_index(const char *buf, ssize_t n, unsigned run)
{
    char want[32];
    const char *p;
    int k = snprintf(want, sizeof(want), "bench-%u-", run);

    if (n < 12 || strncmp(buf, "SIP/2.0 ", 8) != 0 || buf[8] == '1') {
        return -1;                       /* not a final response */
    }
    p = memmem(buf, (size_t) n, want, (size_t) k);
    return p != NULL ? strtol(p + k, NULL, 10) : -1;
}

static bool
copied_header(const char *line, size_t n)
{
    static const char *const names[] = { "via:", "v:", "from:", "f:", "to:", "t:", "call-id:",
                                         "i:", "cseq:", NULL };

    for (const char *const *h = names; *h != NULL; h++) {
        size_t k = strlen(*h);

        if (n >= k && strncasecmp(line, *h, k) == 0) {
            return true;
        }
    }
    return false;
}

static int
respond(int port)
{
    struct sockaddr_in me = { .sin_family = AF_INET };
    int fd = socket(AF_INET, SOCK_DGRAM, 0), size = 8 << 20;
    static char in[65536], out[65536];

    inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
    me.sin_port = htons((uint16_t) port);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
    if (bind(fd, (struct sockaddr *) &me, sizeof(me)) != 0) {
        perror("bind");
        return 3;
    }
    for (;;) {
        struct sockaddr_in from;
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(fd, in, sizeof(in) - 1, 0, (struct sockaddr *) &from, &from_len);
        size_t o = 0;
        char *line, *end;

        if (n <= 0 || strncmp(in, "SIP/2.0 ", 8) == 0 || strncmp(in, "ACK ", 4) == 0) {
            continue;
        }
        in[n] = '\0';
        o += (size_t) sprintf(out, "SIP/2.0 200 OK\r\n");
        line = strstr(in, "\r\n");
        for (line = line != NULL ? line + 2 : in + n; *line != '\0' && strncmp(line, "\r\n", 2) != 0;
             line = end + 2) {
            end = strstr(line, "\r\n");
            if (end == NULL) {
                break;
            }
            if (copied_header(line, (size_t) (end - line))) {
                memcpy(out + o, line, (size_t) (end - line) + 2);
                o += (size_t) (end - line) + 2;
            }
        }
        o += (size_t) sprintf(out + o, "Content-Length: 0\r\n\r\n");
        sendto(fd, out, o, 0, (struct sockaddr *) &from, from_len);
    }
}

static void
report(const char *what, const uint64_t *rtt_ns, long from, long step, long count)
{
    uint64_t *got = calloc((size_t) count, sizeof(uint64_t));
    long k = 0, sent = 0;

    for (long i = from; i < count; i += step) {
        sent++;
        if (rtt_ns[i] != 0) {
            got[k++] = rtt_ns[i];
        }
    }
    qsort(got, (size_t) k, sizeof(uint64_t), cmp_u64);
    printf("%s sent %ld answered %ld median_us %.1f p99_us %.1f\n", what, sent, k,
           k ? (double) got[k / 2] / 1000.0 : 0.0, k ? (double) got[(k * 99) / 100] / 1000.0 : 0.0);
    free(got);
}

int
main(int argc, char **argv)
{
    struct sockaddr_in direct = { .sin_family = AF_INET };
    int direct_port = 0;
    struct sockaddr_in dst = { .sin_family = AF_INET }, me = { .sin_family = AF_INET };
    socklen_t me_len = sizeof(me);
    long rate, count, answered = 0;
    uint64_t *sent_ns, *rtt_ns, start, interval_ns;
    unsigned run;
    int fd, target_port, ruri_port;
    char buf[4096];

    if (argc == 3 && strcmp(argv[1], "respond") == 0) {
        return respond(atoi(argv[2]));
    }
    if (argc < 4) {
        fprintf(stderr, "usage: %s TARGET_PORT RATE COUNT [RURI_PORT]\n", argv[0]);
        return 2;
    }
    target_port = atoi(argv[1]);
    rate = atol(argv[2]);
    count = atol(argv[3]);
    ruri_port = argc > 4 ? atoi(argv[4]) : target_port;
    direct_port = argc > 5 ? atoi(argv[5]) : 0;
    inet_pton(AF_INET, "127.0.0.1", &direct.sin_addr);
    direct.sin_port = htons((uint16_t) direct_port);
    if (rate <= 0 || count <= 0) {
        return 2;
    }
    run = (unsigned) getpid();
    sent_ns = calloc((size_t) count, sizeof(uint64_t));
    rtt_ns = calloc((size_t) count, sizeof(uint64_t));
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    dst.sin_port = htons((uint16_t) target_port);
    inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *) &me, sizeof(me)) != 0
        || getsockname(fd, (struct sockaddr *) &me, &me_len) != 0) {
        perror("socket");
        return 3;
    }
    interval_ns = 1000000000u / (uint64_t) rate;
    start = now_ns();
    for (long next = 0; next < count || answered < count;) {
        uint64_t now = now_ns();
        struct pollfd pfd = { fd, POLLIN, 0 };
        int wait_ms;

        if (next < count && now >= start + (uint64_t) next * interval_ns) {
            int n = snprintf(buf, sizeof(buf),
                "OPTIONS sip:bench@127.0.0.1:%d SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-b%u-%ld;rport\r\n"
                "Max-Forwards: 70\r\n"
                "To: <sip:bench@127.0.0.1:%d>\r\n"
                "From: <sip:bench@127.0.0.1:%d>;tag=%u\r\n"
                "Call-ID: bench-%u-%ld\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n",
                ruri_port, ntohs(me.sin_port), run, next, ruri_port, ntohs(me.sin_port), run,
                run, next);

            sent_ns[next] = now_ns();
            if (direct_port != 0 && next % 2 == 1) {
                sendto(fd, buf, (size_t) n, 0, (struct sockaddr *) &direct, sizeof(direct));
            } else {
                sendto(fd, buf, (size_t) n, 0, (struct sockaddr *) &dst, sizeof(dst));
            }
            next++;
            continue;
        }
        if (next >= count && now > start + (uint64_t) count * interval_ns + 2000000000u) {
            break;                       /* 2 s after the last request: the rest is lost */
        }
        wait_ms = next < count ? 0 : 10;
        if (poll(&pfd, 1, wait_ms) > 0) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            long i = answered_index(buf, n, run);

            if (i >= 0 && i < count && rtt_ns[i] == 0) {
                rtt_ns[i] = now_ns() - sent_ns[i];
                answered++;
            }
        }
    }
    if (direct_port != 0) {
        report("via", rtt_ns, 0, 2, count);
        report("direct", rtt_ns, 1, 2, count);
    } else {
        report("via", rtt_ns, 0, 1, count);
    }
    free(sent_ns);
    free(rtt_ns);
    close(fd);
    return 0;
}
