/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe-responder: a fast SIP OPTIONS answerer for scripts/bench-probe.
 * One process, COUNT UDP ports from FIRST_PORT on an IPv4 loopback address,
 * one epoll loop; every request is answered "200 OK" with the request's
 * headers copied back (Via, From, To, Call-ID, CSeq...).  A responder that is
 * never the bottleneck, so the benchmark measures the prober.
 *
 * Usage: probe-responder HOST FIRST_PORT COUNT [READY_FILE]
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void
answer(int fd)
{
    char req[65536], resp[65600];
    struct sockaddr_storage from;

    for (;;) {
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(fd, req, sizeof(req) - 1, MSG_DONTWAIT, (struct sockaddr *) &from,
                             &from_len);
        char *headers;
        int len;

        if (n <= 0) {
            return;
        }
        req[n] = '\0';
        headers = strstr(req, "\r\n");
        if ((headers == NULL) || (strncmp(req, "SIP/2.0", 7) == 0)) {
            continue;                           /* not a request */
        }
        len = snprintf(resp, sizeof(resp), "SIP/2.0 200 OK%s", headers);
        if ((len > 0) && ((size_t) len < sizeof(resp))) {
            sendto(fd, resp, (size_t) len, 0, (struct sockaddr *) &from, from_len);
        }
    }
}

int
main(int argc, char **argv)
{
    struct sockaddr_in sin;
    int first, count, ep;

    if (argc < 4) {
        fprintf(stderr, "usage: probe-responder HOST FIRST_PORT COUNT [READY_FILE]\n");
        return 2;
    }
    first = atoi(argv[2]);
    count = atoi(argv[3]);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
        fprintf(stderr, "probe-responder: bad IPv4 address %s\n", argv[1]);
        return 2;
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    for (int port = first; port < first + count; port++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct epoll_event ev = { .events = EPOLLIN };

        sin.sin_port = htons((uint16_t) port);
        if ((fd < 0) || (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0)) {
            fprintf(stderr, "probe-responder: port %d: %s\n", port, strerror(errno));
            return 1;
        }
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    if (argc > 4) {
        FILE *f = fopen(argv[4], "w");

        if (f != NULL) {
            fprintf(f, "%d\n", (int) getpid());
            fclose(f);
        }
    }
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);

        for (int i = 0; i < n; i++) {
            answer(evs[i].data.fd);
        }
    }
}
