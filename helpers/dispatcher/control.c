/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.c: the control socket (see control.h).
 *
 * Every client is a small state machine on the control thread's main loop:
 * read what is there until a line is complete, answer, write what the
 * socket takes, close.  Nothing waits on a client: one that sends a byte a
 * second, or never reads its answer, costs a file descriptor until its
 * deadline, and the other clients (and the rest of the control side) go
 * on.  Forwarding is on another thread altogether (worker.h).
 */
#define _GNU_SOURCE 1
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "control.h"
#include "sipha_log.h"

/* Clients served at once; more are closed at once. */
#define CONTROL_CLIENTS_MAX 16
/* A client has this long to send its line and read the answer. */
#define CONTROL_CLIENT_TIMEOUT_MS 5000
#define CONTROL_LINE_MAX 512
#define CONTROL_GROUP "haclient"

struct control {
    int fd;
    gchar *path;
    control_handler_fn handler;
    gpointer user_data;
    guint source_id;
    int clients;
    GList *client_list;
};

struct client {
    struct control *ctl;
    int fd;
    char line[CONTROL_LINE_MAX];
    size_t used;
    GString *out;
    size_t off;
    guint io_id;
    guint timeout_id;
};

static void
client_free(struct client *c)
{
    if (c->io_id != 0) {
        g_source_remove(c->io_id);
    }
    if (c->timeout_id != 0) {
        g_source_remove(c->timeout_id);
    }
    close(c->fd);
    if (c->out != NULL) {
        g_string_free(c->out, TRUE);
    }
    c->ctl->clients--;
    c->ctl->client_list = g_list_remove(c->ctl->client_list, c);
    g_free(c);
}

static gboolean
on_client_timeout(gpointer data)
{
    struct client *c = data;

    c->timeout_id = 0;
    sipha_info("Control client too slow: closed");
    client_free(c);
    return G_SOURCE_REMOVE;
}

static gboolean
on_client_writable(gint fd, GIOCondition condition, gpointer data)
{
    struct client *c = data;

    while (c->off < c->out->len) {
        ssize_t n = send(fd, c->out->str + c->off, c->out->len - c->off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n <= 0) {
            break;
        }
        c->off += (size_t) n;
    }
    c->io_id = 0;
    client_free(c);
    return G_SOURCE_REMOVE;
}

/* The line is complete (or the client stopped sending): answer it. */
static void
answer(struct client *c)
{
    c->line[c->used] = '\0';
    c->line[strcspn(c->line, "\r\n")] = '\0';
    c->out = g_string_new(NULL);
    c->ctl->handler(c->line, c->out, c->ctl->user_data);
    c->io_id = g_unix_fd_add(c->fd, G_IO_OUT, on_client_writable, c);
}

static gboolean
on_client_readable(gint fd, GIOCondition condition, gpointer data)
{
    struct client *c = data;

    while (c->used < sizeof(c->line) - 1) {
        ssize_t n = read(fd, c->line + c->used, sizeof(c->line) - 1 - c->used);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return G_SOURCE_CONTINUE;
        }
        if (n <= 0) {
            break;              /* end of the request, or an error */
        }
        c->used += (size_t) n;
        if (memchr(c->line, '\n', c->used) != NULL) {
            break;
        }
    }
    c->io_id = 0;
    if (c->used == 0) {
        client_free(c);         /* connected and left */
    } else {
        answer(c);
    }
    return G_SOURCE_REMOVE;
}

/* Whether GID is the group of the cluster's administrators. */
static bool
is_admin_group(gid_t gid)
{
    struct group *gr = getgrnam(CONTROL_GROUP);

    return gr != NULL && gr->gr_gid == gid;
}

/* Root, this daemon's own user, or a member of haclient (as Pacemaker's
 * own tools): the socket's mode says the same, this is the second lock. */
static bool
peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    gid_t groups[256];
    socklen_t glen = sizeof(groups);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return false;
    }
    if (cred.uid == 0 || cred.uid == geteuid() || is_admin_group(cred.gid)) {
        return true;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) != 0) {
        return false;
    }
    for (size_t i = 0; i < glen / sizeof(gid_t); i++) {
        if (is_admin_group(groups[i])) {
            return true;
        }
    }
    return false;
}

static gboolean
on_connection(gint fd, GIOCondition condition, gpointer data)
{
    struct control *ctl = data;
    struct client *c;
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    static const char refused[] = "error: permission denied (root or group " CONTROL_GROUP ")\n";

    if (client < 0) {
        return G_SOURCE_CONTINUE;
    }
    if (ctl->clients >= CONTROL_CLIENTS_MAX) {
        sipha_info("Control socket: %d clients already, one more closed", ctl->clients);
        close(client);
        return G_SOURCE_CONTINUE;
    }
    if (!peer_allowed(client)) {
        sipha_notice("Control socket: a client that is neither root nor in group "
                     CONTROL_GROUP " refused");
        (void) send(client, refused, sizeof(refused) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(client);
        return G_SOURCE_CONTINUE;
    }
    c = g_new0(struct client, 1);
    c->ctl = ctl;
    c->fd = client;
    ctl->clients++;
    ctl->client_list = g_list_prepend(ctl->client_list, c);
    c->io_id = g_unix_fd_add(client, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_readable, c);
    c->timeout_id = g_timeout_add(CONTROL_CLIENT_TIMEOUT_MS, on_client_timeout, c);
    return G_SOURCE_CONTINUE;
}

/* Bind with mode 0600 from the start (no moment when anyone else could
 * connect), then open it to group haclient, if there is one. */
static int
bind_private(int fd, const struct sockaddr_un *sun, const char *path)
{
    mode_t old = umask(0177);
    int rc = bind(fd, (const struct sockaddr *) sun, sizeof(*sun));
    struct group *gr;

    umask(old);
    if (rc != 0) {
        return -errno;
    }
    gr = getgrnam(CONTROL_GROUP);
    if (gr != NULL && chown(path, (uid_t) -1, gr->gr_gid) == 0) {
        chmod(path, 0660);
    }
    return 0;
}

struct control *
control_listen(const char *path, control_handler_fn handler, gpointer user_data)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct control *ctl;
    gchar *dir;
    int fd, rc;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        sipha_err("Control socket path too long: %s", path);
        return NULL;
    }
    dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sipha_err("Control socket: %s", strerror(errno));
        return NULL;
    }
    unlink(path);
    rc = bind_private(fd, &sun, path);
    if (rc == 0 && listen(fd, 16) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        sipha_err("Control socket %s: %s", path, strerror(-rc));
        close(fd);
        return NULL;
    }
    ctl = g_new0(struct control, 1);
    ctl->fd = fd;
    ctl->path = g_strdup(path);
    ctl->handler = handler;
    ctl->user_data = user_data;
    ctl->source_id = g_unix_fd_add(fd, G_IO_IN, on_connection, ctl);
    return ctl;
}

void
control_close(struct control *ctl)
{
    if (ctl == NULL) {
        return;
    }
    while (ctl->client_list != NULL) {
        client_free(ctl->client_list->data);
    }
    g_source_remove(ctl->source_id);
    close(ctl->fd);
    if (unlink(ctl->path) != 0 && errno != ENOENT) {
        sipha_warn("Cannot remove the control socket %s: %s", ctl->path, strerror(errno));
    }
    g_free(ctl->path);
    g_free(ctl);
}
