/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dispatcher_bench.c: sipha-dispatcher-bench, the load and latency tool of
 * scripts/bench-dispatcher and scripts/bench-dispatcher-instructions (a
 * benchmark, not part of the daemon).  Loopback only (127.0.0.1).  Three
 * modes:
 *
 *   sipha-dispatcher-bench TARGET_PORT RATE COUNT [RURI_PORT [DIRECT_PORT]]
 *       paced probe: sends COUNT OPTIONS requests at RATE per second to
 *       TARGET, matches each final response by Call-ID and prints
 *       "via sent N answered N median_us P p99_us P".  With DIRECT_PORT,
 *       every other request goes straight to the responder, and a second
 *       line ("direct ...") gives those RTTs (same moment, same load: the
 *       difference is what the forwarder adds);
 *   sipha-dispatcher-bench respond PORT
 *       a minimal, fast responder: answers every request with 200 OK
 *       (Via, From, To, Call-ID, CSeq copied), recvmmsg/sendmmsg in
 *       batches, so that the responder is never the limit;
 *   sipha-dispatcher-bench blast TARGET_PORT LOCAL_PORT RATE_PER_S DURATION_MS
 *                                [SAMPLE_EVERY [DIRECT_PORT [WARMUP_MS]]]
 *       open-loop load: OPTIONS transactions (unique Call-ID and branch)
 *       at RATE_PER_S from LOCAL_PORT, in sendmmsg batches on a 100 us
 *       tick, whatever comes back; the 200s are read with recvmmsg and
 *       matched by Call-ID.  Prints one line of "name value" pairs: sent,
 *       received (matched), lost, and sent_per_s / received_per_s over the
 *       window after WARMUP_MS (default 500).  With SAMPLE_EVERY > 0 every
 *       SAMPLE_EVERY-th transaction is timed (sent in a sendmmsg of its
 *       own, so its timestamp is exact); with DIRECT_PORT every other timed
 *       one goes straight to the responder: via_* and direct_* medians and
 *       p99s, the difference being what the forwarder adds at that load.
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
#include <sys/prctl.h>
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

/* Datagrams per recvmmsg/sendmmsg; bytes per datagram slot. */
#define BATCH 64
#define SLOT_BYTES 4096

static struct sockaddr_in
loopback(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };

    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    return a;
}

/* A UDP socket on 127.0.0.1:PORT (0: any) with an 8 MiB receive buffer. */
static int
bound_socket(int port)
{
    struct sockaddr_in me = loopback(port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf_bytes = 8 << 20;

    if (fd < 0) {
        perror("socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
    if (bind(fd, (struct sockaddr *) &me, sizeof(me)) != 0) {
        perror("bind");
        close(fd);
        return -1;
    }
    return fd;
}

/* Send all of MSGS[0..COUNT); returns how many the kernel refused. */
static int
send_all(int fd, struct mmsghdr *msgs, int count)
{
    int done = 0, failed = 0;

    while (done < count) {
        int n = sendmmsg(fd, msgs + done, (unsigned) (count - done), 0);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            failed++;                    /* skip the datagram that failed */
            done++;
            continue;
        }
        done += n;
    }
    return failed;
}

/* The 200 OK for request IN (LEN bytes) into OUT; 0 when IN is no request. */
static size_t
build_200(const char *in, size_t len, char *out, size_t out_size)
{
    const char *end = in + len, *line;
    size_t o;

    if (len < 8 || strncmp(in, "SIP/2.0 ", 8) == 0 || strncmp(in, "ACK ", 4) == 0) {
        return 0;
    }
    line = memchr(in, '\n', len);
    if (line == NULL) {
        return 0;
    }
    o = (size_t) snprintf(out, out_size, "SIP/2.0 200 OK\r\n");
    for (line++; line < end;) {
        const char *eol = memchr(line, '\n', (size_t) (end - line));
        size_t line_len;

        if (eol == NULL) {
            break;
        }
        line_len = (size_t) (eol - line) + 1;
        if (line_len <= 2) {
            break;                       /* the empty line: end of the headers */
        }
        if (copied_header(line, line_len) && o + line_len + 32 < out_size) {
            memcpy(out + o, line, line_len);
            o += line_len;
        }
        line = eol + 1;
    }
    o += (size_t) snprintf(out + o, out_size - o, "Content-Length: 0\r\n\r\n");
    return o;
}

/* Batched I/O state of the responder (static: 512 KiB of slots). */
struct batch_io {
    char rx_buf[BATCH][SLOT_BYTES];
    char tx_buf[BATCH][SLOT_BYTES];
    struct sockaddr_in from[BATCH];
    struct iovec rx_iov[BATCH];
    struct iovec tx_iov[BATCH];
    struct mmsghdr rx[BATCH];
    struct mmsghdr tx[BATCH];
};

static void
respond_prepare(struct batch_io *io)
{
    for (int i = 0; i < BATCH; i++) {
        io->rx_iov[i] = (struct iovec) { io->rx_buf[i], SLOT_BYTES };
        io->rx[i].msg_hdr = (struct msghdr) { .msg_iov = &io->rx_iov[i], .msg_iovlen = 1 };
    }
}

/* Answer the N datagrams in IO->rx; returns how many answers are queued. */
static int
respond_batch(struct batch_io *io, int n)
{
    int k = 0;

    for (int i = 0; i < n; i++) {
        size_t len = build_200(io->rx_buf[i], io->rx[i].msg_len, io->tx_buf[k], SLOT_BYTES);

        if (len == 0) {
            continue;
        }
        io->tx_iov[k] = (struct iovec) { io->tx_buf[k], len };
        io->tx[k].msg_hdr = (struct msghdr) { .msg_name = &io->from[i],
                                              .msg_namelen = io->rx[i].msg_hdr.msg_namelen,
                                              .msg_iov = &io->tx_iov[k],
                                              .msg_iovlen = 1 };
        k++;
    }
    return k;
}

static int
respond(int port)
{
    static struct batch_io io;
    int fd = bound_socket(port);

    if (fd < 0) {
        return 3;
    }
    respond_prepare(&io);
    for (;;) {
        int n;

        for (int i = 0; i < BATCH; i++) {
            io.rx[i].msg_hdr.msg_name = &io.from[i];
            io.rx[i].msg_hdr.msg_namelen = sizeof(io.from[i]);
        }
        n = recvmmsg(fd, io.rx, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) {
            continue;
        }
        send_all(fd, io.tx, respond_batch(&io, n));
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

static int
probe(int argc, char **argv)
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

/* ---- blast: open-loop load ---- */

struct blast_cfg {
    int target_port, local_port, direct_port;
    long rate_per_s, duration_ms, warmup_ms, sample_every;
};

struct blast {
    struct blast_cfg cfg;
    int fd;
    unsigned run;
    long capacity;                       /* transactions that fit the arrays */
    long sent, matched, send_errors, sent_window, received_window;
    uint8_t *answered;                   /* per transaction: 1 once matched */
    uint64_t *sample_sent_ns, *sample_rtt_ns; /* per timed transaction */
    uint64_t start_ns, window_start_ns, end_ns;
    struct sockaddr_in target, direct;
    char tx_buf[BATCH][512];
    struct iovec tx_iov[BATCH];
    struct mmsghdr tx[BATCH];
    char rx_buf[BATCH][SLOT_BYTES];
    struct iovec rx_iov[BATCH];
    struct mmsghdr rx[BATCH];
};

/* The timed-transaction slot of transaction INDEX, or -1. */
static long
sample_slot(const struct blast *b, long index)
{
    if (b->cfg.sample_every <= 0 || index % b->cfg.sample_every != 0) {
        return -1;
    }
    return index / b->cfg.sample_every;
}

/* Every other timed transaction goes straight to the responder. */
static bool
goes_direct(const struct blast *b, long index)
{
    long slot = sample_slot(b, index);

    return b->cfg.direct_port != 0 && slot >= 0 && slot % 2 == 1;
}

/* Transaction INDEX into batch slot K: an OPTIONS like SIPp's scenario. */
static void
blast_fill(struct blast *b, int k, long index)
{
    int port = b->cfg.local_port;
    int n = snprintf(b->tx_buf[k], sizeof(b->tx_buf[k]),
                     "OPTIONS sip:bench@127.0.0.1:%d SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-bl%u-%ld\r\n"
                     "From: <sip:bench@127.0.0.1:%d>;tag=%ld\r\n"
                     "To: <sip:bench@127.0.0.1:%d>\r\n"
                     "Call-ID: blast-%u-%ld\r\n"
                     "CSeq: 1 OPTIONS\r\n"
                     "Max-Forwards: 70\r\n"
                     "Content-Length: 0\r\n\r\n",
                     b->cfg.target_port, port, b->run, index, port, index, b->cfg.target_port,
                     b->run, index);

    b->tx_iov[k] = (struct iovec) { b->tx_buf[k], (size_t) n };
    b->tx[k].msg_hdr = (struct msghdr) {
        .msg_name = goes_direct(b, index) ? &b->direct : &b->target,
        .msg_namelen = sizeof(struct sockaddr_in),
        .msg_iov = &b->tx_iov[k],
        .msg_iovlen = 1,
    };
}

/* Send COUNT transactions from FIRST on; a timed one starts a sendmmsg
 * of its own, its timestamp taken just before. */
static void
blast_send(struct blast *b, long first, int count)
{
    int done = 0;

    for (int k = 0; k < count; k++) {
        blast_fill(b, k, first + k);
    }
    while (done < count) {
        long slot = sample_slot(b, first + done);
        int end = done + 1;

        while (end < count && sample_slot(b, first + end) < 0) {
            end++;
        }
        if (slot >= 0) {
            b->sample_sent_ns[slot] = now_ns();
        }
        b->send_errors += send_all(b->fd, b->tx + done, end - done);
        done = end;
    }
}

/* Send what the rate says is due by NOW (in batches). */
static void
blast_send_due(struct blast *b, uint64_t now)
{
    long due = (long) ((now - b->start_ns) * (uint64_t) b->cfg.rate_per_s / 1000000000u);

    if (due > b->capacity) {
        due = b->capacity;
    }
    while (b->sent < due) {
        int count = due - b->sent < BATCH ? (int) (due - b->sent) : BATCH;

        blast_send(b, b->sent, count);
        if (now >= b->window_start_ns) {
            b->sent_window += count;
        }
        b->sent += count;
    }
}

/* Which transaction a 200 answers (from its Call-ID), or -1. */
static long
blast_index(const struct blast *b, const char *buf, size_t len)
{
    char want[32];
    int k = snprintf(want, sizeof(want), "Call-ID: blast-%u-", b->run);
    const char *p;

    if (len < 12 || strncmp(buf, "SIP/2.0 200", 11) != 0) {
        return -1;
    }
    p = memmem(buf, len, want, (size_t) k);
    if (p == NULL) {
        return -1;
    }
    return strtol(p + k, NULL, 10);
}

static void
blast_match(struct blast *b, const char *buf, size_t len, uint64_t now)
{
    long index = blast_index(b, buf, len), slot;

    if (index < 0 || index >= b->sent || b->answered[index]) {
        return;                          /* not ours, or a duplicate */
    }
    b->answered[index] = 1;
    b->matched++;
    if (now >= b->window_start_ns && now < b->end_ns) {
        b->received_window++;
    }
    slot = sample_slot(b, index);
    if (slot >= 0) {
        b->sample_rtt_ns[slot] = now - b->sample_sent_ns[slot];
    }
}

/* Read everything waiting, BATCH datagrams per recvmmsg. */
static void
blast_receive(struct blast *b)
{
    for (;;) {
        int n = recvmmsg(b->fd, b->rx, BATCH, MSG_DONTWAIT, NULL);
        uint64_t now = now_ns();

        if (n <= 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            b->rx_buf[i][b->rx[i].msg_len] = '\0'; /* strtol stops there at the latest */
            blast_match(b, b->rx_buf[i], b->rx[i].msg_len, now);
        }
        if (n < BATCH) {
            return;
        }
    }
}

/* Wait for a response or until the next 100 us tick. */
static void
blast_wait(const struct blast *b)
{
    struct pollfd pfd = { b->fd, POLLIN, 0 };
    struct timespec tick = { 0, 100000 };

    ppoll(&pfd, 1, &tick, NULL);
}

/* Median and p99 (us) of the timed transactions from slot FROM, every
 * STEP-th, sent inside the window; "NAME_samples N NAME_median_us ..." */
static void
blast_report_rtt(const struct blast *b, const char *name, long from, long step)
{
    long slots = b->cfg.sample_every > 0 ? b->sent / b->cfg.sample_every + 1 : 0, k = 0, sent = 0;
    uint64_t *rtt_ns = calloc((size_t) slots + 1, sizeof(uint64_t));

    for (long s = from; s < slots && rtt_ns != NULL; s += step) {
        if (b->sample_sent_ns[s] < b->window_start_ns || b->sample_sent_ns[s] >= b->end_ns) {
            continue;
        }
        sent++;
        if (b->sample_rtt_ns[s] != 0) {
            rtt_ns[k++] = b->sample_rtt_ns[s];
        }
    }
    qsort(rtt_ns, (size_t) k, sizeof(uint64_t), cmp_u64);
    printf(" %s_samples %ld %s_answered %ld %s_median_us %.1f %s_p99_us %.1f", name, sent, name, k,
           name, k ? (double) rtt_ns[k / 2] / 1000.0 : 0.0, name,
           k ? (double) rtt_ns[(k * 99) / 100] / 1000.0 : 0.0);
    free(rtt_ns);
}

static void
blast_report(const struct blast *b)
{
    double window_s = (double) (b->end_ns - b->window_start_ns) / 1e9;

    printf("offered_per_s %ld sent %ld received %ld lost %ld send_errors %ld"
           " sent_per_s %.0f received_per_s %.0f",
           b->cfg.rate_per_s, b->sent, b->matched, b->sent - b->matched, b->send_errors,
           (double) b->sent_window / window_s, (double) b->received_window / window_s);
    if (b->cfg.sample_every > 0) {
        long step = b->cfg.direct_port != 0 ? 2 : 1;

        blast_report_rtt(b, "via", 0, step);
        if (b->cfg.direct_port != 0) {
            blast_report_rtt(b, "direct", 1, 2);
        }
    }
    printf("\n");
}

static bool
blast_parse(struct blast_cfg *cfg, int argc, char **argv)
{
    if (argc < 6) {
        return false;
    }
    cfg->target_port = atoi(argv[2]);
    cfg->local_port = atoi(argv[3]);
    cfg->rate_per_s = atol(argv[4]);
    cfg->duration_ms = atol(argv[5]);
    cfg->sample_every = argc > 6 ? atol(argv[6]) : 0;
    cfg->direct_port = argc > 7 ? atoi(argv[7]) : 0;
    cfg->warmup_ms = argc > 8 ? atol(argv[8]) : 500;
    return cfg->target_port > 0 && cfg->local_port > 0 && cfg->rate_per_s > 0
           && cfg->duration_ms > cfg->warmup_ms && cfg->warmup_ms >= 0 && cfg->sample_every >= 0;
}

static bool
blast_init(struct blast *b)
{
    long slots;

    b->capacity = b->cfg.rate_per_s * (b->cfg.duration_ms / 1000 + 1) + BATCH;
    slots = b->cfg.sample_every > 0 ? b->capacity / b->cfg.sample_every + 1 : 1;
    b->answered = calloc((size_t) b->capacity, 1);
    b->sample_sent_ns = calloc((size_t) slots, sizeof(uint64_t));
    b->sample_rtt_ns = calloc((size_t) slots, sizeof(uint64_t));
    b->target = loopback(b->cfg.target_port);
    b->direct = loopback(b->cfg.direct_port);
    b->run = (unsigned) getpid();
    for (int i = 0; i < BATCH; i++) {
        b->rx_iov[i] = (struct iovec) { b->rx_buf[i], SLOT_BYTES - 1 }; /* room for a NUL */
        b->rx[i].msg_hdr = (struct msghdr) { .msg_iov = &b->rx_iov[i], .msg_iovlen = 1 };
    }
    b->fd = bound_socket(b->cfg.local_port);
    return b->answered != NULL && b->sample_sent_ns != NULL && b->sample_rtt_ns != NULL && b->fd >= 0;
}

static void
blast_free(struct blast *b)
{
    if (b->fd >= 0) {
        close(b->fd);
    }
    free(b->answered);
    free(b->sample_sent_ns);
    free(b->sample_rtt_ns);
    free(b);
}

/* Offered load for DURATION_MS, then 1 s for the last answers. */
static int
blast_main(int argc, char **argv)
{
    struct blast *b = calloc(1, sizeof(*b));
    uint64_t drain_end_ns;

    if (b == NULL || !blast_parse(&b->cfg, argc, argv)) {
        fprintf(stderr, "usage: %s blast TARGET_PORT LOCAL_PORT RATE_PER_S DURATION_MS"
                        " [SAMPLE_EVERY [DIRECT_PORT [WARMUP_MS]]]\n", argv[0]);
        free(b);
        return 2;
    }
    if (!blast_init(b)) {
        blast_free(b);
        return 3;
    }
    prctl(PR_SET_TIMERSLACK, 1UL);       /* 100 us ticks, not 150 */
    b->start_ns = now_ns();
    b->window_start_ns = b->start_ns + (uint64_t) b->cfg.warmup_ms * 1000000u;
    b->end_ns = b->start_ns + (uint64_t) b->cfg.duration_ms * 1000000u;
    drain_end_ns = b->end_ns + 1000000000u;
    for (uint64_t now = now_ns(); now < drain_end_ns; now = now_ns()) {
        if (now < b->end_ns) {
            blast_send_due(b, now);
        }
        blast_receive(b);
        blast_wait(b);
    }
    blast_report(b);
    blast_free(b);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "respond") == 0) {
        return respond(atoi(argv[2]));
    }
    if (argc >= 2 && strcmp(argv[1], "blast") == 0) {
        return blast_main(argc, argv);
    }
    return probe(argc, argv);
}
