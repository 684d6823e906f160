/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.c: sipha-dispatcherctl, the operator's view of a running dispatcher.
 *
 *   sipha-dispatcherctl [-s SOCKET] status|stats|proxies|takeover|reload
 *   sipha-dispatcherctl [-s SOCKET] drain|undrain NAME|ADDR
 *   sipha-dispatcherctl [-s SOCKET] pick CALL-ID   (proxy for a new dialog, in dialog)
 *
 * Exit codes: 0 ok, 1 the dispatcher refused the command, 2 usage,
 * 3 the dispatcher could not be reached.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "disp_config.h"

static int
usage(void)
{
    fprintf(stderr, "usage: sipha-dispatcherctl [-s SOCKET] "
            "status|stats|proxies|takeover|reload|drain NAME|undrain NAME|pick CALL-ID\n");
    return 2;
}

int
main(int argc, char **argv)
{
    const char *path = DISP_DEFAULT_CONTROL;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    char request[512] = "";
    char reply[4096];
    int fd, i = 1, rc = 0;
    size_t total = 0;
    ssize_t n;

    if (argc > 2 && (strcmp(argv[1], "-s") == 0 || strcmp(argv[1], "--socket") == 0)) {
        path = argv[2];
        i = 3;
    }
    if (i >= argc || strlen(path) >= sizeof(sun.sun_path)) {
        return usage();
    }
    for (; i < argc; i++) {
        if (strlen(request) + strlen(argv[i]) + 2 >= sizeof(request)) {
            return usage();
        }
        strcat(request, argv[i]);
        strcat(request, i + 1 < argc ? " " : "\n");
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
        fprintf(stderr, "sipha-dispatcherctl: %s: %s\n", path, strerror(errno));
        return 3;
    }
    if (write(fd, request, strlen(request)) < 0) {
        fprintf(stderr, "sipha-dispatcherctl: %s\n", strerror(errno));
        close(fd);
        return 3;
    }
    /* the first line is the verdict: "ok" is implied by exit 0 and not
     * printed; "error: why" goes to stderr */
    while ((n = read(fd, reply, sizeof(reply))) > 0) {
        char *body = reply;
        size_t len = (size_t) n;

        if (total == 0) {
            char *nl = memchr(reply, '\n', len);
            size_t first = nl != NULL ? (size_t) (nl - reply) + 1 : len;

            if (strncmp(reply, "error", 5) == 0) {
                rc = 1;
                fprintf(stderr, "sipha-dispatcherctl: %.*s", (int) first, reply);
            }
            body += first;
            len -= first;
        }
        total += (size_t) n;
        fwrite(body, 1, len, stdout);
    }
    close(fd);
    return total == 0 ? 3 : rc;
}
