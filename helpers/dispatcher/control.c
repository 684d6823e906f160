/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control.c: the control socket (see control.h). */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "control.h"
#include "sipha_log.h"

struct control {
    int fd;
    control_handler_fn handler;
    gpointer user_data;
};

/* Read one line with a short deadline: a stuck client must not stall
 * forwarding. */
static ssize_t
read_line(int fd, char *buf, size_t size)
{
    size_t used = 0;

    while (used < size - 1) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        ssize_t n;

        if (poll(&pfd, 1, 200) <= 0) {
            break;
        }
        n = read(fd, buf + used, size - 1 - used);
        if (n <= 0) {
            break;
        }
        used += (size_t) n;
        if (memchr(buf, '\n', used) != NULL) {
            break;
        }
    }
    buf[used] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return (ssize_t) used;
}

static gboolean
on_connection(gint fd, GIOCondition condition, gpointer data)
{
    struct control *ctl = data;
    char line[512];
    GString *out;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    size_t off = 0;

    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    read_line(client, line, sizeof(line));
    out = g_string_new(NULL);
    ctl->handler(line, out, ctl->user_data);
    while (off < out->len) {
        struct pollfd pfd = { client, POLLOUT, 0 };
        ssize_t n;

        if (poll(&pfd, 1, 200) <= 0) {
            break;
        }
        n = send(client, out->str + off, out->len - off, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        off += (size_t) n;
    }
    g_string_free(out, TRUE);
    close(client);
    return G_SOURCE_CONTINUE;
}

static void
control_free(gpointer data)
{
    struct control *ctl = data;

    close(ctl->fd);
    g_free(ctl);
}

guint
control_listen(const char *path, control_handler_fn handler, gpointer user_data)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct control *ctl;
    gchar *dir;
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        sipha_err("Control socket path too long: %s", path);
        return 0;
    }
    dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sipha_err("Control socket: %s", strerror(errno));
        return 0;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0 || listen(fd, 16) != 0) {
        sipha_err("Control socket %s: %s", path, strerror(errno));
        close(fd);
        return 0;
    }
    chmod(path, 0600);   /* drain and reload are for root (or the owner) */
    ctl = g_new0(struct control, 1);
    ctl->fd = fd;
    ctl->handler = handler;
    ctl->user_data = user_data;
    return g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, G_IO_IN, on_connection, ctl, control_free);
}

void
control_close(guint source_id, const char *path)
{
    if (source_id != 0) {
        g_source_remove(source_id);
        unlink(path);
    }
}
